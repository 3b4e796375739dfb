// Shamir sharing and reconstruction, batch reconstruction (HoneyBadgerMPC Fig. 2) with and
// without faults, and the RanSha / RanDouSha algebra.
#include <gtest/gtest.h>

#include <bit>
#include <numeric>
#include <vector>

#include "math/batch_recon.h"
#include "math/domain.h"
#include "math/fields.h"
#include "math/poly.h"
#include "math/shamir.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

template <typename F>
class ShamirTest : public ::testing::Test {};
TYPED_TEST_SUITE(ShamirTest, testing::AllFields);

std::vector<std::size_t> iota_parties(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TYPED_TEST(ShamirTest, ShareAndReconstruct) {
  using F = TypeParam;
  SeededRng rng(51);
  for (std::size_t n : {1u, 4u, 5u, 7u, 10u, 16u, 31u, 64u}) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    auto sharer = ShamirSharer<F>::create(*dom, t);
    ASSERT_TRUE(sharer.ok());
    for (int trial = 0; trial < 10; ++trial) {
      const F secret = F::random(rng);
      std::vector<F> shares(n);
      sharer->share(secret, rng, shares);
      // The shares lie on one polynomial of degree t with value `secret` at 0.
      auto deg = check_degree<F>(*dom, iota_parties(n), shares, t);
      ASSERT_TRUE(deg.ok());
      EXPECT_TRUE(*deg);
      if (t > 0) {
        auto low = check_degree<F>(*dom, iota_parties(n), shares, t - 1);
        EXPECT_FALSE(*low) << "degree is exactly t (with overwhelming probability)";
      }
      // Any t + 1 shares reconstruct: use the last t + 1 parties in reverse order.
      std::vector<std::size_t> ps;
      std::vector<F> vs;
      for (std::size_t i = 0; i <= t; ++i) {
        ps.push_back(n - 1 - i);
        vs.push_back(shares[n - 1 - i]);
      }
      auto rec = reconstruct_secret<F>(*dom, t, ps, vs);
      ASSERT_TRUE(rec.ok());
      EXPECT_EQ(*rec, secret);
      auto lag = LagrangeAtZero<F>::create(*dom, ps);
      EXPECT_EQ(lag->apply(vs), secret);
      // Robust reconstruction with t wrong shares.
      std::vector<F> bad = shares;
      for (std::size_t i = 0; i < t; ++i) bad[(3 * i + 1) % n] += F::one();
      auto robust = reconstruct_secret_robust<F>(*dom, t, iota_parties(n), bad);
      ASSERT_TRUE(robust.ok());
      ASSERT_TRUE(robust->has_value());
      EXPECT_EQ(**robust, secret);
    }
    EXPECT_FALSE(
        reconstruct_secret<F>(*dom, t, std::vector<std::size_t>(t), std::vector<F>(t)).ok());
  }
  auto dom = Domain<F>::create(4);
  EXPECT_FALSE(ShamirSharer<F>::create(*dom, 4).ok());
}

TYPED_TEST(ShamirTest, ShareManyIsPartyMajorAndConsistent) {
  using F = TypeParam;
  SeededRng rng(52);
  const std::size_t n = 10, t = 3, k = 150;  // more than one internal block of coefficients
  auto dom = Domain<F>::create(n);
  auto sharer = ShamirSharer<F>::create(*dom, t);
  std::vector<F> secrets(k);
  F::random_fill(rng, secrets);
  std::vector<F> out(n * k);
  sharer->share_many(secrets, rng, out);
  for (std::size_t s = 0; s < k; ++s) {
    std::vector<F> column(n);
    for (std::size_t i = 0; i < n; ++i) column[i] = out[i * k + s];
    EXPECT_TRUE(*check_degree<F>(*dom, iota_parties(n), column, t));
    EXPECT_EQ(*reconstruct_secret<F>(*dom, t, iota_parties(n), column), secrets[s]);
  }
  // Fixed coefficients give the expected polynomial.
  std::vector<F> coeffs{F::from_u64(2), F::from_u64(3), F::from_u64(4)};
  std::vector<F> shares(n);
  sharer->share_with_coefficients(F::from_u64(1), coeffs, shares);
  const std::vector<F> poly{F::from_u64(1), F::from_u64(2), F::from_u64(3), F::from_u64(4)};
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(shares[i], poly_eval<F>(poly, dom->point(i)));
}

TYPED_TEST(ShamirTest, SeededSharingIsReproducible) {
  using F = TypeParam;
  auto dom = Domain<F>::create(5);
  auto sharer = ShamirSharer<F>::create(*dom, 1);
  std::vector<F> a(5), b(5);
  SeededRng r1(9), r2(9);
  sharer->share(F::from_u64(77), r1, a);
  sharer->share(F::from_u64(77), r2, b);
  EXPECT_EQ(a, b);
}

// Runs the three steps of batch reconstruction among n simulated parties, with `bad` parties
// sending wrong values in both rounds. Returns the secrets every party decoded (or nullopt).
template <typename F>
std::vector<std::optional<std::vector<F>>> run_batch_recon(const Domain<F>& dom, std::size_t t,
                                                           std::size_t d,
                                                           const std::vector<F>& secrets,
                                                           const std::vector<std::size_t>& bad,
                                                           Rng& rng) {
  const std::size_t n = dom.size();
  auto br = BatchReconstruction<F>::create(dom, t, d);
  EXPECT_TRUE(br.ok());
  // Deal each secret with degree d: shares[k][i] = party i's share of x_k.
  std::vector<std::vector<F>> shares(d + 1, std::vector<F>(n));
  for (std::size_t k = 0; k <= d; ++k) {
    std::vector<F> coeffs(d);
    F::random_fill(rng, coeffs);
    std::vector<F> poly{secrets[k]};
    poly.insert(poly.end(), coeffs.begin(), coeffs.end());
    for (std::size_t i = 0; i < n; ++i) shares[k][i] = poly_eval<F>(poly, dom.point(i));
  }
  const auto is_bad = [&](std::size_t i) {
    return std::find(bad.begin(), bad.end(), i) != bad.end();
  };
  // Step 1: to_party[j][i] = party i's share of y_j.
  std::vector<std::vector<F>> to_party(n, std::vector<F>(n));
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<F> x(d + 1), y(n);
    for (std::size_t k = 0; k <= d; ++k) x[k] = shares[k][i];
    br->eval_shares(x, y);
    for (std::size_t j = 0; j < n; ++j)
      to_party[j][i] = is_bad(i) ? y[j] + F::from_u64(j + 1) : y[j];
  }
  // Step 2: party j decodes y_j and reveals it (a bad party reveals garbage).
  const auto all = iota_parties(n);
  std::vector<std::size_t> reveal_parties;
  std::vector<F> revealed;
  for (std::size_t j = 0; j < n; ++j) {
    auto r = br->decode_eval(all, to_party[j]);
    EXPECT_TRUE(r.ok());
    if (!r->has_value()) continue;
    reveal_parties.push_back(j);
    revealed.push_back(is_bad(j) ? F::from_u64(12345) : (*r)->coeffs[0]);
  }
  // Step 3: every honest party decodes x_0..x_d from the reveals.
  std::vector<std::optional<std::vector<F>>> results;
  auto r = br->decode_reveal(reveal_parties, revealed);
  EXPECT_TRUE(r.ok());
  for (std::size_t i = 0; i < n; ++i) {
    if (r->has_value()) {
      results.emplace_back((*r)->coeffs);
    } else {
      results.emplace_back(std::nullopt);
    }
  }
  return results;
}

TYPED_TEST(ShamirTest, BatchReconstructionRoundTrip) {
  using F = TypeParam;
  SeededRng rng(53);
  for (std::size_t n : {4u, 7u, 10u, 16u}) {
    const std::size_t t = (n - 1) / 3;
    auto dom = Domain<F>::create(n);
    for (std::size_t d : {t, 2 * t}) {
      std::vector<F> secrets(d + 1);
      F::random_fill(rng, secrets);
      // No faults: everyone gets the secrets.
      for (const auto& r : run_batch_recon<F>(*dom, t, d, secrets, {}, rng)) {
        ASSERT_TRUE(r.has_value()) << n << " " << d;
        EXPECT_EQ(*r, secrets);
      }
      // t faulty parties: corrected for d = t; for d = 2t with n = 3t + 1 only detected.
      std::vector<std::size_t> bad;
      for (std::size_t i = 0; i < t; ++i) bad.push_back((2 * i + 1) % n);
      for (const auto& r : run_batch_recon<F>(*dom, t, d, secrets, bad, rng)) {
        if (d == t || t == 0) {
          ASSERT_TRUE(r.has_value()) << n << " " << d;
        }
        if (r.has_value()) {
          EXPECT_EQ(*r, secrets);
        }
      }
    }
  }
}

TYPED_TEST(ShamirTest, EvalSharesManyMatchesSingle) {
  using F = TypeParam;
  SeededRng rng(54);
  auto dom = Domain<F>::create(7);
  auto br = BatchReconstruction<F>::create(*dom, 2, 2);
  const std::size_t k = br->batch_size(), batches = 9, n = 7;
  std::vector<F> x(batches * k), y(n * batches);
  F::random_fill(rng, x);
  br->eval_shares_many(x, y);
  for (std::size_t b = 0; b < batches; ++b) {
    std::vector<F> single(n);
    br->eval_shares(std::span<const F>(x).subspan(b * k, k), single);
    for (std::size_t j = 0; j < n; ++j) EXPECT_EQ(y[j * batches + b], single[j]);
  }
}

// A short last batch is taken as padded with zeros, on both kinds of evaluation points.
TYPED_TEST(ShamirTest, EvalSharesManyPadsAShortLastBatch) {
  using F = TypeParam;
  SeededRng rng(55);
  auto dom = Domain<F>::create(7);
  auto general = BatchReconstruction<F>::create(*dom, 2, 4);
  auto integers = BatchReconstruction<F>::create_on_integers(7, 2, 4);
  ASSERT_TRUE(general.ok());
  ASSERT_TRUE(integers.ok());
  for (const auto* br : {&*general, &*integers}) {
    const std::size_t k = br->batch_size(), n = 7;
    ASSERT_EQ(k, 5u);
    for (std::size_t short_by = 1; short_by < k; ++short_by) {
      const std::size_t batches = 4;
      std::vector<F> x(batches * k - short_by), y(n * batches);
      F::random_fill(rng, x);
      br->eval_shares_many(x, y);
      for (std::size_t b = 0; b < batches; ++b) {
        std::vector<F> group(k, F::zero());
        for (std::size_t c = 0; c < k && b * k + c < x.size(); ++c) group[c] = x[b * k + c];
        for (std::size_t j = 0; j < n; ++j) {
          EXPECT_TRUE(y[j * batches + b] == br->eval_at(group, j))
              << "short by " << short_by << ", batch " << b << ", party " << j;
        }
      }
    }
  }
}

// Batch reconstruction on the points 1..n (decision P18): with small integer entries every y_j
// is 2^-64 sum_k x_k (j + 1)^k, computed here with plain field products; where the entries do
// not fit (n = 64, t = 21: 64^42) the scale is 1. eval_at agrees with eval_shares_many.
TYPED_TEST(ShamirTest, BatchReconstructionOnIntegerPoints) {
  using F = TypeParam;
  SeededRng rng(57);
  const F inv_2_64 = F::from_u64(std::uint64_t{1} << 32).square().inverse();
  for (std::size_t n : {4u, 5u, 7u, 10u, 16u, 64u}) {
    const std::size_t t = (n - 1) / 3;
    auto br = BatchReconstruction<F>::create_on_integers(n, t, 2 * t);
    ASSERT_TRUE(br.ok());
    const bool small = n <= 16;
    EXPECT_EQ(br->eval_scale() == inv_2_64, small) << n;
    EXPECT_EQ(br->eval_scale() == F::one(), !small) << n;
    for (std::size_t j = 0; j < n; ++j) EXPECT_TRUE(br->eval_domain().point(j) == F::from_u64(j + 1));
    const std::size_t k = br->batch_size(), batches = 5;
    std::vector<F> x(batches * k), y(n * batches);
    F::random_fill(rng, x);
    br->eval_shares_many(x, y);
    for (std::size_t b = 0; b < batches; ++b) {
      for (std::size_t j = 0; j < n; ++j) {
        F want = F::zero(), pw = F::one();
        for (std::size_t c = 0; c < k; ++c) {
          want += x[b * k + c] * pw;
          pw *= F::from_u64(j + 1);
        }
        want *= small ? inv_2_64 : F::one();
        ASSERT_TRUE(y[j * batches + b] == want) << "n " << n << ", batch " << b << ", party " << j;
        ASSERT_TRUE(br->eval_at(std::span<const F>(x).subspan(b * k, k), j) == want);
      }
    }
    // Step 3 decodes the scaled coefficients from the y_j over the integer points.
    std::vector<std::size_t> all(n);
    for (std::size_t j = 0; j < n; ++j) all[j] = j;
    std::vector<F> ys(n);
    for (std::size_t j = 0; j < n; ++j) ys[j] = y[j * batches];
    auto dec = br->decode_reveal(all, ys);
    ASSERT_TRUE(dec.ok() && dec->has_value());
    for (std::size_t c = 0; c < k; ++c) {
      EXPECT_TRUE((*dec)->coeffs[c] == x[c] * br->eval_scale()) << "n " << n << ", coefficient " << c;
    }
  }
}

TYPED_TEST(ShamirTest, RanShaAlgebra) {
  using F = TypeParam;
  SeededRng rng(55);
  const std::size_t n = 7, t = 2;
  auto dom = Domain<F>::create(n);
  auto sharer = ShamirSharer<F>::create(*dom, t);
  auto v = vandermonde_matrix<F>(*dom, n, n);
  ASSERT_TRUE(v.ok());
  // Party k deals s_k; dealt[k][i] is party i's share.
  std::vector<F> s(n);
  F::random_fill(rng, s);
  std::vector<std::vector<F>> dealt(n, std::vector<F>(n));
  for (std::size_t k = 0; k < n; ++k) sharer->share(s[k], rng, dealt[k]);
  // Each party i applies V to the shares it received; outputs[j][i] is its share of r_j.
  std::vector<std::vector<F>> outputs(n, std::vector<F>(n));
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<F> in(n), out(n);
    for (std::size_t k = 0; k < n; ++k) in[k] = dealt[k][i];
    ransha_transform<F>(*v, in, out);
    for (std::size_t j = 0; j < n; ++j) outputs[j][i] = out[j];
  }
  const auto all = iota_parties(n);
  for (std::size_t j = 0; j < n; ++j) {
    // r_j is a degree-t sharing of sum_k V[j][k] s_k.
    EXPECT_TRUE(*check_degree<F>(*dom, all, outputs[j], t));
    F expect{};
    for (std::size_t k = 0; k < n; ++k) expect += v->at(j, k) * s[k];
    EXPECT_EQ(*reconstruct_secret<F>(*dom, t, all, outputs[j]), expect);
  }
  // A dealer that deals degree t + 1 is caught by the degree check of some r_j, j < 2t.
  std::vector<F> poly(t + 2);
  F::random_fill(rng, poly);
  for (std::size_t i = 0; i < n; ++i) dealt[3][i] = poly_eval<F>(poly, dom->point(i));
  bool caught = false;
  for (std::size_t j = 0; j < 2 * t; ++j) {
    std::vector<F> col(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<F> in(n), out(n);
      for (std::size_t k = 0; k < n; ++k) in[k] = dealt[k][i];
      ransha_transform<F>(*v, in, out);
      col[i] = out[j];
    }
    caught = caught || !*check_degree<F>(*dom, all, col, t);
  }
  EXPECT_TRUE(caught);
}

TYPED_TEST(ShamirTest, DoubleSharingCheck) {
  using F = TypeParam;
  SeededRng rng(56);
  const std::size_t n = 7, t = 2;
  auto dom = Domain<F>::create(n);
  auto s_t = ShamirSharer<F>::create(*dom, t);
  auto s_2t = ShamirSharer<F>::create(*dom, 2 * t);
  const F r = F::random(rng);
  std::vector<F> a(n), b(n);
  s_t->share(r, rng, a);
  s_2t->share(r, rng, b);
  const auto all = iota_parties(n);
  EXPECT_TRUE(*check_double_sharing<F>(*dom, all, a, b, t));
  // Different secrets.
  std::vector<F> c(n);
  s_2t->share(r + F::one(), rng, c);
  EXPECT_FALSE(*check_double_sharing<F>(*dom, all, a, c, t));
  // Wrong degree in the first half.
  std::vector<F> d(n);
  s_2t->share(r, rng, d);
  EXPECT_FALSE(*check_double_sharing<F>(*dom, all, d, b, t));
  // Too few pairs is an error.
  EXPECT_FALSE(check_double_sharing<F>(*dom, std::vector<std::size_t>{0, 1, 2, 3},
                                       std::span<const F>(a).first(4),
                                       std::span<const F>(b).first(4), t)
                   .ok());
}

TYPED_TEST(ShamirTest, HyperinvertibleMatrixSubmatricesAreInvertible) {
  using F = TypeParam;
  const std::size_t n = 6;
  const auto m = hyperinvertible_matrix<F>(n, n);
  // Every 2x2 and 3x3 submatrix on contiguous and spread index sets has non-zero determinant.
  const std::vector<std::vector<std::size_t>> sets{{0, 1}, {2, 5}, {1, 3, 4}, {0, 2, 5}};
  for (const auto& rows : sets) {
    for (const auto& cols : sets) {
      if (rows.size() != cols.size()) continue;
      F det{};
      if (rows.size() == 2) {
        det = m.at(rows[0], cols[0]) * m.at(rows[1], cols[1]) -
              m.at(rows[0], cols[1]) * m.at(rows[1], cols[0]);
      } else {
        const auto a = [&](std::size_t r, std::size_t c) { return m.at(rows[r], cols[c]); };
        det = a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) -
              a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0)) +
              a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
      }
      EXPECT_FALSE(det.is_zero());
    }
  }
}

// The determinant of the square submatrix on `rows` x `cols` by elimination: zero iff singular.
template <typename F>
F sub_determinant(const Matrix<F>& m, const std::vector<std::size_t>& rows,
                  const std::vector<std::size_t>& cols) {
  const std::size_t k = rows.size();
  std::vector<F> a(k * k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) a[i * k + j] = m.at(rows[i], cols[j]);
  F det = F::one();
  for (std::size_t c = 0; c < k; ++c) {
    std::size_t piv = c;
    while (piv < k && a[piv * k + c].is_zero()) ++piv;
    if (piv == k) return F::zero();
    if (piv != c) {
      for (std::size_t j = 0; j < k; ++j) std::swap(a[c * k + j], a[piv * k + j]);
      det = -det;
    }
    det *= a[c * k + c];
    const F inv = a[c * k + c].inverse();
    for (std::size_t i = c + 1; i < k; ++i) {
      const F f = a[i * k + c] * inv;
      for (std::size_t j = c; j < k; ++j) a[i * k + j] -= f * a[c * k + j];
    }
  }
  return det;
}

// The preprocessing's matrix: the Lagrange matrix with columns scaled by their denominators and
// everything by 2^-64, its integer form exact, and every square submatrix invertible.
TYPED_TEST(ShamirTest, SmallHyperinvertibleMatrix) {
  using F = TypeParam;
  const F inv_2_64 = F::from_u64(std::uint64_t{1} << 32).square().inverse();
  for (std::size_t n : {1u, 4u, 5u, 7u, 14u}) {
    const auto m = small_hyperinvertible_matrix<F>(n);
    const auto lagrange = hyperinvertible_matrix<F>(n, n);
    ASSERT_EQ(m.small.size(), n * n) << "n = " << n;
    for (std::size_t r = 0; r < n; ++r) {
      detail::u128 row_sum = 0;
      for (std::size_t c = 0; c < n; ++c) {
        F denom = F::one();
        for (std::size_t k = 0; k < n; ++k) {
          if (k != c) denom *= F::from_i64(static_cast<std::int64_t>(c) - static_cast<std::int64_t>(k));
        }
        EXPECT_EQ(m.at(r, c), lagrange.at(r, c) * denom * inv_2_64) << n << " " << r << " " << c;
        EXPECT_EQ(m.at(r, c), F::from_u64(m.small[r * n + c]) * inv_2_64);
        row_sum += m.small[r * n + c];
      }
      EXPECT_LT(row_sum, detail::u128{1} << 62);
    }
  }
  // Too large for 64-bit entries: the Lagrange matrix itself, without the integer form.
  const auto big = small_hyperinvertible_matrix<F>(16);
  EXPECT_TRUE(big.small.empty());
  EXPECT_EQ(big.data, hyperinvertible_matrix<F>(16, 16).data);
  // Every square submatrix of the 6 x 6 matrix (all 923 of them) is invertible.
  const std::size_t n = 6;
  const auto m = small_hyperinvertible_matrix<F>(n);
  std::size_t checked = 0;
  for (unsigned rs = 1; rs < (1u << n); ++rs) {
    for (unsigned cs = 1; cs < (1u << n); ++cs) {
      if (std::popcount(rs) != std::popcount(cs)) continue;
      std::vector<std::size_t> rows, cols;
      for (std::size_t i = 0; i < n; ++i) {
        if (rs >> i & 1) rows.push_back(i);
        if (cs >> i & 1) cols.push_back(i);
      }
      EXPECT_FALSE(sub_determinant(m, rows, cols).is_zero());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 923u);
}

}  // namespace
}  // namespace stoffel::math
