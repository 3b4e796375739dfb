// Quadratic extension Fp2<F> = F[u] / (u^2 + 1) of a prime field F with p = 3 mod 4 (so -1 is
// a non-residue and the extension is a field). BLS12-381's G2 coordinates live in Fp2 of its
// base field. Elements are c0 + c1*u.
//
// Constant time: +, -, negation, *, square, inverse, ==, is_zero, select, conjugate and
// is_lexicographically_largest inherit it from F (no branch or index on values). sqrt() is
// variable time and meant for public data (point decoding).
#pragma once

#include <optional>

#include "math/fp.h"
#include "math/rng.h"

namespace stoffel::math {

template <typename F>
class Fp2 {
 public:
  using Base = F;

  constexpr Fp2() = default;
  constexpr Fp2(const F& c0, const F& c1) : c0_(c0), c1_(c1) {}

  static constexpr Fp2 zero() { return Fp2{}; }
  static constexpr Fp2 one() { return Fp2{F::one(), F::zero()}; }
  static constexpr Fp2 from_base(const F& c0) { return Fp2{c0, F::zero()}; }
  static Fp2 random(Rng& rng) {
    const F a = F::random(rng);
    return Fp2{a, F::random(rng)};
  }

  constexpr const F& c0() const { return c0_; }
  constexpr const F& c1() const { return c1_; }

  friend constexpr Fp2 operator+(const Fp2& a, const Fp2& b) {
    return Fp2{a.c0_ + b.c0_, a.c1_ + b.c1_};
  }
  friend constexpr Fp2 operator-(const Fp2& a, const Fp2& b) {
    return Fp2{a.c0_ - b.c0_, a.c1_ - b.c1_};
  }
  friend constexpr Fp2 operator-(const Fp2& a) { return Fp2{-a.c0_, -a.c1_}; }
  // Karatsuba: three base-field multiplications.
  friend constexpr Fp2 operator*(const Fp2& a, const Fp2& b) {
    const F v0 = a.c0_ * b.c0_;
    const F v1 = a.c1_ * b.c1_;
    return Fp2{v0 - v1, (a.c0_ + a.c1_) * (b.c0_ + b.c1_) - v0 - v1};
  }
  friend constexpr Fp2 operator*(const Fp2& a, const F& k) { return Fp2{a.c0_ * k, a.c1_ * k}; }
  constexpr Fp2& operator+=(const Fp2& b) { return *this = *this + b; }
  constexpr Fp2& operator-=(const Fp2& b) { return *this = *this - b; }
  constexpr Fp2& operator*=(const Fp2& b) { return *this = *this * b; }

  // (c0 + c1 u)^2 = (c0 + c1)(c0 - c1) + 2 c0 c1 u: two multiplications.
  constexpr Fp2 square() const {
    const F t = c0_ * c1_;
    return Fp2{(c0_ + c1_) * (c0_ - c1_), t + t};
  }
  constexpr Fp2 dbl() const { return Fp2{c0_.dbl(), c1_.dbl()}; }
  // The Frobenius map x -> x^p, which for u^2 = -1 and p = 3 mod 4 is conjugation.
  constexpr Fp2 conjugate() const { return Fp2{c0_, -c1_}; }
  // c0^2 + c1^2, the norm to F.
  constexpr F norm() const { return c0_.square() + c1_.square(); }

  // 1 / (c0 + c1 u) = (c0 - c1 u) / norm; 0 maps to 0. Constant time.
  Fp2 inverse() const {
    const F n = norm().inverse();
    return Fp2{c0_ * n, -(c1_ * n)};
  }

  friend constexpr bool operator==(const Fp2& a, const Fp2& b) {
    // Both halves are always compared (no short circuit on the first).
    const bool e0 = a.c0_ == b.c0_;
    const bool e1 = a.c1_ == b.c1_;
    return e0 & e1;
  }
  constexpr bool is_zero() const {
    const bool z0 = c0_.is_zero();
    const bool z1 = c1_.is_zero();
    return z0 & z1;
  }
  static constexpr Fp2 select(std::uint64_t mask, const Fp2& a, const Fp2& b) {
    return Fp2{F::select(mask, a.c0_, b.c0_), F::select(mask, a.c1_, b.c1_)};
  }

  // The zcash/IETF ordering used by compressed G2 encodings: compare c1 first, and c0 only when
  // c1 is zero; "largest" means above (p-1)/2. Constant time.
  constexpr bool is_lexicographically_largest() const {
    const bool c1_zero = c1_.is_zero();
    const bool c1_large = c1_.is_lexicographically_largest();
    const bool c0_large = c0_.is_lexicographically_largest();
    return (c1_large & !c1_zero) | (c1_zero & c0_large);
  }

  // Square root by the "complex method" (norm, then two square roots in F); nullopt for a
  // non-residue. The result is checked by squaring. Variable time: public inputs only.
  std::optional<Fp2> sqrt() const;

 private:
  F c0_{};
  F c1_{};
};

template <typename F>
std::optional<Fp2<F>> Fp2<F>::sqrt() const {
  if (c1_.is_zero()) {
    // A base-field element is a square in Fp2 either as sqrt(c0) or as sqrt(-c0) * u.
    if (auto r = c0_.sqrt()) return Fp2{*r, F::zero()};
    if (auto r = (-c0_).sqrt()) return Fp2{F::zero(), *r};
    return std::nullopt;
  }
  // x = x0 + x1 u with x^2 = a: x0^2 - x1^2 = c0, 2 x0 x1 = c1, and (x0^2 + x1^2)^2 = norm.
  const auto alpha = norm().sqrt();
  if (!alpha) return std::nullopt;
  const F half = F::from_u64(2).inverse();
  F delta = (c0_ + *alpha) * half;
  if (delta.legendre() != 1) delta = (c0_ - *alpha) * half;
  const auto x0 = delta.sqrt();
  if (!x0 || x0->is_zero()) return std::nullopt;
  const F x1 = c1_ * (x0->dbl()).inverse();
  const Fp2 r{*x0, x1};
  if (!(r.square() == *this)) return std::nullopt;
  return r;
}

}  // namespace stoffel::math
