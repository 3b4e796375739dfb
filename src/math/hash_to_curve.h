// Crypto.hash_to_g1 (docs/math.md, "Elliptic-curve groups"): the reference's try-and-increment map to BLS12-381
// G1, reproduced bit for bit. Not RFC 9380 (and not constant time: the input is public).
//
// For counter = 0, 1, ..., 255: x = SHA-256(msg || counter as u32 little-endian) read as a
// big-endian integer (below 2^256 < q, so no reduction happens); if x^3 + 4 is a square, take
// the smaller root y = min(y, q - y) (arkworks' get_point_from_x_unchecked(x, false)), multiply
// (x, y) by the effective cofactor 1 - x_BLS = 0xd201000000010001 (arkworks' clear_cofactor), and
// return the first result that is not the identity. An error if no counter works (probability
// about 2^-256).
#pragma once

#include <cstdint>
#include <span>

#include "math/bls12_381.h"
#include "stoffel/result.h"

namespace stoffel::math {

Result<Bls12_381_G1> hash_to_g1(std::span<const std::uint8_t> msg);

}  // namespace stoffel::math
