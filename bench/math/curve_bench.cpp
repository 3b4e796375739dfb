// Elliptic-curve group benchmarks: scalar multiplication (constant time, for secrets; variable
// time, for public data), multi-scalar multiplication, encoding and decoding (with the subgroup
// check), hash_to_g1. `per_op` is the time of one operation (one multiplication, one msm of n
// points, one decode). Results: docs/performance.md, "Elliptic curves".
//
//   build/release/bin/curve_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "math/bls12_381.h"
#include "math/bn254.h"
#include "math/ed25519.h"
#include "math/hash_to_curve.h"

namespace {

using stoffel::math::Bls12_381_G1;
using stoffel::math::Bls12_381_G2;
using stoffel::math::Bn254_G1;
using stoffel::math::Ed25519Point;
using stoffel::math::SeededRng;

void set_per_op(benchmark::State& state, double ops_per_iteration) {
  state.counters["per_op"] =
      benchmark::Counter(ops_per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                benchmark::Counter::kInvert);
}

// k * P for a random point P and secret k (constant time).
template <typename G>
void BM_Mul(benchmark::State& state) {
  SeededRng rng(1);
  G p = G::random(rng);
  const auto k = G::Scalar::random(rng);
  for (auto _ : state) {
    p = p.mul(k);
    benchmark::DoNotOptimize(p);
  }
  set_per_op(state, 1);
}

// k * G for the standard generator (libsodium has a precomputed table for Ed25519's base).
template <typename G>
void BM_MulGenerator(benchmark::State& state) {
  SeededRng rng(2);
  auto k = G::Scalar::random(rng);
  const G g = G::generator();
  for (auto _ : state) {
    G r = g.mul(k);
    benchmark::DoNotOptimize(r);
    k += G::Scalar::one();
  }
  set_per_op(state, 1);
}

// k * P for public k (wNAF, variable time).
template <typename G>
void BM_MulVartime(benchmark::State& state) {
  SeededRng rng(3);
  G p = G::random(rng);
  const auto k = G::Scalar::random(rng);
  for (auto _ : state) {
    p = p.mul_vartime(k);
    benchmark::DoNotOptimize(p);
  }
  set_per_op(state, 1);
}

// sum k_i P_i over n random points (public data: Feldman commitments).
template <typename G>
void BM_Msm(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SeededRng rng(4);
  std::vector<G> points(n);
  std::vector<typename G::Scalar> scalars(n);
  for (std::size_t i = 0; i < n; ++i) {
    points[i] = G::random(rng);
    scalars[i] = G::Scalar::random(rng);
  }
  for (auto _ : state) {
    G r = G::msm(points, scalars);
    benchmark::DoNotOptimize(r);
  }
  set_per_op(state, 1);
}

template <typename G>
void BM_Add(benchmark::State& state) {
  SeededRng rng(5);
  G p = G::random(rng);
  const G q = G::random(rng);
  for (auto _ : state) {
    p += q;
    benchmark::DoNotOptimize(p);
  }
  set_per_op(state, 1);
}

template <typename G>
void BM_Encode(benchmark::State& state) {
  SeededRng rng(6);
  const G p = G::random(rng) + G::random(rng);  // a non-normalised point
  for (auto _ : state) {
    auto b = p.to_bytes();
    benchmark::DoNotOptimize(b);
  }
  set_per_op(state, 1);
}

// Decoding with every check (canonical x, curve equation, subgroup membership).
template <typename G>
void BM_Decode(benchmark::State& state) {
  SeededRng rng(7);
  const auto b = G::random(rng).to_bytes();
  for (auto _ : state) {
    auto p = G::from_bytes(b);
    benchmark::DoNotOptimize(p);
  }
  set_per_op(state, 1);
}

void BM_HashToG1(benchmark::State& state) {
  std::string msg = "message 0";
  for (auto _ : state) {
    auto p = stoffel::math::hash_to_g1(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()));
    benchmark::DoNotOptimize(p);
    ++msg.back();
  }
  set_per_op(state, 1);
}

#define GROUP_BENCH(BM)                 \
  BENCHMARK_TEMPLATE(BM, Bls12_381_G1); \
  BENCHMARK_TEMPLATE(BM, Bls12_381_G2); \
  BENCHMARK_TEMPLATE(BM, Bn254_G1);     \
  BENCHMARK_TEMPLATE(BM, Ed25519Point);

GROUP_BENCH(BM_Mul)
GROUP_BENCH(BM_MulGenerator)
GROUP_BENCH(BM_MulVartime)
BENCHMARK_TEMPLATE(BM_Msm, Bls12_381_G1)->Arg(5)->Arg(16)->Arg(64);
BENCHMARK_TEMPLATE(BM_Msm, Bls12_381_G2)->Arg(5)->Arg(16)->Arg(64);
BENCHMARK_TEMPLATE(BM_Msm, Bn254_G1)->Arg(5)->Arg(16)->Arg(64);
BENCHMARK_TEMPLATE(BM_Msm, Ed25519Point)->Arg(5)->Arg(16)->Arg(64);
GROUP_BENCH(BM_Add)
GROUP_BENCH(BM_Encode)
GROUP_BENCH(BM_Decode)
BENCHMARK(BM_HashToG1);

}  // namespace

BENCHMARK_MAIN();
