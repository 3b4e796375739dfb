// Shared helpers for the math tests: the field list for typed tests and GMP conversions.
#pragma once

#include <gmp.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "math/base_fields.h"
#include "math/fields.h"
#include "math/rng.h"

namespace stoffel::math::testing {

using AllFields = ::testing::Types<Bls12_381_Fr, Bn254_Fr, Curve25519_Fr>;
// The scalar fields and the pairing curves' base fields (the GMP cross-checks run on all five).
using PrimeFields =
    ::testing::Types<Bls12_381_Fr, Bn254_Fr, Curve25519_Fr, Bls12_381_Fq, Bn254_Fq>;

// RAII mpz_t.
struct Mpz {
  mpz_t v;
  Mpz() { mpz_init(v); }
  explicit Mpz(const char* decimal) { mpz_init_set_str(v, decimal, 10); }
  ~Mpz() { mpz_clear(v); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
  operator mpz_ptr() { return v; }           // NOLINT: lets Mpz pass to mpz_* functions
  operator mpz_srcptr() const { return v; }  // NOLINT
};

template <std::size_t N>
void limbs_to_mpz(const LimbArray<N>& l, mpz_t out) {
  mpz_import(out, N, -1, sizeof(std::uint64_t), 0, 0, l.data());
}

template <std::size_t N = 4>
LimbArray<N> mpz_to_limbs(const mpz_t in) {
  LimbArray<N> l{};
  EXPECT_LE(mpz_sizeinbase(in, 2), 64 * N);
  size_t count = 0;
  mpz_export(l.data(), &count, -1, sizeof(std::uint64_t), 0, 0, in);
  return l;
}

template <typename F>
void to_mpz(const F& x, mpz_t out) {
  limbs_to_mpz(x.to_canonical(), out);
}

template <typename F>
F from_mpz(const mpz_t in) {
  return F::from_canonical(mpz_to_limbs<F::kLimbs>(in));
}

template <typename F>
void modulus_mpz(mpz_t out) {
  limbs_to_mpz(F::modulus(), out);
}

inline std::string mpz_str(const mpz_t v) {
  char* s = mpz_get_str(nullptr, 16, v);
  std::string r(s);
  void (*freefunc)(void*, size_t);
  mp_get_memory_functions(nullptr, nullptr, &freefunc);
  freefunc(s, r.size() + 1);
  return r;
}

}  // namespace stoffel::math::testing
