#include "math/batch_recon.h"

#include <string>

#include "math/instantiate.h"
#include "math/poly.h"

namespace stoffel::math {

template <typename F>
void Matrix<F>::apply(std::span<const F> in, std::span<F> out) const {
  for (std::size_t r = 0; r < rows; ++r) {
    const F* row = data.data() + r * cols;
    F acc{};
    for (std::size_t c = 0; c < cols; ++c) acc += row[c] * in[c];
    out[r] = acc;
  }
}

template <typename F>
void Matrix<F>::apply_many(std::span<const F> in, std::span<F> out) const {
  const std::size_t vectors = cols == 0 ? 0 : in.size() / cols;
  for (std::size_t v = 0; v < vectors; ++v)
    apply(in.subspan(v * cols, cols), out.subspan(v * rows, rows));
}

template <typename F>
Result<Matrix<F>> vandermonde_matrix(const Domain<F>& domain, std::size_t rows, std::size_t cols) {
  if (rows > domain.size()) {
    return make_error("vandermonde: " + std::to_string(rows) + " rows but only " +
                      std::to_string(domain.size()) + " points");
  }
  Matrix<F> m{rows, cols, std::vector<F>(rows * cols)};
  for (std::size_t j = 0; j < rows; ++j) {
    F acc = F::one();
    for (std::size_t k = 0; k < cols; ++k) {
      m.data[j * cols + k] = acc;
      acc *= domain.point(j);
    }
  }
  return m;
}

template <typename F>
Matrix<F> hyperinvertible_matrix(std::size_t rows, std::size_t cols) {
  Matrix<F> m{rows, cols, std::vector<F>(rows * cols)};
  std::vector<F> alpha(cols);
  for (std::size_t c = 0; c < cols; ++c) alpha[c] = F::from_u64(c + 1);
  // The rows are Lagrange coefficients over the same points: weights once, O(cols) per row.
  std::vector<F> weights(cols), lambda(cols);
  barycentric_weights<F>(alpha, weights);
  for (std::size_t r = 0; r < rows; ++r) {
    lagrange_coefficients_at<F>(alpha, weights, F::from_u64(cols + 1 + r), lambda);
    for (std::size_t c = 0; c < cols; ++c) m.data[r * cols + c] = lambda[c];
  }
  return m;
}

namespace {
// 2^64 as a field element: what Fp::small_combination's results are off by (2^-64 each).
template <typename F>
F two_to_64() {
  return F::from_u64(std::uint64_t{1} << 32).square();
}
}  // namespace

template <typename F>
Matrix<F> small_hyperinvertible_matrix(std::size_t size) {
  using detail::u128;
  std::vector<std::uint64_t> small(size * size);
  bool fits = true;
  for (std::size_t r = 0; r < size && fits; ++r) {
    u128 row_sum = 0;
    for (std::size_t c = 0; c < size && fits; ++c) {
      u128 v = 1;
      for (std::size_t k = 0; k < size && fits; ++k) {
        if (k == c) continue;
        v *= size + r - k;  // alpha_r - beta_k with alpha_r = size + 1 + r, beta_k = k + 1
        fits = v < (u128{1} << 62);
      }
      row_sum += v;
      fits = fits && row_sum < (u128{1} << 62);
      if (fits) small[r * size + c] = static_cast<std::uint64_t>(v);
    }
  }
  if (!fits) return hyperinvertible_matrix<F>(size, size);
  const F inv_2_64 = two_to_64<F>().inverse();
  Matrix<F> m{size, size, std::vector<F>(size * size), std::move(small)};
  for (std::size_t i = 0; i < size * size; ++i) m.data[i] = F::from_u64(m.small[i]) * inv_2_64;
  return m;
}

template <typename F>
Result<BatchReconstruction<F>> BatchReconstruction<F>::create(const Domain<F>& domain,
                                                              std::size_t t, std::size_t degree) {
  auto dec = RobustDecoder<F>::create(domain, degree, t);
  if (!dec) return dec.error();
  auto v = vandermonde_matrix(domain, domain.size(), degree + 1);
  if (!v) return v.error();
  BatchReconstruction b;
  b.vandermonde_ = std::move(*v);
  b.decoder_ = std::move(*dec);
  b.domain_ = domain;
  return b;
}

template <typename F>
Result<BatchReconstruction<F>> BatchReconstruction<F>::create_on_integers(std::size_t n,
                                                                          std::size_t t,
                                                                          std::size_t degree) {
  auto dom = Domain<F>::create_integers(n);
  if (!dom) return dom.error();
  auto b = create(*dom, t, degree);
  if (!b) return b.error();
  // V[j][k] = (j + 1)^k as integers, while every row sums to less than 2^62.
  using detail::u128;
  const std::size_t k = degree + 1;
  std::vector<std::uint64_t> small(n * k);
  bool fits = true;
  for (std::size_t j = 0; j < n && fits; ++j) {
    u128 v = 1, sum = 0;
    for (std::size_t c = 0; c < k && fits; ++c) {
      small[j * k + c] = static_cast<std::uint64_t>(v);
      sum += v;
      v *= j + 1;
      fits = sum < (u128{1} << 62) && (c + 1 == k || v < (u128{1} << 62));
    }
  }
  if (fits) {
    b->vandermonde_.small = std::move(small);
    b->unscale_ = two_to_64<F>();
    b->scale_ = b->unscale_.inverse();  // 2^-64
  }
  return b;
}

template <typename F>
F BatchReconstruction<F>::eval_at(std::span<const F> x, std::size_t j) const {
  const std::size_t k = batch_size();
  F acc = F::zero();
  for (std::size_t c = 0; c < k; ++c) acc += vandermonde_.data[j * k + c] * x[c];
  return acc * scale_;
}

template <typename F>
void BatchReconstruction<F>::eval_shares(std::span<const F> x_shares, std::span<F> y_shares) const {
  vandermonde_.apply(x_shares, y_shares);
}

template <typename F>
void BatchReconstruction<F>::eval_shares_many(std::span<const F> x_shares,
                                              std::span<F> y_shares) const {
  const std::size_t k = batch_size(), n = parties();
  const std::size_t full = x_shares.size() / k;
  const std::size_t batches = (x_shares.size() + k - 1) / k;
  // The short last batch, if any, padded with zeros (a copy of at most k - 1 values).
  std::vector<F> last;
  if (full < batches) {
    last.assign(k, F::zero());
    std::copy(x_shares.begin() + static_cast<std::ptrdiff_t>(full * k), x_shares.end(),
              last.begin());
  }
  auto batch = [&](std::size_t b) { return b < full ? x_shares.data() + b * k : last.data(); };
  if (!vandermonde_.small.empty()) {  // small entries: one reduction per value, scaled by 2^-64
    // Batch-major: each batch's k shares are read once for all n outputs (10^5 shares would
    // otherwise come from memory n times).
    for (std::size_t b = 0; b < batches; ++b) {
      const F* x = batch(b);
      for (std::size_t j = 0; j < n; ++j) {
        const std::span<const std::uint64_t> row(vandermonde_.small.data() + j * k, k);
        F::small_combination(row, x, 1, 1, y_shares.data() + j * batches + b);
      }
    }
    return;
  }
  for (std::size_t b = 0; b < batches; ++b) {
    const F* x = batch(b);
    for (std::size_t j = 0; j < n; ++j) {
      const F* row = vandermonde_.data.data() + j * k;
      F acc{};
      for (std::size_t c = 0; c < k; ++c) acc += row[c] * x[c];
      y_shares[j * batches + b] = acc;
    }
  }
}

template <typename F>
void ransha_transform(const Matrix<F>& v, std::span<const F> inputs, std::span<F> outputs) {
  v.apply(inputs, outputs);
}

template <typename F>
Result<bool> check_degree(const Domain<F>& domain, std::span<const std::size_t> parties,
                          std::span<const F> values, std::size_t max_degree) {
  if (parties.size() != values.size()) return make_error("check_degree: size mismatch");
  std::vector<F> xs(parties.size());
  std::vector<std::uint8_t> seen(domain.size(), 0);
  for (std::size_t i = 0; i < parties.size(); ++i) {
    if (parties[i] >= domain.size() || seen[parties[i]]) {
      return make_error("check_degree: party " + std::to_string(parties[i]) +
                        " out of range or given twice");
    }
    seen[parties[i]] = 1;
    xs[i] = domain.point(parties[i]);
  }
  const Poly<F> f = poly_interpolate<F>(xs, values);
  return poly_degree<F>(f) <= static_cast<std::ptrdiff_t>(max_degree);
}

template <typename F>
Result<bool> check_double_sharing(const Domain<F>& domain, std::span<const std::size_t> parties,
                                  std::span<const F> shares_t, std::span<const F> shares_2t,
                                  std::size_t t) {
  if (parties.size() < 2 * t + 1) {
    return make_error("check_double_sharing: need 2t + 1 = " + std::to_string(2 * t + 1) +
                      " pairs, got " + std::to_string(parties.size()));
  }
  if (shares_t.size() != parties.size() || shares_2t.size() != parties.size()) {
    return make_error("check_double_sharing: size mismatch");
  }
  auto low = check_degree(domain, parties, shares_t, t);
  if (!low) return low.error();
  auto high = check_degree(domain, parties, shares_2t, 2 * t);
  if (!high) return high.error();
  if (!*low || !*high) return false;
  // Both interpolants are now known to have the right degree: compare their values at 0.
  std::vector<F> xs(parties.size()), lambda(parties.size());
  for (std::size_t i = 0; i < parties.size(); ++i) xs[i] = domain.point(parties[i]);
  lagrange_coefficients<F>(xs, F::zero(), lambda);
  F a{}, b{};
  for (std::size_t i = 0; i < parties.size(); ++i) {
    a += lambda[i] * shares_t[i];
    b += lambda[i] * shares_2t[i];
  }
  return a == b;
}

STOFFEL_MATH_INSTANTIATE_CLASS(Matrix)
STOFFEL_MATH_INSTANTIATE_CLASS(BatchReconstruction)

#define STOFFEL_INSTANTIATE_BATCH(F)                                                            \
  template Result<Matrix<F>> vandermonde_matrix<F>(const Domain<F>&, std::size_t, std::size_t); \
  template Matrix<F> hyperinvertible_matrix<F>(std::size_t, std::size_t);                       \
  template Matrix<F> small_hyperinvertible_matrix<F>(std::size_t);                              \
  template void ransha_transform<F>(const Matrix<F>&, std::span<const F>, std::span<F>);        \
  template Result<bool> check_degree<F>(const Domain<F>&, std::span<const std::size_t>,         \
                                        std::span<const F>, std::size_t);                       \
  template Result<bool> check_double_sharing<F>(const Domain<F>&, std::span<const std::size_t>, \
                                                std::span<const F>, std::span<const F>,         \
                                                std::size_t);
STOFFEL_INSTANTIATE_BATCH(Bls12_381_Fr)
STOFFEL_INSTANTIATE_BATCH(Bn254_Fr)
STOFFEL_INSTANTIATE_BATCH(Curve25519_Fr)

}  // namespace stoffel::math
