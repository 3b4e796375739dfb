// The pairing curves' base fields beyond the generic GMP cross-checks: square roots in Fq, and
// the quadratic extension Fq2 = Fq[u]/(u^2 + 1) of BLS12-381 checked against GMP formulas.
#include <gtest/gtest.h>

#include "math/base_fields.h"
#include "math_test_util.h"

namespace stoffel::math {
namespace {

using testing::Mpz;
using Fq = Bls12_381_Fq;
using Fq2 = Bls12_381_Fq2;

constexpr int kCases = 2000;

template <typename F>
class BaseFieldTest : public ::testing::Test {};
using BaseFields = ::testing::Types<Bls12_381_Fq, Bn254_Fq>;
TYPED_TEST_SUITE(BaseFieldTest, BaseFields);

// The generator is a non-residue (Tonelli-Shanks with 2-adicity 1 relies on it), checked with
// GMP's Legendre symbol; square roots agree with GMP's verdict and square back.
TYPED_TEST(BaseFieldTest, SqrtAgainstGmpLegendre) {
  using F = TypeParam;
  Mpz p, a, g;
  testing::modulus_mpz<F>(p);
  mpz_set_ui(g, F::Params::kGenerator);
  EXPECT_EQ(mpz_legendre(g, p), -1);
  EXPECT_EQ(mpz_fdiv_ui(p, 4), 3u);
  SeededRng rng(21);
  int residues = 0;
  for (int i = 0; i < kCases; ++i) {
    const F x = F::random(rng);
    testing::to_mpz(x, a);
    const int expected = mpz_legendre(a, p);
    ASSERT_EQ(x.legendre(), expected);
    const auto r = x.sqrt();
    ASSERT_EQ(r.has_value(), expected >= 0);
    if (r) {
      ++residues;
      ASSERT_EQ(r->square(), x);
    }
    // A square always has a root, one of +-x.
    const auto s = x.square().sqrt();
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(*s == x || *s == -x);
  }
  EXPECT_GT(residues, kCases / 3);
  EXPECT_LT(residues, 2 * kCases / 3);
}

TYPED_TEST(BaseFieldTest, LexicographicSign) {
  using F = TypeParam;
  Mpz p, half, a;
  testing::modulus_mpz<F>(p);
  mpz_sub_ui(half, p, 1);
  mpz_fdiv_q_2exp(half, half, 1);
  SeededRng rng(22);
  for (int i = 0; i < kCases; ++i) {
    const F x = F::random(rng);
    testing::to_mpz(x, a);
    ASSERT_EQ(x.is_lexicographically_largest(), mpz_cmp(a, half) > 0);
  }
  EXPECT_FALSE(F::zero().is_lexicographically_largest());
  EXPECT_TRUE((-F::one()).is_lexicographically_largest());
  EXPECT_FALSE(testing::from_mpz<F>(half).is_lexicographically_largest());
}

// (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + (a0 b1 + a1 b0) u, computed in GMP.
TEST(Fq2Test, ArithmeticAgainstGmp) {
  Mpz p, a0, a1, b0, b1, r0, r1, t;
  testing::modulus_mpz<Fq>(p);
  SeededRng rng(23);
  auto expect_eq = [&](const Fq2& got, mpz_t e0, mpz_t e1, const char* what, int i) {
    mpz_mod(e0, e0, p);
    mpz_mod(e1, e1, p);
    ASSERT_EQ(got.c0(), testing::from_mpz<Fq>(e0)) << what << " case " << i;
    ASSERT_EQ(got.c1(), testing::from_mpz<Fq>(e1)) << what << " case " << i;
  };
  for (int i = 0; i < kCases; ++i) {
    Fq2 x = Fq2::random(rng), y = Fq2::random(rng);
    if (i == 0) x = Fq2::zero();
    if (i == 1) y = Fq2{Fq::zero(), -Fq::one()};
    testing::to_mpz(x.c0(), a0);
    testing::to_mpz(x.c1(), a1);
    testing::to_mpz(y.c0(), b0);
    testing::to_mpz(y.c1(), b1);
    mpz_add(r0, a0, b0);
    mpz_add(r1, a1, b1);
    expect_eq(x + y, r0, r1, "add", i);
    mpz_sub(r0, a0, b0);
    mpz_sub(r1, a1, b1);
    expect_eq(x - y, r0, r1, "sub", i);
    mpz_mul(r0, a0, b0);
    mpz_submul(r0, a1, b1);
    mpz_mul(r1, a0, b1);
    mpz_addmul(r1, a1, b0);
    expect_eq(x * y, r0, r1, "mul", i);
    mpz_mul(r0, a0, a0);
    mpz_submul(r0, a1, a1);
    mpz_mul(r1, a0, a1);
    mpz_mul_ui(r1, r1, 2);
    expect_eq(x.square(), r0, r1, "square", i);
    // Inverse: (a0 - a1 u) / (a0^2 + a1^2).
    mpz_mul(t, a0, a0);
    mpz_addmul(t, a1, a1);
    mpz_mod(t, t, p);
    if (mpz_sgn(t.v) == 0) {
      EXPECT_TRUE(x.inverse().is_zero());
    } else {
      ASSERT_NE(mpz_invert(t, t, p), 0);
      mpz_mul(r0, a0, t);
      mpz_mul(r1, a1, t);
      mpz_neg(r1, r1);
      expect_eq(x.inverse(), r0, r1, "inverse", i);
    }
    mpz_set(r0, a0);
    mpz_neg(r1, a1);
    expect_eq(x.conjugate(), r0, r1, "conjugate", i);
  }
}

// Fq2 is a field with q^2 - 1 elements in its unit group: x is a square iff its norm is a
// square in Fq (GMP's Legendre symbol decides); roots square back.
TEST(Fq2Test, SqrtAgainstNormCriterion) {
  Mpz p, n;
  testing::modulus_mpz<Fq>(p);
  SeededRng rng(24);
  int squares = 0;
  for (int i = 0; i < kCases; ++i) {
    Fq2 x = Fq2::random(rng);
    if (i % 50 == 0) x = Fq2::from_base(Fq::random(rng));  // c1 = 0 path
    if (i % 50 == 1) x = Fq2{Fq::zero(), Fq::random(rng)};
    testing::to_mpz(x.norm(), n);
    const bool expect_square = mpz_legendre(n, p) >= 0;
    const auto r = x.sqrt();
    ASSERT_EQ(r.has_value(), expect_square) << "case " << i;
    if (r) {
      ++squares;
      ASSERT_EQ(r->square(), x);
    }
    const auto s = x.square().sqrt();
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(*s == x || *s == -x);
  }
  EXPECT_GT(squares, kCases / 3);
  // Every element of Fq is a square in Fq2 (u^2 = -1).
  const Fq nonres = Fq::from_u64(Fq::Params::kGenerator);
  const auto r = Fq2::from_base(nonres).sqrt();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->square(), Fq2::from_base(nonres));
}

// The zcash ordering: c1 decides unless it is zero.
TEST(Fq2Test, LexicographicOrder) {
  const Fq big = -Fq::one(), small = Fq::one();
  EXPECT_TRUE((Fq2{small, big}).is_lexicographically_largest());
  EXPECT_FALSE((Fq2{big, small}).is_lexicographically_largest());
  EXPECT_TRUE((Fq2{big, Fq::zero()}).is_lexicographically_largest());
  EXPECT_FALSE((Fq2{small, Fq::zero()}).is_lexicographically_largest());
  EXPECT_FALSE(Fq2::zero().is_lexicographically_largest());
  SeededRng rng(25);
  for (int i = 0; i < 200; ++i) {
    const Fq2 x = Fq2::random(rng);
    if (x.is_zero()) continue;
    EXPECT_NE(x.is_lexicographically_largest(), (-x).is_lexicographically_largest());
  }
}

}  // namespace
}  // namespace stoffel::math
