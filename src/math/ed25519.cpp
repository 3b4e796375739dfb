#include "math/ed25519.h"

#include <sodium.h>

#include <cstring>
#include <string>

namespace stoffel::math {

namespace {

constexpr Ed25519Point::Encoded kIdentity = {1};
// RFC 8032 section 5.1: B = (x, 4/5) with x even; its encoding is 0x58 followed by 0x66s.
constexpr Ed25519Point::Encoded kBase = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

// sodium_init picks the fastest implementations; idempotent and thread-safe.
const bool g_sodium_ready = sodium_init() >= 0;

bool equal(const Ed25519Point::Encoded& a, const Ed25519Point::Encoded& b) {
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Ed25519Point::Ed25519Point() : bytes_(kIdentity) {}

Ed25519Point Ed25519Point::generator() {
  return Ed25519Point{kBase};
}

bool Ed25519Point::is_identity() const {
  return equal(bytes_, kIdentity);
}

// libsodium's add and sub accept any point on the curve, the identity included, and fail only
// for encodings that are not points; ours always are, so a failure would be a broken invariant.
Ed25519Point operator+(const Ed25519Point& p, const Ed25519Point& q) {
  Ed25519Point::Encoded r{};
  [[maybe_unused]] const int rc = crypto_core_ed25519_add(r.data(), p.bytes_.data(), q.bytes_.data());
  return Ed25519Point{r};
}

Ed25519Point operator-(const Ed25519Point& p, const Ed25519Point& q) {
  Ed25519Point::Encoded r{};
  [[maybe_unused]] const int rc = crypto_core_ed25519_sub(r.data(), p.bytes_.data(), q.bytes_.data());
  return Ed25519Point{r};
}

Ed25519Point operator-(const Ed25519Point& p) {
  return Ed25519Point{} - p;
}

bool operator==(const Ed25519Point& p, const Ed25519Point& q) {
  return equal(p.bytes_, q.bytes_);
}

Ed25519Point Ed25519Point::mul(const Scalar& k) const {
  (void)g_sodium_ready;
  // The scalar as 32 little-endian bytes (< l < 2^253, as the noclamp functions need).
  std::array<std::uint8_t, 32> n = k.to_bytes();
  Encoded r{};
  int rc = 0;
  if (is_identity()) {
    // libsodium refuses small-order inputs, the identity among them; k * O = O.
    r = kIdentity;
  } else if (equal(bytes_, kBase)) {
    rc = crypto_scalarmult_ed25519_base_noclamp(r.data(), n.data());
  } else {
    rc = crypto_scalarmult_ed25519_noclamp(r.data(), n.data(), bytes_.data());
  }
  // For a point of the prime-order subgroup libsodium fails only when the result is the
  // identity (k = 0 mod l), which it reports instead of encoding.
  if (rc != 0) r = kIdentity;
  sodium_memzero(n.data(), n.size());
  return Ed25519Point{r};
}

Ed25519Point Ed25519Point::msm(std::span<const Ed25519Point> points,
                               std::span<const Scalar> scalars) {
  Ed25519Point acc;
  const std::size_t n = std::min(points.size(), scalars.size());
  for (std::size_t i = 0; i < n; ++i) acc += points[i].mul(scalars[i]);
  return acc;
}

Result<Ed25519Point> Ed25519Point::from_bytes(std::span<const std::uint8_t> in) {
  if (in.size() != kEncodedBytes) {
    return make_error("ed25519 point encoding must be 32 bytes, got " + std::to_string(in.size()));
  }
  Encoded b{};
  std::memcpy(b.data(), in.data(), b.size());
  if (equal(b, kIdentity)) return Ed25519Point{};
  if (crypto_core_ed25519_is_valid_point(b.data()) != 1) {
    return make_error(
        "ed25519 point encoding: not a canonical point of the prime-order subgroup");
  }
  return Ed25519Point{b};
}

}  // namespace stoffel::math
