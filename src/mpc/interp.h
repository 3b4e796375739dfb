// Interpolation plans and batch decoding of many words held sender-major (one array per party,
// as they arrive from the network), without transposing them.
//
// A plan for a sorted set of parties and a degree d fixes d+1 "base" parties, precomputes the
// coefficients that map the base values to the wanted polynomial coefficients, and the rows that
// predict every other party's value from the base values. A word whose other values all match
// the prediction lies on a polynomial of degree <= d through all present shares; only words that
// fail go to Gao's decoder (math::RobustDecoder), which corrects errors and applies the
// acceptance rule (d + t + 1 agreeing shares), so a returned value is always the honest one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "math/domain.h"
#include "math/poly.h"
#include "math/rs_decode.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

template <typename F>
struct InterpPlan {
  std::vector<std::size_t> parties;  // all parties of the plan, ascending
  std::vector<std::size_t> base;     // the first d + 1 of them
  std::vector<std::size_t> others;   // the rest, checked against the interpolant
  std::size_t ncoeffs = 0;
  std::vector<F> weights;  // barycentric weights of the base points
  std::vector<F> coef;     // ncoeffs x (d+1): coefficient c = sum_i coef[c][i] * y(base[i])
  std::vector<F> ext;      // others x (d+1): y(others[j]) = sum_i ext[j][i] * y(base[i])
  F scale = F::one();      // the coefficients come out multiplied by this (coef rows hold it)

  // parties ascending, at least degree + 1 of them; 1 <= ncoeffs <= degree + 1. With `scale`,
  // decoding returns every coefficient times scale at no extra cost (the coef rows hold it).
  // O(d^2 + others * d) field multiplications: the base points' weights once, then O(d) per row
  // (a plan is made for each new set of parties heard from, so with hundreds of parties this
  // must not be cubic).
  static InterpPlan make(const math::Domain<F>& domain, std::span<const std::size_t> parties,
                         std::size_t degree, std::size_t ncoeffs, const F& scale = F::one()) {
    InterpPlan p;
    p.scale = scale;
    const std::size_t k = degree + 1;
    p.parties.assign(parties.begin(), parties.end());
    p.base.assign(parties.begin(), parties.begin() + static_cast<std::ptrdiff_t>(k));
    p.others.assign(parties.begin() + static_cast<std::ptrdiff_t>(k), parties.end());
    p.ncoeffs = ncoeffs;
    std::vector<F> xs(k);
    for (std::size_t i = 0; i < k; ++i) xs[i] = domain.point(p.base[i]);
    p.weights.resize(k);
    math::barycentric_weights<F>(xs, p.weights);
    p.coef.resize(ncoeffs * k);
    if (ncoeffs == 1) {
      math::lagrange_coefficients_at<F>(xs, p.weights, F::zero(), p.coef);
    } else {
      // Coefficients of the Lagrange basis polynomials.
      math::lagrange_basis_coefficients<F>(xs, p.weights, ncoeffs, p.coef);
    }
    if (!(scale == F::one())) {
      for (F& c : p.coef) c *= scale;
    }
    p.ext.resize(p.others.size() * k);
    for (std::size_t j = 0; j < p.others.size(); ++j) {
      math::lagrange_coefficients_at<F>(xs, p.weights, domain.point(p.others[j]),
                                        std::span<F>(p.ext.data() + j * k, k));
    }
    return p;
  }
};

// Keeps the last plan per use so that repeated rounds over the same parties cost nothing extra.
template <typename F>
class PlanCache {
 public:
  const InterpPlan<F>& get(const math::Domain<F>& domain, std::span<const std::size_t> parties,
                           std::size_t degree, std::size_t ncoeffs, const F& scale = F::one()) {
    for (auto& p : plans_) {
      if (p.ncoeffs == ncoeffs && p.base.size() == degree + 1 && p.scale == scale &&
          std::equal(p.parties.begin(), p.parties.end(), parties.begin(), parties.end())) {
        return p;
      }
    }
    if (plans_.size() >= 8) plans_.erase(plans_.begin());
    plans_.push_back(InterpPlan<F>::make(domain, parties, degree, ncoeffs, scale));
    return plans_.back();
  }

 private:
  std::vector<InterpPlan<F>> plans_;
};

// Decodes `words` words of degree d. values_of(p) gives party p's `words` values (sender-major).
// `plan` covers the parties used for the fast path (a subset of `present` of at least d + t + 1
// parties); `present` (ascending) are all parties whose values may be used by Gao's decoder.
// Writes out[w * ncoeffs + c] (times plan.scale). Returns false when some word cannot be
// decoded yet (more shares needed). Parties whose shares were corrected are added to `faulty`;
// if `corrected` is given, it is set to 1 for each word that needed Gao's decoder.
template <typename F, typename ValuesOf>
Result<bool> decode_words(const InterpPlan<F>& plan, const math::RobustDecoder<F>& decoder,
                          std::span<const std::size_t> present, ValuesOf&& values_of,
                          std::size_t words, std::span<F> out, std::vector<std::size_t>& faulty,
                          std::vector<std::uint8_t>* corrected = nullptr) {
  const std::size_t k = plan.base.size();
  const std::size_t nc = plan.ncoeffs;
  std::vector<const F*> base(k), at(k);
  for (std::size_t i = 0; i < k; ++i) base[i] = values_of(plan.base[i]);
  std::vector<const F*> other(plan.others.size());
  for (std::size_t j = 0; j < other.size(); ++j) other[j] = values_of(plan.others[j]);
  // Row by row over blocks of words (F::combine: eight words at a time where the CPU allows),
  // the blocks small enough to stay in cache.
  constexpr std::size_t kBlock = 512;
  std::vector<F> predicted(std::min(words, kBlock));
  std::vector<std::size_t> failed;
  for (std::size_t w0 = 0; w0 < words; w0 += kBlock) {
    const std::size_t len = std::min(kBlock, words - w0);
    for (std::size_t i = 0; i < k; ++i) at[i] = base[i] + w0;
    for (std::size_t c = 0; c < nc; ++c) {
      F::combine(std::span<const F>(plan.coef.data() + c * k, k), at, 1, len,
                 out.data() + w0 * nc + c, nc);
    }
    const std::size_t first_failed = failed.size();
    for (std::size_t j = 0; j < other.size(); ++j) {
      F::combine(std::span<const F>(plan.ext.data() + j * k, k), at, 1, len, predicted.data());
      for (std::size_t w = 0; w < len; ++w) {
        if (!(predicted[w] == other[j][w0 + w])) failed.push_back(w0 + w);
      }
    }
    // Each failed word once, in order.
    std::sort(failed.begin() + static_cast<std::ptrdiff_t>(first_failed), failed.end());
    failed.erase(std::unique(failed.begin() + static_cast<std::ptrdiff_t>(first_failed),
                             failed.end()),
                 failed.end());
  }
  if (failed.empty()) return true;
  std::vector<F> ys(present.size());
  for (std::size_t w : failed) {
    for (std::size_t i = 0; i < present.size(); ++i) ys[i] = values_of(present[i])[w];
    auto dec = decoder.decode(present, ys);
    if (!dec) return dec.error();
    if (!*dec) return false;
    for (std::size_t c = 0; c < nc; ++c) out[w * nc + c] = (*dec)->coeffs[c] * plan.scale;
    faulty.insert(faulty.end(), (*dec)->faulty.begin(), (*dec)->faulty.end());
    if (corrected) (*corrected)[w] = 1;
  }
  std::sort(faulty.begin(), faulty.end());
  faulty.erase(std::unique(faulty.begin(), faulty.end()), faulty.end());
  return true;
}

// Exact check (no error correction), as the RanSha / RanDouSha checkers do: does every word of
// all n parties lie on a polynomial of degree <= d? `value_at_zero` receives f(0) per word when
// given (for comparing the two halves of a double sharing).
template <typename F, typename ValuesOf>
bool check_words(const InterpPlan<F>& plan, ValuesOf&& values_of, std::size_t words,
                 std::span<F> value_at_zero = {}) {
  const std::size_t k = plan.base.size();
  std::vector<const F*> base(k);
  for (std::size_t i = 0; i < k; ++i) base[i] = values_of(plan.base[i]);
  std::vector<F> predicted(words);
  for (std::size_t j = 0; j < plan.others.size(); ++j) {
    const F* y = values_of(plan.others[j]);
    F::combine(std::span<const F>(plan.ext.data() + j * k, k), base, 1, words, predicted.data());
    for (std::size_t w = 0; w < words; ++w) {
      if (!(predicted[w] == y[w])) return false;
    }
  }
  if (!value_at_zero.empty()) {
    // plan made with ncoeffs >= 1: row 0 is f(0)
    F::combine(std::span<const F>(plan.coef.data(), k), base, 1, words, value_at_zero.data());
  }
  return true;
}

}  // namespace stoffel::mpc
