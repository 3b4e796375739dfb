// Evaluation points of the n parties (docs/decisions.md, M7) and the radix-2 NTT.
//
// If the field has a primitive root of unity w of order N = next_power_of_two(n), party i
// (0-based) holds f(w^i), as the reference does; otherwise (the 25519 field, 2-adicity 2, for
// n > 4) party i holds f(i + 1). Either way the n points are distinct and non-zero, so Lagrange
// interpolation and Reed-Solomon decoding work for every field and every n up to kMaxParties.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "stoffel/result.h"

namespace stoffel::math {

// Radix-2 number-theoretic transform over a power-of-two size with precomputed twiddles.
template <typename F>
class Ntt {
 public:
  // Fails if 2^log_size exceeds the field's 2-adicity.
  static Result<Ntt> create(unsigned log_size);

  std::size_t size() const { return std::size_t{1} << log_size_; }
  const F& omega() const { return omega_; }

  // In place, natural order in and out: a[i] := sum_k a[k] * omega^(i*k). a.size() == size().
  void forward(std::span<F> a) const;
  // The inverse: a[k] := size()^-1 * sum_i a[i] * omega^(-i*k).
  void inverse(std::span<F> a) const;

 private:
  void transform(std::span<F> a, const std::vector<F>& twiddles) const;

  unsigned log_size_ = 0;
  F omega_{};
  std::vector<F> twiddles_;      // omega^j for j < size/2
  std::vector<F> inv_twiddles_;  // omega^-j for j < size/2
  F size_inv_{};
};

template <typename F>
class Domain {
 public:
  static constexpr std::size_t kMaxParties = 65536;

  // n >= 1 parties, at most kMaxParties.
  static Result<Domain> create(std::size_t n);
  // The points 1..n (no NTT), whatever the field: batch reconstruction evaluates at these, so
  // that its Vandermonde matrix has small integer entries (decision P18).
  static Result<Domain> create_integers(std::size_t n);

  std::size_t size() const { return points_.size(); }
  // True when the points are powers of a root of unity (and an NTT of ntt_size() exists).
  bool uses_roots_of_unity() const { return ntt_.has_value(); }
  std::size_t ntt_size() const { return ntt_ ? ntt_->size() : 0; }
  const Ntt<F>* ntt() const { return ntt_ ? &*ntt_ : nullptr; }

  const F& point(std::size_t party) const { return points_[party]; }
  std::span<const F> points() const { return points_; }

  // out[i] = f(point(i)) for i < size(), f given by coefficients (low degree first). Any number
  // of coefficients; uses the NTT when that is cheaper than Horner's rule.
  void evaluate(std::span<const F> coeffs, std::span<F> out) const;

 private:
  std::vector<F> points_;
  std::optional<Ntt<F>> ntt_;
};

}  // namespace stoffel::math

#include "math/instantiate.h"

namespace stoffel::math {
STOFFEL_MATH_EXTERN_CLASS(Ntt)
STOFFEL_MATH_EXTERN_CLASS(Domain)
}  // namespace stoffel::math
