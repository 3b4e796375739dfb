// The three scalar fields of the supported curves (docs/math.md), as Fp parameter structs and
// element types.
#pragma once

#include <cstdint>

#include "math/fp.h"

namespace stoffel::math {

// BLS12-381 scalar field r (255 bits, 2-adicity 32, multiplicative generator 7).
struct Bls12_381_FrParams {
  static constexpr Limbs kModulus = {0xffffffff00000001ull, 0x53bda402fffe5bfeull,
                                     0x3339d80809a1d805ull, 0x73eda753299d7d48ull};
  static constexpr unsigned kTwoAdicity = 32;
  static constexpr std::uint64_t kGenerator = 7;
  static constexpr const char* kName = "bls12-381-fr";
};

// BN254 scalar field r (254 bits, 2-adicity 28, multiplicative generator 5).
struct Bn254_FrParams {
  static constexpr Limbs kModulus = {0x43e1f593f0000001ull, 0x2833e84879b97091ull,
                                     0xb85045b68181585dull, 0x30644e72e131a029ull};
  static constexpr unsigned kTwoAdicity = 28;
  static constexpr std::uint64_t kGenerator = 5;
  static constexpr const char* kName = "bn254-fr";
};

// The prime order l = 2^252 + 27742317777372353535851937790883648493 of the Edwards25519 group,
// shared by curve25519 and ed25519 (253 bits, 2-adicity 2, multiplicative generator 2).
struct Curve25519_FrParams {
  static constexpr Limbs kModulus = {0x5812631a5cf5d3edull, 0x14def9dea2f79cd6ull, 0x0ull,
                                     0x1000000000000000ull};
  static constexpr unsigned kTwoAdicity = 2;
  static constexpr std::uint64_t kGenerator = 2;
  static constexpr const char* kName = "curve25519-fr";
};

using Bls12_381_Fr = Fp<Bls12_381_FrParams>;
using Bn254_Fr = Fp<Bn254_FrParams>;
using Curve25519_Fr = Fp<Curve25519_FrParams>;

static_assert(sizeof(Bls12_381_Fr) == 32 && std::is_trivially_copyable_v<Bls12_381_Fr>);
static_assert(sizeof(Bn254_Fr) == 32 && std::is_trivially_copyable_v<Bn254_Fr>);
static_assert(sizeof(Curve25519_Fr) == 32 && std::is_trivially_copyable_v<Curve25519_Fr>);

// Compile-time checks of the Montgomery constants: R * 1 = R, and (R^2) * R^-1 = R.
static_assert(Bls12_381_Fr::one().to_canonical() == Limbs{1, 0, 0, 0});
static_assert(Bn254_Fr::one().to_canonical() == Limbs{1, 0, 0, 0});
static_assert(Curve25519_Fr::one().to_canonical() == Limbs{1, 0, 0, 0});
static_assert((Bls12_381_Fr::from_u64(3) * Bls12_381_Fr::from_u64(5)).to_canonical() ==
              Limbs{15, 0, 0, 0});
static_assert((-Bn254_Fr::one() + Bn254_Fr::one()).is_zero());

}  // namespace stoffel::math
