#include "math/shamir.h"

#include <string>

#include "math/instantiate.h"
#include "math/poly.h"

namespace stoffel::math {

template <typename F>
Result<ShamirSharer<F>> ShamirSharer<F>::create(const Domain<F>& domain, std::size_t t) {
  if (t >= domain.size()) {
    return make_error("sharing threshold t = " + std::to_string(t) +
                      " needs n > t (n = " + std::to_string(domain.size()) + ")");
  }
  ShamirSharer s;
  s.n_ = domain.size();
  s.t_ = t;
  s.powers_.resize(s.n_ * t);
  for (std::size_t i = 0; i < s.n_; ++i) {
    F acc = F::one();
    for (std::size_t k = 0; k < t; ++k) {
      acc *= domain.point(i);
      s.powers_[i * t + k] = acc;
    }
  }
  return s;
}

template <typename F>
void ShamirSharer<F>::share_with_coefficients(const F& secret, std::span<const F> coeffs,
                                              std::span<F> out) const {
  for (std::size_t i = 0; i < n_; ++i) {
    F acc = secret;
    const F* row = powers_.data() + i * t_;
    for (std::size_t k = 0; k < t_; ++k) acc += row[k] * coeffs[k];
    out[i] = acc;
  }
}

template <typename F>
void ShamirSharer<F>::share(const F& secret, Rng& rng, std::span<F> out) const {
  share_many(std::span<const F>(&secret, 1), rng, out);
}

template <typename F>
void ShamirSharer<F>::share_many(std::span<const F> secrets, Rng& rng, std::span<F> out) const {
  const std::size_t count = secrets.size();
  if (count == 0) return;
  // Coefficients for a block of secrets are drawn in one call and wiped after use: they are
  // exactly as secret as the secrets.
  constexpr std::size_t kBlock = 64;
  std::vector<F> coeffs(kBlock * t_);
  for (std::size_t start = 0; start < count; start += kBlock) {
    const std::size_t len = std::min(kBlock, count - start);
    if (t_ > 0) F::random_fill(rng, std::span<F>(coeffs.data(), len * t_));
    for (std::size_t i = 0; i < n_; ++i) {
      const F* row = powers_.data() + i * t_;
      for (std::size_t s = 0; s < len; ++s) {
        F acc = secrets[start + s];
        const F* c = coeffs.data() + s * t_;
        for (std::size_t k = 0; k < t_; ++k) acc += row[k] * c[k];
        out[i * count + start + s] = acc;
      }
    }
  }
  wipe(std::span<F>(coeffs));
}

template <typename F>
Result<F> reconstruct_secret(const Domain<F>& domain, std::size_t t,
                             std::span<const std::size_t> parties, std::span<const F> values) {
  if (parties.size() != values.size() || parties.size() < t + 1) {
    return make_error("reconstruct: need at least t + 1 = " + std::to_string(t + 1) +
                      " shares with one party each, got " + std::to_string(values.size()));
  }
  std::vector<F> xs(t + 1);
  for (std::size_t i = 0; i <= t; ++i) {
    if (parties[i] >= domain.size()) {
      return make_error("reconstruct: party " + std::to_string(parties[i]) + " out of range");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (parties[j] == parties[i]) {
        return make_error("reconstruct: party " + std::to_string(parties[i]) + " given twice");
      }
    }
    xs[i] = domain.point(parties[i]);
  }
  std::vector<F> lambda(t + 1);
  lagrange_coefficients<F>(xs, F::zero(), lambda);
  F acc{};
  for (std::size_t i = 0; i <= t; ++i) acc += lambda[i] * values[i];
  return acc;
}

template <typename F>
Result<std::optional<F>> reconstruct_secret_robust(const Domain<F>& domain, std::size_t t,
                                                   std::span<const std::size_t> parties,
                                                   std::span<const F> values) {
  auto dec = RobustDecoder<F>::create(domain, t, t);
  if (!dec) return dec.error();
  auto r = dec->decode(parties, values);
  if (!r) return r.error();
  if (!*r) return std::optional<F>{};
  return std::optional<F>((*r)->coeffs[0]);
}

template <typename F>
Result<LagrangeAtZero<F>> LagrangeAtZero<F>::create(const Domain<F>& domain,
                                                    std::span<const std::size_t> parties) {
  std::vector<F> xs(parties.size());
  std::vector<std::uint8_t> seen(domain.size(), 0);
  for (std::size_t i = 0; i < parties.size(); ++i) {
    if (parties[i] >= domain.size() || seen[parties[i]]) {
      return make_error("lagrange: party " + std::to_string(parties[i]) +
                        " out of range or given twice");
    }
    seen[parties[i]] = 1;
    xs[i] = domain.point(parties[i]);
  }
  LagrangeAtZero l;
  l.coeffs_.resize(parties.size());
  lagrange_coefficients<F>(xs, F::zero(), l.coeffs_);
  return l;
}

STOFFEL_MATH_INSTANTIATE_CLASS(ShamirSharer)
STOFFEL_MATH_INSTANTIATE_CLASS(LagrangeAtZero)

#define STOFFEL_INSTANTIATE_RECONSTRUCT(F)                                                    \
  template Result<F> reconstruct_secret<F>(const Domain<F>&, std::size_t,                     \
                                           std::span<const std::size_t>, std::span<const F>); \
  template Result<std::optional<F>> reconstruct_secret_robust<F>(                             \
      const Domain<F>&, std::size_t, std::span<const std::size_t>, std::span<const F>);
STOFFEL_INSTANTIATE_RECONSTRUCT(Bls12_381_Fr)
STOFFEL_INSTANTIATE_RECONSTRUCT(Bn254_Fr)
STOFFEL_INSTANTIATE_RECONSTRUCT(Curve25519_Fr)

}  // namespace stoffel::math
