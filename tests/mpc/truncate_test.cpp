// Probabilistic truncation (TruncPr) and fixed-point multiplication built from it.
#include <gtest/gtest.h>

#include <cmath>

#include "math/fields.h"
#include "mpc/hb/party_impl.h"
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
    // f bits per value; r'' of bounded values (decision P12): ceil((k + 40 - f) / 52) each, 2 for
    // k = 64 and 3 for the product's 2k = 128.
    const std::uint64_t bits = (values.size() + fx.size()) * f;
    const std::uint64_t bounded = values.size() * 2 + fx.size() * 3;
    if (st.bits_consumed != bits) errors[i] = "bits consumed " + std::to_string(st.bits_consumed);
    if (st.bounded_consumed != bounded) {
      errors[i] = "bounded values consumed " + std::to_string(st.bounded_consumed);
    }
    if (st.bounded_generated < st.bounded_consumed) errors[i] = "more bounded than generated";
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

// Truncates `values` (k, f) at every party and opens the results; returns per party the opened
// integers (empty on error, with the message in errors[i]).
template <typename F>
std::vector<std::vector<std::int64_t>> truncate_and_open(LocalSessionImpl& s,
                                                         const std::vector<std::int64_t>& values,
                                                         std::uint32_t k, std::uint32_t f,
                                                         std::vector<std::string>& errors,
                                                         std::vector<PartyStats>* stats = nullptr) {
  const std::size_t n = s.config().n;
  std::vector<F> secrets;
  for (auto v : values) secrets.push_back(F::from_i64(v));
  const auto sh = deal<F>(n, s.config().t, secrets, 9);
  std::vector<std::vector<std::int64_t>> got(n);
  errors.assign(n, "");
  if (stats != nullptr) stats->assign(n, PartyStats{});
  run_parties(s, [&](std::size_t i) {
    Party& p = s.party(i);
    auto r = p.truncate(sh[i], k, f);
    if (!r) return void(errors[i] = r.error().message);
    auto o = p.open(*r);
    if (!o) return void(errors[i] = o.error().message);
    for (const auto& b : *o) {
      auto v = from_bytes<F>(b).to_i64();
      if (!v.ok()) return void(errors[i] = "not an int64");
      got[i].push_back(*v);
    }
    if (stats != nullptr) (*stats)[i] = p.stats();
  });
  return got;
}

// A dealer that deals bounded random values far out of their range, each consistently shared
// (so every consistency check passes), is caught by the range checks and convicted by every
// honest party (decision P12); the run is retried without it and the truncations are right.
template <typename F>
void out_of_range_dealer(std::size_t n, math::FieldKind kind, std::size_t liar) {
  auto session = make_session(config_for(n, kind, 31));
  ASSERT_TRUE(session);
  auto* engine = dynamic_cast<HbPartyImpl<F>*>(&session->engine(liar));
  ASSERT_NE(engine, nullptr);
  engine->deal_out_of_range_for_testing();
  const std::vector<std::int64_t> values = {0, 1, -1, 65536 * 3 + 5, -(1LL << 40), (1LL << 62) - 1};
  std::vector<std::string> errors;
  std::vector<PartyStats> stats;
  const auto got = truncate_and_open<F>(*session, values, 64, 16, errors, &stats);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == liar) continue;
    ASSERT_EQ(errors[i], "") << "party " << i;
    ASSERT_EQ(got[i].size(), values.size());
    for (std::size_t v = 0; v < values.size(); ++v) {
      const std::int64_t lo = values[v] >> 16;
      EXPECT_TRUE(got[i][v] == lo || got[i][v] == lo + 1) << values[v] << " -> " << got[i][v];
    }
    EXPECT_EQ(session->engine(i).convicted_parties(), std::vector<std::size_t>{liar})
        << "party " << i;
    EXPECT_EQ(stats[i].bounded_consumed, 2 * values.size()) << "party " << i;
  }
}

TEST(TruncateTest, OutOfRangeDealerIsConvictedN5) {
  out_of_range_dealer<math::Bls12_381_Fr>(5, math::FieldKind::Bls12_381, 2);
}
TEST(TruncateTest, OutOfRangeDealerIsConvictedN4) {
  out_of_range_dealer<math::Curve25519_Fr>(4, math::FieldKind::Curve25519, 0);
}

// The square roots of a large run are shared out (decision P16). A party that sends one party
// the other root of each square of its slice (it squares right, so only the rule "the smaller
// root" tells them apart) is caught by that party, which computes the slice itself: every
// party ends with the same bits, the truncations are right, only the liar is suspected. (A
// receiver that took any root that squares right would hold bits inconsistent with the others'
// and be taken for faulty itself.)
template <typename F>
void wrong_roots(std::size_t n, math::FieldKind kind, std::size_t liar, std::size_t victim) {
  auto session = make_session(config_for(n, kind, 37));
  ASSERT_TRUE(session);
  auto* engine = dynamic_cast<HbPartyImpl<F>*>(&session->engine(liar));
  ASSERT_NE(engine, nullptr);
  engine->send_wrong_roots_for_testing(victim);
  std::vector<std::int64_t> values;
  for (int v = 0; v < 40; ++v) values.push_back((v % 2 ? -1 : 1) * (std::int64_t{v} << (v % 48)));
  std::vector<std::string> errors;
  std::vector<PartyStats> stats;
  const auto got = truncate_and_open<F>(*session, values, 64, 16, errors, &stats);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    ASSERT_EQ(got[i].size(), values.size());
    for (std::size_t v = 0; v < values.size(); ++v) {
      const std::int64_t lo = values[v] >> 16;
      EXPECT_TRUE(got[i][v] == lo || got[i][v] == lo + 1) << values[v] << " -> " << got[i][v];
    }
    EXPECT_GE(stats[i].bits_generated, kSplitRootsMin) << "party " << i;
    if (i == liar) continue;
    const std::vector<std::size_t> expect_suspects =
        i == victim ? std::vector<std::size_t>{liar} : std::vector<std::size_t>{};
    EXPECT_EQ(stats[i].suspected_parties, expect_suspects) << "party " << i;
    EXPECT_TRUE(session->engine(i).convicted_parties().empty()) << "party " << i;
  }
}

TEST(TruncateTest, WrongSquareRootsAreRejectedN5) {
  wrong_roots<math::Bls12_381_Fr>(5, math::FieldKind::Bls12_381, 3, 1);
}
TEST(TruncateTest, WrongSquareRootsAreRejectedN4) {
  wrong_roots<math::Bn254_Fr>(4, math::FieldKind::Bn254, 0, 2);
}

// With every dealer honest the range checks pass: nobody is convicted, the results are right.
TEST(TruncateTest, HonestDealersAreNotConvicted) {
  auto session = make_session(config_for(5, math::FieldKind::Bls12_381, 32));
  ASSERT_TRUE(session);
  std::vector<std::string> errors;
  const auto got = truncate_and_open<math::Bls12_381_Fr>(*session, {7 << 16, -(9 << 16)}, 64, 16,
                                                         errors);
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    EXPECT_TRUE(session->engine(i).convicted_parties().empty());
    EXPECT_TRUE(got[i][0] == 7 || got[i][0] == 8);
    EXPECT_TRUE(got[i][1] == -9 || got[i][1] == -8);
  }
}

// Where bounded values do not fit the field (k + 2 x 40 + ... above bits(p)), r'' is made of
// random bits as before: k + 40 bits per value, no bounded value, and the results are right.
TEST(TruncateTest, LargeKTakesBitsOnly) {
  auto session = make_session(config_for(4, math::FieldKind::Bls12_381, 33));
  ASSERT_TRUE(session);
  std::vector<std::string> errors;
  std::vector<PartyStats> stats;
  const std::vector<std::int64_t> values = {-(1LL << 62), 12345678, -3};
  const auto got =
      truncate_and_open<math::Bls12_381_Fr>(*session, values, 160, 8, errors, &stats);
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    for (std::size_t v = 0; v < values.size(); ++v) {
      const std::int64_t lo = values[v] >> 8;
      EXPECT_TRUE(got[i][v] == lo || got[i][v] == lo + 1) << values[v] << " -> " << got[i][v];
    }
    EXPECT_EQ(stats[i].bits_consumed, values.size() * (160 + 40));
    EXPECT_EQ(stats[i].bounded_consumed, 0u);
  }
}

}  // namespace
}  // namespace stoffel::mpc::test
