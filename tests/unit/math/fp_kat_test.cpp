// Known-answer and edge-case tests of the fields, encodings, i64 conversion, square roots, roots
// of unity, the curve-name parser and the random sources.
#include <gtest/gtest.h>

#include <climits>
#include <set>
#include <type_traits>

#include "math/field_kind.h"
#include "math/fields.h"
#include "math/rng.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

template <typename F>
class FpKatTest : public ::testing::Test {};
TYPED_TEST_SUITE(FpKatTest, testing::AllFields);

template <typename F>
std::array<std::uint8_t, 32> le_bytes(const Limbs& l) {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(l[i / 8] >> (8 * (i % 8)));
  return b;
}

TYPED_TEST(FpKatTest, TriviallyCopyable32Bytes) {
  using F = TypeParam;
  static_assert(sizeof(F) == 32);
  static_assert(std::is_trivially_copyable_v<F>);
  EXPECT_TRUE(F{}.is_zero());
}

TYPED_TEST(FpKatTest, EdgeValues) {
  using F = TypeParam;
  const F zero = F::zero(), one = F::one();
  const F pm1 = -one;  // p - 1
  Limbs p = F::modulus();
  Limbs pm1_limbs = p;
  pm1_limbs[0] -= 1;  // p is odd, so no borrow
  EXPECT_EQ(pm1.to_canonical(), pm1_limbs);
  EXPECT_TRUE((pm1 + one).is_zero());
  EXPECT_EQ(pm1 * pm1, one);
  EXPECT_EQ(-zero, zero);
  EXPECT_TRUE((zero * pm1).is_zero());
  EXPECT_EQ(one.inverse(), one);
  EXPECT_EQ(pm1.inverse(), pm1);
  EXPECT_TRUE(zero.inverse().is_zero());
  const F two64 = F::from_canonical(Limbs{0, 1, 0, 0});
  const F two128 = F::from_canonical(Limbs{0, 0, 1, 0});
  EXPECT_EQ(two64 * two64, two128);
  EXPECT_EQ(F::from_u64(~std::uint64_t{0}) + one, two64);
  EXPECT_EQ(two64.pow(std::uint64_t{2}), two128);
  EXPECT_EQ(F::from_u64(6) * F::from_u64(7), F::from_u64(42));
  EXPECT_EQ(F::from_u64(5) - F::from_u64(7), F::from_i64(-2));
  // from_canonical reduces inputs in [p, 2p) once: p itself is 0.
  EXPECT_TRUE(F::from_canonical(p).is_zero());
}

TYPED_TEST(FpKatTest, Encodings) {
  using F = TypeParam;
  const Limbs p = F::modulus();
  Limbs pm1 = p;
  pm1[0] -= 1;
  // p - 1 encodes to its little-endian bytes and decodes back.
  EXPECT_EQ((-F::one()).to_bytes(), le_bytes<F>(pm1));
  auto d = F::from_bytes(le_bytes<F>(pm1));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, -F::one());
  // p, p + 1 and all-ones are non-canonical.
  EXPECT_FALSE(F::from_bytes(le_bytes<F>(p)).ok());
  Limbs pp1 = p;
  pp1[0] += 1;
  EXPECT_FALSE(F::from_bytes(le_bytes<F>(pp1)).ok());
  std::array<std::uint8_t, 32> ones{};
  ones.fill(0xff);
  auto bad = F::from_bytes(ones);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("non-canonical"), std::string::npos);
  // Zero and one.
  std::array<std::uint8_t, 32> z{};
  EXPECT_EQ(F::zero().to_bytes(), z);
  z[0] = 1;
  EXPECT_EQ(F::one().to_bytes(), z);
  // Wrong length.
  std::array<std::uint8_t, 31> short_buf{};
  EXPECT_FALSE(F::from_bytes(std::span<const std::uint8_t>(short_buf)).ok());
}

TYPED_TEST(FpKatTest, I64Extremes) {
  using F = TypeParam;
  for (std::int64_t v : {INT64_MIN, INT64_MIN + 1, std::int64_t{-1}, std::int64_t{0},
                         std::int64_t{1}, INT64_MAX - 1, INT64_MAX}) {
    auto back = F::from_i64(v).to_i64();
    ASSERT_TRUE(back.ok()) << v;
    EXPECT_EQ(*back, v);
  }
  EXPECT_EQ(F::from_i64(-1), -F::one());
  EXPECT_EQ(F::from_i64(INT64_MIN), -F::from_canonical(Limbs{std::uint64_t{1} << 63, 0, 0, 0}));
  // Just outside: 2^63 and -(2^63 + 1) are errors, as are 2^64 and anything large.
  const F two63 = F::from_canonical(Limbs{std::uint64_t{1} << 63, 0, 0, 0});
  EXPECT_FALSE(two63.to_i64().ok());
  EXPECT_FALSE((-(two63 + F::one())).to_i64().ok());
  EXPECT_FALSE(F::from_canonical(Limbs{0, 1, 0, 0}).to_i64().ok());
  EXPECT_FALSE((-F::from_canonical(Limbs{0, 1, 0, 0})).to_i64().ok());
  const Limbs half = [] {
    Limbs h = F::modulus();
    h[0] -= 1;
    return detail::shr(h, 1);
  }();
  auto err = F::from_canonical(half).to_i64();
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("i64"), std::string::npos);
}

TYPED_TEST(FpKatTest, SqrtAndLegendre) {
  using F = TypeParam;
  SeededRng rng(21);
  int residues = 0;
  for (int i = 0; i < 300; ++i) {
    const F x = F::random(rng);
    const auto r = x.square().sqrt();
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(*r == x || *r == -x);
    const int l = x.legendre();
    const auto s = x.sqrt();
    EXPECT_EQ(s.has_value(), l == 1);
    if (s) {
      EXPECT_EQ(s->square(), x);
      ++residues;
    }
  }
  EXPECT_GT(residues, 100);
  EXPECT_LT(residues, 200);
  EXPECT_EQ(F::zero().sqrt(), F::zero());
  // The multiplicative generator is a non-residue.
  EXPECT_EQ(F::from_u64(F::Params::kGenerator).legendre(), -1);
  EXPECT_FALSE(F::from_u64(F::Params::kGenerator).sqrt().has_value());
}

TYPED_TEST(FpKatTest, RootsOfUnity) {
  using F = TypeParam;
  const unsigned s = F::Params::kTwoAdicity;
  for (unsigned k = 0; k <= s; ++k) {
    auto w = F::root_of_unity(k);
    ASSERT_TRUE(w.has_value());
    F x = *w;
    for (unsigned i = 0; i < k; ++i) x = x.square();
    EXPECT_EQ(x, F::one()) << k;
    if (k > 0) {
      F h = *w;
      for (unsigned i = 0; i + 1 < k; ++i) h = h.square();
      EXPECT_EQ(h, -F::one()) << "order of w is exactly 2^" << k;
    }
  }
  EXPECT_FALSE(F::root_of_unity(s + 1).has_value());
}

TYPED_TEST(FpKatTest, RandomIsUniformish) {
  using F = TypeParam;
  SeededRng rng(5);
  std::set<Limbs> seen;
  std::array<int, 16> top_nibble{};
  const unsigned shift = (F::bits() - 4) % 64;
  for (int i = 0; i < 4000; ++i) {
    const Limbs l = F::random(rng).to_canonical();
    seen.insert(l);
    ++top_nibble[(l[3] >> shift) & 0xF];
  }
  EXPECT_EQ(seen.size(), 4000u);
  // The top 4 bits of values below p: every value below p's top nibble appears.
  const unsigned p_top = static_cast<unsigned>((F::modulus()[3] >> shift) & 0xF);
  for (unsigned v = 0; v < p_top; ++v) EXPECT_GT(top_nibble[v], 0) << v;
  for (unsigned v = p_top + 1; v < 16; ++v) EXPECT_EQ(top_nibble[v], 0) << v;
}

// Untyped suites are named math* so that `ctest -R math` selects every math test (typed tests
// match through their type names, stoffel::math::Fp<...>).
TEST(mathRng, SeededIsDeterministicAndSeedDependent) {
  SeededRng a(42), b(42), c(43);
  std::array<std::uint8_t, 100> x{}, y{}, z{};
  a.fill(x);
  b.fill(std::span<std::uint8_t>(y).first(7));
  b.fill(std::span<std::uint8_t>(y).subspan(7));
  c.fill(z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  // Crossing the internal buffer boundary gives the same stream as one large read.
  SeededRng d(7), e(7);
  std::vector<std::uint8_t> big(5000), parts(5000);
  d.fill(big);
  for (std::size_t off = 0; off < parts.size(); off += 333) {
    e.fill(std::span<std::uint8_t>(parts).subspan(off, std::min<std::size_t>(333, 5000 - off)));
  }
  EXPECT_EQ(big, parts);
}

TEST(mathRng, SeededMatchesChaCha20KeyStream) {
  // Key = seed, nonce = 0: the first 64 bytes are the ChaCha20 block for counter 0. With the
  // all-zero key and nonce this is the well-known test vector (draft-agl-tls-chacha20poly1305).
  std::array<std::uint8_t, 32> seed{};
  SeededRng rng(seed);
  std::array<std::uint8_t, 8> out{};
  rng.fill(out);
  const std::array<std::uint8_t, 8> expected{0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90};
  EXPECT_EQ(out, expected);
}

TEST(mathRng, SystemRngProducesDifferentValues) {
  SystemRng rng;
  EXPECT_NE(Bls12_381_Fr::random(rng), Bls12_381_Fr::random(rng));
}

TEST(mathFieldKind, ParsesCurveNames) {
  struct Case {
    const char* name;
    FieldKind kind;
  };
  const Case cases[] = {
      {"bls12-381", FieldKind::Bls12_381},    {"BLS12_381", FieldKind::Bls12_381},
      {" bls12381\t", FieldKind::Bls12_381},  {"bn254", FieldKind::Bn254},
      {"BN254 ", FieldKind::Bn254},           {"curve25519", FieldKind::Curve25519},
      {"Curve-25519", FieldKind::Curve25519}, {"ed25519", FieldKind::Curve25519},
      {"ED-25519", FieldKind::Curve25519}};
  for (const auto& c : cases) {
    auto k = parse_curve_name(c.name);
    ASSERT_TRUE(k.ok()) << c.name;
    EXPECT_EQ(*k, c.kind) << c.name;
  }
  for (const char* bad : {"", "bls12", "bn-254", "secp256k1", "ed 25519", "bls12-381x"}) {
    auto k = parse_curve_name(bad);
    ASSERT_FALSE(k.ok()) << bad;
    EXPECT_NE(k.error().message.find("unknown curve"), std::string::npos);
  }
  EXPECT_EQ(field_kind_name(FieldKind::Bls12_381), "bls12-381-fr");
  EXPECT_EQ(field_kind_name(FieldKind::Bn254), "bn254-fr");
  EXPECT_EQ(field_kind_name(FieldKind::Curve25519), "curve25519-fr");
  EXPECT_EQ(storage_tag(FieldKind::Curve25519), 2);
  const auto bits = visit_field(FieldKind::Bn254, [](auto tag) {
    using F = typename decltype(tag)::type;
    return F::bits();
  });
  EXPECT_EQ(bits, 254u);
}

}  // namespace
}  // namespace stoffel::math
