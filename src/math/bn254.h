// BN254 G1: y^2 = x^3 + 3 over Fq, prime order r (the scalar field Bn254_Fr, so shares
// multiply points directly); the cofactor is 1, so every curve point is in the group.
//
// Encoding (docs/math.md, "Elliptic-curve groups"): arkworks' compressed form, 32 bytes: x little-endian, with
// two flags in the top bits of the last byte (x has 254 bits): 0x80 "y is negative", meaning
// y > (q-1)/2, i.e. y > -y as integers; 0x40 the point at infinity, written with x = 0.
// Decoding rejects a wrong length, both flags at once, x >= q, an infinity with x != 0 (arkworks
// ignores x there; we accept only the one encoding arkworks writes) and x with no curve point.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "math/base_fields.h"
#include "math/fields.h"
#include "math/sw_point.h"
#include "stoffel/result.h"

namespace stoffel::math {

struct Bn254_G1Config;
using Bn254_G1 = SwPoint<Bn254_G1Config>;

struct Bn254_G1Config {
  using Field = Bn254_Fq;
  using Scalar = Bn254_Fr;
  static constexpr const char* kName = "bn254-g1";
  static constexpr std::size_t kEncodedBytes = 32;
  static constexpr Field kB = Field::from_u64(3);
  static constexpr Field kB3 = Field::from_u64(9);
  static constexpr Field kGenX = Field::from_u64(1);
  static constexpr Field kGenY = Field::from_u64(2);

  static std::array<std::uint8_t, 32> encode(const AffinePoint<Field>& p);
  static Result<AffinePoint<Field>> decode(std::span<const std::uint8_t> in);
  // Cofactor 1: every point on the curve (from_bytes checks that) is in the group.
  static bool in_subgroup(const Bn254_G1&) { return true; }
};

extern template class SwPoint<Bn254_G1Config>;

}  // namespace stoffel::math
