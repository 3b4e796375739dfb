// Probabilistic truncation (TruncPr) and fixed-point multiplication built from it.
#include <gtest/gtest.h>

#include <cmath>

#include "math/fields.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

template <typename F>
void truncation(std::size_t n, math::FieldKind kind) {
  const SessionParams cfg = config_for(n, kind, 21);
  auto session = make_session(cfg);
  ASSERT_TRUE(session);
  const std::uint32_t k = 64, f = 16;
  const std::vector<std::int64_t> values = {0,          1,         65535,        65536,
                                            -1,         -65536,    -65537,       123456789,
                                            -987654321, 1LL << 40, -(1LL << 50), (1LL << 62) - 1};
  std::vector<F> secrets;
  for (auto v : values) secrets.push_back(F::from_i64(v));
  // Fixed-point (16 fractional bits): 1.5 * -2.25 and 3.0 * 0.5.
  const std::vector<std::int64_t> fx = {98304, 196608}, fy = {-147456, 32768};
  std::vector<F> fxs, fys;
  for (auto v : fx) fxs.push_back(F::from_i64(v));
  for (auto v : fy) fys.push_back(F::from_i64(v));
  const auto sh = deal<F>(n, cfg.t, secrets, 5), xs = deal<F>(n, cfg.t, fxs, 6),
             ys = deal<F>(n, cfg.t, fys, 7);
  std::vector<std::string> errors(n);
  std::vector<std::vector<FieldBytes>> trunc(n), fmul(n);
  run_parties(*session, [&](std::size_t i) {
    Party& p = session->party(i);
    auto r = p.truncate(sh[i], k, f);
    if (!r) return void(errors[i] = r.error().message);
    auto o = p.open(*r);
    if (!o) return void(errors[i] = o.error().message);
    trunc[i] = *o;
    auto prod = p.mul(xs[i], ys[i]);
    if (!prod) return void(errors[i] = prod.error().message);
    auto tp = p.truncate(*prod, 2 * k, f);  // FPMul: TruncPr(2k, f) of the product
    if (!tp) return void(errors[i] = tp.error().message);
    auto op = p.open(*tp);
    if (!op) return void(errors[i] = op.error().message);
    fmul[i] = *op;
    const PartyStats& st = p.stats();
    const std::uint64_t bits = values.size() * (k + 40) + fx.size() * (2 * k + 40);
    if (st.bits_consumed != bits) errors[i] = "bits consumed " + std::to_string(st.bits_consumed);
    if (st.bits_generated < st.bits_consumed) errors[i] = "more bits consumed than generated";
  });
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    for (std::size_t v = 0; v < values.size(); ++v) {
      auto got = from_bytes<F>(trunc[i][v]).to_i64();
      ASSERT_TRUE(got.ok());
      // floor(a / 2^f) or one more (probabilistic rounding).
      const std::int64_t lo = values[v] >> f;
      EXPECT_TRUE(*got == lo || *got == lo + 1)
          << values[v] << " truncated to " << *got << " (party " << i << ")";
    }
    const std::int64_t expect[] = {(98304LL * -147456) >> 16, (196608LL * 32768) >> 16};
    for (std::size_t v = 0; v < fx.size(); ++v) {
      auto got = from_bytes<F>(fmul[i][v]).to_i64();
      ASSERT_TRUE(got.ok());
      EXPECT_TRUE(*got == expect[v] || *got == expect[v] + 1) << *got;
    }
    EXPECT_EQ(trunc[i], trunc[0]);
  }
  // 1.5 * -2.25 = -3.375 and 3 * 0.5 = 1.5 within one unit in the last place.
  EXPECT_NEAR(static_cast<double>(*from_bytes<F>(fmul[0][0]).to_i64()) / 65536.0, -3.375, 2e-5);
  EXPECT_NEAR(static_cast<double>(*from_bytes<F>(fmul[0][1]).to_i64()) / 65536.0, 1.5, 2e-5);
}

TEST(TruncateTest, Bls12_381N4) {
  truncation<math::Bls12_381_Fr>(4, math::FieldKind::Bls12_381);
}
TEST(TruncateTest, Bn254N5) {
  truncation<math::Bn254_Fr>(5, math::FieldKind::Bn254);
}
TEST(TruncateTest, Curve25519N7) {
  truncation<math::Curve25519_Fr>(7, math::FieldKind::Curve25519);
}

TEST(TruncateTest, ParametersAreChecked) {
  auto session = make_session(config_for(4, math::FieldKind::Curve25519));
  ASSERT_TRUE(session);
  Party& p = session->party(0);
  const std::vector<FieldBytes> one = {p.encode_int(1)};
  EXPECT_FALSE(p.truncate(one, 64, 0).ok());
  EXPECT_FALSE(p.truncate(one, 16, 16).ok());
  auto big = p.truncate(one, 220, 16);  // 220 + 40 + 2 bits do not fit the 253-bit field
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("too large"), std::string::npos) << big.error().message;
}

}  // namespace
}  // namespace stoffel::mpc::test
