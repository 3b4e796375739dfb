#include "math/bls12_381.h"

#include <algorithm>
#include <string>

namespace stoffel::math {

template class SwPoint<Bls12_381_G1Config>;
template class SwPoint<Bls12_381_G2Config>;

namespace {

using Fq = Bls12_381_Fq;
using Fq2 = Bls12_381_Fq2;

constexpr std::uint8_t kCompressedFlag = 0x80;
constexpr std::uint8_t kInfinityFlag = 0x40;
constexpr std::uint8_t kSortFlag = 0x20;
constexpr std::uint8_t kFlagMask = 0xe0;

// 48 big-endian bytes of the canonical value.
void write_fq_be(const Fq& x, std::uint8_t* out) {
  const auto le = x.to_bytes();
  std::reverse_copy(le.begin(), le.end(), out);
}

// A canonical element from 48 big-endian bytes (flag bits already cleared by the caller).
Result<Fq> read_fq_be(const std::uint8_t* in, const char* curve) {
  std::array<std::uint8_t, 48> le{};
  std::reverse_copy(in, in + 48, le.begin());
  auto x = Fq::from_bytes(le);
  if (!x.ok()) {
    return make_error(std::string(curve) +
                      " point encoding: x coordinate is not canonical (>= the field modulus)");
  }
  return *x;
}

// Checks the flag byte and, for the point at infinity, that every other bit is zero.
// Returns true for infinity, false for a finite point, or an error.
Result<bool> check_flags(std::span<const std::uint8_t> in, std::size_t expected, const char* curve) {
  if (in.size() != expected) {
    return make_error(std::string(curve) + " point encoding must be " + std::to_string(expected) +
                      " bytes, got " + std::to_string(in.size()));
  }
  const std::uint8_t flags = in[0] & kFlagMask;
  if ((flags & kCompressedFlag) == 0) {
    return make_error(std::string(curve) +
                      " point encoding: the compression flag is not set (only the compressed "
                      "form is accepted)");
  }
  if (flags & kInfinityFlag) {
    if (flags & kSortFlag) {
      return make_error(std::string(curve) +
                        " point encoding: the point at infinity has the sort flag set");
    }
    const bool rest_zero = (in[0] & ~kFlagMask) == 0 &&
                           std::all_of(in.begin() + 1, in.end(), [](std::uint8_t b) { return b == 0; });
    if (!rest_zero) {
      return make_error(std::string(curve) +
                        " point encoding: the point at infinity has non-zero coordinate bits");
    }
    return true;
  }
  return false;
}

}  // namespace

std::array<std::uint8_t, 48> Bls12_381_G1Config::encode(const AffinePoint<Field>& p) {
  std::array<std::uint8_t, 48> out{};
  if (p.infinity) {
    out[0] = kCompressedFlag | kInfinityFlag;
    return out;
  }
  write_fq_be(p.x, out.data());
  out[0] |= kCompressedFlag;
  if (p.y.is_lexicographically_largest()) out[0] |= kSortFlag;
  return out;
}

Result<AffinePoint<Fq>> Bls12_381_G1Config::decode(std::span<const std::uint8_t> in) {
  auto infinity = check_flags(in, kEncodedBytes, kName);
  if (!infinity.ok()) return infinity.error();
  if (*infinity) return AffinePoint<Fq>{};
  const bool largest = (in[0] & kSortFlag) != 0;
  std::array<std::uint8_t, 48> xb{};
  std::copy(in.begin(), in.end(), xb.begin());
  xb[0] &= static_cast<std::uint8_t>(~kFlagMask);
  auto x = read_fq_be(xb.data(), kName);
  if (!x.ok()) return x.error();
  auto y = (x->square() * *x + kB).sqrt();
  if (!y) return make_error(std::string(kName) + " point encoding: x is not on the curve");
  if (y->is_lexicographically_largest() != largest) *y = -*y;
  return AffinePoint<Fq>{*x, *y, false};
}

bool Bls12_381_G1Config::in_subgroup(const Bls12_381_G1& p) {
  if (p.is_identity()) return true;
  // phi(P) = (beta X : Y : Z) in projective coordinates.
  const Bls12_381_G1 phi = Bls12_381_G1::from_projective_unchecked(kBeta * p.x(), p.y(), p.z());
  // -x^2 P with x = -|x|: x^2 = |x|^2, so -x^2 P = -(|x| (|x| P)).
  const LimbArray<1> ax{kBls12_381_AbsX};
  const Bls12_381_G1 x2p = p.mul_vartime_limbs(ax).mul_vartime_limbs(ax);
  return phi == -x2p;
}

bool bls12_381_g1_in_subgroup_by_order(const Bls12_381_G1& p) {
  return p.mul_vartime_limbs(Bls12_381_Fr::modulus()).is_identity();
}

Bls12_381_G1 bls12_381_g1_clear_cofactor(const Bls12_381_G1& p) {
  const LimbArray<1> h_eff{kBls12_381_AbsX + 1};
  return p.mul_vartime_limbs(h_eff);
}

std::array<std::uint8_t, 96> Bls12_381_G2Config::encode(const AffinePoint<Field>& p) {
  std::array<std::uint8_t, 96> out{};
  if (p.infinity) {
    out[0] = kCompressedFlag | kInfinityFlag;
    return out;
  }
  write_fq_be(p.x.c1(), out.data());
  write_fq_be(p.x.c0(), out.data() + 48);
  out[0] |= kCompressedFlag;
  if (p.y.is_lexicographically_largest()) out[0] |= kSortFlag;
  return out;
}

Result<AffinePoint<Fq2>> Bls12_381_G2Config::decode(std::span<const std::uint8_t> in) {
  auto infinity = check_flags(in, kEncodedBytes, kName);
  if (!infinity.ok()) return infinity.error();
  if (*infinity) return AffinePoint<Fq2>{};
  const bool largest = (in[0] & kSortFlag) != 0;
  std::array<std::uint8_t, 96> xb{};
  std::copy(in.begin(), in.end(), xb.begin());
  xb[0] &= static_cast<std::uint8_t>(~kFlagMask);
  auto c1 = read_fq_be(xb.data(), kName);
  if (!c1.ok()) return c1.error();
  auto c0 = read_fq_be(xb.data() + 48, kName);
  if (!c0.ok()) return c0.error();
  const Fq2 x{*c0, *c1};
  auto y = (x.square() * x + kB).sqrt();
  if (!y) return make_error(std::string(kName) + " point encoding: x is not on the curve");
  if (y->is_lexicographically_largest() != largest) *y = -*y;
  return AffinePoint<Fq2>{x, *y, false};
}

bool Bls12_381_G2Config::in_subgroup(const Bls12_381_G2& p) {
  if (p.is_identity()) return true;
  // psi in projective coordinates: x = X/Z maps to conj(X)/conj(Z) * kPsiX, so
  // psi(X : Y : Z) = (conj(X) kPsiX : conj(Y) kPsiY : conj(Z)).
  const Bls12_381_G2 psi = Bls12_381_G2::from_projective_unchecked(
      p.x().conjugate() * kPsiX, p.y().conjugate() * kPsiY, p.z().conjugate());
  // x P with x = -|x|.
  const LimbArray<1> ax{kBls12_381_AbsX};
  return psi == -p.mul_vartime_limbs(ax);
}

bool bls12_381_g2_in_subgroup_by_order(const Bls12_381_G2& p) {
  return p.mul_vartime_limbs(Bls12_381_Fr::modulus()).is_identity();
}

}  // namespace stoffel::math
