#include "math/rs_decode.h"

#include <algorithm>
#include <string>

#include "math/instantiate.h"
#include "math/poly.h"

namespace stoffel::math {

template <typename F>
Result<RobustDecoder<F>> RobustDecoder<F>::create(const Domain<F>& domain, std::size_t degree,
                                                  std::size_t t) {
  if (degree >= domain.size()) {
    return make_error("decoder degree " + std::to_string(degree) + " needs more than " +
                      std::to_string(domain.size()) + " parties");
  }
  RobustDecoder dec;
  dec.points_.assign(domain.points().begin(), domain.points().end());
  dec.degree_ = degree;
  dec.t_ = t;
  const std::size_t n = dec.points_.size();
  if (n <= kMaxPrecomputedParties) {
    // weights_[i] = 1 / prod_{j != i} (x_i - x_j) over all n points: O(n^2) once, one inversion.
    dec.weights_.resize(n);
    std::vector<F> scratch(n);
    for (std::size_t i = 0; i < n; ++i) {
      F d = F::one();
      for (std::size_t j = 0; j < n; ++j) {
        if (j != i) d *= dec.points_[i] - dec.points_[j];
      }
      dec.weights_[i] = d;
    }
    batch_inverse(std::span<F>(dec.weights_), std::span<F>(scratch));
  }
  return dec;
}

template <typename F>
void RobustDecoder<F>::lagrange_basis(std::span<const std::size_t> base,
                                      std::vector<F>& basis) const {
  const std::size_t k = base.size(), n = points_.size();
  std::vector<F> w(k), xs(k);
  for (std::size_t i = 0; i < k; ++i) xs[i] = points_[base[i]];
  // Barycentric weights of the subset: from the precomputed weights of all n points, multiply
  // back the factors of the points not in the subset (no inversion), when that is cheaper than
  // k^2 products and an inversion (about 330 multiplications).
  if (!weights_.empty() && k * (n - k) < k * k + 330) {
    std::vector<std::uint8_t> in_base(n, 0);
    for (std::size_t p : base) in_base[p] = 1;
    for (std::size_t i = 0; i < k; ++i) {
      F acc = weights_[base[i]];
      for (std::size_t j = 0; j < n; ++j) {
        if (!in_base[j]) acc *= xs[i] - points_[j];
      }
      w[i] = acc;
    }
  } else {
    std::vector<F> scratch(k);
    for (std::size_t i = 0; i < k; ++i) {
      F d = F::one();
      for (std::size_t j = 0; j < k; ++j) {
        if (j != i) d *= xs[i] - xs[j];
      }
      w[i] = d;
    }
    batch_inverse(std::span<F>(w), std::span<F>(scratch));
  }
  // L_i = w_i * M(x) / (x - x_i) with M = prod (x - x_j), by synthetic division.
  const Poly<F> master = poly_from_roots<F>(xs);
  basis.assign(k * k, F::zero());
  for (std::size_t i = 0; i < k; ++i) {
    F carry = master[k];
    for (std::size_t j = k; j-- > 0;) {
      basis[i * k + j] = carry * w[i];
      carry = master[j] + carry * xs[i];
    }
  }
}

template <typename F>
Result<void> RobustDecoder<F>::sort_shares(std::span<const std::size_t> parties,
                                           std::span<const F> values,
                                           std::vector<std::size_t>& order) const {
  if (parties.size() != values.size()) {
    return make_error("decode: " + std::to_string(parties.size()) + " parties but " +
                      std::to_string(values.size()) + " values");
  }
  std::vector<std::uint8_t> seen(points_.size(), 0);
  for (std::size_t p : parties) {
    if (p >= points_.size()) {
      return make_error("decode: party " + std::to_string(p) +
                        " out of range (n = " + std::to_string(points_.size()) + ")");
    }
    if (seen[p]) return make_error("decode: party " + std::to_string(p) + " given twice");
    seen[p] = 1;
  }
  order.resize(parties.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return parties[a] < parties[b]; });
  return {};
}

template <typename F>
std::optional<Decoded<F>> RobustDecoder<F>::decode_gao(
    std::span<const F> xs, std::span<const F> ys,
    std::span<const std::size_t> sorted_parties) const {
  const std::size_t m = xs.size();
  const std::size_t k = degree_ + 1;
  // g0 vanishes on every point present (missing parties are erasures: they are simply not in
  // the code), g1 interpolates the received word.
  const Poly<F> g0 = poly_from_roots(xs);
  const Poly<F> g1 = poly_interpolate(xs, ys);
  // Stop at the first remainder of degree < (m + k) / 2.
  const auto stop = static_cast<std::ptrdiff_t>((m + k + 1) / 2);
  auto [g, v] = poly_partial_xgcd<F>(g0, g1, stop);
  if (poly_degree<F>(v) < 0) return std::nullopt;
  auto [f, r] = poly_divmod<F>(g, v);
  if (!r.empty() || poly_degree<F>(f) > static_cast<std::ptrdiff_t>(degree_)) return std::nullopt;
  Decoded<F> out;
  std::size_t agree = 0;
  for (std::size_t i = 0; i < m; ++i) {
    if (poly_eval<F>(f, xs[i]) == ys[i]) {
      ++agree;
    } else {
      out.faulty.push_back(sorted_parties[i]);
    }
  }
  if (agree < degree_ + t_ + 1) return std::nullopt;
  f.resize(k);
  out.coeffs = std::move(f);
  return out;
}

template <typename F>
Result<std::optional<Decoded<F>>> RobustDecoder<F>::decode(std::span<const std::size_t> parties,
                                                           std::span<const F> values) const {
  std::vector<std::size_t> order;
  if (auto ok = sort_shares(parties, values, order); !ok) return ok.error();
  const std::size_t m = parties.size();
  if (m < min_shares()) return std::optional<Decoded<F>>{};
  std::vector<F> xs(m), ys(m);
  std::vector<std::size_t> sorted(m);
  for (std::size_t i = 0; i < m; ++i) {
    sorted[i] = parties[order[i]];
    xs[i] = points_[sorted[i]];
    ys[i] = values[order[i]];
  }
  const std::size_t k = degree_ + 1;
  // Optimistic path: the polynomial through the first d + 1 shares, accepted when every other
  // share lies on it (then it agrees with all m >= d + t + 1 shares).
  std::vector<F> basis;
  lagrange_basis(std::span<const std::size_t>(sorted).first(k), basis);
  Poly<F> f(k);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) f[j] += basis[i * k + j] * ys[i];
  }
  bool all_agree = true;
  for (std::size_t i = k; i < m && all_agree; ++i) all_agree = poly_eval<F>(f, xs[i]) == ys[i];
  if (all_agree) {
    f.resize(k);
    return std::optional<Decoded<F>>(Decoded<F>{std::move(f), {}});
  }
  return decode_gao(xs, ys, sorted);
}

template <typename F>
Result<void> RobustDecoder<F>::decode_batch(std::span<const std::size_t> parties,
                                            std::span<const F> values, std::size_t ncoeffs,
                                            std::span<F> out, std::span<DecodeStatus> status,
                                            std::vector<std::size_t>& faulty) const {
  const std::size_t m = parties.size();
  const std::size_t k = degree_ + 1;
  if (ncoeffs == 0 || ncoeffs > k) {
    return make_error("decode_batch: ncoeffs must be in 1.." + std::to_string(k));
  }
  if (m == 0 || values.size() % m != 0) {
    return make_error("decode_batch: " + std::to_string(values.size()) +
                      " values is not a multiple of " + std::to_string(m) + " parties");
  }
  const std::size_t words = values.size() / m;
  if (out.size() != words * ncoeffs || status.size() != words) {
    return make_error("decode_batch: output spans do not match " + std::to_string(words) +
                      " words");
  }
  std::vector<std::size_t> order;
  if (auto ok = sort_shares(parties, std::span<const F>(values.data(), m), order); !ok) {
    return ok.error();
  }
  if (m < min_shares()) {
    std::fill(status.begin(), status.end(), DecodeStatus::kNeedMoreShares);
    return {};
  }
  std::vector<F> xs(m);
  std::vector<std::size_t> sorted(m);
  for (std::size_t i = 0; i < m; ++i) {
    sorted[i] = parties[order[i]];
    xs[i] = points_[sorted[i]];
  }
  // basis[i * k + j]: coefficient j of the Lagrange basis polynomial L_i of the first k points,
  // so coefficient j of the interpolant is sum_i basis[i * k + j] * y_i.
  std::vector<F> basis;
  lagrange_basis(std::span<const std::size_t>(sorted).first(k), basis);
  std::vector<F> coeffs(k), ys(m);
  std::vector<std::size_t> all_faulty;
  for (std::size_t w = 0; w < words; ++w) {
    for (std::size_t i = 0; i < m; ++i) ys[i] = values[w * m + order[i]];
    for (std::size_t j = 0; j < k; ++j) coeffs[j] = F::zero();
    for (std::size_t i = 0; i < k; ++i) {
      const F y = ys[i];
      const F* row = &basis[i * k];
      for (std::size_t j = 0; j < k; ++j) coeffs[j] += row[j] * y;
    }
    bool all_agree = true;
    for (std::size_t i = k; i < m && all_agree; ++i) {
      all_agree = poly_eval<F>(coeffs, xs[i]) == ys[i];
    }
    if (all_agree) {
      std::copy_n(coeffs.begin(), ncoeffs, out.begin() + static_cast<std::ptrdiff_t>(w * ncoeffs));
      status[w] = DecodeStatus::kDecoded;
      continue;
    }
    auto dec = decode_gao(xs, ys, sorted);
    if (!dec) {
      status[w] = DecodeStatus::kNeedMoreShares;
      continue;
    }
    std::copy_n(dec->coeffs.begin(), ncoeffs,
                out.begin() + static_cast<std::ptrdiff_t>(w * ncoeffs));
    status[w] = DecodeStatus::kDecoded;
    all_faulty.insert(all_faulty.end(), dec->faulty.begin(), dec->faulty.end());
  }
  std::sort(all_faulty.begin(), all_faulty.end());
  all_faulty.erase(std::unique(all_faulty.begin(), all_faulty.end()), all_faulty.end());
  faulty = std::move(all_faulty);
  return {};
}

STOFFEL_MATH_INSTANTIATE_CLASS(RobustDecoder)

}  // namespace stoffel::math
