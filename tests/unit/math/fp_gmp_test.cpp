// Random cross-checks of every field operation against GMP: 100,000 cases per operation and
// scalar field, 20,000 for the base fields of the pairing curves. Inputs mix uniform elements
// with edge values (0, 1, p-1, powers of two, ...).
#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <vector>

#include "math/fields.h"
#include "math/ifma.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

using testing::Mpz;

template <typename F>
class FpGmpTest : public ::testing::Test {
 protected:
  static constexpr bool kBaseField =
      std::is_same_v<F, Bls12_381_Fq> || std::is_same_v<F, Bn254_Fq>;
  static constexpr int kCases = kBaseField ? 20000 : 100000;

  void SetUp() override {
    testing::modulus_mpz<F>(p_);
    // Edge values: 0, 1, 2, p-1, p-2, (p-1)/2, (p+1)/2, 2^64 - 1, 2^64, 2^128 - 1, 2^128,
    // 2^192, 2^(bits-1), R mod p.
    const char* const small[] = {"0", "1", "2"};
    for (const char* s : small) add_special_dec(s);
    Mpz x;
    mpz_sub_ui(x, p_, 1);
    add_special(x);
    mpz_sub_ui(x, p_, 2);
    add_special(x);
    mpz_sub_ui(x, p_, 1);
    mpz_fdiv_q_2exp(x, x, 1);
    add_special(x);
    mpz_add_ui(x, x, 1);
    add_special(x);
    for (unsigned e : {64u, 128u, 192u, F::bits() - 1}) {
      mpz_ui_pow_ui(x, 2, e);
      add_special(x);
      mpz_sub_ui(x, x, 1);
      add_special(x);
    }
    mpz_ui_pow_ui(x, 2, 256);
    mpz_mod(x, x, p_);
    add_special(x);
  }

  void add_special_dec(const char* dec) {
    Mpz x(dec);
    add_special(x);
  }
  void add_special(const mpz_t x) {
    Mpz r;
    mpz_mod(r, x, p_);
    specials_.push_back(testing::from_mpz<F>(r));
  }

  // Every 8th input is an edge value, the rest uniform.
  F sample(Rng& rng, int i) {
    if (i % 8 == 0) return specials_[static_cast<std::size_t>(rng.next_u64() % specials_.size())];
    return F::random(rng);
  }

  // Compares x with the canonical residue of `expected`; records the first mismatch.
  void check(const F& x, const mpz_t expected, const char* op, int i) {
    Mpz e, form;
    mpz_mod(e, expected, p_);
    // The internal (Montgomery) form must be fully reduced too: an unreduced form can still
    // convert to the right canonical value.
    testing::limbs_to_mpz(x.mont(), form);
    if (mpz_cmp(form, p_) >= 0) {
      if (failures_++ == 0) first_failure_ = std::string(op) + " case " + std::to_string(i) +
                                             ": internal form not below p";
      return;
    }
    if (x.to_canonical() != testing::mpz_to_limbs<F::kLimbs>(e)) {
      if (failures_++ == 0) {
        Mpz got;
        testing::to_mpz(x, got);
        first_failure_ = std::string(op) + " case " + std::to_string(i) + ": got " +
                         testing::mpz_str(got) + " expected " + testing::mpz_str(e);
      }
    }
  }
  void expect_no_failures() { EXPECT_EQ(failures_, 0) << first_failure_; }

  Mpz p_;
  std::vector<F> specials_;
  int failures_ = 0;
  std::string first_failure_;
};

TYPED_TEST_SUITE(FpGmpTest, testing::PrimeFields);

TYPED_TEST(FpGmpTest, ModulusMatchesSpec) {
  using F = TypeParam;
  const char* dec = nullptr;
  if constexpr (std::is_same_v<F, Bls12_381_Fr>) {
    dec = "52435875175126190479447740508185965837690552500527637822603658699938581184513";
  } else if constexpr (std::is_same_v<F, Bn254_Fr>) {
    dec = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
  } else if constexpr (std::is_same_v<F, Bls12_381_Fq>) {
    dec = "400240955522166739341778982573590415655688281993900788533205"
          "8136124031650490837864442687629129015664037894272559787";
  } else if constexpr (std::is_same_v<F, Bn254_Fq>) {
    dec = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
  } else {
    dec = "7237005577332262213973186563042994240857116359379907606001950938285454250989";
  }
  Mpz expected(dec);
  EXPECT_EQ(mpz_cmp(this->p_, expected), 0);
  EXPECT_NE(mpz_probab_prime_p(this->p_, 30), 0);
  EXPECT_EQ(F::bits(), mpz_sizeinbase(this->p_, 2));
}

TYPED_TEST(FpGmpTest, CanonicalRoundTrip) {
  using F = TypeParam;
  SeededRng rng(1);
  Mpz a;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i);
    testing::to_mpz(x, a);
    EXPECT_LT(mpz_cmp(a, this->p_), 0);
    this->check(F::from_canonical(testing::mpz_to_limbs<F::kLimbs>(a)), a, "canonical", i);
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Add) {
  using F = TypeParam;
  SeededRng rng(2);
  Mpz a, b, r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i), y = this->sample(rng, i + 3);
    testing::to_mpz(x, a);
    testing::to_mpz(y, b);
    mpz_add(r, a, b);
    this->check(x + y, r, "add", i);
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Sub) {
  using F = TypeParam;
  SeededRng rng(3);
  Mpz a, b, r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i), y = this->sample(rng, i + 5);
    testing::to_mpz(x, a);
    testing::to_mpz(y, b);
    mpz_sub(r, a, b);
    this->check(x - y, r, "sub", i);
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Neg) {
  using F = TypeParam;
  SeededRng rng(4);
  Mpz a, r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i);
    testing::to_mpz(x, a);
    mpz_neg(r, a);
    this->check(-x, r, "neg", i);
  }
  this->expect_no_failures();
}

// Sets the multiplication kernel for the lifetime of the object (both are checked against GMP:
// the mulx kernel where the CPU has BMI2, and the portable one everywhere).
class KernelScope {
 public:
  explicit KernelScope(bool use_mulx) {
#if STOFFEL_MATH_HAVE_MULX
    saved_ = detail::g_use_mulx;
    detail::g_use_mulx = use_mulx && __builtin_cpu_supports("bmi2");
#else
    (void)use_mulx;
#endif
  }
  ~KernelScope() {
#if STOFFEL_MATH_HAVE_MULX
    detail::g_use_mulx = saved_;
#endif
  }
  KernelScope(const KernelScope&) = delete;
  KernelScope& operator=(const KernelScope&) = delete;

 private:
  bool saved_ = false;
};

TYPED_TEST(FpGmpTest, Mul) {
  using F = TypeParam;
  for (bool use_mulx : {true, false}) {
    KernelScope kernel(use_mulx);
    SeededRng rng(5);
    Mpz a, b, r;
    for (int i = 0; i < TestFixture::kCases; ++i) {
      const F x = this->sample(rng, i), y = this->sample(rng, i + 1);
      testing::to_mpz(x, a);
      testing::to_mpz(y, b);
      mpz_mul(r, a, b);
      this->check(x * y, r, use_mulx ? "mul (mulx kernel)" : "mul (generic kernel)", i);
      // In place, and in place with aliasing (x *= x).
      F z = x;
      z *= y;
      this->check(z, r, use_mulx ? "mul-assign (mulx)" : "mul-assign (generic)", i);
      F w = x;
      w *= w;
      mpz_mul(r, a, a);
      this->check(w, r, use_mulx ? "self mul-assign (mulx)" : "self mul-assign (generic)", i);
    }
  }
  this->expect_no_failures();
}

// The preprocessing matrix's kernel: 2^-64 * sum k_i x_i with sum k_i < 2^62, against GMP,
// with up to 14 terms, coefficients up to the bound (one of them alone at 2^62 - 1) and edge
// values among the x.
TYPED_TEST(FpGmpTest, SmallCombination) {
  using F = TypeParam;
  SeededRng rng(23);
  Mpz inv, two64, a, acc, term;
  mpz_ui_pow_ui(two64, 2, 64);
  ASSERT_NE(mpz_invert(inv, two64, this->p_), 0);
  const int cases = TestFixture::kCases / 10;
  for (int i = 0; i < cases; ++i) {
    const std::size_t m = 1 + static_cast<std::size_t>(rng.next_u64() % 14), cols = 3;
    std::vector<std::uint64_t> k(m);
    const std::uint64_t budget = (std::uint64_t{1} << 62) - 1;
    if (i % 5 == 0) {
      k[rng.next_u64() % m] = budget;  // all of the bound on one term
    } else {
      for (auto& v : k) v = rng.next_u64() % (budget / m + 1);
    }
    std::vector<F> src(m * cols), out(cols);
    for (std::size_t j = 0; j < src.size(); ++j) src[j] = this->sample(rng, i + static_cast<int>(j));
    F::small_combination(k, src.data(), cols, cols, out.data());
    for (std::size_t c = 0; c < cols; ++c) {
      mpz_set_ui(acc, 0);
      for (std::size_t j = 0; j < m; ++j) {
        testing::to_mpz(src[j * cols + c], a);
        mpz_set_ui(term, 0);
        mpz_import(term, 1, -1, sizeof(std::uint64_t), 0, 0, &k[j]);
        mpz_addmul(acc, a, term);
      }
      mpz_mul(acc, acc, inv);
      this->check(out[c], acc, "small_combination", i);
    }
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Square) {
  using F = TypeParam;
  for (bool use_mulx : {true, false}) {
    KernelScope kernel(use_mulx);
    SeededRng rng(6);
    Mpz a, r;
    for (int i = 0; i < TestFixture::kCases; ++i) {
      const F x = this->sample(rng, i);
      testing::to_mpz(x, a);
      mpz_mul(r, a, a);
      this->check(x.square(), r, use_mulx ? "square (mulx)" : "square (generic)", i);
    }
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Inverse) {
  using F = TypeParam;
  SeededRng rng(7);
  Mpz a, r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i);
    testing::to_mpz(x, a);
    if (mpz_sgn(a.v) == 0) {
      this->check(x.inverse(), a, "inverse(0) = 0", i);
      EXPECT_FALSE(x.checked_inverse().ok());
      continue;
    }
    ASSERT_NE(mpz_invert(r, a, this->p_), 0);
    this->check(x.inverse(), r, "inverse", i);
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, BatchInverse) {
  using F = TypeParam;
  SeededRng rng(8);
  Mpz a, r;
  std::vector<F> xs(1000), scratch(1000);
  for (int round = 0; round < TestFixture::kCases / 1000; ++round) {
    for (int i = 0; i < 1000; ++i) xs[static_cast<std::size_t>(i)] = this->sample(rng, i);
    std::vector<F> inv = xs;
    batch_inverse(std::span<F>(inv), std::span<F>(scratch));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      testing::to_mpz(xs[i], a);
      if (mpz_sgn(a.v) == 0) {
        this->check(inv[i], a, "batch_inverse(0)", static_cast<int>(i));
      } else {
        mpz_invert(r, a, this->p_);
        this->check(inv[i], r, "batch_inverse", static_cast<int>(i));
      }
    }
  }
  // Fewer values than the interleaved chains, and counts around them, zeros among them.
  for (std::size_t n = 1; n <= 9; ++n) {
    std::vector<F> few(n), scr(n);
    for (std::size_t i = 0; i < n; ++i) few[i] = i == 2 ? F::zero() : this->sample(rng, 7);
    std::vector<F> inv = few;
    batch_inverse(std::span<F>(inv), std::span<F>(scr));
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(inv[i] * few[i], i == 2 ? F::zero() : F::one());
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, Pow) {
  using F = TypeParam;
  SeededRng rng(9);
  Mpz a, e, r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const F x = this->sample(rng, i);
    typename F::Repr exp{};
    // Exponent sizes vary: 0..64 bits every 4th case, full width otherwise (even >= p).
    if (i % 4 == 0) {
      exp[0] = rng.next_u64() >> (rng.next_u64() % 64);
    } else {
      for (auto& l : exp) l = rng.next_u64();
    }
    testing::to_mpz(x, a);
    testing::limbs_to_mpz(exp, e);
    mpz_powm(r, a, e, this->p_);
    this->check(x.pow(exp), r, "pow", i);
  }
  this->expect_no_failures();
}

// Whether this CPU runs the IFMA kernels (switched on to find out; the tests that compare both
// paths switch it off and on again).
bool ifma_available() {
  ifma::set_enabled(true);
  return ifma::enabled();
}

// Whether x's Montgomery limbs are below p (canonical: equality compares limbs).
template <typename F>
bool limbs_below_p(const F& x) {
  const auto m = x.mont(), p = F::modulus();
  return std::lexicographical_compare(m.rbegin(), m.rend(), p.rbegin(), p.rend());
}

// pow_many against GMP, with the IFMA kernel (where the CPU has it) and without: batches of every
// length around the kernel's eight lanes and its 256-value chunks, uniform and edge bases, one
// exponent per batch (small, full width, the square root's).
TYPED_TEST(FpGmpTest, PowMany) {
  using F = TypeParam;
  SeededRng rng(11);
  Mpz a, e, r;
  const bool cpu_ifma = ifma_available();
  if (!cpu_ifma) std::printf("note: this CPU has no AVX-512 IFMA; only the scalar path ran\n");
  int i = 0;
  for (const bool use_ifma : {true, false}) {
    if (use_ifma && !cpu_ifma) continue;
    ifma::set_enabled(use_ifma);
    for (const std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9},
                                    std::size_t{16}, std::size_t{37}, std::size_t{255},
                                    std::size_t{256}, std::size_t{257}, std::size_t{600}}) {
      typename F::Repr exp{};
      if (count % 3 == 0) {
        exp[0] = rng.next_u64() >> (rng.next_u64() % 64);
      } else if (count % 3 == 1) {
        for (auto& l : exp) l = rng.next_u64();
      } else {
        exp = F::sqrt_exponent();
      }
      testing::limbs_to_mpz(exp, e);
      std::vector<F> in(count), out(count);
      for (auto& x : in) x = this->sample(rng, i++);
      F::pow_many(in, exp, out);
      for (std::size_t k = 0; k < count; ++k) {
        testing::to_mpz(in[k], a);
        mpz_powm(r, a, e, this->p_);
        this->check(out[k], r, use_ifma ? "pow_many (ifma)" : "pow_many (scalar)",
                    static_cast<int>(k));
      }
      F::pow_many(in, exp, in);  // in place
      EXPECT_EQ(in, out);
    }
  }
  ifma::set_enabled(true);
  this->expect_no_failures();
}

// combine against GMP, with the IFMA kernel (where the CPU has it) and without: every term count
// up to the kernel's limit and one beyond it (the scalar path), word counts around the eight
// lanes, strided inputs and outputs, uniform and edge values and coefficients (p - 1 included:
// the largest sum of products the kernel's single reduction must take).
TYPED_TEST(FpGmpTest, Combine) {
  using F = TypeParam;
  SeededRng rng(12);
  Mpz acc, a, c;
  const bool cpu_ifma = ifma_available();
  int i = 0;
  for (const bool use_ifma : {true, false}) {
    if (use_ifma && !cpu_ifma) continue;
    ifma::set_enabled(use_ifma);
    for (std::size_t k = 1; k <= ifma::kMaxCombineTerms + 1; ++k) {
      for (const std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{8},
                                      std::size_t{9}, std::size_t{33}}) {
        const std::size_t stride = 1 + (k + count) % 3, out_stride = 1 + count % 2;
        std::vector<F> coef(k), in(k * count * stride), out(count * out_stride);
        for (std::size_t j = 0; j < k; ++j) {
          coef[j] = (k + j) % 5 == 0 ? F::zero() - F::one() : this->sample(rng, i++);
        }
        for (std::size_t j = 0; j < in.size(); ++j) {
          in[j] = j % 11 == 3 ? F::zero() - F::one() : this->sample(rng, i++);
        }
        std::vector<const F*> src(k);
        for (std::size_t j = 0; j < k; ++j) src[j] = in.data() + j * count * stride;
        F::combine(coef, src, stride, count, out.data(), out_stride);
        for (std::size_t w = 0; w < count; ++w) {
          mpz_set_ui(acc, 0);
          for (std::size_t j = 0; j < k; ++j) {
            testing::to_mpz(coef[j], c);
            testing::to_mpz(src[j][w * stride], a);
            mpz_addmul(acc, c, a);
          }
          mpz_mod(acc, acc, this->p_);
          this->check(out[w * out_stride], acc, use_ifma ? "combine (ifma)" : "combine (scalar)",
                      static_cast<int>(k * 100 + w));
          // The limbs themselves below p: the kernel's last step.
          EXPECT_TRUE(limbs_below_p(out[w * out_stride])) << "k " << k << " word " << w;
        }
      }
    }
  }
  ifma::set_enabled(true);
  this->expect_no_failures();
}

// random_fill is rejection sampling of the stream's kBytes-byte candidates, top bits masked to
// bits(), each accepted one taken as a Montgomery form: checked against that rule applied here
// to the same stream, for request sizes that make rejections fall at the ends and in the middle.
TYPED_TEST(FpGmpTest, RandomFillIsRejectionSamplingOfTheStream) {
  using F = TypeParam;
  for (const std::size_t count : {std::size_t{1}, std::size_t{2}, std::size_t{33},
                                  std::size_t{1000}}) {
    std::array<std::uint8_t, 32> key{};
    key[0] = static_cast<std::uint8_t>(count);
    SeededRng a{std::span<const std::uint8_t, 32>(key)}, b{std::span<const std::uint8_t, 32>(key)};
    std::vector<F> got(count);
    F::random_fill(a, got);
    const auto p = F::modulus();
    const unsigned top_bits = F::bits() - 64 * (F::kLimbs - 1);
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < count;) {
      std::array<std::uint8_t, F::kBytes> bytes{};
      b.fill(bytes);
      typename F::Repr x{};
      for (std::size_t j = 0; j < F::kBytes; ++j) {
        x[j / 8] |= static_cast<std::uint64_t>(bytes[j]) << (8 * (j % 8));
      }
      if (top_bits < 64) x[F::kLimbs - 1] &= (std::uint64_t{1} << top_bits) - 1;
      if (!std::lexicographical_compare(x.rbegin(), x.rend(), p.rbegin(), p.rend())) {
        ++rejected;
        continue;
      }
      EXPECT_EQ(got[i].mont(), x) << "count " << count << " element " << i;
      ++i;
    }
    if (count == 1000) {
      EXPECT_GT(rejected, 0u) << "no candidate was rejected: untested path";
    }
  }
}

// halve against GMP (x (p + 1) / 2 mod p): uniform and edge values, odd and even limbs alike.
TYPED_TEST(FpGmpTest, Halve) {
  using F = TypeParam;
  SeededRng rng(14);
  Mpz a, h, r;
  mpz_add_ui(h, this->p_, 1);
  mpz_fdiv_q_2exp(h, h, 1);  // the inverse of 2
  for (int i = 0; i < 2000; ++i) {
    const F x = this->sample(rng, i);
    testing::to_mpz(x, a);
    mpz_mul(r, a, h);
    mpz_mod(r, r, this->p_);
    this->check(x.halve(), r, "halve", i);
  }
  this->expect_no_failures();
}

// mul_many, read_bytes_many and write_bytes_many against GMP, with the IFMA kernel (where the
// CPU has it) and without: lengths around the eight lanes, uniform and edge values (p - 1 times
// p - 1 is the largest product), in place, and a non-canonical encoding reported by its index.
TYPED_TEST(FpGmpTest, ManyAtOnce) {
  using F = TypeParam;
  SeededRng rng(13);
  Mpz a, b, r;
  const bool cpu_ifma = ifma_available();
  int i = 0;
  for (const bool use_ifma : {true, false}) {
    if (use_ifma && !cpu_ifma) continue;
    ifma::set_enabled(use_ifma);
    const char* how = use_ifma ? " (ifma)" : " (scalar)";
    for (const std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{8},
                                    std::size_t{9}, std::size_t{64}, std::size_t{101}}) {
      std::vector<F> x(count), y(count), z(count);
      for (std::size_t k = 0; k < count; ++k) {
        x[k] = k % 7 == 2 ? F::zero() - F::one() : this->sample(rng, i++);
        y[k] = k % 5 == 2 ? F::zero() - F::one() : this->sample(rng, i++);
      }
      F::mul_many(x, y, z);
      for (std::size_t k = 0; k < count; ++k) {
        testing::to_mpz(x[k], a);
        testing::to_mpz(y[k], b);
        mpz_mul(r, a, b);
        mpz_mod(r, r, this->p_);
        this->check(z[k], r, use_ifma ? "mul_many (ifma)" : "mul_many (scalar)",
                    static_cast<int>(k));
        EXPECT_TRUE(limbs_below_p(z[k])) << "mul_many" << how << " " << k;
      }
      std::vector<F> again(x);
      F::mul_many(again, y, again);  // in place
      EXPECT_EQ(again, z);

      if constexpr (F::kLimbs == 4) {
        std::vector<typename F::Bytes> bytes(count);
        F::write_bytes_many(x, bytes);
        for (std::size_t k = 0; k < count; ++k) {
          EXPECT_EQ(bytes[k], x[k].to_bytes()) << "write_bytes_many" << how << " " << k;
        }
        std::vector<F> back(count);
        EXPECT_EQ(F::read_bytes_many(bytes, back), count);
        EXPECT_EQ(back, x) << "read_bytes_many" << how;
        // p itself at the last position: not canonical, reported there.
        const auto p = F::modulus();
        std::memcpy(bytes[count - 1].data(), p.data(), F::kBytes);
        EXPECT_EQ(F::read_bytes_many(bytes, back), count - 1);
      }
    }
  }
  ifma::set_enabled(true);
  this->expect_no_failures();
}

// Square roots against GMP's Legendre symbol, and squared back with GMP. Besides uniform and
// edge values, elements z^k and y^2 z^k with z = g^Q (Q the odd part of p - 1) a generator of
// the 2^s-th roots of unity, computed by GMP: they walk every digit of the discrete logarithm
// the table-based Tonelli-Shanks recovers (an even k is a square, an odd one is not).
TYPED_TEST(FpGmpTest, Sqrt) {
  using F = TypeParam;
  constexpr unsigned s = F::Params::kTwoAdicity;
  SeededRng rng(10);
  Mpz q, z, x, k, r2, g;
  mpz_sub_ui(q, this->p_, 1);
  mpz_fdiv_q_2exp(q, q, s);
  mpz_set_ui(g, F::Params::kGenerator);
  mpz_powm(z, g, q, this->p_);
  int residues = 0, non_residues = 0;
  std::vector<F> squares;  // every input, for sqrt_many below
  for (int i = 0; i < TestFixture::kCases / 10; ++i) {
    F y = this->sample(rng, i);
    testing::to_mpz(y, x);
    if (i % 3 != 0) {
      // k: small, near 2^s, or any s-bit value; every 3rd case stays uniform.
      const std::uint64_t mask = s >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << s) - 1;
      std::uint64_t kk = rng.next_u64() & mask;
      if (i % 5 == 1) kk = rng.next_u64() % 9;
      if (i % 5 == 2) kk = mask - rng.next_u64() % 9;
      mpz_set_ui(k, 0);
      mpz_import(k, 1, 1, sizeof(kk), 0, 0, &kk);
      Mpz zk;
      mpz_powm(zk, z, k, this->p_);
      if (i % 3 == 1) {
        mpz_set(x, zk);
      } else {
        mpz_mul(x, x, x);
        mpz_mul(x, x, zk);
        mpz_mod(x, x, this->p_);
      }
      y = testing::from_mpz<F>(x);
    }
    const int expected = mpz_legendre(x, this->p_);
    squares.push_back(y);
    const auto root = y.sqrt();
    ASSERT_EQ(root.has_value(), expected >= 0) << "case " << i << ": " << testing::mpz_str(x);
    if (!root) {
      ++non_residues;
      continue;
    }
    ++residues;
    EXPECT_FALSE(root->is_lexicographically_largest()) << "case " << i;  // decision F6
    testing::to_mpz(*root, r2);
    mpz_mul(r2, r2, r2);
    this->check(testing::from_mpz<F>(x), r2, "sqrt squared", i);
  }
  EXPECT_GT(residues, TestFixture::kCases / 100);
  EXPECT_GT(non_residues, TestFixture::kCases / 100);
  this->expect_no_failures();
  // sqrt_many (eight exponentiations at once where the CPU allows, and without) gives the roots
  // just checked against GMP, zero included.
  std::vector<F> all(squares.begin(), squares.end());
  all.push_back(F::zero());
  for (const bool use_ifma : {true, false}) {
    ifma::set_enabled(use_ifma);
    std::vector<std::optional<F>> many(all.size());
    F::sqrt_many(all, many);
    for (std::size_t c = 0; c < all.size(); ++c) {
      ASSERT_EQ(many[c], all[c].sqrt()) << "case " << c << (use_ifma ? " (ifma)" : " (scalar)");
    }
  }
  ifma::set_enabled(true);
}

TYPED_TEST(FpGmpTest, EncodeDecode) {
  using F = TypeParam;
  SeededRng rng(10);
  Mpz a, b;
  int rejected = 0;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    // Encoding a field element: kBytes little-endian bytes of its canonical value.
    const F x = this->sample(rng, i);
    const auto bytes = x.to_bytes();
    testing::to_mpz(x, a);
    mpz_import(b, F::kBytes, -1, 1, 0, 0, bytes.data());
    if (mpz_cmp(a, b) != 0 && this->failures_++ == 0) this->first_failure_ = "encode";
    auto back = F::from_bytes(bytes);
    if ((!back.ok() || !(*back == x)) && this->failures_++ == 0) this->first_failure_ = "roundtrip";
    // Decoding arbitrary bytes: accepted exactly when the value is below p.
    std::array<std::uint8_t, F::kBytes> raw{};
    rng.fill(raw);
    // Half the cases keep only the field's bit length, so both outcomes are frequent.
    if (i % 2 == 0) {
      raw[F::kBytes - 1] &= static_cast<std::uint8_t>((1u << ((F::bits() - 1) % 8 + 1)) - 1);
    }
    mpz_import(b, F::kBytes, -1, 1, 0, 0, raw.data());
    auto dec = F::from_bytes(raw);
    if (mpz_cmp(b, this->p_) >= 0) {
      ++rejected;
      if (dec.ok() && this->failures_++ == 0) this->first_failure_ = "accepted non-canonical";
    } else {
      if (!dec.ok()) {
        if (this->failures_++ == 0) this->first_failure_ = "rejected canonical";
      } else {
        this->check(*dec, b, "decode", i);
      }
    }
  }
  EXPECT_GT(rejected, TestFixture::kCases / 10);
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, I64Conversion) {
  using F = TypeParam;
  SeededRng rng(11);
  Mpz a, r, half, lim;
  mpz_sub_ui(half, this->p_, 1);
  mpz_fdiv_q_2exp(half, half, 1);
  for (int i = 0; i < TestFixture::kCases; ++i) {
    // from_i64 and back, for random and extreme i64 values.
    std::int64_t v = static_cast<std::int64_t>(rng.next_u64());
    if (i % 16 == 1) v = INT64_MIN;
    if (i % 16 == 2) v = INT64_MAX;
    if (i % 16 == 3) v = static_cast<std::int64_t>(rng.next_u64() % 2001) - 1000;
    const F x = F::from_i64(v);
    mpz_set_si(r, v);
    this->check(x, r, "from_i64", i);
    auto back = x.to_i64();
    if ((!back.ok() || *back != v) && this->failures_++ == 0) {
      this->first_failure_ = "to_i64 round trip of " + std::to_string(v);
    }
    // to_i64 of a field element near the i64 boundary: x = +-(k), k up to 2^64.
    mpz_set_ui(a, rng.next_u64());
    if (i % 2) mpz_sub(a, this->p_, a);
    const F y = testing::from_mpz<F>(a);
    Mpz s;
    if (mpz_cmp(a, half) > 0) {
      mpz_sub(s, a, this->p_);
    } else {
      mpz_set(s, a);
    }
    auto got = y.to_i64();
    const bool fits = mpz_fits_slong_p(s) != 0;
    if (got.ok() != fits || (fits && *got != mpz_get_si(s))) {
      if (this->failures_++ == 0) this->first_failure_ = "to_i64 of " + testing::mpz_str(a);
    }
  }
  this->expect_no_failures();
}

TYPED_TEST(FpGmpTest, FromU64) {
  using F = TypeParam;
  SeededRng rng(12);
  Mpz r;
  for (int i = 0; i < TestFixture::kCases; ++i) {
    const std::uint64_t v = rng.next_u64();
    mpz_set_ui(r, v);
    this->check(F::from_u64(v), r, "from_u64", i);
  }
  this->expect_no_failures();
}

}  // namespace
}  // namespace stoffel::math
