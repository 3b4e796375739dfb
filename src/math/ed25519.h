// The Edwards25519 group (the prime-order subgroup of order l), for the curve25519 and ed25519
// field kinds (decision M7: both use Curve25519_Fr, l, as the scalar field). The arithmetic is
// libsodium's (crypto_core_ed25519_*, crypto_scalarmult_ed25519_*noclamp), not ours.
//
// A point is held as its canonical 32-byte RFC 8032 encoding (y little-endian, the sign of x in
// the top bit), which is also the wire format (docs/math.md, "Elliptic-curve groups"). Every Ed25519Point is a
// point of the prime-order subgroup: decoding admits only those (libsodium's
// crypto_core_ed25519_is_valid_point: canonical, on the curve, in the main subgroup, not of
// small order) plus the identity, whose one canonical encoding is 01 00 ... 00.
//
// Constant time: mul() uses libsodium's constant-time ladder; the identity and the base point
// are recognised by comparing the (public) point, never the scalar. msm() is a sum of those
// multiplications (libsodium has no multi-scalar multiplication).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "math/fields.h"
#include "math/rng.h"
#include "stoffel/result.h"

namespace stoffel::math {

class Ed25519Point {
 public:
  using Scalar = Curve25519_Fr;
  static constexpr std::size_t kEncodedBytes = 32;
  using Encoded = std::array<std::uint8_t, kEncodedBytes>;

  // The identity (0, 1).
  Ed25519Point();

  static Ed25519Point identity() { return Ed25519Point{}; }
  // The RFC 8032 base point B (y = 4/5, x even).
  static Ed25519Point generator();
  static constexpr const char* name() { return "ed25519"; }

  bool is_identity() const;

  friend Ed25519Point operator+(const Ed25519Point& p, const Ed25519Point& q);
  friend Ed25519Point operator-(const Ed25519Point& p, const Ed25519Point& q);
  friend Ed25519Point operator-(const Ed25519Point& p);
  Ed25519Point& operator+=(const Ed25519Point& q) { return *this = *this + q; }
  Ed25519Point& operator-=(const Ed25519Point& q) { return *this = *this - q; }
  Ed25519Point dbl() const { return *this + *this; }
  // Encodings are canonical, so equality is byte equality (compared in constant time).
  friend bool operator==(const Ed25519Point& p, const Ed25519Point& q);

  // k * P in constant time.
  Ed25519Point mul(const Scalar& k) const;
  friend Ed25519Point operator*(const Ed25519Point& p, const Scalar& k) { return p.mul(k); }
  friend Ed25519Point operator*(const Scalar& k, const Ed25519Point& p) { return p.mul(k); }
  Ed25519Point mul_vartime(const Scalar& k) const { return mul(k); }
  // k * B for the base point (libsodium's precomputed table), constant time.
  static Ed25519Point mul_generator(const Scalar& k) { return generator().mul(k); }
  static Ed25519Point msm(std::span<const Ed25519Point> points, std::span<const Scalar> scalars);

  const Encoded& to_bytes() const { return bytes_; }
  static Result<Ed25519Point> from_bytes(std::span<const std::uint8_t> in);

  static Ed25519Point random(Rng& rng) { return generator().mul(Scalar::random(rng)); }

 private:
  explicit Ed25519Point(const Encoded& bytes) : bytes_(bytes) {}

  Encoded bytes_;
};

}  // namespace stoffel::math
