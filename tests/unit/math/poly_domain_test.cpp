// Evaluation domains, the NTT, polynomial arithmetic, interpolation and Lagrange coefficients.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <set>
#include <vector>

#include "math/domain.h"
#include "math/fields.h"
#include "math/poly.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

template <typename F>
class PolyDomainTest : public ::testing::Test {};
TYPED_TEST_SUITE(PolyDomainTest, testing::AllFields);

template <typename F>
std::vector<F> random_vec(Rng& rng, std::size_t n) {
  std::vector<F> v(n);
  F::random_fill(rng, v);
  return v;
}

TYPED_TEST(PolyDomainTest, DomainPointsFollowDecisionM7) {
  using F = TypeParam;
  for (std::size_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 16u, 31u, 64u, 100u, 255u, 256u, 1000u}) {
    auto d = Domain<F>::create(n);
    ASSERT_TRUE(d.ok()) << n;
    ASSERT_EQ(d->size(), n);
    const std::size_t big_n = std::bit_ceil(n);
    const bool roots = std::countr_zero(big_n) <= static_cast<int>(F::Params::kTwoAdicity);
    EXPECT_EQ(d->uses_roots_of_unity(), roots) << n;
    if (roots) {
      // Party i holds f(w^i) with w of order exactly N.
      const F w = *F::root_of_unity(static_cast<unsigned>(std::countr_zero(big_n)));
      F acc = F::one();
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(d->point(i), acc);
        acc *= w;
      }
      EXPECT_EQ(d->ntt_size(), big_n);
    } else {
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(d->point(i), F::from_u64(i + 1));
    }
    // Points are distinct and non-zero.
    std::set<Limbs> seen;
    for (const F& x : d->points()) {
      EXPECT_FALSE(x.is_zero());
      seen.insert(x.mont());
    }
    EXPECT_EQ(seen.size(), n);
  }
  EXPECT_FALSE(Domain<F>::create(0).ok());
  EXPECT_FALSE(Domain<F>::create(Domain<F>::kMaxParties + 1).ok());
}

TEST(mathDomain, Curve25519UsesIntegerPointsAboveFour) {
  EXPECT_TRUE(Domain<Curve25519_Fr>::create(4)->uses_roots_of_unity());
  EXPECT_FALSE(Domain<Curve25519_Fr>::create(5)->uses_roots_of_unity());
  EXPECT_TRUE(Domain<Bls12_381_Fr>::create(255)->uses_roots_of_unity());
  EXPECT_TRUE(Domain<Bn254_Fr>::create(255)->uses_roots_of_unity());
}

TYPED_TEST(PolyDomainTest, NttMatchesNaiveEvaluation) {
  using F = TypeParam;
  SeededRng rng(31);
  const unsigned max_log = std::min(8u, F::Params::kTwoAdicity);
  for (unsigned log_n = 0; log_n <= max_log; ++log_n) {
    auto ntt = Ntt<F>::create(log_n);
    ASSERT_TRUE(ntt.ok());
    const std::size_t n = ntt->size();
    const auto coeffs = random_vec<F>(rng, n);
    std::vector<F> a = coeffs;
    ntt->forward(a);
    F x = F::one();
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(a[i], poly_eval<F>(coeffs, x)) << "n=" << n << " i=" << i;
      x *= ntt->omega();
    }
    ntt->inverse(a);
    EXPECT_EQ(a, coeffs);
  }
  EXPECT_FALSE(Ntt<F>::create(F::Params::kTwoAdicity + 1).ok());
}

TYPED_TEST(PolyDomainTest, DomainEvaluateMatchesHorner) {
  using F = TypeParam;
  SeededRng rng(32);
  for (std::size_t n : {1u, 4u, 5u, 16u, 31u, 64u, 100u}) {
    auto d = Domain<F>::create(n);
    for (std::size_t len : {std::size_t{0}, std::size_t{1}, n / 3 + 1, n, 2 * n + 3}) {
      const auto coeffs = random_vec<F>(rng, len);
      std::vector<F> out(n);
      d->evaluate(coeffs, out);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(out[i], poly_eval<F>(coeffs, d->point(i))) << n << " " << len << " " << i;
      }
    }
  }
}

TYPED_TEST(PolyDomainTest, MulDivmodIdentities) {
  using F = TypeParam;
  SeededRng rng(33);
  for (int iter = 0; iter < 200; ++iter) {
    const std::size_t la = rng.next_u64() % 20, lb = 1 + rng.next_u64() % 12;
    auto a = random_vec<F>(rng, la);
    auto b = random_vec<F>(rng, lb);
    poly_normalize(a);
    poly_normalize(b);
    if (b.empty()) continue;
    auto [q, r] = poly_divmod<F>(a, b);
    EXPECT_LT(poly_degree<F>(r), poly_degree<F>(b));
    EXPECT_EQ(poly_add<F>(poly_mul<F>(q, b), r), a);
    // Products evaluate pointwise.
    const F x = F::random(rng);
    EXPECT_EQ(poly_eval<F>(poly_mul<F>(a, b), x), poly_eval<F>(a, x) * poly_eval<F>(b, x));
    EXPECT_EQ(poly_eval<F>(poly_sub<F>(a, b), x), poly_eval<F>(a, x) - poly_eval<F>(b, x));
  }
}

TYPED_TEST(PolyDomainTest, InterpolationAndLagrange) {
  using F = TypeParam;
  SeededRng rng(34);
  for (std::size_t m : {1u, 2u, 3u, 8u, 33u, 64u}) {
    auto d = Domain<F>::create(2 * m + 1);
    const auto coeffs = random_vec<F>(rng, m);  // degree < m
    std::vector<F> xs(m), ys(m);
    for (std::size_t i = 0; i < m; ++i) {
      xs[i] = d->point(2 * i + 1);  // a non-contiguous subset
      ys[i] = poly_eval<F>(coeffs, xs[i]);
    }
    auto f = poly_interpolate<F>(xs, ys);
    auto expect = coeffs;
    poly_normalize(expect);
    EXPECT_EQ(f, expect) << m;
    std::vector<F> lambda(m);
    lagrange_coefficients<F>(xs, F::zero(), lambda);
    F at0{};
    for (std::size_t i = 0; i < m; ++i) at0 += lambda[i] * ys[i];
    EXPECT_EQ(at0, coeffs[0]);
    const F z = F::random(rng);
    lagrange_coefficients<F>(xs, z, lambda);
    F atz{};
    for (std::size_t i = 0; i < m; ++i) atz += lambda[i] * ys[i];
    EXPECT_EQ(atz, poly_eval<F>(coeffs, z));
  }
}

// The O(m) forms over precomputed weights (what the interpolation plans of large sessions use)
// agree with evaluation by Horner's rule, at points inside and outside the set, and the basis
// coefficients are those of polynomials with L_i(x_j) = [i == j].
TYPED_TEST(PolyDomainTest, BarycentricWeightsGiveLagrangeRowsAndBasis) {
  using F = TypeParam;
  SeededRng rng(35);
  for (std::size_t m : {1u, 2u, 5u, 40u, 85u}) {
    auto d = Domain<F>::create(3 * m + 2);
    const auto coeffs = random_vec<F>(rng, m);
    std::vector<F> xs(m), ys(m);
    for (std::size_t i = 0; i < m; ++i) {
      xs[i] = d->point(3 * i + 2);
      ys[i] = poly_eval<F>(coeffs, xs[i]);
    }
    std::vector<F> w(m), row(m);
    barycentric_weights<F>(xs, w);
    for (const F& at : {F::zero(), F::random(rng), d->point(0), xs[m / 2]}) {
      lagrange_coefficients_at<F>(xs, w, at, row);
      F acc{};
      for (std::size_t i = 0; i < m; ++i) acc += row[i] * ys[i];
      EXPECT_EQ(acc, poly_eval<F>(coeffs, at)) << m;
    }
    std::vector<F> basis(m * m);
    lagrange_basis_coefficients<F>(xs, w, m, basis);
    for (std::size_t i = 0; i < m; ++i) {
      Poly<F> li(m);
      for (std::size_t c = 0; c < m; ++c) li[c] = basis[c * m + i];
      for (std::size_t j = 0; j < m; ++j) {
        EXPECT_EQ(poly_eval<F>(li, xs[j]), i == j ? F::one() : F::zero()) << m << " " << i;
      }
    }
  }
}

TYPED_TEST(PolyDomainTest, FromRootsAndPartialXgcd) {
  using F = TypeParam;
  SeededRng rng(35);
  const auto roots = random_vec<F>(rng, 9);
  const auto m = poly_from_roots<F>(roots);
  EXPECT_EQ(poly_degree<F>(m), 9);
  for (const F& z : roots) EXPECT_TRUE(poly_eval<F>(m, z).is_zero());
  // u*a + v*b = g: check g - v*b is divisible by a.
  const auto b = random_vec<F>(rng, 9);
  for (std::ptrdiff_t stop = 0; stop <= 9; ++stop) {
    auto [g, v] = poly_partial_xgcd<F>(m, b, stop);
    EXPECT_LT(poly_degree<F>(g), stop);
    auto rest = poly_sub<F>(g, poly_mul<F>(v, b));
    auto [u, r] = poly_divmod<F>(rest, m);
    EXPECT_TRUE(r.empty());
  }
}

}  // namespace
}  // namespace stoffel::math
