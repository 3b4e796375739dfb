// Field arithmetic and decoding benchmarks. Every benchmark reports `per_op`, the time of one
// operation (one multiplication, one inversion, one decode, ...). GMP runs in the same binary so
// ratios can be taken from one run (docs/decisions.md, T4: the machine is shared and noisy).
//
//   build/math/bin/math_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <gmp.h>

#include <array>
#include <numeric>
#include <vector>

#include "math/base_fields.h"
#include "math/domain.h"
#include "math/fields.h"
#include "math/ifma.h"
#include "math/poly.h"
#include "math/rs_decode.h"
#include "math/shamir.h"

namespace {

using stoffel::math::Bls12_381_Fq;
using stoffel::math::Bls12_381_Fq2;
using stoffel::math::Bls12_381_Fr;
using stoffel::math::Bn254_Fq;
using stoffel::math::Bn254_Fr;
using stoffel::math::Curve25519_Fr;
using stoffel::math::Limbs;
using stoffel::math::SeededRng;

void set_per_op(benchmark::State& state, double ops_per_iteration) {
  state.counters["per_op"] =
      benchmark::Counter(ops_per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                benchmark::Counter::kInvert);
}

constexpr int kChain = 1000;

// One chain: x_{i+1} = x_i * y. Each multiplication waits for the previous one (latency).
// Written `x *= y`, the form the library's own chains (pow, Horner, batch inversion) use.
template <typename F>
void BM_MulChain(benchmark::State& state) {
  SeededRng rng(1);
  F x = F::random(rng);
  const F y = F::random(rng);
  for (auto _ : state) {
    for (int i = 0; i < kChain; ++i) x *= y;
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, kChain);
}

// The same chain written `x = x * y`: the product comes back in registers and g++ packs it into
// vector registers before storing, which the next multiplication then waits for.
template <typename F>
void BM_MulChainByValue(benchmark::State& state) {
  SeededRng rng(1);
  F x = F::random(rng);
  const F y = F::random(rng);
  for (auto _ : state) {
    for (int i = 0; i < kChain; ++i) x = x * y;
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, kChain);
}

#if STOFFEL_MATH_HAVE_MULX
// The same chain with the portable kernel forced (for machines without BMI2).
template <typename F>
void BM_MulChainPortable(benchmark::State& state) {
  const bool saved = stoffel::math::detail::g_use_mulx;
  stoffel::math::detail::g_use_mulx = false;
  BM_MulChain<F>(state);
  stoffel::math::detail::g_use_mulx = saved;
}
#endif

// Eight interleaved chains: independent multiplications the CPU can overlap (throughput).
template <typename F>
void BM_MulIndependent8(benchmark::State& state) {
  SeededRng rng(2);
  std::array<F, 8> x;
  for (auto& v : x) v = F::random(rng);
  const F y = F::random(rng);
  for (auto _ : state) {
    for (int i = 0; i < kChain / 8; ++i) {
      for (auto& v : x) v *= y;
    }
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, kChain / 8 * 8);
}

// Squaring uses the multiplication kernel (x *= x).
template <typename F>
void BM_SquareChain(benchmark::State& state) {
  SeededRng rng(3);
  F x = F::random(rng);
  for (auto _ : state) {
    for (int i = 0; i < kChain; ++i) x *= x;
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, kChain);
}

template <typename F>
void BM_Add(benchmark::State& state) {
  SeededRng rng(4);
  F x = F::random(rng);
  const F y = F::random(rng);
  for (auto _ : state) {
    for (int i = 0; i < kChain; ++i) x = x + y;
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, kChain);
}

template <typename F>
void BM_Inverse(benchmark::State& state) {
  SeededRng rng(5);
  F x = F::random(rng);
  for (auto _ : state) {
    x = x.inverse() + F::one();
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, 1);
}

template <typename F>
void BM_BatchInversePerElement(benchmark::State& state) {
  SeededRng rng(6);
  std::vector<F> xs(1000), scratch(1000);
  F::random_fill(rng, xs);
  for (auto _ : state) {
    stoffel::math::batch_inverse(std::span<F>(xs), std::span<F>(scratch));
    benchmark::DoNotOptimize(xs.data());
  }
  set_per_op(state, 1000);
}

template <typename F>
void BM_Pow256(benchmark::State& state) {
  SeededRng rng(7);
  F x = F::random(rng);
  const Limbs e = (F::random(rng)).to_canonical();
  for (auto _ : state) {
    x = x.pow(e) + F::one();
    benchmark::DoNotOptimize(x);
  }
  set_per_op(state, 1);
}

// A square root of a square (what a random bit's opened a^2 takes at every party).
template <typename F>
void BM_SqrtOfSquare(benchmark::State& state) {
  SeededRng rng(8);
  std::vector<F> squares(64);
  for (auto& v : squares) v = F::random(rng).square();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = squares[i++ % squares.size()].sqrt();
    benchmark::DoNotOptimize(r);
  }
  set_per_op(state, 1);
}

// Square roots of a batch of 1,024 squares (what a preprocessing run's random bits take),
// sqrt_many with the IFMA kernel (range 1, where the CPU has it) or without (range 0); per root.
template <typename F>
void BM_SqrtMany(benchmark::State& state) {
  const bool use_ifma = state.range(0) != 0;
  stoffel::math::ifma::set_enabled(use_ifma);
  if (use_ifma && !stoffel::math::ifma::enabled()) {
    state.SkipWithError("this CPU has no AVX-512 IFMA");
    return;
  }
  SeededRng rng(8);
  std::vector<F> squares(1024);
  for (auto& v : squares) v = F::random(rng).square();
  std::vector<std::optional<F>> roots(squares.size());
  for (auto _ : state) {
    F::sqrt_many(squares, roots);
    benchmark::DoNotOptimize(roots.data());
  }
  stoffel::math::ifma::set_enabled(true);
  set_per_op(state, static_cast<double>(squares.size()));
}

template <typename F>
void BM_Ntt(benchmark::State& state) {
  const auto n = static_cast<unsigned>(state.range(0));
  auto ntt = stoffel::math::Ntt<F>::create(static_cast<unsigned>(std::countr_zero(n)));
  if (!ntt) {
    state.SkipWithError("no NTT of this size");
    return;
  }
  SeededRng rng(8);
  std::vector<F> a(n);
  F::random_fill(rng, a);
  for (auto _ : state) {
    ntt->forward(a);
    benchmark::DoNotOptimize(a.data());
  }
  set_per_op(state, 1);
}

// Full interpolation (all coefficients) through n points of the domain.
template <typename F>
void BM_Interpolate(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto dom = stoffel::math::Domain<F>::create(n);
  SeededRng rng(9);
  std::vector<F> ys(n);
  F::random_fill(rng, ys);
  for (auto _ : state) {
    auto f = stoffel::math::poly_interpolate<F>(dom->points(), ys);
    benchmark::DoNotOptimize(f.data());
  }
  set_per_op(state, 1);
}

// f(0) from n shares with precomputed Lagrange coefficients (the opening hot path).
template <typename F>
void BM_LagrangeAtZero(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto dom = stoffel::math::Domain<F>::create(n);
  std::vector<std::size_t> parties(n);
  std::iota(parties.begin(), parties.end(), 0);
  auto lag = stoffel::math::LagrangeAtZero<F>::create(*dom, parties);
  SeededRng rng(10);
  std::vector<F> ys(n);
  F::random_fill(rng, ys);
  for (auto _ : state) benchmark::DoNotOptimize(lag->apply(ys));
  set_per_op(state, 1);
}

// One robust decode of a degree-t word over n parties with 0 or t wrong shares
// (range(1) = 1 means t errors).
template <typename F>
void BM_Decode(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t t = (n - 1) / 3;
  const std::size_t errors = state.range(1) ? t : 0;
  auto dom = stoffel::math::Domain<F>::create(n);
  auto dec = stoffel::math::RobustDecoder<F>::create(*dom, t, t);
  SeededRng rng(11);
  std::vector<F> coeffs(t + 1), ys(n);
  F::random_fill(rng, coeffs);
  std::vector<std::size_t> parties(n);
  std::iota(parties.begin(), parties.end(), 0);
  for (std::size_t i = 0; i < n; ++i) ys[i] = stoffel::math::poly_eval<F>(coeffs, dom->point(i));
  for (std::size_t e = 0; e < errors; ++e) ys[(3 * e + 1) % n] += F::one();
  for (auto _ : state) {
    auto r = dec->decode(parties, ys);
    if (!r.ok() || !r->has_value()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  set_per_op(state, 1);
}

// Batch decoding of 1000 words over the same n parties, no errors, f(0) only: per word.
template <typename F>
void BM_DecodeBatchPerWord(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t t = (n - 1) / 3, words = 1000;
  auto dom = stoffel::math::Domain<F>::create(n);
  auto dec = stoffel::math::RobustDecoder<F>::create(*dom, t, t);
  SeededRng rng(12);
  std::vector<std::size_t> parties(n);
  std::iota(parties.begin(), parties.end(), 0);
  std::vector<F> values(words * n), coeffs(t + 1), out(words);
  for (std::size_t w = 0; w < words; ++w) {
    F::random_fill(rng, coeffs);
    for (std::size_t i = 0; i < n; ++i) {
      values[w * n + i] = stoffel::math::poly_eval<F>(coeffs, dom->point(i));
    }
  }
  std::vector<stoffel::math::DecodeStatus> status(words);
  std::vector<std::size_t> faulty;
  for (auto _ : state) {
    auto r = dec->decode_batch(parties, values, 1, out, status, faulty);
    benchmark::DoNotOptimize(out.data());
  }
  set_per_op(state, static_cast<double>(words));
}

// GMP peers on the bls12-381 modulus: mpz_mul + mpz_mod in a dependent chain, and inversion by
// mpz_invert and by mpz_powm(x, p - 2).
struct GmpField {
  mpz_t p, x, y, t, e;
  GmpField() {
    mpz_inits(p, x, y, t, e, nullptr);
    const Limbs m = Bls12_381_Fr::modulus();
    mpz_import(p, 4, -1, 8, 0, 0, m.data());
    SeededRng rng(13);
    const Limbs a = Bls12_381_Fr::random(rng).to_canonical();
    const Limbs b = Bls12_381_Fr::random(rng).to_canonical();
    mpz_import(x, 4, -1, 8, 0, 0, a.data());
    mpz_import(y, 4, -1, 8, 0, 0, b.data());
    mpz_sub_ui(e, p, 2);
  }
  ~GmpField() { mpz_clears(p, x, y, t, e, nullptr); }
};

void BM_GmpMulModChain(benchmark::State& state) {
  GmpField g;
  for (auto _ : state) {
    for (int i = 0; i < kChain; ++i) {
      mpz_mul(g.t, g.x, g.y);
      mpz_mod(g.x, g.t, g.p);
    }
    benchmark::DoNotOptimize(g.x);
  }
  set_per_op(state, kChain);
}

void BM_GmpInvert(benchmark::State& state) {
  GmpField g;
  for (auto _ : state) {
    mpz_invert(g.t, g.x, g.p);
    mpz_add_ui(g.x, g.t, 1);
  }
  set_per_op(state, 1);
}

void BM_GmpPowmInverse(benchmark::State& state) {
  GmpField g;
  for (auto _ : state) {
    mpz_powm(g.t, g.x, g.e, g.p);
    mpz_add_ui(g.x, g.t, 1);
  }
  set_per_op(state, 1);
}

#define FIELD_BENCH(BM)                 \
  BENCHMARK_TEMPLATE(BM, Bls12_381_Fr); \
  BENCHMARK_TEMPLATE(BM, Bn254_Fr);     \
  BENCHMARK_TEMPLATE(BM, Curve25519_Fr);

FIELD_BENCH(BM_MulChain)
FIELD_BENCH(BM_MulChainByValue)
#if STOFFEL_MATH_HAVE_MULX
FIELD_BENCH(BM_MulChainPortable)
#endif
FIELD_BENCH(BM_MulIndependent8)
BENCHMARK(BM_GmpMulModChain);
FIELD_BENCH(BM_SquareChain)
FIELD_BENCH(BM_Add)
FIELD_BENCH(BM_Inverse)
BENCHMARK(BM_GmpInvert);
BENCHMARK(BM_GmpPowmInverse);
FIELD_BENCH(BM_BatchInversePerElement)
FIELD_BENCH(BM_Pow256)
FIELD_BENCH(BM_SqrtOfSquare)
BENCHMARK_TEMPLATE(BM_SqrtMany, Bls12_381_Fr)->Arg(0)->Arg(1);
BENCHMARK_TEMPLATE(BM_SqrtMany, Bn254_Fr)->Arg(0)->Arg(1);

// The pairing curves' base fields (point coordinates) and BLS12-381's Fq2 (G2 coordinates).
#define BASE_FIELD_BENCH(BM)            \
  BENCHMARK_TEMPLATE(BM, Bls12_381_Fq); \
  BENCHMARK_TEMPLATE(BM, Bn254_Fq);
BASE_FIELD_BENCH(BM_MulChain)
BASE_FIELD_BENCH(BM_MulIndependent8)
BASE_FIELD_BENCH(BM_SquareChain)
BASE_FIELD_BENCH(BM_Add)
BASE_FIELD_BENCH(BM_Inverse)
BENCHMARK_TEMPLATE(BM_MulChainByValue, Bls12_381_Fq2);
BENCHMARK_TEMPLATE(BM_Inverse, Bls12_381_Fq2);

BENCHMARK_TEMPLATE(BM_Ntt, Bls12_381_Fr)->RangeMultiplier(2)->Range(4, 64);
BENCHMARK_TEMPLATE(BM_Ntt, Bn254_Fr)->RangeMultiplier(2)->Range(4, 64);
BENCHMARK_TEMPLATE(BM_Interpolate, Bls12_381_Fr)->RangeMultiplier(2)->Range(4, 64);
BENCHMARK_TEMPLATE(BM_Interpolate, Curve25519_Fr)->RangeMultiplier(2)->Range(4, 64);
BENCHMARK_TEMPLATE(BM_LagrangeAtZero, Bls12_381_Fr)->RangeMultiplier(2)->Range(4, 64);
BENCHMARK_TEMPLATE(BM_Decode, Bls12_381_Fr)->ArgsProduct({{4, 7, 10, 16, 31, 64}, {0, 1}});
BENCHMARK_TEMPLATE(BM_Decode, Curve25519_Fr)->ArgsProduct({{16, 64}, {0, 1}});
BENCHMARK_TEMPLATE(BM_DecodeBatchPerWord, Bls12_381_Fr)->Arg(4)->Arg(7)->Arg(16)->Arg(64);

}  // namespace

BENCHMARK_MAIN();
