// The BLS12-381 groups: G1 = E(Fq): y^2 = x^3 + 4 and G2 = E'(Fq2): y^2 = x^3 + 4(u + 1), both
// of prime order r (the scalar field Bls12_381_Fr, so shares multiply points directly).
//
// Encoding (docs/math.md, "Elliptic-curve groups"): the zcash compressed format, also arkworks' for this curve.
// G1 is 48 bytes, the big-endian x; G2 is 96 bytes, x.c1 then x.c0, each big-endian. The top
// three bits of the first byte are flags: 0x80 compressed (always set), 0x40 point at infinity
// (then every other bit is zero), 0x20 y is the lexicographically largest of +-y (Fq: y > (q-1)/2;
// Fq2: by c1, or by c0 when c1 = 0). Decoding rejects the uncompressed form, a set sort flag on
// infinity, non-zero bits after an infinity flag, x >= q, an x with no curve point, and points
// outside the order-r subgroup.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "math/base_fields.h"
#include "math/fields.h"
#include "math/sw_point.h"
#include "stoffel/result.h"

namespace stoffel::math {

struct Bls12_381_G1Config;
struct Bls12_381_G2Config;
using Bls12_381_G1 = SwPoint<Bls12_381_G1Config>;
using Bls12_381_G2 = SwPoint<Bls12_381_G2Config>;

// The curve parameter x = -0xd201000000010000 (BLS12 family); |x| here, the sign is applied
// where x is used.
inline constexpr std::uint64_t kBls12_381_AbsX = 0xd201000000010000ull;

struct Bls12_381_G1Config {
  using Field = Bls12_381_Fq;
  using Scalar = Bls12_381_Fr;
  static constexpr const char* kName = "bls12-381-g1";
  static constexpr std::size_t kEncodedBytes = 48;
  static constexpr Field kB = Field::from_u64(4);
  static constexpr Field kB3 = Field::from_u64(12);
  static constexpr Field kGenX = Field::from_canonical(
      {0xfb3af00adb22c6bbull, 0x6c55e83ff97a1aefull, 0xa14e3a3f171bac58ull, 0xc3688c4f9774b905ull,
       0x2695638c4fa9ac0full, 0x17f1d3a73197d794ull});
  static constexpr Field kGenY = Field::from_canonical(
      {0x0caa232946c5e7e1ull, 0xd03cc744a2888ae4ull, 0x00db18cb2c04b3edull, 0xfcf5e095d5d00af6ull,
       0xa09e30ed741d8ae4ull, 0x08b3f481e3aaa0f1ull});
  // A primitive cube root of unity in Fq; phi(x, y) = (beta x, y) acts on G1 as multiplication
  // by -x^2 (the eigenvalue that belongs to this beta; the other root gives x^2 - 1).
  static constexpr Field kBeta = Field::from_canonical(
      {0x2e01fffffffefffeull, 0xde17d813620a0002ull, 0xddb3a93be6f89688ull, 0xba69c6076a0f77eaull,
       0x5f19672fdf76ce51ull, 0x0000000000000000ull});

  static std::array<std::uint8_t, 48> encode(const AffinePoint<Field>& p);
  static Result<AffinePoint<Field>> decode(std::span<const std::uint8_t> in);
  // Scott's test (eprint 2021/1130): P is in G1 iff phi(P) = -x^2 P, two 64-bit scalar
  // multiplications instead of one by the 255-bit r. Variable time (public points).
  static bool in_subgroup(const Bls12_381_G1& p);
};

struct Bls12_381_G2Config {
  using Field = Bls12_381_Fq2;
  using Scalar = Bls12_381_Fr;
  static constexpr const char* kName = "bls12-381-g2";
  static constexpr std::size_t kEncodedBytes = 96;
  static constexpr Field kB = Field{Bls12_381_Fq::from_u64(4), Bls12_381_Fq::from_u64(4)};
  static constexpr Field kB3 = Field{Bls12_381_Fq::from_u64(12), Bls12_381_Fq::from_u64(12)};
  static constexpr Field kGenX = Field{
      Bls12_381_Fq::from_canonical({0xd48056c8c121bdb8ull, 0x0bac0326a805bbefull,
                                    0xb4510b647ae3d177ull, 0xc6e47ad4fa403b02ull,
                                    0x260805272dc51051ull, 0x024aa2b2f08f0a91ull}),
      Bls12_381_Fq::from_canonical({0xe5ac7d055d042b7eull, 0x334cf11213945d57ull,
                                    0xb5da61bbdc7f5049ull, 0x596bd0d09920b61aull,
                                    0x7dacd3a088274f65ull, 0x13e02b6052719f60ull})};
  static constexpr Field kGenY = Field{
      Bls12_381_Fq::from_canonical({0xe193548608b82801ull, 0x923ac9cc3baca289ull,
                                    0x6d429a695160d12cull, 0xadfd9baa8cbdd3a7ull,
                                    0x8cc9cdc6da2e351aull, 0x0ce5d527727d6e11ull}),
      Bls12_381_Fq::from_canonical({0xaaa9075ff05f79beull, 0x3f370d275cec1da1ull,
                                    0x267492ab572e99abull, 0xcb3e287e85a763afull,
                                    0x32acd2b02bc28b99ull, 0x0606c4a02ea734ccull})};

  // The untwist-Frobenius-twist endomorphism psi(x, y) = (conj(x) kPsiX, conj(y) kPsiY) with
  // kPsiX = 1 / (u + 1)^((q-1)/3) and kPsiY = 1 / (u + 1)^((q-1)/2).
  static constexpr Field kPsiX = Field{
      Bls12_381_Fq::zero(),
      Bls12_381_Fq::from_canonical({0x8bfd00000000aaadull, 0x409427eb4f49fffdull,
                                    0x897d29650fb85f9bull, 0xaa0d857d89759ad4ull,
                                    0xec02408663d4de85ull, 0x1a0111ea397fe699ull})};
  static constexpr Field kPsiY = Field{
      Bls12_381_Fq::from_canonical({0xf1ee7b04121bdea2ull, 0x304466cf3e67fa0aull,
                                    0xef396489f61eb45eull, 0x1c3dedd930b1cf60ull,
                                    0xe2e9c448d77a2cd9ull, 0x135203e60180a68eull}),
      Bls12_381_Fq::from_canonical({0xc81084fbede3cc09ull, 0xee67992f72ec05f4ull,
                                    0x77f76e17009241c5ull, 0x48395dabc2d3435eull,
                                    0x6831e36d6bd17ffeull, 0x06af0e0437ff400bull})};

  static std::array<std::uint8_t, 96> encode(const AffinePoint<Field>& p);
  static Result<AffinePoint<Field>> decode(std::span<const std::uint8_t> in);
  // Scott's test (eprint 2021/1130, section 4): P is in G2 iff psi(P) = x P, one 64-bit scalar
  // multiplication instead of one by the 255-bit r. Variable time (public points).
  static bool in_subgroup(const Bls12_381_G2& p);
};

// [r]P = O: the definition of subgroup membership, slower than in_subgroup but independent of
// any endomorphism constant (the tests check the fast tests against it).
bool bls12_381_g1_in_subgroup_by_order(const Bls12_381_G1& p);
bool bls12_381_g2_in_subgroup_by_order(const Bls12_381_G2& p);

// Multiplication by the effective cofactor h_eff = 1 - x = 0xd201000000010001 (Wahby-Boneh,
// eprint 2019/403, section 5), which maps any point of E(Fq) into G1. This is arkworks'
// clear_cofactor for G1, so hash_to_g1 matches the reference bit for bit.
Bls12_381_G1 bls12_381_g1_clear_cofactor(const Bls12_381_G1& p);

extern template class SwPoint<Bls12_381_G1Config>;
extern template class SwPoint<Bls12_381_G2Config>;

}  // namespace stoffel::math
