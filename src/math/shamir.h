// Shamir secret sharing over a Domain's points (docs/math.md): a secret s is shared
// with a random polynomial f of degree t, f(0) = s; party i receives f(point(i)).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "math/domain.h"
#include "math/rng.h"
#include "math/rs_decode.h"
#include "stoffel/result.h"

namespace stoffel::math {

template <typename F>
class ShamirSharer {
 public:
  // Requires t < n.
  static Result<ShamirSharer> create(const Domain<F>& domain, std::size_t t);

  std::size_t parties() const { return n_; }
  std::size_t threshold() const { return t_; }

  // out[i] = f(point(i)), out.size() == n. The random coefficients are wiped afterwards.
  void share(const F& secret, Rng& rng, std::span<F> out) const;

  // Shares k = secrets.size() secrets at once; out is party-major: out[i * k + s] is party i's
  // share of secrets[s] (so party i's k shares are contiguous, ready to send). out.size() == n*k.
  void share_many(std::span<const F> secrets, Rng& rng, std::span<F> out) const;

  // Shares with caller-chosen coefficients coeffs[0..t-1] for x^1..x^t (tests, dealers that
  // derive them from a seed). out.size() == n.
  void share_with_coefficients(const F& secret, std::span<const F> coeffs, std::span<F> out) const;

 private:
  std::size_t n_ = 0;
  std::size_t t_ = 0;
  // powers_[i * t + (k - 1)] = point(i)^k for k = 1..t.
  std::vector<F> powers_;
};

// Plain Lagrange reconstruction of f(0) from the first t + 1 shares given (no error check): the
// answer is right when those t + 1 shares are honest. Error if fewer than t + 1 shares or bad
// party indexes.
template <typename F>
Result<F> reconstruct_secret(const Domain<F>& domain, std::size_t t,
                             std::span<const std::size_t> parties, std::span<const F> values);

// Robust reconstruction: RobustDecoder with degree t; nullopt while it cannot decode yet.
template <typename F>
Result<std::optional<F>> reconstruct_secret_robust(const Domain<F>& domain, std::size_t t,
                                                   std::span<const std::size_t> parties,
                                                   std::span<const F> values);

// Precomputed Lagrange coefficients at 0 for a fixed set of parties (the MPC opens many values
// over the same parties): f(0) = sum_i coeff(i) * y_i.
template <typename F>
class LagrangeAtZero {
 public:
  static Result<LagrangeAtZero> create(const Domain<F>& domain,
                                       std::span<const std::size_t> parties);
  std::span<const F> coefficients() const { return coeffs_; }
  // values[i] is the share of parties[i] as given to create().
  F apply(std::span<const F> values) const {
    F acc{};
    for (std::size_t i = 0; i < coeffs_.size(); ++i) acc += coeffs_[i] * values[i];
    return acc;
  }

 private:
  std::vector<F> coeffs_;
};

}  // namespace stoffel::math

#include "math/instantiate.h"

namespace stoffel::math {
STOFFEL_MATH_EXTERN_CLASS(ShamirSharer)
STOFFEL_MATH_EXTERN_CLASS(LagrangeAtZero)
}  // namespace stoffel::math
