// Dense univariate polynomials over a field: coefficient vectors, lowest degree first, kept
// normalised (no trailing zeros; the zero polynomial is the empty vector). Schoolbook algorithms:
// the degrees here are below a few hundred, where they beat asymptotically faster ones.
// These routines run on public data (opened values, decoding) and are not constant time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "math/fp.h"

namespace stoffel::math {

template <typename F>
using Poly = std::vector<F>;

template <typename F>
void poly_normalize(Poly<F>& p) {
  while (!p.empty() && p.back().is_zero()) p.pop_back();
}

// Degree, with -1 for the zero polynomial.
template <typename F>
std::ptrdiff_t poly_degree(std::span<const F> p) {
  std::ptrdiff_t d = static_cast<std::ptrdiff_t>(p.size()) - 1;
  while (d >= 0 && p[static_cast<std::size_t>(d)].is_zero()) --d;
  return d;
}

// Horner's rule.
template <typename F>
F poly_eval(std::span<const F> p, const F& x) {
  F acc{};
  for (std::size_t k = p.size(); k-- > 0;) {
    acc *= x;
    acc += p[k];
  }
  return acc;
}

template <typename F>
Poly<F> poly_add(std::span<const F> a, std::span<const F> b) {
  Poly<F> r(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = a[i];
  for (std::size_t i = 0; i < b.size(); ++i) r[i] += b[i];
  poly_normalize(r);
  return r;
}

template <typename F>
Poly<F> poly_sub(std::span<const F> a, std::span<const F> b) {
  Poly<F> r(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = a[i];
  for (std::size_t i = 0; i < b.size(); ++i) r[i] -= b[i];
  poly_normalize(r);
  return r;
}

template <typename F>
Poly<F> poly_mul(std::span<const F> a, std::span<const F> b) {
  if (a.empty() || b.empty()) return {};
  Poly<F> r(a.size() + b.size() - 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b.size(); ++j) r[i + j] += a[i] * b[j];
  }
  poly_normalize(r);
  return r;
}

// Quotient and remainder of a / b; b must not be the zero polynomial (then both are empty).
template <typename F>
std::pair<Poly<F>, Poly<F>> poly_divmod(std::span<const F> a, std::span<const F> b) {
  const std::ptrdiff_t db = poly_degree(b);
  Poly<F> rem(a.begin(), a.end());
  poly_normalize(rem);
  if (db < 0) return {{}, {}};
  const auto dbu = static_cast<std::size_t>(db);
  if (rem.size() <= dbu) return {{}, rem};
  Poly<F> quo(rem.size() - dbu);
  const F lead_inv = b[dbu].inverse();
  for (std::size_t k = rem.size(); k-- > dbu;) {
    const F c = rem[k] * lead_inv;
    quo[k - dbu] = c;
    if (c.is_zero()) continue;
    for (std::size_t j = 0; j <= dbu; ++j) rem[k - dbu + j] -= c * b[j];
  }
  rem.resize(dbu);
  poly_normalize(rem);
  poly_normalize(quo);
  return {std::move(quo), std::move(rem)};
}

// prod_i (x - roots[i]).
template <typename F>
Poly<F> poly_from_roots(std::span<const F> roots) {
  Poly<F> r{F::one()};
  r.reserve(roots.size() + 1);
  for (const F& z : roots) {
    r.push_back(F::zero());
    for (std::size_t k = r.size() - 1; k > 0; --k) r[k] = r[k - 1] - z * r[k];
    r[0] = -(z * r[0]);
  }
  return r;
}

// The polynomial of degree < xs.size() through (xs[i], ys[i]); xs distinct. O(m^2): the master
// polynomial M = prod (x - x_i), each M / (x - x_i) by synthetic division, weights y_i / M'(x_i)
// with one batch inversion.
template <typename F>
Poly<F> poly_interpolate(std::span<const F> xs, std::span<const F> ys) {
  const std::size_t m = xs.size();
  if (m == 0) return {};
  const Poly<F> master = poly_from_roots(xs);
  std::vector<F> denom(m), scratch(m);
  for (std::size_t i = 0; i < m; ++i) {
    F d = F::one();
    for (std::size_t j = 0; j < m; ++j) {
      if (j != i) d *= xs[i] - xs[j];
    }
    denom[i] = d;
  }
  batch_inverse(std::span<F>(denom), std::span<F>(scratch));
  Poly<F> result(m);
  std::vector<F> q(m);
  for (std::size_t i = 0; i < m; ++i) {
    const F w = ys[i] * denom[i];
    if (w.is_zero()) continue;
    // q = master / (x - x_i), from the top coefficient down.
    F carry = master[m];
    for (std::size_t k = m; k-- > 0;) {
      q[k] = carry;
      carry = master[k] + carry * xs[i];
    }
    for (std::size_t k = 0; k < m; ++k) result[k] += w * q[k];
  }
  poly_normalize(result);
  return result;
}

// Barycentric weights of distinct points: w[i] = 1 / prod_{j != i} (x_i - x_j). O(m^2)
// multiplications and one inversion, once per point set: with them, the Lagrange coefficients
// at any point cost O(m) (lagrange_coefficients_at), so n rows of coefficients over the same
// points cost O(n m) instead of O(n m^2) (the precomputed plans and matrices of a session with
// hundreds of parties, docs/performance.md).
template <typename F>
void barycentric_weights(std::span<const F> xs, std::span<F> w) {
  const std::size_t m = xs.size();
  for (std::size_t i = 0; i < m; ++i) {
    F d = F::one();
    for (std::size_t j = 0; j < m; ++j) {
      if (j != i) d *= xs[i] - xs[j];
    }
    w[i] = d;
  }
  std::vector<F> scratch(m);
  batch_inverse(w.first(m), std::span<F>(scratch));
}

// Lagrange coefficients at `at` from the points' barycentric weights:
// out[i] = w[i] * prod_{j != i} (at - x_j). O(m).
template <typename F>
void lagrange_coefficients_at(std::span<const F> xs, std::span<const F> w, const F& at,
                              std::span<F> out) {
  const std::size_t m = xs.size();
  if (m == 0) return;
  // out[i] = w[i] * prefix(i) * suffix(i + 1), with the suffix products accumulated from the
  // right into `out` first, so no scratch vector is needed.
  F suffix = F::one();
  for (std::size_t i = m; i-- > 0;) {
    out[i] = suffix;
    suffix *= at - xs[i];
  }
  F prefix = F::one();
  for (std::size_t i = 0; i < m; ++i) {
    out[i] *= prefix * w[i];
    prefix *= at - xs[i];
  }
}

// Lagrange coefficients: out[i] = prod_{j != i} (at - x_j) / (x_i - x_j), so that
// f(at) = sum_i out[i] * f(xs[i]) for every f of degree < xs.size(). xs distinct. O(m^2); for
// many points `at` over the same xs, compute the weights once (barycentric_weights).
template <typename F>
void lagrange_coefficients(std::span<const F> xs, const F& at, std::span<F> out) {
  const std::size_t m = xs.size();
  if (m == 0) return;
  std::vector<F> w(m);
  barycentric_weights<F>(xs, w);
  lagrange_coefficients_at<F>(xs, w, at, out);
}

// The coefficients of the Lagrange basis polynomials of distinct points xs with weights w:
// out[c * m + i] = coefficient of X^c in L_i(X) = w[i] * prod_{j != i} (X - x_j), for
// c < ncoeffs. O(m^2): the master polynomial once, then one synthetic division per point.
template <typename F>
void lagrange_basis_coefficients(std::span<const F> xs, std::span<const F> w, std::size_t ncoeffs,
                                 std::span<F> out) {
  const std::size_t m = xs.size();
  const Poly<F> master = poly_from_roots<F>(xs);  // degree m, master[m] = 1
  for (std::size_t i = 0; i < m; ++i) {
    // master / (X - x_i) from the top coefficient down: q[k] for k = m-1 .. 0.
    F carry = master[m];
    for (std::size_t k = m; k-- > 0;) {
      if (k < ncoeffs) out[k * m + i] = carry * w[i];
      carry = master[k] + carry * xs[i];
    }
  }
}

// Partial extended Euclid on (a, b) as Gao's decoder needs it: runs the remainder sequence until
// a remainder g has degree < stop_degree and returns (g, v) with u*a + v*b = g for some u.
template <typename F>
std::pair<Poly<F>, Poly<F>> poly_partial_xgcd(std::span<const F> a, std::span<const F> b,
                                              std::ptrdiff_t stop_degree) {
  Poly<F> r_prev(a.begin(), a.end()), r_cur(b.begin(), b.end());
  poly_normalize(r_prev);
  poly_normalize(r_cur);
  Poly<F> v_prev{}, v_cur{F::one()};
  if (poly_degree<F>(r_prev) < stop_degree) return {std::move(r_prev), Poly<F>{}};
  while (poly_degree<F>(r_cur) >= stop_degree) {
    auto [q, r] = poly_divmod<F>(r_prev, r_cur);
    Poly<F> v_next = poly_sub<F>(v_prev, poly_mul<F>(q, v_cur));
    r_prev = std::move(r_cur);
    r_cur = std::move(r);
    v_prev = std::move(v_cur);
    v_cur = std::move(v_next);
  }
  return {std::move(r_cur), std::move(v_cur)};
}

}  // namespace stoffel::math
