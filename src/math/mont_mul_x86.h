// x86-64 Montgomery multiplication kernel using mulx (BMI2), as inline assembly.
//
// Same algorithm as the portable kernel in fp.h (CIOS, "no-carry" variant for moduli whose top
// limb is below 2^63 - 2), scheduled for latency: in every step the four products are formed
// first into (l0, h0 + l1, h1 + l2, h2 + l3, h3) with one add/adc chain, then added to t with a
// second chain (the reduction forms m*p the same way). Every chain starts with a plain `add` (or
// `neg`), so it never waits for an older chain's flags (adcx/adox were measured slower on this AMD
// core, whose two flags are not renamed independently). The accumulator lives in five registers
// s0..s4 whose roles rotate by one each step, which replaces the word shift of Montgomery reduction
// with renaming. The result (< 2p) ends in s4, s0, s1, s2 (low to high) and is reduced once by the
// caller.
//
// The block needs 13 general registers (5 accumulator, 4 temporaries, rdx, three pointers), so
// it also fits builds that keep a frame pointer (sanitizers, debug). It reads a, b and p through
// the pointers and declares a "memory" clobber rather than memory operands: clang materialises
// a separate address register per memory operand and then runs out of registers. Inline assembly
// needs no -mbmi2: the assembler accepts mulx regardless, and fp.h only takes this path when CPUID
// reports BMI2. Constant time: no branches and no data-dependent addresses.
#pragma once

#include <array>
#include <cstdint>

namespace stoffel::math::detail {

// The instruction sequence shared by both entry points; operands: a, b, p (pointers), s0..s4,
// lo, h0..h2 (scratch), rdx. The result ends in s4, s0, s1, s2.
#define STOFFEL_MONT_MUL_MULX_BODY                                                            \
  /* Step 0: t += a * b[0]. P = a * b[0] is formed as (l0, h0 + l1, h1 + l2, h2 + l3, h3). */ \
  "movq 0(%[b]), %%rdx\n\t" \
  "mulxq 0(%[a]), %[s0], %[s1]\n\t" \
  "mulxq 8(%[a]), %[lo], %[s2]\n\t" \
  "addq %[lo], %[s1]\n\t" \
  "mulxq 16(%[a]), %[lo], %[s3]\n\t" \
  "adcq %[lo], %[s2]\n\t" \
  "mulxq 24(%[a]), %[lo], %[s4]\n\t" \
  "adcq %[lo], %[s3]\n\t" \
  "adcq $0, %[s4]\n\t" \
  /* Reduce: m = t0 * (-p^-1) mod 2^64, t = (t + m * p) / 2^64. The low word of t0 + lo(m * p0) */ \
  /* is 0 and its carry is (t0 != 0), which neg computes; t0's register then holds hi(m * p3). */ \
  "movq %[s0], %%rdx\n\t" \
  "imulq 32(%[p]), %%rdx\n\t" \
  "mulxq 0(%[p]), %[h0], %[h0]\n\t" \
  "negq %[s0]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[p]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[p]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[p]), %[lo], %[s0]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s0]\n\t" \
  "addq %[h0], %[s1]\n\t" \
  "adcq %[h1], %[s2]\n\t" \
  "adcq %[h2], %[s3]\n\t" \
  "adcq %[s0], %[s4]\n\t" \
  /* Step 1: t += a * b[1]. P = a * b[1] is formed as (l0, h0 + l1, h1 + l2, h2 + l3, h3). */ \
  "movq 8(%[b]), %%rdx\n\t" \
  /* The carry of t0 + l0 goes into h0 at once (h0 <= 2^64 - 2 cannot overflow), freeing l0. */ \
  "mulxq 0(%[a]), %[lo], %[h0]\n\t" \
  "addq %[lo], %[s1]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[a]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[a]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[a]), %[lo], %[s0]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s0]\n\t" \
  "addq %[h0], %[s2]\n\t" \
  "adcq %[h1], %[s3]\n\t" \
  "adcq %[h2], %[s4]\n\t" \
  "adcq $0, %[s0]\n\t" \
  /* Reduce: m = t0 * (-p^-1) mod 2^64, t = (t + m * p) / 2^64. The low word of t0 + lo(m * p0) */ \
  /* is 0 and its carry is (t0 != 0), which neg computes; t0's register then holds hi(m * p3). */ \
  "movq %[s1], %%rdx\n\t" \
  "imulq 32(%[p]), %%rdx\n\t" \
  "mulxq 0(%[p]), %[h0], %[h0]\n\t" \
  "negq %[s1]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[p]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[p]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[p]), %[lo], %[s1]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s1]\n\t" \
  "addq %[h0], %[s2]\n\t" \
  "adcq %[h1], %[s3]\n\t" \
  "adcq %[h2], %[s4]\n\t" \
  "adcq %[s1], %[s0]\n\t" \
  /* Step 2: t += a * b[2]. P = a * b[2] is formed as (l0, h0 + l1, h1 + l2, h2 + l3, h3). */ \
  "movq 16(%[b]), %%rdx\n\t" \
  /* The carry of t0 + l0 goes into h0 at once (h0 <= 2^64 - 2 cannot overflow), freeing l0. */ \
  "mulxq 0(%[a]), %[lo], %[h0]\n\t" \
  "addq %[lo], %[s2]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[a]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[a]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[a]), %[lo], %[s1]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s1]\n\t" \
  "addq %[h0], %[s3]\n\t" \
  "adcq %[h1], %[s4]\n\t" \
  "adcq %[h2], %[s0]\n\t" \
  "adcq $0, %[s1]\n\t" \
  /* Reduce: m = t0 * (-p^-1) mod 2^64, t = (t + m * p) / 2^64. The low word of t0 + lo(m * p0) */ \
  /* is 0 and its carry is (t0 != 0), which neg computes; t0's register then holds hi(m * p3). */ \
  "movq %[s2], %%rdx\n\t" \
  "imulq 32(%[p]), %%rdx\n\t" \
  "mulxq 0(%[p]), %[h0], %[h0]\n\t" \
  "negq %[s2]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[p]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[p]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[p]), %[lo], %[s2]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s2]\n\t" \
  "addq %[h0], %[s3]\n\t" \
  "adcq %[h1], %[s4]\n\t" \
  "adcq %[h2], %[s0]\n\t" \
  "adcq %[s2], %[s1]\n\t" \
  /* Step 3: t += a * b[3]. P = a * b[3] is formed as (l0, h0 + l1, h1 + l2, h2 + l3, h3). */ \
  "movq 24(%[b]), %%rdx\n\t" \
  /* The carry of t0 + l0 goes into h0 at once (h0 <= 2^64 - 2 cannot overflow), freeing l0. */ \
  "mulxq 0(%[a]), %[lo], %[h0]\n\t" \
  "addq %[lo], %[s3]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[a]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[a]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[a]), %[lo], %[s2]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s2]\n\t" \
  "addq %[h0], %[s4]\n\t" \
  "adcq %[h1], %[s0]\n\t" \
  "adcq %[h2], %[s1]\n\t" \
  "adcq $0, %[s2]\n\t" \
  /* Reduce: m = t0 * (-p^-1) mod 2^64, t = (t + m * p) / 2^64. The low word of t0 + lo(m * p0) */ \
  /* is 0 and its carry is (t0 != 0), which neg computes; t0's register then holds hi(m * p3). */ \
  "movq %[s3], %%rdx\n\t" \
  "imulq 32(%[p]), %%rdx\n\t" \
  "mulxq 0(%[p]), %[h0], %[h0]\n\t" \
  "negq %[s3]\n\t" \
  "adcq $0, %[h0]\n\t" \
  "mulxq 8(%[p]), %[lo], %[h1]\n\t" \
  "addq %[lo], %[h0]\n\t" \
  "mulxq 16(%[p]), %[lo], %[h2]\n\t" \
  "adcq %[lo], %[h1]\n\t" \
  "mulxq 24(%[p]), %[lo], %[s3]\n\t" \
  "adcq %[lo], %[h2]\n\t" \
  "adcq $0, %[s3]\n\t" \
  "addq %[h0], %[s4]\n\t" \
  "adcq %[h1], %[s0]\n\t" \
  "adcq %[h2], %[s1]\n\t" \
  "adcq %[s3], %[s2]\n\t" \
  /* Final reduction: t - p if that does not borrow, else t (cmov, no branch). */ \
  "movq %[s4], %[lo]\n\t" \
  "subq 0(%[p]), %[lo]\n\t" \
  "movq %[s0], %[h0]\n\t" \
  "sbbq 8(%[p]), %[h0]\n\t" \
  "movq %[s1], %[h1]\n\t" \
  "sbbq 16(%[p]), %[h1]\n\t" \
  "movq %[s2], %[h2]\n\t" \
  "sbbq 24(%[p]), %[h2]\n\t" \
  "cmovaeq %[lo], %[s4]\n\t" \
  "cmovaeq %[h0], %[s0]\n\t" \
  "cmovaeq %[h1], %[s1]\n\t" \
  "cmovaeq %[h2], %[s2]\n\t"

// p[0..3] is the modulus and p[4] = -p^-1 mod 2^64. Returns a*b*2^-256 mod p, fully reduced.
[[gnu::always_inline]] inline std::array<std::uint64_t, 4> mont_mul_mulx_asm(
    const std::array<std::uint64_t, 4>& a, const std::array<std::uint64_t, 4>& b,
    const std::array<std::uint64_t, 5>& p) {
  std::uint64_t s0, s1, s2, s3, s4, lo, h0, h1, h2, rdx;
  asm(STOFFEL_MONT_MUL_MULX_BODY
      : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
        [lo] "=&r"(lo), [h0] "=&r"(h0), [h1] "=&r"(h1), [h2] "=&r"(h2), "=&d"(rdx)
      : [a] "r"(a.data()), [b] "r"(b.data()), [p] "r"(p.data())
      : "cc", "memory");
  (void)s3;
  (void)lo;
  (void)h0;
  (void)h1;
  (void)h2;
  (void)rdx;
  return {s4, s0, s1, s2};
}

// In place: a = a*b*2^-256 mod p. The result is stored by the block itself with 8-byte stores,
// so a following multiplication that reads a gets it by plain store-to-load forwarding; when
// the compiler stores a returned value it may pack it into vector registers first, which costs
// a dependent chain about a quarter of its time. All of a and b are read before a is written,
// so b may alias a.
[[gnu::always_inline]] inline void mont_mul_mulx_asm_inplace(
    std::array<std::uint64_t, 4>& a, const std::array<std::uint64_t, 4>& b,
    const std::array<std::uint64_t, 5>& p) {
  std::uint64_t s0, s1, s2, s3, s4, lo, h0, h1, h2, rdx;
  // volatile: the only effect is the store to a (declared through the memory clobber), and
  // g++ may delete a non-volatile asm whose register outputs are all unused.
  asm volatile(STOFFEL_MONT_MUL_MULX_BODY
               // Store the result over a.
               "movq %[s4], 0(%[a])\n\t"
               "movq %[s0], 8(%[a])\n\t"
               "movq %[s1], 16(%[a])\n\t"
               "movq %[s2], 24(%[a])\n\t"
               : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [s4] "=&r"(s4),
                 [lo] "=&r"(lo), [h0] "=&r"(h0), [h1] "=&r"(h1), [h2] "=&r"(h2), "=&d"(rdx)
               : [a] "r"(a.data()), [b] "r"(b.data()), [p] "r"(p.data())
               : "cc", "memory");
  (void)s0;
  (void)s1;
  (void)s2;
  (void)s3;
  (void)s4;
  (void)lo;
  (void)h0;
  (void)h1;
  (void)h2;
  (void)rdx;
}

}  // namespace stoffel::math::detail

#undef STOFFEL_MONT_MUL_MULX_BODY
