// Shared helpers for the math tests: the field list for typed tests and GMP conversions.
#pragma once

#include <gmp.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "math/fields.h"
#include "math/rng.h"

namespace stoffel::math::testing {

using AllFields = ::testing::Types<Bls12_381_Fr, Bn254_Fr, Curve25519_Fr>;

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

inline void limbs_to_mpz(const Limbs& l, mpz_t out) {
  mpz_import(out, 4, -1, sizeof(std::uint64_t), 0, 0, l.data());
}

inline Limbs mpz_to_limbs(const mpz_t in) {
  Limbs l{};
  EXPECT_LE(mpz_sizeinbase(in, 2), 256u);
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
  return F::from_canonical(mpz_to_limbs(in));
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
