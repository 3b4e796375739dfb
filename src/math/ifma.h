// Eight exponentiations at once with AVX-512 IFMA (vpmadd52luq / vpmadd52huq), for the fields of
// four 64-bit limbs (docs/math.md, "Exponentiations eight at a time"; decision F7), and linear
// combinations and products eight at a time (decision F9).
//
// Random bits take one square root each, and a square root is one exponentiation: a chain of
// about 280 dependent multiplications, which the 64-bit kernel (mont_mul_x86.h) cannot overlap.
// Eight independent chains in the eight 64-bit lanes of a 512-bit register can. Values are held
// in radix 2^52, five limbs per value and one register per limb:
//
//   limb i of values 0..7:   zmm[i] = | v7_i | v6_i | ... | v0_i |     (52 bits used of each 64)
//   value = limb0 + limb1 2^52 + limb2 2^104 + limb3 2^156 + limb4 2^208   (260 bits)
//
// in Montgomery form with R = 2^260 (R > 4p, so products of values below 2p stay below 2p and no
// final subtraction is needed between multiplications). This form is private to ifma.cpp: the
// interface takes and returns canonical values, and Fp converts (fp.h, Fp::pow_many).
//
// Like Fp::pow, the sequence of operations depends only on the (public) exponent; the table of
// powers is indexed by exponent digits only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace stoffel::math::ifma {

using Limbs4 = std::array<std::uint64_t, 4>;

// Whether this CPU runs the IFMA kernel (AVX-512 F and IFMA, from CPUID, decided once; never with
// STOFFEL_NO_IFMA=1 in the environment) and it is switched on (tests switch it off to cover the
// scalar path).
bool enabled();
void set_enabled(bool on);  // on: only if the CPU has it

// The constants of one odd modulus p < 2^256 in radix 2^52 (made once per field).
struct Modulus {
  std::array<std::uint64_t, 5> p{};   // p in radix 2^52
  std::array<std::uint64_t, 5> r2{};  // R^2 mod p, R = 2^260
  std::uint64_t pinv = 0;             // -p^-1 mod 2^52
  Limbs4 p64{};                       // p in 64-bit limbs
};
Modulus make_modulus(const Limbs4& p);

// out[i] = in[i]^e mod p for canonical in[i] < p, i < count (any count; in and out may be the
// same array). Requires enabled().
void pow_many(const Modulus& m, const Limbs4* in, std::size_t count, const Limbs4& e, Limbs4* out);

// The powers a square root takes (Fp::sqrt_many): for canonical in[i] (i < count), w[i] = in^e,
// t = in w^2, and pw[i k + k - 1] = t, pw[i k + j] = pw[i k + j + 1]^(2^step) for j < k - 1,
// all canonical. k <= kMaxSqrtPowers. Requires enabled().
inline constexpr unsigned kMaxSqrtPowers = 8;
void sqrt_powers_many(const Modulus& m, const Limbs4* in, std::size_t count, const Limbs4& e,
                      unsigned step, unsigned k, Limbs4* w, Limbs4* pw);

// Linear combinations with public coefficients, eight words at a time (Fp::combine; decision
// F9 in docs/decisions.md): the pseudo-random double sharings (math/prss.h) and the rows and
// checks of the degree-2t openings. For w < count,
//   out[w * out_stride] = sum_(i < k) x_i[w * stride] c_i  mod p,   x_i = src[i]
// where the x_i and the result are 64-bit limb values below p, element-major as Fp stores them
// (its Montgomery limbs: the sum is then the Montgomery form of the combination), and coef52[i]
// is c_i 2^260 mod p in radix 2^52 (combine_coefficient). The k products are summed before one
// Montgomery reduction: per eight words, 50 multiply-adds per term (both halves of 25 limb
// products) and 50 once for the reduction, against 100 per product in mont_mul. With
// x_i < p < 2^256 and k <= kMaxCombineTerms, the sum of products is below 16 p^2, so the reduced
// value is below 16 p^2 / 2^260 + p < 2p: one conditional subtraction finishes. src and out
// are read and written with gathers and scatters (no typed access: Fp arrays are passed as they
// are); out may not overlap src. Requires enabled().
inline constexpr std::size_t kMaxCombineTerms = 16;
void combine(const Modulus& m, const void* const* src, std::size_t stride,
             const std::array<std::uint64_t, 5>* coef52, std::size_t k, std::size_t count,
             void* out, std::size_t out_stride);
// Element-wise Montgomery products of Fp's forms: out[w] = a[w] b[w] 2^-256 mod p for
// w < count, all 64-bit limb values below p, element-major (32 bytes each). out may be a or b.
// Requires enabled().
void mul(const Modulus& m, const void* a, const void* b, std::size_t count, void* out);
// c 2^260 mod p in radix 2^52, given y = c 2^260 mod p in 64-bit limbs (for an Fp coefficient
// c that is the Montgomery form of 16 c).
std::array<std::uint64_t, 5> combine_coefficient(const Limbs4& y);

}  // namespace stoffel::math::ifma
