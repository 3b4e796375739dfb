// Pseudo-random secret sharing (math/prss.h, decision P17): the sets and their counts, the
// degrees and secrets of the double sharings over all parties' shares (checked by interpolating
// them, and the secret against the sum of the key streams' first values drawn here), and that a
// set's key never reaches its members' shares.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "math/domain.h"
#include "math/fields.h"
#include "math/poly.h"
#include "math/prss.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

template <typename F>
class PrssTest : public ::testing::Test {};
TYPED_TEST_SUITE(PrssTest, testing::AllFields);

TEST(PrssSets, LexicographicSubsetsAndCounts) {
  using Sets = std::vector<std::vector<std::size_t>>;
  EXPECT_EQ(prss_sets(5, 1, 100), (Sets{{0}, {1}, {2}, {3}, {4}}));
  EXPECT_EQ(prss_sets(4, 2, 100), (Sets{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}));
  EXPECT_EQ(prss_sets(3, 0, 100), (Sets{{}}));
  EXPECT_EQ(prss_sets(7, 2, 100).size(), 21u);
  EXPECT_TRUE(prss_sets(7, 2, 20).empty());  // more than the limit
  EXPECT_EQ(prss_sets(7, 2, 21).size(), 21u);
  EXPECT_EQ(prss_elements(4, 1), 6u);    // C(3,1) * 2
  EXPECT_EQ(prss_elements(5, 1), 8u);    // C(4,1) * 2
  EXPECT_EQ(prss_elements(7, 2), 45u);   // C(6,2) * 3
  EXPECT_EQ(prss_elements(10, 3), 336u);  // C(9,3) * 4
  EXPECT_EQ(prss_elements(3, 0), 1u);
  EXPECT_EQ(prss_elements(3, 3), SIZE_MAX);
  EXPECT_EQ(prss_elements(200, 66), SIZE_MAX);  // saturates
}

// Every party's shares of `counts` calls (alternately as two rows and as pairs), and the secrets
// r = sum_T psi_T drawn independently from the keys in the layout the generator promises (per
// block of 256: the psi_T, then t each).
template <typename F>
struct AllShares {
  std::vector<std::vector<F>> rt, r2t;  // [party][double]
  std::vector<F> secret;
};

template <typename F>
AllShares<F> share_all(const Domain<F>& dom, std::size_t t, const std::vector<PrssKey>& keys,
                       const std::vector<std::size_t>& counts) {
  const std::size_t n = dom.size();
  std::size_t total = 0;
  for (std::size_t c : counts) total += c;
  AllShares<F> all;
  all.rt.assign(n, std::vector<F>(total));
  all.r2t.assign(n, std::vector<F>(total));
  for (std::size_t i = 0; i < n; ++i) {
    auto p = Prss<F>::create(dom, t, i, keys);
    EXPECT_TRUE(p.ok()) << p.error().message;
    std::size_t at = 0, call = 0;
    for (std::size_t c : counts) {
      if (call++ % 2 == 0) {
        p->double_shares(std::span<F>(all.rt[i].data() + at, c),
                         std::span<F>(all.r2t[i].data() + at, c));
      } else {  // every other call as pairs, the pool's layout: the same stream, the same values
        std::vector<F> pairs(2 * c);
        p->double_shares(std::span<F>(pairs));
        for (std::size_t j = 0; j < c; ++j) {
          all.rt[i][at + j] = pairs[2 * j];
          all.r2t[i][at + j] = pairs[2 * j + 1];
        }
      }
      at += c;
    }
  }
  all.secret.assign(total, F::zero());
  for (const PrssKey& key : keys) {
    SeededRng rng{std::span<const std::uint8_t, 32>(key)};
    std::size_t at = 0;
    for (std::size_t c : counts) {
      for (std::size_t start = 0; start < c; start += 256) {
        const std::size_t len = std::min<std::size_t>(256, c - start);
        std::vector<F> block(len * (t + 1));
        F::random_fill(rng, block);
        for (std::size_t i = 0; i < len; ++i) all.secret[at + start + i] += block[i];
      }
      at += c;
    }
  }
  return all;
}

std::vector<PrssKey> random_keys(std::size_t count, SeededRng& rng) {
  std::vector<PrssKey> keys(count);
  for (auto& k : keys) rng.fill(k);
  return keys;
}

TYPED_TEST(PrssTest, DoubleSharingsHaveTheirDegreesAndSecret) {
  using F = TypeParam;
  SeededRng rng(1701);
  for (auto [n, t] : {std::pair<std::size_t, std::size_t>{4, 1}, {5, 1}, {6, 1}, {7, 2}, {3, 0}}) {
    SCOPED_TRACE("n = " + std::to_string(n) + ", t = " + std::to_string(t));
    auto dom = Domain<F>::create(n);
    ASSERT_TRUE(dom.ok());
    const auto keys = random_keys(prss_sets(n, t, 1000).size(), rng);
    // Two calls crossing a block boundary: the streams must continue where they stopped.
    const auto all = share_all<F>(*dom, t, keys, {100, 300});
    std::vector<F> xs(n), ys(n), ys2(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = dom->point(i);
    bool full_degree = t == 0;
    for (std::size_t d = 0; d < all.secret.size(); ++d) {
      for (std::size_t i = 0; i < n; ++i) {
        ys[i] = all.rt[i][d];
        ys2[i] = all.r2t[i][d];
      }
      const Poly<F> ft = poly_interpolate<F>(xs, ys);
      const Poly<F> f2t = poly_interpolate<F>(xs, ys2);
      ASSERT_LE(poly_degree<F>(ft), static_cast<std::ptrdiff_t>(t)) << "double " << d;
      ASSERT_LE(poly_degree<F>(f2t), static_cast<std::ptrdiff_t>(2 * t)) << "double " << d;
      ASSERT_TRUE(ft[0] == all.secret[d]) << "double " << d;
      ASSERT_TRUE(f2t[0] == all.secret[d]) << "double " << d;
      full_degree |= poly_degree<F>(f2t) == static_cast<std::ptrdiff_t>(2 * t);
    }
    EXPECT_TRUE(full_degree) << "the zero sharing never reached degree 2t";
  }
}

// Random shares and zero sharings alone (what random bits take), mixed with double sharings on
// the same streams: degree t resp. 2t and value 0 over all parties' shares, alike however the
// calls interleave at every party.
TYPED_TEST(PrssTest, RandomAndZeroSharesAlone) {
  using F = TypeParam;
  SeededRng rng(1703);
  for (auto [n, t] : {std::pair<std::size_t, std::size_t>{5, 1}, {7, 2}}) {
    SCOPED_TRACE("n = " + std::to_string(n) + ", t = " + std::to_string(t));
    auto dom = Domain<F>::create(n);
    ASSERT_TRUE(dom.ok());
    const auto keys = random_keys(prss_sets(n, t, 1000).size(), rng);
    const std::size_t c = 300;
    std::vector<std::vector<F>> r(n, std::vector<F>(c)), z(n, std::vector<F>(c)),
        dt(n, std::vector<F>(c)), d2t(n, std::vector<F>(c));
    for (std::size_t i = 0; i < n; ++i) {
      auto p = Prss<F>::create(*dom, t, i, keys);
      ASSERT_TRUE(p.ok());
      p->random_shares(r[i]);
      p->zero_shares(z[i]);
      p->double_shares(dt[i], d2t[i]);
    }
    std::vector<F> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = dom->point(i);
    std::size_t nonzero = 0;
    for (std::size_t k = 0; k < c; ++k) {
      for (std::size_t i = 0; i < n; ++i) ys[i] = r[i][k];
      const Poly<F> fr = poly_interpolate<F>(xs, ys);
      ASSERT_LE(poly_degree<F>(fr), static_cast<std::ptrdiff_t>(t)) << k;
      nonzero += fr[0].is_zero() ? 0 : 1;
      for (std::size_t i = 0; i < n; ++i) ys[i] = z[i][k];
      const Poly<F> fz = poly_interpolate<F>(xs, ys);
      ASSERT_LE(poly_degree<F>(fz), static_cast<std::ptrdiff_t>(2 * t)) << k;
      ASSERT_TRUE(fz[0].is_zero()) << k;
      for (std::size_t i = 0; i < n; ++i) ys[i] = d2t[i][k] - dt[i][k];
      const Poly<F> fd = poly_interpolate<F>(xs, ys);
      ASSERT_LE(poly_degree<F>(fd), static_cast<std::ptrdiff_t>(2 * t)) << k;
      ASSERT_TRUE(fd[0].is_zero()) << k;
    }
    EXPECT_EQ(nonzero, c);
  }
}

TYPED_TEST(PrssTest, ASetsKeyNeverReachesItsMembers) {
  using F = TypeParam;
  SeededRng rng(1702);
  const std::size_t n = 7, t = 2;
  auto dom = Domain<F>::create(n);
  ASSERT_TRUE(dom.ok());
  const auto sets = prss_sets(n, t, 1000);
  auto keys = random_keys(sets.size(), rng);
  const auto before = share_all<F>(*dom, t, keys, {64});
  const std::size_t s = 8;  // the set {1, 4}
  ASSERT_EQ(sets[s], (std::vector<std::size_t>{1, 4}));
  keys[s][0] ^= 1;
  const auto after = share_all<F>(*dom, t, keys, {64});
  for (std::size_t i = 0; i < n; ++i) {
    const bool member = i == 1 || i == 4;
    for (std::size_t d = 0; d < 64; ++d) {
      EXPECT_EQ(before.rt[i][d] == after.rt[i][d], member) << "party " << i << ", double " << d;
      EXPECT_EQ(before.r2t[i][d] == after.r2t[i][d], member) << "party " << i << ", double " << d;
    }
  }
  for (std::size_t d = 0; d < 64; ++d) EXPECT_FALSE(before.secret[d] == after.secret[d]);
}

TYPED_TEST(PrssTest, RejectsBadArguments) {
  using F = TypeParam;
  auto dom = Domain<F>::create(5);
  ASSERT_TRUE(dom.ok());
  std::vector<PrssKey> keys(4);
  EXPECT_FALSE(Prss<F>::create(*dom, 1, 0, keys).ok());  // 5 sets, 4 keys
  keys.resize(5);
  EXPECT_TRUE(Prss<F>::create(*dom, 1, 0, keys).ok());
  EXPECT_FALSE(Prss<F>::create(*dom, 1, 5, keys).ok());  // no party 5
  EXPECT_FALSE(Prss<F>::create(*dom, 5, 0, keys).ok());  // t >= n
}

}  // namespace
}  // namespace stoffel::math
