// The base fields of the pairing curves (docs/math.md, "Elliptic-curve groups"): the coordinates of BLS12-381
// and BN254 points live here, their scalars in the fields of fields.h.
#pragma once

#include <cstdint>

#include "math/fp.h"
#include "math/fp2.h"

namespace stoffel::math {

// BLS12-381 base field q (381 bits, six limbs). q = 3 mod 4, so the 2-adicity of q - 1 is 1 and
// square roots are a single exponentiation; 2 generates the multiplicative group (arkworks'
// choice; a non-residue, which is all Tonelli-Shanks needs here).
struct Bls12_381_FqParams {
  static constexpr LimbArray<6> kModulus = {0xb9feffffffffaaabull, 0x1eabfffeb153ffffull,
                                            0x6730d2a0f6b0f624ull, 0x64774b84f38512bfull,
                                            0x4b1ba7b6434bacd7ull, 0x1a0111ea397fe69aull};
  static constexpr unsigned kTwoAdicity = 1;
  static constexpr std::uint64_t kGenerator = 2;
  static constexpr const char* kName = "bls12-381-fq";
};

// BN254 base field q (254 bits, four limbs, so it shares the scalar fields' kernels).
// q = 3 mod 4; 3 generates the multiplicative group (arkworks' choice, a non-residue).
struct Bn254_FqParams {
  static constexpr Limbs kModulus = {0x3c208c16d87cfd47ull, 0x97816a916871ca8dull,
                                     0xb85045b68181585dull, 0x30644e72e131a029ull};
  static constexpr unsigned kTwoAdicity = 1;
  static constexpr std::uint64_t kGenerator = 3;
  static constexpr const char* kName = "bn254-fq";
};

using Bls12_381_Fq = Fp<Bls12_381_FqParams>;
using Bn254_Fq = Fp<Bn254_FqParams>;
// Fq2 = Fq[u] / (u^2 + 1), the field of BLS12-381 G2 coordinates.
using Bls12_381_Fq2 = Fp2<Bls12_381_Fq>;

static_assert(sizeof(Bls12_381_Fq) == 48 && std::is_trivially_copyable_v<Bls12_381_Fq>);
static_assert(sizeof(Bn254_Fq) == 32 && std::is_trivially_copyable_v<Bn254_Fq>);
static_assert(Bls12_381_Fq::bits() == 381 && Bn254_Fq::bits() == 254);
static_assert(Bls12_381_Fq::one().to_canonical() == LimbArray<6>{1, 0, 0, 0, 0, 0});
static_assert((Bls12_381_Fq::from_u64(3) * Bls12_381_Fq::from_u64(5)).to_canonical() ==
              LimbArray<6>{15, 0, 0, 0, 0, 0});
static_assert(Bn254_Fq::one().to_canonical() == Limbs{1, 0, 0, 0});

}  // namespace stoffel::math
