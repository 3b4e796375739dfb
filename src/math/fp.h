// Prime-field elements Fp<Params> in Montgomery form: N x 64-bit limbs, little-endian, N taken
// from the length of the modulus (4 for the scalar fields and BN254's base field, 6 for the
// 381-bit base field of BLS12-381).
//
// Invariant: an element stores a*R mod p with R = 2^(64N), always fully reduced (< p). Every
// modulus has its top limb below 2^63 - 2, which lets the multiplication use the "no-carry" CIOS
// variant (one addition fewer per inner step) and lets add/sub never overflow 64N bits.
//
// The 4-limb fields keep hand-unrolled code and, on x86-64 with BMI2, the mulx kernel of
// mont_mul_x86.h; other limb counts use loops over N that the compiler unrolls (`if constexpr`
// picks the path at compile time, so the 4-limb code is exactly what it was).
//
// Constant time: add, sub, neg, mul, square, inverse, batch_inverse, equality, is_zero, select,
// encoding and from_i64/from_u64 have no branch and no memory index that depends on element
// values. pow() is constant time in the base and branches on the (public) exponent. sqrt(),
// to_i64() and decoding's accept/reject answer depend on the value and are meant for public data
// (opened values, wire input).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "math/ifma.h"
#include "math/rng.h"
#include "stoffel/result.h"

#if defined(__x86_64__)
#include <x86intrin.h>

#include "math/mont_mul_x86.h"
#endif

namespace stoffel::math {

// Little-endian 64-bit limbs of an integer below 2^(64N).
template <std::size_t N>
using LimbArray = std::array<std::uint64_t, N>;
// The 4-limb (256-bit) form used by the scalar fields, the wire encoding and the tests.
using Limbs = LimbArray<4>;

namespace detail {

__extension__ typedef unsigned __int128 u128;

// Limb loops are unrolled (the helpers are always inlined): the Montgomery product must compile
// to straight-line code. Not unrolled under GCC's AddressSanitizer (the asan preset): there the
// unrolled, instrumented bodies made one curve file take minutes to compile (GCC's loop unroller
// alone spent 80 s on math/bls12_381.cpp); the sanitizer build checks memory and UB, not speed.
#if defined(__SANITIZE_ADDRESS__)
#define STOFFEL_UNROLL_LIMBS
#else
#define STOFFEL_UNROLL_LIMBS _Pragma("GCC unroll 8")
#endif
#define STOFFEL_MATH_INLINE [[gnu::always_inline]] inline

// a + b + carry; carry out in `carry` (0 or 1).
STOFFEL_MATH_INLINE constexpr std::uint64_t adc(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t& carry) {
  const u128 t = static_cast<u128>(a) + b + carry;
  carry = static_cast<std::uint64_t>(t >> 64);
  return static_cast<std::uint64_t>(t);
}

// a - b - borrow; borrow out in `borrow` (0 or 1).
STOFFEL_MATH_INLINE constexpr std::uint64_t sbb(std::uint64_t a, std::uint64_t b,
                                                std::uint64_t& borrow) {
  const u128 t = static_cast<u128>(a) - b - borrow;
  borrow = static_cast<std::uint64_t>(t >> 64) & 1;
  return static_cast<std::uint64_t>(t);
}

// acc + a*b + carry, which always fits 128 bits; high word to `carry`.
// At run time on x86-64 the two additions use _addcarry_u64: g++ 12 turns the plain 128-bit
// version into spills and flag materialisation, which costs about 10% of a multiplication.
STOFFEL_MATH_INLINE constexpr std::uint64_t mac(std::uint64_t acc, std::uint64_t a, std::uint64_t b,
                                                std::uint64_t& carry) {
#if defined(__x86_64__)
  if (!std::is_constant_evaluated()) {
    const u128 p = static_cast<u128>(a) * b;
    unsigned long long lo = static_cast<std::uint64_t>(p);
    unsigned long long hi = static_cast<std::uint64_t>(p >> 64);
    unsigned long long r = 0;
    unsigned char c = _addcarry_u64(0, lo, acc, &r);
    (void)_addcarry_u64(c, hi, 0, &hi);
    c = _addcarry_u64(0, r, carry, &r);
    (void)_addcarry_u64(c, hi, 0, &hi);
    carry = hi;
    return r;
  }
#endif
  const u128 t = static_cast<u128>(a) * b + acc + carry;
  carry = static_cast<std::uint64_t>(t >> 64);
  return static_cast<std::uint64_t>(t);
}

// x - y as 256-bit integers; returns the borrow (1 if x < y).
STOFFEL_MATH_INLINE constexpr std::uint64_t sub4(const Limbs& x, const Limbs& y, Limbs& out) {
  std::uint64_t b = 0;
  out[0] = sbb(x[0], y[0], b);
  out[1] = sbb(x[1], y[1], b);
  out[2] = sbb(x[2], y[2], b);
  out[3] = sbb(x[3], y[3], b);
  return b;
}

#if defined(__x86_64__)
// (x + y) mod p and (x - y) mod p for x, y < p < 2^255 (every four-limb field here), with the
// carry chains in the flags (_addcarry_u64 / _subborrow_u64): the 128-bit forms above compile
// to spills and flag materialisation with g++ 12, about three times slower in the products'
// element-wise loops. Constant time: the correction is selected with masks.
STOFFEL_MATH_INLINE Limbs add_mod4(const Limbs& x, const Limbs& y, const Limbs& p) {
  unsigned long long s0, s1, s2, s3, d0, d1, d2, d3;
  unsigned char c = _addcarry_u64(0, x[0], y[0], &s0);
  c = _addcarry_u64(c, x[1], y[1], &s1);
  c = _addcarry_u64(c, x[2], y[2], &s2);
  (void)_addcarry_u64(c, x[3], y[3], &s3);  // no carry out: x + y < 2p < 2^256
  unsigned char b = _subborrow_u64(0, s0, p[0], &d0);
  b = _subborrow_u64(b, s1, p[1], &d1);
  b = _subborrow_u64(b, s2, p[2], &d2);
  b = _subborrow_u64(b, s3, p[3], &d3);
  const std::uint64_t keep = 0 - static_cast<std::uint64_t>(b);  // all ones: s < p, keep s
  return {(s0 & keep) | (d0 & ~keep), (s1 & keep) | (d1 & ~keep), (s2 & keep) | (d2 & ~keep),
          (s3 & keep) | (d3 & ~keep)};
}
STOFFEL_MATH_INLINE Limbs sub_mod4(const Limbs& x, const Limbs& y, const Limbs& p) {
  unsigned long long d0, d1, d2, d3;
  unsigned char b = _subborrow_u64(0, x[0], y[0], &d0);
  b = _subborrow_u64(b, x[1], y[1], &d1);
  b = _subborrow_u64(b, x[2], y[2], &d2);
  b = _subborrow_u64(b, x[3], y[3], &d3);
  const std::uint64_t mask = 0 - static_cast<std::uint64_t>(b);  // all ones: x < y, add p
  unsigned char c = _addcarry_u64(0, d0, p[0] & mask, &d0);
  c = _addcarry_u64(c, d1, p[1] & mask, &d1);
  c = _addcarry_u64(c, d2, p[2] & mask, &d2);
  (void)_addcarry_u64(c, d3, p[3] & mask, &d3);
  return {d0, d1, d2, d3};
}
#endif

// x if mask is all ones, y if mask is zero.
STOFFEL_MATH_INLINE constexpr Limbs select4(std::uint64_t mask, const Limbs& x, const Limbs& y) {
  return {(x[0] & mask) | (y[0] & ~mask), (x[1] & mask) | (y[1] & ~mask),
          (x[2] & mask) | (y[2] & ~mask), (x[3] & mask) | (y[3] & ~mask)};
}

// N-limb forms of the above, written as loops over a compile-time N (the compiler unrolls
// them). Used by fields with other limb counts than 4 and by the compile-time constants.
template <std::size_t N>
STOFFEL_MATH_INLINE constexpr std::uint64_t sub_n(const LimbArray<N>& x, const LimbArray<N>& y,
                                                  LimbArray<N>& out) {
  std::uint64_t b = 0;
STOFFEL_UNROLL_LIMBS
  for (std::size_t i = 0; i < N; ++i) out[i] = sbb(x[i], y[i], b);
  return b;
}

// x + y as N-limb integers; returns the carry.
template <std::size_t N>
STOFFEL_MATH_INLINE constexpr std::uint64_t add_n(const LimbArray<N>& x, const LimbArray<N>& y,
                                                  LimbArray<N>& out) {
  std::uint64_t c = 0;
STOFFEL_UNROLL_LIMBS
  for (std::size_t i = 0; i < N; ++i) out[i] = adc(x[i], y[i], c);
  return c;
}

template <std::size_t N>
STOFFEL_MATH_INLINE constexpr LimbArray<N> select_n(std::uint64_t mask, const LimbArray<N>& x,
                                                    const LimbArray<N>& y) {
  LimbArray<N> r{};
STOFFEL_UNROLL_LIMBS
  for (std::size_t i = 0; i < N; ++i) r[i] = (x[i] & mask) | (y[i] & ~mask);
  return r;
}

// -(q^-1) mod 2^64 by Newton iteration (each step doubles the number of correct bits).
constexpr std::uint64_t neg_inv64(std::uint64_t q0) {
  std::uint64_t x = 1;
  for (int i = 0; i < 7; ++i) x *= 2 - q0 * x;
  return ~x + 1;
}

// 2^k mod q by k modular doublings; q < 2^(64N - 1) so a doubling never overflows 64N bits.
template <std::size_t N>
constexpr LimbArray<N> pow2_mod(const LimbArray<N>& q, int k) {
  LimbArray<N> x{};
  x[0] = 1;
  for (int i = 0; i < k; ++i) {
    LimbArray<N> d{};
    add_n(x, x, d);
    LimbArray<N> s{};
    const std::uint64_t borrow = sub_n(d, q, s);
    x = borrow ? d : s;
  }
  return x;
}

template <std::size_t N>
constexpr LimbArray<N> sub_small(const LimbArray<N>& x, std::uint64_t v) {
  LimbArray<N> r{};
  std::uint64_t b = 0;
  for (std::size_t i = 0; i < N; ++i) r[i] = sbb(x[i], i == 0 ? v : 0, b);
  return r;
}

template <std::size_t N>
constexpr LimbArray<N> shr(const LimbArray<N>& x, unsigned s) {
  LimbArray<N> r{};
  const unsigned limb = s / 64, bit = s % 64;
  for (unsigned i = 0; i < N; ++i) {
    const unsigned src = i + limb;
    if (src >= N) continue;
    r[i] = x[src] >> bit;
    if (bit != 0 && src + 1 < N) r[i] |= x[src + 1] << (64 - bit);
  }
  return r;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define STOFFEL_MATH_HAVE_MULX 1
// Whether Montgomery multiplication uses the BMI2 (mulx) kernel. Decided once from CPUID, so the
// build stays portable (no -march flags) and the branch is perfectly predicted; the choice
// depends only on the machine, never on data. Tests switch it off to cover the generic kernel.
// (__builtin_cpu_init is required because this runs as a static initializer; before it has run,
// the flag is zero-initialised and the portable kernel is used, which is equally correct.)
inline bool g_use_mulx = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("bmi2") != 0;
}();
#endif

}  // namespace detail

// Compile-time constants derived from a parameter struct P, which must provide:
//   static constexpr LimbArray<N> kModulus;   // little-endian limbs of the prime p
//   static constexpr unsigned kTwoAdicity;    // s with 2^s || p - 1
//   static constexpr std::uint64_t kGenerator;  // a generator of the multiplicative group
//   static constexpr const char* kName;       // field kind name, e.g. "bls12-381-fr"
template <typename P>
struct MontgomeryConstants {
  static constexpr std::size_t N = std::tuple_size_v<decltype(P::kModulus)>;
  using Repr = LimbArray<N>;
  static constexpr Repr kP = P::kModulus;
  static constexpr std::uint64_t kInv = detail::neg_inv64(kP[0]);  // -p^-1 mod 2^64
  // The modulus followed by kInv, the layout the x86 mulx kernel reads (4-limb fields).
  static constexpr LimbArray<N + 1> kPInv = [] {
    LimbArray<N + 1> r{};
    for (std::size_t i = 0; i < N; ++i) r[i] = kP[i];
    r[N] = kInv;
    return r;
  }();
  static constexpr Repr kR = detail::pow2_mod(kP, 64 * N);       // R mod p (Montgomery one)
  static constexpr Repr kR2 = detail::pow2_mod(kP, 128 * N);     // R^2 mod p
  static constexpr Repr kPMinus2 = detail::sub_small(kP, 2);     // Fermat inverse exponent
  static constexpr Repr kPMinus1Half = detail::shr(detail::sub_small(kP, 1), 1);
  // Q = (p - 1) / 2^s, the odd part of p - 1 (Tonelli-Shanks, roots of unity).
  static constexpr Repr kOddPart = detail::shr(detail::sub_small(kP, 1), P::kTwoAdicity);
  static constexpr unsigned kBits =
      64 * static_cast<unsigned>(N - 1) + static_cast<unsigned>(std::bit_width(kP[N - 1]));

  static_assert(N >= 2, "at least two limbs");
  static_assert(kP[0] & 1, "modulus must be odd");
  static_assert(kP[N - 1] < 0x7FFFFFFFFFFFFFFEull,
                "no-carry CIOS needs the top limb below 2^63 - 2");
  static_assert(static_cast<std::uint64_t>(kP[0] * (~kInv + 1)) == 1, "kInv must be -p^-1");
};

template <typename P>
class Fp {
  using C = MontgomeryConstants<P>;

 public:
  using Params = P;
  static constexpr std::size_t kLimbs = C::N;
  // Canonical integers and Montgomery limbs of this field (Limbs for the 4-limb fields).
  using Repr = LimbArray<kLimbs>;
  static constexpr std::size_t kBytes = 8 * kLimbs;

  // Zero. Fp is a trivially copyable aggregate of its Montgomery limbs (32 bytes for 4 limbs).
  constexpr Fp() = default;

  static constexpr Fp zero() { return Fp{}; }
  static constexpr Fp one() { return from_mont(C::kR); }
  static constexpr Repr modulus() { return C::kP; }
  static constexpr unsigned bits() { return C::kBits; }
  static constexpr const char* name() { return P::kName; }

  // Wraps limbs that are already in Montgomery form (no check; internal and tests).
  static constexpr Fp from_mont(const Repr& m) {
    Fp r;
    r.m_ = m;
    return r;
  }
  constexpr const Repr& mont() const { return m_; }

  // Canonical integer x (must be < p; larger values are reduced once, so inputs < 2p are fine).
  static constexpr Fp from_canonical(const Repr& x) {
    Repr s{};
    const std::uint64_t borrow = sub(x, C::kP, s);
    return from_mont(mont_mul(select_limbs(0 - borrow, x, s), C::kR2));
  }
  constexpr Repr to_canonical() const {
    Repr one{};
    one[0] = 1;
    return mont_mul(m_, one);
  }

  static constexpr Fp from_u64(std::uint64_t v) {
    Repr x{};
    x[0] = v;
    return from_canonical(x);
  }
  // Negative values map to p - |v| (docs/math.md, "Encodings and integers"). Constant time.
  static constexpr Fp from_i64(std::int64_t v) {
    const std::uint64_t neg_mask = 0 - (static_cast<std::uint64_t>(v) >> 63);
    // |v| computed without the overflow of -INT64_MIN: (v ^ mask) - mask in unsigned arithmetic.
    const std::uint64_t mag = (static_cast<std::uint64_t>(v) ^ neg_mask) - neg_mask;
    const Fp pos = from_u64(mag);
    return select(neg_mask, -pos, pos);
  }
  // Decision M6 (docs/decisions.md): elements above (p-1)/2 read as negative; a value outside the
  // i64 range is an error rather than a silent wrap. Variable time (meant for opened values).
  Result<std::int64_t> to_i64() const;

  // kBytes-byte canonical little-endian encoding (32 bytes for the 4-limb fields).
  std::array<std::uint8_t, kBytes> to_bytes() const {
    std::array<std::uint8_t, kBytes> out{};
    write_bytes(out);
    return out;
  }
  void write_bytes(std::span<std::uint8_t, kBytes> out) const {
    limbs_to_bytes(to_canonical(), out.data());
  }
  // Rejects input that is not kBytes long or not canonical (an integer >= p) with an error.
  static Result<Fp> from_bytes(std::span<const std::uint8_t> in);
  // As from_bytes for exactly kBytes bytes, without building an error: false (and `out`
  // untouched) when the integer is not below p. For loops over many elements.
  static bool read_bytes(std::span<const std::uint8_t, kBytes> in, Fp& out) {
    const Repr x = limbs_from_bytes(in.data());
    if (!below_p(x)) return false;
    out = from_mont(mont_mul(x, C::kR2));
    return true;
  }

  // Many encodings at once, the Montgomery conversions through combine (eight at a time where
  // the CPU allows): read_bytes_many returns the index of the first encoding that is not
  // canonical (out then partly written), or in.size() if all are; sizes must match.
  using Bytes = std::array<std::uint8_t, kBytes>;
  static std::size_t read_bytes_many(std::span<const Bytes> in, std::span<Fp> out);
  static void write_bytes_many(std::span<const Fp> in, std::span<Bytes> out);

  // Uniform sampling by rejection: draw bits() random bits, retry while >= p. The number of
  // retries is independent of the value finally returned. Random bytes are wiped after use.
  static Fp random(Rng& rng);
  static void random_fill(Rng& rng, std::span<Fp> out);

  // The kBytes-byte little-endian encoding's integer as limbs and back, whatever the value (on
  // little-endian hosts the limbs are the encoding's 8-byte groups).
  static Repr limbs_from_bytes(const std::uint8_t* in) {
    Repr x{};
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(x.data(), in, kBytes);
    } else {
      for (std::size_t i = 0; i < kBytes; ++i)
        x[i / 8] |= static_cast<std::uint64_t>(in[i]) << (8 * (i % 8));
    }
    return x;
  }
  static void limbs_to_bytes(const Repr& x, std::uint8_t* out) {
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out, x.data(), kBytes);
    } else {
      for (std::size_t i = 0; i < kBytes; ++i) {
        out[i] = static_cast<std::uint8_t>(x[i / 8] >> (8 * (i % 8)));
      }
    }
  }

  // Arithmetic -------------------------------------------------------------------------------
  STOFFEL_MATH_INLINE friend constexpr Fp operator+(const Fp& a, const Fp& b) {
#if defined(__x86_64__)
    if constexpr (kLimbs == 4) {
      static_assert((C::kP[3] >> 63) == 0, "add_mod4 needs p < 2^255");
      if (!std::is_constant_evaluated()) return from_mont(detail::add_mod4(a.m_, b.m_, C::kP));
    }
#endif
    if constexpr (kLimbs == 4) {
      std::uint64_t c = 0;
      const Limbs s{detail::adc(a.m_[0], b.m_[0], c), detail::adc(a.m_[1], b.m_[1], c),
                    detail::adc(a.m_[2], b.m_[2], c), detail::adc(a.m_[3], b.m_[3], c)};
      return from_mont(reduce_once(s));
    } else {
      Repr s{};
      detail::add_n(a.m_, b.m_, s);
      return from_mont(reduce_once(s));
    }
  }
  STOFFEL_MATH_INLINE friend constexpr Fp operator-(const Fp& a, const Fp& b) {
#if defined(__x86_64__)
    if constexpr (kLimbs == 4) {
      if (!std::is_constant_evaluated()) return from_mont(detail::sub_mod4(a.m_, b.m_, C::kP));
    }
#endif
    Repr d{};
    const std::uint64_t mask = 0 - sub(a.m_, b.m_, d);
    if constexpr (kLimbs == 4) {
      std::uint64_t c = 0;
      d[0] = detail::adc(d[0], C::kP[0] & mask, c);
      d[1] = detail::adc(d[1], C::kP[1] & mask, c);
      d[2] = detail::adc(d[2], C::kP[2] & mask, c);
      d[3] = detail::adc(d[3], C::kP[3] & mask, c);
    } else {
      std::uint64_t c = 0;
STOFFEL_UNROLL_LIMBS
      for (std::size_t i = 0; i < kLimbs; ++i) d[i] = detail::adc(d[i], C::kP[i] & mask, c);
    }
    return from_mont(d);
  }
  friend constexpr Fp operator-(const Fp& a) {
    Repr d{};
    sub(C::kP, a.m_, d);
    std::uint64_t nz = 0;
    for (std::size_t i = 0; i < kLimbs; ++i) nz |= a.m_[i];
    const std::uint64_t mask = 0 - ((nz | (0 - nz)) >> 63);  // all ones iff a != 0
    for (std::size_t i = 0; i < kLimbs; ++i) d[i] &= mask;
    return from_mont(d);
  }
  STOFFEL_MATH_INLINE friend constexpr Fp operator*(const Fp& a, const Fp& b) {
    return from_mont(mont_mul(a.m_, b.m_));
  }
  constexpr Fp& operator+=(const Fp& b) { return *this = *this + b; }
  constexpr Fp& operator-=(const Fp& b) { return *this = *this - b; }
  // In place; with the mulx kernel the product is stored by the kernel itself, which keeps
  // dependent chains (pow, Horner, running products) free of store-forwarding stalls.
  STOFFEL_MATH_INLINE constexpr Fp& operator*=(const Fp& b) {
#if STOFFEL_MATH_HAVE_MULX
    if constexpr (kLimbs == 4) {
      if (!std::is_constant_evaluated() && detail::g_use_mulx) {
        detail::mont_mul_mulx_asm_inplace(m_, b.m_, C::kPInv);
        return *this;
      }
    }
#endif
    return *this = *this * b;
  }

  STOFFEL_MATH_INLINE constexpr Fp square() const {
    return from_mont(mont_mul(m_, m_));
  }
  constexpr Fp dbl() const {
    return *this + *this;
  }
  // this / 2, without a multiplication: (x + p) / 2 if x is odd, else x / 2, on the Montgomery
  // limbs (halving commutes with the Montgomery factor). Constant time.
  constexpr Fp halve() const {
    const std::uint64_t odd = 0 - (m_[0] & 1);
    Repr s{};
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < kLimbs; ++i) s[i] = detail::adc(m_[i], C::kP[i] & odd, c);
    Repr r{};
    for (std::size_t i = 0; i + 1 < kLimbs; ++i) r[i] = (s[i] >> 1) | (s[i + 1] << 63);
    r[kLimbs - 1] = (s[kLimbs - 1] >> 1) | (c << 63);
    return from_mont(r);
  }

  // Constant-time equality (the comparison result itself is of course returned).
  friend constexpr bool operator==(const Fp& a, const Fp& b) {
    std::uint64_t d = 0;
    for (std::size_t i = 0; i < kLimbs; ++i) d |= a.m_[i] ^ b.m_[i];
    return d == 0;
  }
  constexpr bool is_zero() const {
    std::uint64_t d = 0;
    for (std::size_t i = 0; i < kLimbs; ++i) d |= m_[i];
    return d == 0;
  }

  // mask all ones: a; mask zero: b.
  static constexpr Fp select(std::uint64_t mask, const Fp& a, const Fp& b) {
    return from_mont(select_limbs(mask, a.m_, b.m_));
  }

  // x^e with e a public exponent given as canonical little-endian limbs. Fixed 4-bit windows:
  // the sequence of operations depends only on e; table entries are read by exponent digit.
  Fp pow(const Repr& e) const;
  Fp pow(std::uint64_t e) const {
    Repr x{};
    x[0] = e;
    return pow(x);
  }

  // A linear combination with small public coefficients, reduced once (the hyper-invertible
  // matrix of the preprocessing, docs/math.md "A matrix with small entries"):
  //   out[c] = 2^-64 * sum_i k[i] * x_i[c]  for c < count,  x_i = src + i * stride,
  // where sum_i k[i] < 2^62. The sum of products is exact in kLimbs + 1 limbs (below 2^62 p),
  // one Montgomery step divides it by 2^64 (leaving less than 1.25 p) and one subtraction of p
  // finishes: kLimbs multiplications per term and kLimbs + 1 per output, where a Montgomery
  // product costs 2 kLimbs^2 per term. No branch on the values (they are shares).
  static void small_combination(std::span<const std::uint64_t> k, const Fp* src,
                                std::size_t stride, std::size_t count, Fp* out) {
    for (std::size_t c = 0; c < count; ++c) {
      std::uint64_t acc[kLimbs + 1] = {};
      for (std::size_t i = 0; i < k.size(); ++i) {
        const Repr& x = src[i * stride + c].m_;
        std::uint64_t carry = 0;
        STOFFEL_UNROLL_LIMBS
        for (std::size_t l = 0; l < kLimbs; ++l) acc[l] = detail::mac(acc[l], x[l], k[i], carry);
        acc[kLimbs] += carry;
      }
      const std::uint64_t q = acc[0] * C::kInv;
      std::uint64_t carry = 0;
      (void)detail::mac(acc[0], q, C::kP[0], carry);
      Repr r{};
      STOFFEL_UNROLL_LIMBS
      for (std::size_t l = 1; l < kLimbs; ++l) r[l - 1] = detail::mac(acc[l], q, C::kP[l], carry);
      r[kLimbs - 1] = acc[kLimbs] + carry;
      out[c].m_ = reduce_once(r);
    }
  }

  // A linear combination with public coefficients of any size, for many words:
  //   out[w * out_stride] = sum_i coef[i] * src[i][w * stride]   for w < count
  // (src.size() == coef.size(); out must not overlap the inputs). Four-limb fields on a CPU with
  // AVX-512 IFMA take eight words at a time and sum the products before one reduction
  // (math/ifma.h, up to ifma::kMaxCombineTerms terms); otherwise Montgomery products. Same
  // results either way; constant time. The pseudo-random double sharings and the checks of
  // degree-2t openings are made of these.
  static void combine(std::span<const Fp> coef, std::span<const Fp* const> src, std::size_t stride,
                      std::size_t count, Fp* out, std::size_t out_stride = 1);

  // out[i] = a[i] * b[i] for every i (equal sizes; out may be a or b): with AVX-512 IFMA for
  // four-limb fields eight at a time (math/ifma.h), otherwise one product after the other. Same
  // results either way; constant time.
  static void mul_many(std::span<const Fp> a, std::span<const Fp> b, std::span<Fp> out) {
    if constexpr (kLimbs == 4) {
      if (ifma::enabled()) {
        static const ifma::Modulus mod = ifma::make_modulus(C::kP);
        ifma::mul(mod, a.data(), b.data(), a.size(), out.data());
        return;
      }
    }
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] * b[i];
  }

  // Multiplicative inverse by Fermat (x^(p-2)): constant time, and 0 maps to 0.
  Fp inverse() const {
    return pow(C::kPMinus2);
  }
  // As inverse(), but an error for 0 (for public divisors).
  Result<Fp> checked_inverse() const;

  // Square root by Tonelli-Shanks with tables (below); nullopt for a non-residue. Of the two
  // roots it returns the one at most (p-1)/2 (decision F6: every party must derive the same root
  // from the same public square, whatever algorithm computes it). Variable time: public inputs
  // only.
  std::optional<Fp> sqrt() const;
  // out[i] = in[i].sqrt() for every i (out.size() == in.size()), with the exponentiations eight
  // at a time where the CPU allows (pow_many). Random bits take one root each.
  static void sqrt_many(std::span<const Fp> in, std::span<std::optional<Fp>> out);
  // out[i] = in[i].pow(e) for every i (in and out may be the same span). For four-limb fields on
  // a CPU with AVX-512 IFMA, eight independent exponentiations run at once in the vector lanes
  // (math/ifma.h); otherwise one pow() after the other. Same results either way.
  static void pow_many(std::span<const Fp> in, const Repr& e, std::span<Fp> out);
  // The parts of sqrt(): its exponent, and the rest given w = this^sqrt_exponent() (nonzero x).
  static Repr sqrt_exponent();
  std::optional<Fp> sqrt_finish(const Fp& w) const;
  // The rest of sqrt_finish where the two-adicity s is a multiple of the tables' digit width kW
  // (bls12-381), given also pw[j] = t^(2^(s - kW (j + 1))) for the s / kW digits, t = x w^2.
  std::optional<Fp> sqrt_from_powers(const Fp& w, const Fp* pw) const;
  // The root from r = x^((Q+1)/2) and the 2-adic logarithm e of t = x^Q: r z^(-e/2) if e is even
  // (the smaller of the two roots), nullopt otherwise (x is not a square).
  static std::optional<Fp> sqrt_from_log(const Fp& r, std::uint64_t e);
  // Euler's criterion: 1 residue, -1 non-residue, 0 zero. Variable time.
  int legendre() const;

  // A primitive 2^log_n-th root of unity, g^((p-1)/2^log_n); nullopt if log_n > two-adicity.
  static std::optional<Fp> root_of_unity(unsigned log_n);

  // Whether the canonical value is above (p-1)/2, i.e. x > -x as integers (the "sign" that
  // compressed point encodings store). Constant time.
  constexpr bool is_lexicographically_largest() const {
    Repr d{};
    return sub(C::kPMinus1Half, to_canonical(), d) != 0;
  }

 private:
  // Whether the integer x is below p. Constant time (x may be secret).
  static constexpr bool below_p(const Repr& x) {
    Repr s{};
    return sub(x, C::kP, s) != 0;
  }

  // x - y as integers; returns the borrow.
  STOFFEL_MATH_INLINE static constexpr std::uint64_t sub(const Repr& x, const Repr& y, Repr& out) {
    if constexpr (kLimbs == 4) {
      return detail::sub4(x, y, out);
    } else {
      return detail::sub_n(x, y, out);
    }
  }
  STOFFEL_MATH_INLINE static constexpr Repr select_limbs(std::uint64_t mask, const Repr& x,
                                                        const Repr& y) {
    if constexpr (kLimbs == 4) {
      return detail::select4(mask, x, y);
    } else {
      return detail::select_n(mask, x, y);
    }
  }

  STOFFEL_MATH_INLINE static constexpr Repr reduce_once(const Repr& t) {
    Repr s{};
    const std::uint64_t borrow = sub(t, C::kP, s);
    return select_limbs(0 - borrow, t, s);
  }

  // One CIOS step for limb bi of b: t = (t + a*bi + m*p) / 2^64 with m chosen so the low word
  // vanishes. Written out (no loop) so g++ keeps t0..t3 in registers.
  STOFFEL_MATH_INLINE static constexpr void cios_step(std::uint64_t a0, std::uint64_t a1,
                                                      std::uint64_t a2, std::uint64_t a3,
                                                      std::uint64_t bi, std::uint64_t& t0,
                                                      std::uint64_t& t1, std::uint64_t& t2,
                                                      std::uint64_t& t3) {
    constexpr Limbs q = C::kP;
    std::uint64_t A = 0, Cc = 0;
    t0 = detail::mac(t0, a0, bi, A);
    const std::uint64_t m = t0 * C::kInv;
    (void)detail::mac(t0, m, q[0], Cc);
    t1 = detail::mac(t1, a1, bi, A);
    t0 = detail::mac(t1, m, q[1], Cc);
    t2 = detail::mac(t2, a2, bi, A);
    t1 = detail::mac(t2, m, q[2], Cc);
    t3 = detail::mac(t3, a3, bi, A);
    t2 = detail::mac(t3, m, q[3], Cc);
    // No carry is lost here: the top limb of p is below 2^63 - 2 (gnark-crypto's condition).
    t3 = Cc + A;
  }

  // Montgomery product a*b*R^-1 mod p, fully reduced: CIOS without the extra carry word (valid
  // because the top limb of p is below 2^63 - 2; see gnark-crypto's "faster Montgomery
  // multiplication"). Inputs < p give t < 2p before the final masked subtraction.
  STOFFEL_MATH_INLINE static constexpr Repr mont_mul(const Repr& a, const Repr& b) {
    if constexpr (kLimbs == 4) {
#if STOFFEL_MATH_HAVE_MULX
      if (!std::is_constant_evaluated()) {
        // The mulx kernel is small enough to inline everywhere; the portable one is called out
        // of line on x86-64 so that it does not bloat every caller on machines that never use
        // it.
        if (detail::g_use_mulx) return detail::mont_mul_mulx_asm(a, b, C::kPInv);
        return mont_mul_portable(a, b);
      }
#endif
      return mont_mul_generic(a, b);
    } else {
      return mont_mul_generic_n(a, b);
    }
  }

  [[gnu::noinline]] static Repr mont_mul_portable(const Repr& a, const Repr& b) {
    return mont_mul_generic(a, b);
  }

  // Portable kernel (and the compile-time one) for 4 limbs.
  STOFFEL_MATH_INLINE static constexpr Limbs mont_mul_generic(const Limbs& a, const Limbs& b) {
    // Limbs are copied into locals first so the compiler need not assume aliasing with t.
    const std::uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    const std::uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
    std::uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    cios_step(a0, a1, a2, a3, b0, t0, t1, t2, t3);
    cios_step(a0, a1, a2, a3, b1, t0, t1, t2, t3);
    cios_step(a0, a1, a2, a3, b2, t0, t1, t2, t3);
    cios_step(a0, a1, a2, a3, b3, t0, t1, t2, t3);
    return reduce_once(Limbs{t0, t1, t2, t3});
  }

  // The same CIOS algorithm for any limb count, as loops the compiler unrolls (the 6-limb
  // field of BLS12-381 uses it). The accumulator t is a local array that stays in registers
  // once the loops are unrolled.
  STOFFEL_MATH_INLINE static constexpr Repr mont_mul_generic_n(const Repr& a, const Repr& b) {
    constexpr Repr q = C::kP;
    Repr t{};
    const Repr av = a;
STOFFEL_UNROLL_LIMBS
    for (std::size_t i = 0; i < kLimbs; ++i) {
      const std::uint64_t bi = b[i];
      std::uint64_t A = 0, Cc = 0;
      const std::uint64_t t0 = detail::mac(t[0], av[0], bi, A);
      const std::uint64_t m = t0 * C::kInv;
      (void)detail::mac(t0, m, q[0], Cc);
STOFFEL_UNROLL_LIMBS
      for (std::size_t j = 1; j < kLimbs; ++j) {
        const std::uint64_t tj = detail::mac(t[j], av[j], bi, A);
        t[j - 1] = detail::mac(tj, m, q[j], Cc);
      }
      t[kLimbs - 1] = Cc + A;
    }
    return reduce_once(t);
  }

  Repr m_{};
};

// Montgomery's trick: replaces every element by its inverse with one inversion and about
// 3n multiplications. Zeros stay zero, handled without branching on values. `scratch` needs
// values.size() elements (no allocation here, so hot loops can reuse it). The running products
// form kChains interleaved chains (element i in chain i mod kChains): one chain is a sequence of
// dependent multiplications, which the CPU cannot overlap, and independent chains fill the
// multiplier while each waits (random bits invert one root each, docs/mpc.md).
template <typename F>
void batch_inverse(std::span<F> values, std::span<F> scratch) {
  constexpr std::size_t kChains = 4;
  const std::size_t n = values.size();
  if (n == 0) return;
  std::array<F, kChains> acc;
  acc.fill(F::one());
  for (std::size_t i = 0; i < n; ++i) {
    F& a = acc[i % kChains];
    scratch[i] = a;
    // A zero is replaced by one in the running product so the others still invert correctly.
    const std::uint64_t zmask = 0 - static_cast<std::uint64_t>(values[i].is_zero());
    a *= F::select(zmask, F::one(), values[i]);
  }
  // The inverse of every chain's product from the one inversion of all of them.
  F total = acc[0];
  for (std::size_t c = 1; c < kChains; ++c) total *= acc[c];
  const F total_inv = total.inverse();
  std::array<F, kChains> inv;
  for (std::size_t c = 0; c < kChains; ++c) {
    inv[c] = total_inv;
    for (std::size_t d = 0; d < kChains; ++d) {
      if (d != c) inv[c] *= acc[d];
    }
  }
  for (std::size_t i = n; i-- > 0;) {
    F& v_inv = inv[i % kChains];
    const std::uint64_t zmask = 0 - static_cast<std::uint64_t>(values[i].is_zero());
    const F v = values[i];
    values[i] = F::select(zmask, F::zero(), v_inv * scratch[i]);
    v_inv *= F::select(zmask, F::one(), v);
  }
}

// Wipes field elements holding secrets (see rng.h: secure_wipe).
template <typename F>
void wipe(std::span<F> values) {
  secure_wipe(values.data(), values.size_bytes());
}

// ---------------------------------------------------------------------------------------------
// Out-of-line members (templates, so still in the header).

template <typename P>
Result<std::int64_t> Fp<P>::to_i64() const {
  const Repr x = to_canonical();
  bool negative = false;
  Repr mag = x;
  Repr half_minus{};
  // x > (p-1)/2  <=>  (p-1)/2 - x borrows.
  if (sub(C::kPMinus1Half, x, half_minus) != 0) {
    negative = true;
    sub(C::kP, x, mag);
  }
  bool small = true;
  for (std::size_t i = 1; i < kLimbs; ++i) small = small && mag[i] == 0;
  if (negative && small && mag[0] <= (std::uint64_t{1} << 63)) {
    // Two's complement of the magnitude; 2^63 becomes INT64_MIN without signed overflow.
    return static_cast<std::int64_t>(~mag[0] + 1);
  }
  if (!negative && small && mag[0] < (std::uint64_t{1} << 63)) {
    return static_cast<std::int64_t>(mag[0]);
  }
  return make_error(std::string("field element outside the i64 range (") + P::kName + ")");
}

template <typename P>
Result<Fp<P>> Fp<P>::from_bytes(std::span<const std::uint8_t> in) {
  if (in.size() != kBytes) {
    return make_error("field element encoding must be " + std::to_string(kBytes) +
                      " bytes, got " + std::to_string(in.size()));
  }
  Fp out;
  if (!read_bytes(in.template first<kBytes>(), out)) {
    return make_error(std::string("non-canonical field element encoding (value >= modulus of ") +
                      P::kName + ")");
  }
  return out;
}

template <typename P>
Fp<P> Fp<P>::random(Rng& rng) {
  Fp out;
  random_fill(rng, std::span<Fp>(&out, 1));
  return out;
}

template <typename P>
void Fp<P>::random_fill(Rng& rng, std::span<Fp> out) {
  constexpr unsigned kTopBits = C::kBits - 64 * (kLimbs - 1);
  constexpr std::uint64_t top_mask =
      (kTopBits == 64) ? ~std::uint64_t{0} : ((std::uint64_t{1} << kTopBits) - 1);
  if constexpr (std::endian::native == std::endian::little && sizeof(Fp) == kBytes) {
    // The candidates are drawn straight into `out` (its limbs are the bytes' 8-byte groups), and
    // each accepted one moves down over the rejected before it; the rejected places at the end
    // are drawn again. The same candidates in the same order as below, so the same elements from
    // the same stream, without a staging buffer to copy and wipe (the pseudo-random double
    // sharings draw eight elements per product).
    std::size_t filled = 0;
    while (filled < out.size()) {
      const std::size_t end = out.size();
      rng.fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.data() + filled),
                                       (end - filled) * kBytes));
      // Without a branch per candidate: every candidate is written at `to`, which moves on only
      // past an accepted one (one in ten is rejected for BLS12-381's r: a branch would mispredict
      // that often). Rejection reveals only that a candidate was >= p (see below).
      std::size_t to = filled;
      for (std::size_t k = filled; k < end; ++k) {
        Repr x = out[k].m_;
        x[kLimbs - 1] &= top_mask;
        out[to].m_ = x;
        to += below_p(x) ? 1 : 0;
      }
      filled = to;
    }
    return;
  }
  // Bytes are drawn in chunks so that the system RNG is not called once per element.
  constexpr std::size_t kChunk = 32;
  std::array<std::uint8_t, kBytes * kChunk> bytes{};
  std::size_t filled = 0;
  Repr x{};  // one slot for every candidate, wiped once at the end
  while (filled < out.size()) {
    const std::size_t want = std::min(kChunk, out.size() - filled);
    rng.fill(std::span<std::uint8_t>(bytes.data(), kBytes * want));
    for (std::size_t k = 0; k < want; ++k) {
      x = limbs_from_bytes(bytes.data() + kBytes * k);
      x[kLimbs - 1] &= top_mask;
      // Rejection reveals only that a candidate was >= p, which says nothing about the output.
      // An accepted x is uniform in [0, p), and so is the element whose Montgomery form it is
      // (x R^-1: the Montgomery map is a bijection), so it is used as that form directly.
      if (below_p(x)) out[filled++] = from_mont(x);
    }
  }
  secure_wipe(x.data(), sizeof(x));
  secure_wipe(bytes.data(), bytes.size());
}

template <typename P>
Fp<P> Fp<P>::pow(const Repr& e) const {
  // table[k] = x^k for k < 16.
  std::array<Fp, 16> table;
  table[0] = one();
  table[1] = *this;
  for (std::size_t k = 2; k < 16; ++k) {
    table[k] = table[k - 1];
    table[k] *= *this;
  }
  int top = static_cast<int>(64 * kLimbs) - 1;
  while (top > 0 && ((e[top / 64] >> (top % 64)) & 1) == 0) --top;  // public exponent
  Fp acc = one();
  for (int w = top / 4; w >= 0; --w) {
    for (int k = 0; k < 4; ++k) acc *= acc;
    const unsigned digit = static_cast<unsigned>((e[w / 16] >> (4 * (w % 16))) & 0xF);
    acc *= table[digit];
  }
  secure_wipe(table.data(), sizeof(table));
  return acc;
}

template <typename P>
Result<Fp<P>> Fp<P>::checked_inverse() const {
  if (is_zero()) return make_error(std::string("inverse of zero in ") + P::kName);
  return inverse();
}

template <typename P>
int Fp<P>::legendre() const {
  if (is_zero()) return 0;
  return pow(C::kPMinus1Half) == one() ? 1 : -1;
}

template <typename P>
std::optional<Fp<P>> Fp<P>::root_of_unity(unsigned log_n) {
  if (log_n > P::kTwoAdicity) return std::nullopt;
  Fp w = from_u64(P::kGenerator).pow(C::kOddPart);  // primitive 2^s-th root
  for (unsigned i = log_n; i < P::kTwoAdicity; ++i) w = w.square();
  return w;
}

namespace detail {

// Tables for square roots in a field with p - 1 = Q * 2^s, s > 1 (Fp::sqrt). z = g^Q generates
// the 2^s-th roots of unity. The discrete logarithm e of an element y = z^e of that group is
// read kW bits at a time (Pohlig-Hellman, as in Bernstein's "Faster square roots in annoying
// finite fields"): with the low digits known and divided out, raising to a power of two leaves
// one digit as a kW-bit root of unity zeta^d, found in `logs`; neg[j][d] = z^(-d * 2^(kW j))
// divides it out. 4 x 256 elements (32 KiB) for bls12-381's s = 32; built once per field.
template <typename F, unsigned S>
struct SqrtTables {
  static constexpr unsigned kW = S < 8 ? S : 8;                // digit width
  static constexpr unsigned kDigits = (S + kW - 1) / kW;       // digits of a log below 2^S
  static constexpr std::size_t kSize = std::size_t{1} << kW;
  std::array<std::array<F, kSize>, kDigits> neg;
  // zeta^d for d < 2^kW with zeta = z^(2^(S - kW)), found by their first Montgomery limb in an
  // open-addressing table of 4 2^kW slots (at most a quarter full, so a lookup reads one or two
  // slots; a binary search over 2^kW sorted keys took eight unpredictable branches).
  static constexpr std::size_t kSlots = 4 * kSize;
  static constexpr unsigned kEmpty = ~0u;
  std::array<std::pair<std::uint64_t, unsigned>, kSlots> logs;
  std::array<F, kSize> zeta_pow;

  static std::size_t slot(std::uint64_t key) {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) % kSlots;
  }

  SqrtTables() {
    const F z = *F::root_of_unity(S);  // g^Q
    F zinv = z.inverse();
    for (unsigned j = 0; j < kDigits; ++j) {
      neg[j][0] = F::one();
      for (std::size_t d = 1; d < kSize; ++d) neg[j][d] = neg[j][d - 1] * zinv;
      for (unsigned k = 0; k < kW; ++k) zinv = zinv.square();  // z^(-2^(kW (j + 1)))
    }
    F zeta = z;
    for (unsigned k = 0; k < S - kW; ++k) zeta = zeta.square();
    zeta_pow[0] = F::one();
    for (std::size_t d = 1; d < kSize; ++d) zeta_pow[d] = zeta_pow[d - 1] * zeta;
    logs.fill({0, kEmpty});
    for (std::size_t d = 0; d < kSize; ++d) {
      const std::uint64_t key = zeta_pow[d].mont()[0];
      std::size_t at = slot(key);
      while (logs[at].second != kEmpty) at = (at + 1) % kSlots;
      logs[at] = {key, static_cast<unsigned>(d)};
    }
  }

  // d with zeta^d == y, or kSize when y is not a 2^kW-th root of unity.
  std::size_t log(const F& y) const {
    const std::uint64_t key = y.mont()[0];
    for (std::size_t at = slot(key); logs[at].second != kEmpty; at = (at + 1) % kSlots) {
      if (logs[at].first == key && zeta_pow[logs[at].second] == y) return logs[at].second;
    }
    return kSize;
  }

  static const SqrtTables& get() {
    static const SqrtTables tables;
    return tables;
  }
};

}  // namespace detail

// The one exponentiation of a square root (sqrt_finish says what follows): x^((Q+1)/2) when
// p = 3 mod 4 (s = 1), x^((Q-1)/2) otherwise; Q is the odd part of p - 1.
template <typename P>
typename Fp<P>::Repr Fp<P>::sqrt_exponent() {
  Repr e = detail::shr(C::kOddPart, 1);  // (Q - 1) / 2 = Q >> 1 since Q is odd
  if constexpr (P::kTwoAdicity == 1) {
    std::uint64_t carry = 1;
    for (auto& limb : e) limb = detail::adc(limb, 0, carry);
  }
  return e;
}

template <typename P>
std::optional<Fp<P>> Fp<P>::sqrt() const {
  if (is_zero()) return zero();
  return sqrt_finish(pow(sqrt_exponent()));
}

template <typename P>
void Fp<P>::pow_many(std::span<const Fp> in, const Repr& e, std::span<Fp> out) {
  if constexpr (kLimbs == 4) {
    if (ifma::enabled()) {
      static const ifma::Modulus mod = ifma::make_modulus(C::kP);
      constexpr std::size_t kChunk = 256;
      std::array<ifma::Limbs4, kChunk> buf;
      for (std::size_t at = 0; at < in.size(); at += kChunk) {
        const std::size_t k = std::min(kChunk, in.size() - at);
        for (std::size_t i = 0; i < k; ++i) buf[i] = in[at + i].to_canonical();
        ifma::pow_many(mod, buf.data(), k, e, buf.data());
        for (std::size_t i = 0; i < k; ++i) out[at + i] = from_canonical(buf[i]);
      }
      secure_wipe(buf.data(), sizeof(buf));
      return;
    }
  }
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i].pow(e);
}

template <typename P>
void Fp<P>::combine(std::span<const Fp> coef, std::span<const Fp* const> src, std::size_t stride,
                    std::size_t count, Fp* out, std::size_t out_stride) {
  const std::size_t k = coef.size();
  if constexpr (kLimbs == 4) {
    static_assert(sizeof(Fp) == 32, "the kernel reads and writes Fp arrays as 32-byte words");
    if (ifma::enabled() && k > 0 && k <= ifma::kMaxCombineTerms) {
      static const ifma::Modulus mod = ifma::make_modulus(C::kP);
      static const Fp sixteen = from_u64(16);
      std::array<std::array<std::uint64_t, 5>, ifma::kMaxCombineTerms> c52;
      std::array<const void*, ifma::kMaxCombineTerms> at;
      for (std::size_t i = 0; i < k; ++i) {
        // The Montgomery form of 16 c is c 2^260 mod p, the form the kernel takes.
        c52[i] = ifma::combine_coefficient((coef[i] * sixteen).m_);
        at[i] = src[i];
      }
      ifma::combine(mod, at.data(), stride, c52.data(), k, count, out, out_stride);
      return;
    }
  }
  for (std::size_t w = 0; w < count; ++w) {
    Fp acc{};
    for (std::size_t i = 0; i < k; ++i) acc += coef[i] * src[i][w * stride];
    out[w * out_stride] = acc;
  }
}

template <typename P>
std::size_t Fp<P>::read_bytes_many(std::span<const Bytes> in, std::span<Fp> out) {
  // The canonical integers x first, held as if they were Montgomery forms, then x 2^(64 kLimbs)
  // mod p, their Montgomery forms: a combination with the one coefficient whose value is
  // 2^(64 kLimbs) mod p (Montgomery form R^2 mod p). In chunks that stay in the first-level
  // cache (10^5 elements would otherwise take one more pass through memory).
  constexpr std::size_t kChunk = 256;
  std::array<Fp, kChunk> raw;
  const Fp r = from_mont(C::kR2);
  for (std::size_t at = 0; at < in.size(); at += kChunk) {
    const std::size_t k = std::min(kChunk, in.size() - at);
    for (std::size_t i = 0; i < k; ++i) {
      raw[i].m_ = limbs_from_bytes(in[at + i].data());
      if (!below_p(raw[i].m_)) return at + i;
    }
    const Fp* src = raw.data();
    combine(std::span<const Fp>(&r, 1), std::span<const Fp* const>(&src, 1), 1, k,
            out.data() + at);
  }
  return in.size();
}

template <typename P>
void Fp<P>::write_bytes_many(std::span<const Fp> in, std::span<Bytes> out) {
  // The canonical integer of Montgomery form y is y 2^(-64 kLimbs) mod p: a combination with
  // the coefficient whose Montgomery form is 1. In chunks, as read_bytes_many.
  constexpr std::size_t kChunk = 256;
  std::array<Fp, kChunk> canon;
  Repr one{};
  one[0] = 1;
  const Fp r = from_mont(one);
  for (std::size_t at = 0; at < in.size(); at += kChunk) {
    const std::size_t k = std::min(kChunk, in.size() - at);
    const Fp* src = in.data() + at;
    combine(std::span<const Fp>(&r, 1), std::span<const Fp* const>(&src, 1), 1, k, canon.data());
    for (std::size_t i = 0; i < k; ++i) limbs_to_bytes(canon[i].m_, out[at + i].data());
  }
}

template <typename P>
void Fp<P>::sqrt_many(std::span<const Fp> in, std::span<std::optional<Fp>> out) {
  if constexpr (kLimbs == 4 && P::kTwoAdicity > 1 &&
                P::kTwoAdicity % detail::SqrtTables<Fp, P::kTwoAdicity>::kW == 0) {
    using Tables = detail::SqrtTables<Fp, P::kTwoAdicity>;
    constexpr unsigned D = Tables::kDigits;
    if (ifma::enabled() && D <= ifma::kMaxSqrtPowers) {
      // The exponentiation and the powers of t eight at a time (math/ifma.h), the digits here.
      static const ifma::Modulus mod = ifma::make_modulus(C::kP);
      constexpr std::size_t kChunk = 256;
      std::vector<ifma::Limbs4> buf(kChunk), wl(kChunk), pwl(kChunk * D);
      std::array<Fp, D> pw;
      for (std::size_t at = 0; at < in.size(); at += kChunk) {
        const std::size_t k = std::min(kChunk, in.size() - at);
        for (std::size_t i = 0; i < k; ++i) buf[i] = in[at + i].to_canonical();
        ifma::sqrt_powers_many(mod, buf.data(), k, sqrt_exponent(), Tables::kW, D, wl.data(),
                               pwl.data());
        for (std::size_t i = 0; i < k; ++i) {
          const Fp& x = in[at + i];
          if (x.is_zero()) {
            out[at + i] = zero();
            continue;
          }
          for (unsigned j = 0; j < D; ++j) pw[j] = from_canonical(pwl[i * D + j]);
          out[at + i] = x.sqrt_from_powers(from_canonical(wl[i]), pw.data());
        }
      }
      // Like pow_many's buffers (roots of public values here, but the helper does not know).
      secure_wipe(buf.data(), buf.size() * sizeof(ifma::Limbs4));
      secure_wipe(wl.data(), wl.size() * sizeof(ifma::Limbs4));
      secure_wipe(pwl.data(), pwl.size() * sizeof(ifma::Limbs4));
      return;
    }
  }
  std::vector<Fp> w(in.begin(), in.end());
  pow_many(w, sqrt_exponent(), w);
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = in[i].is_zero() ? std::optional<Fp>(zero()) : in[i].sqrt_finish(w[i]);
  }
}

template <typename P>
std::optional<Fp<P>> Fp<P>::sqrt_finish(const Fp& w) const {
  if constexpr (P::kTwoAdicity == 1) {
    // p = 3 mod 4: the candidate root is w = x^((p+1)/4) = x^(Q/2 + 1/2) with Q = (p-1)/2 odd,
    // i.e. x^((Q+1)/2), one exponentiation; it squares back to x iff x is a residue.
    if (!(w.square() == *this)) return std::nullopt;
    return w.is_lexicographically_largest() ? -w : w;
  }
  // Tonelli-Shanks with p - 1 = Q * 2^s. One exponentiation per root (random bits take one root
  // each, so this is on the preprocessing path): w = x^((Q-1)/2), r = x^((Q+1)/2) = x w and
  // t = x^Q = r w, a 2^s-th root of unity z^e. x is a square iff e is even, and then
  // (r z^(-e/2))^2 = x^(Q+1) z^(-e) = x t t^-1 = x. e comes digit by digit from the tables, where
  // the textbook loop takes about s^2/4 = 256 squarings on average for s = 32.
  constexpr unsigned s = P::kTwoAdicity;
  using Tables = detail::SqrtTables<Fp, s>;
  const Tables& tab = Tables::get();
  const Fp r = *this * w;
  std::uint64_t e = 0;
  if constexpr (s % Tables::kW == 0) {
    constexpr unsigned D = Tables::kDigits;
    std::array<Fp, D> pw;  // pw[j] = t^(2^(s - kW (j + 1)))
    pw[D - 1] = r * w;
    for (unsigned j = D - 1; j-- > 0;) {
      pw[j] = pw[j + 1];
      for (unsigned k = 0; k < Tables::kW; ++k) pw[j] = pw[j].square();
    }
    return sqrt_from_powers(w, pw.data());
  } else {
    Fp cur = r * w;  // t with the digits found so far divided out
    for (unsigned j = 0; j < Tables::kDigits; ++j) {
      // cur = z^(2^(kW j) E) with E = e >> (kW j); its digit d has `width` bits.
      const unsigned low = Tables::kW * j;
      const unsigned width = std::min(Tables::kW, s - low);
      Fp y = cur;
      for (unsigned k = low + width; k < s; ++k) y = y.square();  // zeta^(d 2^(kW - width))
      const std::size_t found = tab.log(y);
      if (found == Tables::kSize) return std::nullopt;  // unreachable for x != 0
      const std::size_t d = found >> (Tables::kW - width);
      e |= static_cast<std::uint64_t>(d) << low;
      if (j + 1 < Tables::kDigits) cur *= tab.neg[j][d];
    }
  }
  return sqrt_from_log(r, e);
}

template <typename P>
std::optional<Fp<P>> Fp<P>::sqrt_from_log(const Fp& r, std::uint64_t e) {
  using Tables = detail::SqrtTables<Fp, P::kTwoAdicity>;
  const Tables& tab = Tables::get();
  if (e & 1) return std::nullopt;  // an odd power of z: not a square
  Fp root = r;
  const std::uint64_t half = e >> 1;
  for (unsigned j = 0; j < Tables::kDigits; ++j) {
    const std::size_t d = (half >> (Tables::kW * j)) & (Tables::kSize - 1);
    if (d != 0) root *= tab.neg[j][d];
  }
  return root.is_lexicographically_largest() ? -root : root;
}

template <typename P>
std::optional<Fp<P>> Fp<P>::sqrt_from_powers(const Fp& w, const Fp* pw) const {
  constexpr unsigned s = P::kTwoAdicity;
  using Tables = detail::SqrtTables<Fp, s>;
  static_assert(s % Tables::kW == 0, "sqrt_from_powers: s must be a multiple of the digit width");
  constexpr unsigned D = Tables::kDigits;
  const Tables& tab = Tables::get();
  // Digit j is the log of y_j = (t prod_(i<j) z^(-d_i 2^(kW i)))^(2^(s - kW (j + 1))), and since
  // s = kW D, (z^(-d 2^(kW i)))^(2^(s - kW (j + 1))) = z^(-d 2^(kW (i + D - 1 - j))), which is
  // neg[i + D - 1 - j][d]: so y_j = pw[j] times table entries. With the powers of t given (s - kW
  // squarings, 24 for s = 32, in sqrt_finish or eight at a time in sqrt_many), the digits take
  // D (D - 1) / 2 products (6), where squaring each y_j from t took 48 squarings.
  std::array<std::size_t, D> digit{};
  std::uint64_t e = 0;
  for (unsigned j = 0; j < D; ++j) {
    Fp y = pw[j];
    for (unsigned i = 0; i < j; ++i) {
      if (digit[i] != 0) y *= tab.neg[i + D - 1 - j][digit[i]];
    }
    const std::size_t found = tab.log(y);
    if (found == Tables::kSize) return std::nullopt;  // unreachable for x != 0
    digit[j] = found;
    e |= static_cast<std::uint64_t>(found) << (Tables::kW * j);
  }
  return sqrt_from_log(*this * w, e);  // r = x^((Q+1)/2)
}

}  // namespace stoffel::math
