// The IFMA kernel of ifma.h. Compiled for any x86-64 (no -march flag): the functions that use
// AVX-512 carry a target attribute and run only when CPUID says the CPU has the instructions.
#include "math/ifma.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "math/rng.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define STOFFEL_IFMA_KERNEL 1
#endif

namespace stoffel::math::ifma {
namespace {

constexpr std::uint64_t kMask52 = (std::uint64_t{1} << 52) - 1;

bool cpu_has_ifma() {
#ifdef STOFFEL_IFMA_KERNEL
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512ifma") != 0;
#else
  return false;
#endif
}

// STOFFEL_NO_IFMA=1 in the environment leaves the kernel off (to compare, or to rule it out).
const bool g_cpu = [] {
  const char* off = std::getenv("STOFFEL_NO_IFMA");
  return cpu_has_ifma() && !(off != nullptr && off[0] == '1');
}();
bool g_on = g_cpu;

// 64-bit limbs (4) to radix 2^52 (5), and back (the value must be below 2^256).
std::array<std::uint64_t, 5> to52(const Limbs4& x) {
  return {x[0] & kMask52, ((x[0] >> 52) | (x[1] << 12)) & kMask52,
          ((x[1] >> 40) | (x[2] << 24)) & kMask52, ((x[2] >> 28) | (x[3] << 36)) & kMask52,
          x[3] >> 16};
}
Limbs4 from52(const std::uint64_t* l) {
  return {l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28),
          (l[3] >> 36) | (l[4] << 16)};
}

// x - y - borrow, and the borrow out.
std::uint64_t sbb(std::uint64_t x, std::uint64_t y, std::uint64_t& borrow) {
  const std::uint64_t d = x - y - borrow;
  borrow = (x < y || (x == y && borrow != 0)) ? 1 : 0;
  return d;
}

// x - p if x >= p (x < 2p), in 64-bit limbs.
Limbs4 reduce_once(const Limbs4& x, const Limbs4& p) {
  Limbs4 d{};
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) d[i] = sbb(x[i], p[i], borrow);
  return borrow ? x : d;
}

#ifdef STOFFEL_IFMA_KERNEL

// Each lane shifted right by 52, with the compiler's vector extension (g++ 12 warns about the
// shift intrinsics' masked builtins, a false "used uninitialized").
typedef unsigned long long U64x8 __attribute__((vector_size(64)));
__attribute__((target("avx512f"))) inline __m512i shr52(__m512i x) {
  return reinterpret_cast<__m512i>(reinterpret_cast<U64x8>(x) >> 52);
}

// Eight values: limb i of every lane in v[i].
struct Vec {
  __m512i v[5];
};

// r = a b / R mod p for a, b < 2p with normalised limbs; r < 2p, normalised. Operand scanning:
// per limb a_i, add a_i b, then m p with m making the lowest limb zero, and shift by one limb.
// The accumulators are not normalised inside the loop (each gains at most 4 * 2^52 per step, so
// they stay below 2^58); only the low 52 bits of t0 enter m (vpmadd52luq reads 52 bits).
__attribute__((target("avx512f,avx512ifma"))) inline void mont_mul(Vec& r, const Vec& a,
                                                                    const Vec& b,
                                                                    const Vec& p,
                                                                    __m512i pinv) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero;
  for (int i = 0; i < 5; ++i) {
    const __m512i ai = a.v[i];
    t0 = _mm512_madd52lo_epu64(t0, ai, b.v[0]);
    t1 = _mm512_madd52lo_epu64(t1, ai, b.v[1]);
    t2 = _mm512_madd52lo_epu64(t2, ai, b.v[2]);
    t3 = _mm512_madd52lo_epu64(t3, ai, b.v[3]);
    t4 = _mm512_madd52lo_epu64(t4, ai, b.v[4]);
    t1 = _mm512_madd52hi_epu64(t1, ai, b.v[0]);
    t2 = _mm512_madd52hi_epu64(t2, ai, b.v[1]);
    t3 = _mm512_madd52hi_epu64(t3, ai, b.v[2]);
    t4 = _mm512_madd52hi_epu64(t4, ai, b.v[3]);
    t5 = _mm512_madd52hi_epu64(t5, ai, b.v[4]);
    const __m512i m = _mm512_madd52lo_epu64(zero, t0, pinv);
    t0 = _mm512_madd52lo_epu64(t0, m, p.v[0]);
    t1 = _mm512_madd52lo_epu64(t1, m, p.v[1]);
    t2 = _mm512_madd52lo_epu64(t2, m, p.v[2]);
    t3 = _mm512_madd52lo_epu64(t3, m, p.v[3]);
    t4 = _mm512_madd52lo_epu64(t4, m, p.v[4]);
    t1 = _mm512_madd52hi_epu64(t1, m, p.v[0]);
    t2 = _mm512_madd52hi_epu64(t2, m, p.v[1]);
    t3 = _mm512_madd52hi_epu64(t3, m, p.v[2]);
    t4 = _mm512_madd52hi_epu64(t4, m, p.v[3]);
    t5 = _mm512_madd52hi_epu64(t5, m, p.v[4]);
    // t0 is now a multiple of 2^52: its carry moves up, and every limb moves down one place.
    t0 = _mm512_add_epi64(t1, shr52(t0));
    t1 = t2;
    t2 = t3;
    t3 = t4;
    t4 = t5;
    t5 = zero;
  }
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask52));
  t1 = _mm512_add_epi64(t1, shr52(t0));
  t2 = _mm512_add_epi64(t2, shr52(t1));
  t3 = _mm512_add_epi64(t3, shr52(t2));
  t4 = _mm512_add_epi64(t4, shr52(t3));
  r.v[0] = _mm512_and_si512(t0, mask);
  r.v[1] = _mm512_and_si512(t1, mask);
  r.v[2] = _mm512_and_si512(t2, mask);
  r.v[3] = _mm512_and_si512(t3, mask);
  r.v[4] = t4;  // below 2^48: the value is below 2p < 2^256
}

// r = T / R mod p for the value T of ten column sums c (c[k] weighs 2^(52 k); each below 2^60,
// so the reduction's additions stay below 2^64), normalised; r < 2p when T / R + p < 2p. One
// Montgomery reduction: five steps as in mont_mul, each making the lowest column a multiple of
// 2^52 (only its low 52 bits enter m) and carrying it up, then the upper five columns
// normalised. mont_sqr and the eight-word combinations and products (finish8) end with it.
__attribute__((target("avx512f,avx512ifma"))) inline void reduce_columns(Vec& r, __m512i (&c)[10],
                                                                          const Vec& p,
                                                                          __m512i pinv) {
  const __m512i zero = _mm512_setzero_si512();
  for (int i = 0; i < 5; ++i) {
    const __m512i m = _mm512_madd52lo_epu64(zero, c[i], pinv);
    for (int j = 0; j < 5; ++j) {
      c[i + j] = _mm512_madd52lo_epu64(c[i + j], m, p.v[j]);
      c[i + j + 1] = _mm512_madd52hi_epu64(c[i + j + 1], m, p.v[j]);
    }
    // c[i] is now a multiple of 2^52: its carry moves up.
    c[i + 1] = _mm512_add_epi64(c[i + 1], shr52(c[i]));
  }
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask52));
  c[6] = _mm512_add_epi64(c[6], shr52(c[5]));
  c[7] = _mm512_add_epi64(c[7], shr52(c[6]));
  c[8] = _mm512_add_epi64(c[8], shr52(c[7]));
  c[9] = _mm512_add_epi64(c[9], shr52(c[8]));
  r.v[0] = _mm512_and_si512(c[5], mask);
  r.v[1] = _mm512_and_si512(c[6], mask);
  r.v[2] = _mm512_and_si512(c[7], mask);
  r.v[3] = _mm512_and_si512(c[8], mask);
  r.v[4] = c[9];  // below 2^48: the value is below 2p < 2^256
}

// r = a^2 / R mod p for a < 2p with normalised limbs; r < 2p, normalised (as mont_mul(r, a, a)).
// Product scanning, then the reduction: the ten cross products a_i a_j (i < j) are accumulated
// once and doubled, the five squares a_i^2 added, and then five reduction steps as in mont_mul:
// 30 multiply-adds for the product instead of 50 (85 in all instead of 105). The accumulators
// stay below 2^58: each position takes at most four cross halves (doubled), two square halves
// and ten reduction halves, each below 2^52.
__attribute__((target("avx512f,avx512ifma"))) inline void mont_sqr(Vec& r, const Vec& a,
                                                                    const Vec& p,
                                                                    __m512i pinv) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i c[10];
  for (int k = 0; k < 10; ++k) c[k] = zero;
  for (int i = 0; i < 5; ++i) {
    for (int j = i + 1; j < 5; ++j) {
      c[i + j] = _mm512_madd52lo_epu64(c[i + j], a.v[i], a.v[j]);
      c[i + j + 1] = _mm512_madd52hi_epu64(c[i + j + 1], a.v[i], a.v[j]);
    }
  }
  for (int k = 1; k < 10; ++k) c[k] = _mm512_add_epi64(c[k], c[k]);
  for (int i = 0; i < 5; ++i) {
    c[2 * i] = _mm512_madd52lo_epu64(c[2 * i], a.v[i], a.v[i]);
    c[2 * i + 1] = _mm512_madd52hi_epu64(c[2 * i + 1], a.v[i], a.v[i]);
  }
  reduce_columns(r, c, p, pinv);
}

// The constants of a modulus broadcast to every lane.
struct Consts {
  Vec p, r2, one;
  __m512i pinv;
};

__attribute__((target("avx512f"))) inline Consts broadcast(const Modulus& m) {
  Consts c;
  for (int i = 0; i < 5; ++i) {
    c.p.v[i] = _mm512_set1_epi64(static_cast<long long>(m.p[i]));
    c.r2.v[i] = _mm512_set1_epi64(static_cast<long long>(m.r2[i]));
    c.one.v[i] = _mm512_set1_epi64(i == 0 ? 1 : 0);
  }
  c.pinv = _mm512_set1_epi64(static_cast<long long>(m.pinv));
  return c;
}

// G groups of eight lanes of x^e (fixed 4-bit windows, as Fp::pow): acc[g] = x^e and
// table[g][d] = x^d, in Montgomery form. in52: lane-major, 8G x 5 limbs. Each step is done for
// every group in turn: one group's chain of dependent multiplications leaves the multiply-add
// units idle for most of their latency, and the other groups' independent chains fill it.
template <int G>
__attribute__((target("avx512f,avx512ifma"))) void pow_groups(const Consts& c,
                                                              const std::uint64_t (*in52)[5],
                                                              const Limbs4& e,
                                                              Vec (&table)[G][16],
                                                              Vec (&acc)[G]) {
  Vec x[G];
  for (int i = 0; i < 5; ++i) {
    for (int g = 0; g < G; ++g) {
      alignas(64) std::uint64_t lane[8];
      for (int l = 0; l < 8; ++l) lane[l] = in52[8 * g + l][i];
      x[g].v[i] = _mm512_load_si512(lane);
    }
  }
  for (int g = 0; g < G; ++g) {
    mont_mul(table[g][1], x[g], c.r2, c.p, c.pinv);   // x R
    mont_mul(table[g][0], c.one, c.r2, c.p, c.pinv);  // R (one)
  }
  for (int d = 2; d < 16; ++d) {
    for (int g = 0; g < G; ++g) {
      mont_mul(table[g][d], table[g][d - 1], table[g][1], c.p, c.pinv);
    }
  }
  int top = 255;
  while (top > 0 && ((e[static_cast<std::size_t>(top / 64)] >> (top % 64)) & 1) == 0) --top;
  for (int g = 0; g < G; ++g) acc[g] = table[g][0];
  for (int w = top / 4; w >= 0; --w) {
    for (int d = 0; d < 4; ++d) {
      for (int g = 0; g < G; ++g) mont_sqr(acc[g], acc[g], c.p, c.pinv);
    }
    const unsigned digit =
        static_cast<unsigned>((e[static_cast<std::size_t>(w / 16)] >> (4 * (w % 16))) & 0xF);
    for (int g = 0; g < G; ++g) mont_mul(acc[g], acc[g], table[g][digit], c.p, c.pinv);
  }
  secure_wipe(x, sizeof(x));
}

// Lane l of v, out of Montgomery form (below p + 1: 0 may come out as p), to
// out[l * stride .. + 5).
__attribute__((target("avx512f,avx512ifma"))) inline void store8(const Vec& v, const Consts& c,
                                                                  std::uint64_t* out,
                                                                  std::size_t stride) {
  Vec r;
  mont_mul(r, v, c.one, c.p, c.pinv);
  for (int i = 0; i < 5; ++i) {
    alignas(64) std::uint64_t lane[8];
    _mm512_store_si512(lane, r.v[i]);
    for (std::size_t l = 0; l < 8; ++l) out[l * stride + static_cast<std::size_t>(i)] = lane[l];
  }
  secure_wipe(&r, sizeof(r));
}

// Eight lanes of x^e. in52/out52: lane-major, 8 x 5 limbs.
__attribute__((target("avx512f,avx512ifma"))) void pow8(const Modulus& m,
                                                        const std::uint64_t (*in52)[5],
                                                        const Limbs4& e,
                                                        std::uint64_t (*out52)[5]) {
  const Consts c = broadcast(m);
  Vec table[1][16], acc[1];
  pow_groups<1>(c, in52, e, table, acc);
  store8(acc[0], c, &out52[0][0], 5);
  // The table holds powers of the inputs: wiped like Fp::pow's.
  secure_wipe(table, sizeof(table));
  secure_wipe(acc, sizeof(acc));
}

// G groups of eight lanes of a square root's powers (Fp::sqrt_many): w = x^e, t = x w^2 and
// then pw[k-1] = t, pw[j] = pw[j+1]^(2^step). Values out, like pow8's, below p + 1.
template <int G>
__attribute__((target("avx512f,avx512ifma"))) void sqrt_powers8(
    const Modulus& m, const std::uint64_t (*in52)[5], const Limbs4& e, unsigned step, unsigned k,
    std::uint64_t (*w52)[5], std::uint64_t (*pw52)[kMaxSqrtPowers][5]) {
  const Consts c = broadcast(m);
  Vec table[G][16], acc[G], t[G];
  pow_groups<G>(c, in52, e, table, acc);
  for (int g = 0; g < G; ++g) {
    store8(acc[g], c, &w52[8 * g][0], 5);
    mont_sqr(t[g], acc[g], c.p, c.pinv);
    mont_mul(t[g], t[g], table[g][1], c.p, c.pinv);  // x w^2
  }
  for (unsigned j = k; j-- > 0;) {
    if (j + 1 < k) {
      for (unsigned q = 0; q < step; ++q) {
        for (int g = 0; g < G; ++g) mont_sqr(t[g], t[g], c.p, c.pinv);
      }
    }
    for (int g = 0; g < G; ++g) store8(t[g], c, &pw52[8 * g][j][0], kMaxSqrtPowers * 5);
  }
  secure_wipe(table, sizeof(table));
  secure_wipe(acc, sizeof(acc));
  secure_wipe(t, sizeof(t));
}

// Eight 64-bit limb values (below 2^256) to radix 2^52: lanes in `lanes` read from at + idx[l]
// 8-byte units (scale 8), the others zero. times16: the value times 16 instead (below 2^260,
// still five limbs): mul8's way of making a product with R = 2^260 come out with R = 2^256.
__attribute__((target("avx512f"))) inline void load8(const char* at, __m512i idx, __mmask8 lanes,
                                                      bool times16, __m512i (&a)[5]) {
  const U64x8 mask52 = {kMask52, kMask52, kMask52, kMask52, kMask52, kMask52, kMask52, kMask52};
  const __m512i zero = _mm512_setzero_si512();
  U64x8 x[4];
  for (int l = 0; l < 4; ++l) {
    x[l] = reinterpret_cast<U64x8>(_mm512_mask_i64gather_epi64(zero, lanes, idx, at + 8 * l, 8));
  }
  if (times16) {
    a[0] = reinterpret_cast<__m512i>((x[0] << 4) & mask52);
    a[1] = reinterpret_cast<__m512i>(((x[0] >> 48) | (x[1] << 16)) & mask52);
    a[2] = reinterpret_cast<__m512i>(((x[1] >> 36) | (x[2] << 28)) & mask52);
    a[3] = reinterpret_cast<__m512i>(((x[2] >> 24) | (x[3] << 40)) & mask52);
    a[4] = reinterpret_cast<__m512i>(x[3] >> 12);
  } else {
    a[0] = reinterpret_cast<__m512i>(x[0] & mask52);
    a[1] = reinterpret_cast<__m512i>(((x[0] >> 52) | (x[1] << 12)) & mask52);
    a[2] = reinterpret_cast<__m512i>(((x[1] >> 40) | (x[2] << 24)) & mask52);
    a[3] = reinterpret_cast<__m512i>(((x[2] >> 28) | (x[3] << 36)) & mask52);
    a[4] = reinterpret_cast<__m512i>(x[3] >> 16);
  }
}

// acc[0..9] += a b (the ten column sums of the 25 limb products, both halves).
__attribute__((target("avx512f,avx512ifma"))) inline void mul_add8(__m512i (&acc)[10],
                                                                    const __m512i (&a)[5],
                                                                    const __m512i (&b)[5]) {
  for (int jb = 0; jb < 5; ++jb) {
    for (int ia = 0; ia < 5; ++ia) {
      acc[ia + jb] = _mm512_madd52lo_epu64(acc[ia + jb], a[ia], b[jb]);
      acc[ia + jb + 1] = _mm512_madd52hi_epu64(acc[ia + jb + 1], a[ia], b[jb]);
    }
  }
}

// The column sums acc (a value T with T / 2^260 + p < 2p) to T 2^-260 mod p, fully reduced, in
// 64-bit limbs, scattered to lanes in `lanes` at out + idx[l] 8-byte units: reduce_columns,
// then one conditional subtraction.
__attribute__((target("avx512f,avx512ifma"))) inline void finish8(__m512i (&acc)[10],
                                                                   const Consts& c, char* out,
                                                                   __m512i idx, __mmask8 lanes) {
  const U64x8 mask52 = {kMask52, kMask52, kMask52, kMask52, kMask52, kMask52, kMask52, kMask52};
  Vec reduced;
  reduce_columns(reduced, acc, c.p, c.pinv);
  U64x8 r[5];
  for (int j = 0; j < 5; ++j) r[j] = reinterpret_cast<U64x8>(reduced.v[j]);
  // r < 2p: r - p where that does not borrow (radix 2^52, borrow in the top bit of each limb).
  U64x8 d[5], borrow = {};
  for (int j = 0; j < 5; ++j) {
    const U64x8 pj = reinterpret_cast<U64x8>(c.p.v[j]);
    d[j] = r[j] - pj - borrow;
    borrow = d[j] >> 63;
    d[j] &= mask52;
  }
  const __mmask8 below_p = _mm512_test_epi64_mask(reinterpret_cast<__m512i>(borrow),
                                                  reinterpret_cast<__m512i>(borrow));
  for (int j = 0; j < 5; ++j) {
    r[j] = reinterpret_cast<U64x8>(_mm512_mask_blend_epi64(
        below_p, reinterpret_cast<__m512i>(d[j]), reinterpret_cast<__m512i>(r[j])));
  }
  const U64x8 o[4] = {r[0] | (r[1] << 52), (r[1] >> 12) | (r[2] << 40),
                      (r[2] >> 24) | (r[3] << 28), (r[3] >> 36) | (r[4] << 16)};
  for (int l = 0; l < 4; ++l) {
    _mm512_mask_i64scatter_epi64(out + 8 * l, lanes, idx, reinterpret_cast<__m512i>(o[l]), 8);
  }
}

// Lane l's word at l * stride 32-byte words on, in 8-byte units.
__attribute__((target("avx512f"))) inline __m512i lane_index(std::size_t stride) {
  const auto q = static_cast<long long>(4 * stride);
  return _mm512_set_epi64(7 * q, 6 * q, 5 * q, 4 * q, 3 * q, 2 * q, q, 0);
}

// Eight words of combine (ifma.h): lanes with a bit in `lanes` are read and written, the
// others neither. src[i] and out point at the first word.
__attribute__((target("avx512f,avx512ifma"))) void combine8(
    const Consts& c, const char* const* src, std::size_t stride,
    const std::array<std::uint64_t, 5>* coef52, std::size_t k, __mmask8 lanes, char* out,
    std::size_t out_stride) {
  const __m512i in_idx = lane_index(stride);
  __m512i acc[10];
  for (auto& a : acc) a = _mm512_setzero_si512();
  for (std::size_t i = 0; i < k; ++i) {
    __m512i a[5], b[5];
    load8(src[i], in_idx, lanes, false, a);
    for (int j = 0; j < 5; ++j) b[j] = _mm512_set1_epi64(static_cast<long long>(coef52[i][j]));
    mul_add8(acc, a, b);
  }
  finish8(acc, c, out, lane_index(out_stride), lanes);
}

// Eight words of mul (ifma.h): a (16 b) 2^-260 = a b 2^-256, and a 16 b < 16 p^2 keeps the
// reduced value below 2p.
__attribute__((target("avx512f,avx512ifma"))) void mul8(const Consts& c, const char* a,
                                                        const char* b, __mmask8 lanes,
                                                        char* out) {
  const __m512i idx = lane_index(1);
  __m512i x[5], y[5], acc[10];
  load8(a, idx, lanes, false, x);
  load8(b, idx, lanes, true, y);
  for (auto& v : acc) v = _mm512_setzero_si512();
  mul_add8(acc, x, y);
  finish8(acc, c, out, idx, lanes);
}

#endif  // STOFFEL_IFMA_KERNEL

}  // namespace

bool enabled() {
  return g_on;
}

void set_enabled(bool on) {
  g_on = on && g_cpu;
}

Modulus make_modulus(const Limbs4& p) {
  Modulus m;
  m.p64 = p;
  m.p = to52(p);
  // -p^-1 mod 2^52 by Newton's iteration (each step doubles the correct low bits; p is odd).
  std::uint64_t inv = 1;
  for (int i = 0; i < 7; ++i) inv *= 2 - p[0] * inv;
  m.pinv = (0 - inv) & kMask52;
  // R^2 mod p = 2^520 mod p by doubling 1 520 times (once per field; p < 2^256, so a doubled
  // value below p fits in 257 bits: five limbs).
  std::array<std::uint64_t, 5> x{1, 0, 0, 0, 0};
  for (int k = 0; k < 520; ++k) {
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < 5; ++i) {
      const std::uint64_t next = x[i] >> 63;
      x[i] = (x[i] << 1) | carry;
      carry = next;
    }
    // x >= p ? x - p : x (x < 2p)
    std::array<std::uint64_t, 5> d{};
    std::uint64_t borrow = 0;
    for (std::size_t i = 0; i < 5; ++i) d[i] = sbb(x[i], i < 4 ? p[i] : 0, borrow);
    if (!borrow) x = d;
  }
  m.r2 = to52(Limbs4{x[0], x[1], x[2], x[3]});
  return m;
}

void pow_many(const Modulus& m, const Limbs4* in, std::size_t count, const Limbs4& e,
              Limbs4* out) {
#ifdef STOFFEL_IFMA_KERNEL
  std::uint64_t in52[8][5], out52[8][5];
  for (std::size_t at = 0; at < count; at += 8) {
    const std::size_t k = std::min<std::size_t>(8, count - at);
    for (std::size_t j = 0; j < 8; ++j) {
      const auto l = to52(in[at + std::min(j, k - 1)]);  // a short last group repeats its last
      std::copy(l.begin(), l.end(), in52[j]);
    }
    pow8(m, in52, e, out52);
    for (std::size_t j = 0; j < k; ++j) out[at + j] = reduce_once(from52(out52[j]), m.p64);
  }
  secure_wipe(in52, sizeof(in52));
  secure_wipe(out52, sizeof(out52));
#else
  (void)m, (void)in, (void)count, (void)e, (void)out;
#endif
}

std::array<std::uint64_t, 5> combine_coefficient(const Limbs4& y) {
  return to52(y);
}

void combine(const Modulus& m, const void* const* src, std::size_t stride,
             const std::array<std::uint64_t, 5>* coef52, std::size_t k, std::size_t count,
             void* out, std::size_t out_stride) {
#ifdef STOFFEL_IFMA_KERNEL
  const Consts c = broadcast(m);
  std::array<const char*, kMaxCombineTerms> at{};
  for (std::size_t w = 0; w < count; w += 8) {
    const std::size_t left = std::min<std::size_t>(8, count - w);
    const auto lanes = static_cast<__mmask8>((1u << left) - 1);
    for (std::size_t i = 0; i < k; ++i) at[i] = static_cast<const char*>(src[i]) + 32 * stride * w;
    combine8(c, at.data(), stride, coef52, k, lanes, static_cast<char*>(out) + 32 * out_stride * w,
             out_stride);
  }
#else
  (void)m, (void)src, (void)stride, (void)coef52, (void)k, (void)count, (void)out,
      (void)out_stride;
#endif
}

void mul(const Modulus& m, const void* a, const void* b, std::size_t count, void* out) {
#ifdef STOFFEL_IFMA_KERNEL
  const Consts c = broadcast(m);
  for (std::size_t w = 0; w < count; w += 8) {
    const std::size_t left = std::min<std::size_t>(8, count - w);
    const auto lanes = static_cast<__mmask8>((1u << left) - 1);
    mul8(c, static_cast<const char*>(a) + 32 * w, static_cast<const char*>(b) + 32 * w, lanes,
         static_cast<char*>(out) + 32 * w);
  }
#else
  (void)m, (void)a, (void)b, (void)count, (void)out;
#endif
}

void sqrt_powers_many(const Modulus& m, const Limbs4* in, std::size_t count, const Limbs4& e,
                      unsigned step, unsigned k, Limbs4* w, Limbs4* pw) {
#ifdef STOFFEL_IFMA_KERNEL
  constexpr int kGroups = 2;  // two independent chains of eight lanes (sqrt_powers8)
  constexpr std::size_t kLanes = 8 * kGroups;
  std::uint64_t in52[kLanes][5], w52[kLanes][5], pw52[kLanes][kMaxSqrtPowers][5];
  for (std::size_t at = 0; at < count; at += kLanes) {
    const std::size_t nl = std::min<std::size_t>(kLanes, count - at);
    for (std::size_t j = 0; j < kLanes; ++j) {
      const auto l = to52(in[at + std::min(j, nl - 1)]);  // a short last group repeats its last
      std::copy(l.begin(), l.end(), in52[j]);
    }
    if (nl > 8) {
      sqrt_powers8<kGroups>(m, in52, e, step, k, w52, pw52);
    } else {
      sqrt_powers8<1>(m, in52, e, step, k, w52, pw52);
    }
    for (std::size_t j = 0; j < nl; ++j) {
      w[at + j] = reduce_once(from52(w52[j]), m.p64);
      for (unsigned q = 0; q < k; ++q) {
        pw[(at + j) * k + q] = reduce_once(from52(pw52[j][q]), m.p64);
      }
    }
  }
  secure_wipe(in52, sizeof(in52));
  secure_wipe(w52, sizeof(w52));
  secure_wipe(pw52, sizeof(pw52));
#else
  (void)m, (void)in, (void)count, (void)e, (void)step, (void)k, (void)w, (void)pw;
#endif
}

}  // namespace stoffel::math::ifma
