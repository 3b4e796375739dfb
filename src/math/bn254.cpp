#include "math/bn254.h"

#include <algorithm>
#include <string>

namespace stoffel::math {

template class SwPoint<Bn254_G1Config>;

namespace {
constexpr std::uint8_t kNegativeFlag = 0x80;
constexpr std::uint8_t kInfinityFlag = 0x40;
}  // namespace

std::array<std::uint8_t, 32> Bn254_G1Config::encode(const AffinePoint<Field>& p) {
  if (p.infinity) {
    std::array<std::uint8_t, 32> out{};
    out[31] = kInfinityFlag;
    return out;
  }
  auto out = p.x.to_bytes();
  if (p.y.is_lexicographically_largest()) out[31] |= kNegativeFlag;
  return out;
}

Result<AffinePoint<Bn254_Fq>> Bn254_G1Config::decode(std::span<const std::uint8_t> in) {
  if (in.size() != kEncodedBytes) {
    return make_error(std::string(kName) + " point encoding must be 32 bytes, got " +
                      std::to_string(in.size()));
  }
  const std::uint8_t flags = in[31] & (kNegativeFlag | kInfinityFlag);
  if (flags == (kNegativeFlag | kInfinityFlag)) {
    return make_error(std::string(kName) + " point encoding: both flags are set");
  }
  std::array<std::uint8_t, 32> xb{};
  std::copy(in.begin(), in.end(), xb.begin());
  xb[31] &= static_cast<std::uint8_t>(~(kNegativeFlag | kInfinityFlag));
  auto x = Field::from_bytes(xb);
  if (!x.ok()) {
    return make_error(std::string(kName) +
                      " point encoding: x coordinate is not canonical (>= the field modulus)");
  }
  if (flags == kInfinityFlag) {
    if (!x->is_zero()) {
      return make_error(std::string(kName) + " point encoding: the point at infinity has x != 0");
    }
    return AffinePoint<Field>{};
  }
  auto y = (x->square() * *x + kB).sqrt();
  if (!y) return make_error(std::string(kName) + " point encoding: x is not on the curve");
  if (y->is_lexicographically_largest() != (flags == kNegativeFlag)) *y = -*y;
  return AffinePoint<Field>{*x, *y, false};
}

}  // namespace stoffel::math
