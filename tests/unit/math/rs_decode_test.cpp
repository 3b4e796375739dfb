// Robust decoding (docs/decisions.md, M3): every error count 0..t at random positions, missing
// shares, too many errors (never a wrong answer), an adversarial corruption towards another
// codeword, order independence, the batch interface, and malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "math/domain.h"
#include "math/fields.h"
#include "math/poly.h"
#include "math/rs_decode.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

template <typename F>
class RsDecodeTest : public ::testing::Test {};
TYPED_TEST_SUITE(RsDecodeTest, testing::AllFields);

constexpr std::size_t kSizes[] = {4, 7, 10, 16, 31, 64};

// Fisher-Yates with the seeded RNG, so every run sees the same positions.
template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.next_u64() % i]);
}

template <typename F>
struct Word {
  std::vector<F> coeffs;               // d + 1 coefficients of the true polynomial
  std::vector<std::size_t> parties;    // parties present, shuffled (arrival order)
  std::vector<F> values;               // their shares, some corrupted
  std::vector<std::size_t> corrupted;  // ascending
};

// A random degree-d word over `present` parties with `errors` of them corrupted at random.
template <typename F>
Word<F> make_word(const Domain<F>& dom, std::size_t d, std::size_t present, std::size_t errors,
                  Rng& rng) {
  Word<F> w;
  w.coeffs.resize(d + 1);
  F::random_fill(rng, w.coeffs);
  std::vector<std::size_t> all(dom.size());
  std::iota(all.begin(), all.end(), 0);
  shuffle(all, rng);
  w.parties.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(present));
  for (std::size_t p : w.parties) w.values.push_back(poly_eval<F>(w.coeffs, dom.point(p)));
  for (std::size_t i = 0; i < errors; ++i) {
    F delta = F::random(rng);
    while (delta.is_zero()) delta = F::random(rng);
    w.values[i] += delta;  // the first `errors` of a random order are random positions
    w.corrupted.push_back(w.parties[i]);
  }
  std::sort(w.corrupted.begin(), w.corrupted.end());
  return w;
}

TYPED_TEST(RsDecodeTest, CorrectsEveryErrorCountUpToT) {
  using F = TypeParam;
  SeededRng rng(41);
  for (std::size_t n : kSizes) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    for (std::size_t d : {t, 2 * t}) {
      auto dec = RobustDecoder<F>::create(*dom, d, t);
      ASSERT_TRUE(dec.ok());
      const int trials = n >= 31 ? 4 : 12;
      for (std::size_t e = 0; e <= t; ++e) {
        for (int trial = 0; trial < trials; ++trial) {
          const auto w = make_word<F>(*dom, d, n, e, rng);
          auto r = dec->decode(w.parties, w.values);
          ASSERT_TRUE(r.ok()) << r.error().message;
          // Decodable exactly when the honest shares alone reach d + t + 1.
          const bool decodable = n - e >= d + t + 1;
          ASSERT_EQ(r->has_value(), decodable) << "n=" << n << " d=" << d << " e=" << e;
          if (decodable) {
            EXPECT_EQ((*r)->coeffs, w.coeffs) << "n=" << n << " d=" << d << " e=" << e;
            EXPECT_EQ((*r)->faulty, w.corrupted);
          }
        }
      }
    }
  }
}

TYPED_TEST(RsDecodeTest, MissingShares) {
  using F = TypeParam;
  SeededRng rng(42);
  for (std::size_t n : kSizes) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    for (std::size_t d : {t, 2 * t}) {
      auto dec = RobustDecoder<F>::create(*dom, d, t);
      for (int trial = 0; trial < 30; ++trial) {
        const std::size_t m = d + 1 + rng.next_u64() % (n - d);  // d + 1 .. n present
        const std::size_t e = rng.next_u64() % (t + 1);
        const std::size_t e_used = std::min(e, m);
        const auto w = make_word<F>(*dom, d, m, e_used, rng);
        auto r = dec->decode(w.parties, w.values);
        ASSERT_TRUE(r.ok());
        const bool decodable = m - e_used >= d + t + 1;
        ASSERT_EQ(r->has_value(), decodable) << "n=" << n << " d=" << d << " m=" << m;
        if (decodable) {
          EXPECT_EQ((*r)->coeffs, w.coeffs);
          EXPECT_EQ((*r)->faulty, w.corrupted);
        }
      }
    }
  }
}

TYPED_TEST(RsDecodeTest, TooManyRandomErrorsNeverGiveAWrongValue) {
  using F = TypeParam;
  SeededRng rng(43);
  int undecoded = 0;
  for (std::size_t n : kSizes) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    for (std::size_t d : {t, 2 * t}) {
      auto dec = RobustDecoder<F>::create(*dom, d, t);
      for (std::size_t e = t + 1; e <= n; e += std::max<std::size_t>(1, n / 8)) {
        for (int trial = 0; trial < 4; ++trial) {
          const auto w = make_word<F>(*dom, d, n, e, rng);
          auto r = dec->decode(w.parties, w.values);
          ASSERT_TRUE(r.ok());
          if (r->has_value()) {
            EXPECT_EQ((*r)->coeffs, w.coeffs) << "wrong value: n=" << n << " d=" << d;
          } else {
            ++undecoded;
          }
        }
      }
    }
  }
  EXPECT_GT(undecoded, 0);
}

TYPED_TEST(RsDecodeTest, AdversarialCorruptionTowardsAnotherCodeword) {
  using F = TypeParam;
  SeededRng rng(44);
  for (std::size_t n : kSizes) {
    const std::size_t t = (n - 1) / 3;
    if (t == 0) continue;
    auto dom = Domain<F>::create(n);
    for (std::size_t d : {t, 2 * t}) {
      auto dec = RobustDecoder<F>::create(*dom, d, t);
      for (std::size_t agree_with_f : {d - 1, d}) {
        // g = f + c * prod_{i in S} (x - x_i) with |S| = agree_with_f honest parties: g agrees
        // with f exactly on S. The t + 1 colluders send g's values, so g agrees with
        // agree_with_f + t + 1 shares.
        auto w = make_word<F>(*dom, d, n, 0, rng);
        std::vector<F> roots;
        for (std::size_t i = 0; i < agree_with_f; ++i)
          roots.push_back(dom->point(w.parties[n - 1 - i]));
        Poly<F> diff = poly_from_roots<F>(roots);
        const F c = F::random(rng) + F::one();
        for (auto& x : diff) x *= c;
        const Poly<F> g = poly_add<F>(w.coeffs, diff);
        for (std::size_t i = 0; i <= t; ++i)
          w.values[i] = poly_eval<F>(g, dom->point(w.parties[i]));
        auto r = dec->decode(w.parties, w.values);
        ASSERT_TRUE(r.ok());
        std::vector<F> g_full = g;
        g_full.resize(d + 1);
        if (agree_with_f + t + 1 < d + t + 1) {
          // Fewer than d + t + 1 shares agree with g: it must never be returned. f itself agrees
          // with n - t - 1 shares, so it may be returned only when that reaches d + t + 1.
          if (r->has_value()) {
            EXPECT_NE((*r)->coeffs, g_full) << "n=" << n << " d=" << d;
            EXPECT_EQ((*r)->coeffs, w.coeffs);
            EXPECT_GE(n - t - 1, d + t + 1);
          } else {
            EXPECT_LT(n - t - 1, d + t + 1);
          }
        } else if (n - t - 1 < d + t + 1 && r->has_value()) {
          // With t + 1 colluders the bound is tight: g now agrees with d + t + 1 shares and the
          // honest polynomial with fewer, so an answer (if any) is the colluders' choice. This
          // documents why no decoder can be correct beyond t faults.
          EXPECT_EQ((*r)->coeffs, g_full);
        }
      }
    }
  }
}

TYPED_TEST(RsDecodeTest, ResultDoesNotDependOnArrivalOrder) {
  using F = TypeParam;
  SeededRng rng(45);
  auto dom = Domain<F>::create(16);
  auto dec = RobustDecoder<F>::create(*dom, 5, 5);
  for (int trial = 0; trial < 20; ++trial) {
    auto w = make_word<F>(*dom, 5, 16, 2 + static_cast<std::size_t>(trial % 4), rng);
    auto first = dec->decode(w.parties, w.values);
    std::vector<std::size_t> idx(w.parties.size());
    std::iota(idx.begin(), idx.end(), 0);
    shuffle(idx, rng);
    std::vector<std::size_t> p2;
    std::vector<F> v2;
    for (std::size_t i : idx) {
      p2.push_back(w.parties[i]);
      v2.push_back(w.values[i]);
    }
    auto second = dec->decode(p2, v2);
    ASSERT_EQ(first->has_value(), second->has_value());
    if (first->has_value()) {
      EXPECT_EQ((*first)->coeffs, (*second)->coeffs);
      EXPECT_EQ((*first)->faulty, (*second)->faulty);
    }
  }
}

TYPED_TEST(RsDecodeTest, BatchMatchesSingle) {
  using F = TypeParam;
  SeededRng rng(46);
  for (std::size_t n : {4u, 7u, 16u}) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    auto dec = RobustDecoder<F>::create(*dom, t, t);
    // A fixed, shuffled set of n - 1 parties (one missing) for 50 words, some with errors.
    std::vector<std::size_t> parties(n);
    std::iota(parties.begin(), parties.end(), 0);
    shuffle(parties, rng);
    parties.pop_back();
    const std::size_t m = parties.size(), words = 50;
    std::vector<F> values(words * m);
    std::vector<std::vector<F>> truth(words);
    for (std::size_t w = 0; w < words; ++w) {
      truth[w].resize(t + 1);
      F::random_fill(rng, truth[w]);
      for (std::size_t i = 0; i < m; ++i) {
        values[w * m + i] = poly_eval<F>(truth[w], dom->point(parties[i]));
      }
      const std::size_t errors = w % 3 == 0 ? rng.next_u64() % (t + 2) : 0;
      for (std::size_t e = 0; e < errors; ++e) values[w * m + rng.next_u64() % m] += F::one();
    }
    for (std::size_t ncoeffs : {std::size_t{1}, t + 1}) {
      std::vector<F> out(words * ncoeffs);
      std::vector<DecodeStatus> status(words);
      std::vector<std::size_t> faulty;
      ASSERT_TRUE(dec->decode_batch(parties, values, ncoeffs, out, status, faulty).ok());
      std::vector<std::size_t> expect_faulty;
      for (std::size_t w = 0; w < words; ++w) {
        auto single = dec->decode(parties, std::span<const F>(values).subspan(w * m, m));
        ASSERT_TRUE(single.ok());
        ASSERT_EQ(status[w] == DecodeStatus::kDecoded, single->has_value()) << w;
        if (single->has_value()) {
          EXPECT_EQ((*single)->coeffs, truth[w]);
          for (std::size_t j = 0; j < ncoeffs; ++j) EXPECT_EQ(out[w * ncoeffs + j], truth[w][j]);
          expect_faulty.insert(expect_faulty.end(), (*single)->faulty.begin(),
                               (*single)->faulty.end());
        }
      }
      std::sort(expect_faulty.begin(), expect_faulty.end());
      expect_faulty.erase(std::unique(expect_faulty.begin(), expect_faulty.end()),
                          expect_faulty.end());
      EXPECT_EQ(faulty, expect_faulty);
    }
  }
}

TYPED_TEST(RsDecodeTest, RejectsMalformedInput) {
  using F = TypeParam;
  auto dom = Domain<F>::create(7);
  auto dec = RobustDecoder<F>::create(*dom, 2, 2);
  const std::vector<F> v(5, F::one());
  const std::vector<std::size_t> dup{0, 1, 2, 2, 3};
  const std::vector<std::size_t> range{0, 1, 2, 3, 7};
  const std::vector<std::size_t> short_list{0, 1, 2};
  EXPECT_FALSE(dec->decode(dup, v).ok());
  EXPECT_FALSE(dec->decode(range, v).ok());
  EXPECT_FALSE(dec->decode(short_list, v).ok());
  EXPECT_FALSE((RobustDecoder<F>::create(*dom, 7, 2).ok()));
  // Too few shares is not an error but "cannot decode yet".
  const std::vector<std::size_t> four{0, 1, 2, 3};
  auto r = dec->decode(four, std::span<const F>(v).first(4));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

}  // namespace
}  // namespace stoffel::math
