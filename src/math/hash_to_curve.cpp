#include "math/hash_to_curve.h"

#include <array>

#include "math/sha2.h"

namespace stoffel::math {

Result<Bls12_381_G1> hash_to_g1(std::span<const std::uint8_t> msg) {
  using Fq = Bls12_381_Fq;
  for (std::uint32_t counter = 0; counter < 256; ++counter) {
    const std::array<std::uint8_t, 4> ctr = {
        static_cast<std::uint8_t>(counter), static_cast<std::uint8_t>(counter >> 8),
        static_cast<std::uint8_t>(counter >> 16), static_cast<std::uint8_t>(counter >> 24)};
    const auto h = sha256(msg, ctr);
    // The 32 big-endian bytes as the low bytes of a 48-byte little-endian integer.
    std::array<std::uint8_t, Fq::kBytes> le{};
    for (std::size_t i = 0; i < h.size(); ++i) le[i] = h[h.size() - 1 - i];
    auto x = Fq::from_bytes(le);
    if (!x.ok()) continue;  // cannot happen: x < 2^256 < q
    auto y = (x->square() * *x + Bls12_381_G1Config::kB).sqrt();
    if (!y) continue;
    if (y->is_lexicographically_largest()) *y = -*y;
    const Bls12_381_G1 p = bls12_381_g1_clear_cofactor(Bls12_381_G1::from_affine_unchecked(*x, *y));
    if (!p.is_identity()) return p;
  }
  return make_error("hash_to_g1: no curve point found after 256 attempts");
}

}  // namespace stoffel::math
