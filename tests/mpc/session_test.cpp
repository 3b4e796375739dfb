// LocalSession: parameter validation (docs/decisions.md, M2), local operations and encodings,
// abort, pools.
#include <gtest/gtest.h>

#include <thread>

#include "math/fields.h"
#include "mpc/hb/party_impl.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

using namespace std::chrono_literals;

std::string create_error(std::size_t n, std::size_t t, std::vector<ClientInputs> clients = {}) {
  SessionParams c;
  c.n = n;
  c.t = t;
  auto s = LocalSession::create(c, std::move(clients));
  return s.ok() ? std::string() : s.error().message;
}

TEST(SessionTest, ValidatesParameters) {
  EXPECT_NE(create_error(3, 1).find("n >= 3t + 1"), std::string::npos) << create_error(3, 1);
  EXPECT_NE(create_error(256, 1).find("at most 255"), std::string::npos);
  EXPECT_NE(create_error(0, 0), "");
  EXPECT_NE(create_error(9, 3), "");
  EXPECT_EQ(create_error(1, 0), "");
  EXPECT_EQ(create_error(4, 1), "");
  EXPECT_EQ(create_error(255, 84), "");
  EXPECT_NE(create_error(5, 1, {{1, {}}, {1, {}}}).find("given twice"), std::string::npos);
  FieldBytes big;
  big.fill(0xFF);
  EXPECT_NE(create_error(5, 1, {{1, {big}}}).find("non-canonical"), std::string::npos);
}

// The one check of n and t (W12): every layer calls it, so its answers are pinned here, including
// a threshold so large that 3t + 1 would wrap around in 64 bits.
TEST(SessionTest, OneParameterCheckForEveryLayer) {
  EXPECT_TRUE(validate_parameters(4, 1).ok());
  EXPECT_TRUE(validate_parameters(255, 84).ok());
  auto wrap = validate_parameters(4, (SIZE_MAX / 3) + 1);
  ASSERT_FALSE(wrap.ok());
  EXPECT_EQ(wrap.error().kind, ErrorKind::Usage);
  EXPECT_NE(wrap.error().message.find("violates n >= 3t + 1"), std::string::npos);
  auto five_two = validate(SessionParams{.n = 5, .t = 2});
  ASSERT_FALSE(five_two.ok());
  EXPECT_EQ(five_two.error().message,
            "invalid MPC parameters: n = 5, t = 2 violates n >= 3t + 1 (at most 1 faulty parties "
            "can be tolerated with 5 parties)");
}

TEST(SessionTest, LocalOperationsAndEncodings) {
  auto s = make_session(config_for(4, math::FieldKind::Bn254));
  ASSERT_TRUE(s);
  Party& p = s->party(2);
  EXPECT_EQ(p.id(), 2u);
  EXPECT_EQ(p.n(), 4u);
  EXPECT_EQ(p.t(), 1u);
  EXPECT_EQ(p.field(), math::FieldKind::Bn254);
  EXPECT_EQ(*p.decode_int(p.encode_int(-42)), -42);
  EXPECT_EQ(*p.decode_int(p.encode_int(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(*p.decode_int(p.add(p.encode_int(5), p.encode_int(-7))), -2);
  EXPECT_EQ(*p.decode_int(p.sub(p.encode_int(5), p.encode_int(7))), -2);
  EXPECT_EQ(*p.decode_int(p.neg(p.encode_int(9))), -9);
  EXPECT_EQ(*p.decode_int(p.mul_public(p.encode_int(-3), p.encode_int(4))), -12);
  EXPECT_EQ(p.share_public(p.encode_int(77)), p.encode_int(77));
  auto inv = p.inverse(p.encode_int(4));
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(*p.decode_int(p.mul_public(*inv, p.encode_int(8))), 2);
  EXPECT_FALSE(p.inverse(p.encode_int(0)).ok());
  // Outside the i64 range is an error (M6), and non-canonical encodings are rejected.
  const FieldBytes huge = p.mul_public(p.encode_int(INT64_MAX), p.encode_int(4));
  EXPECT_FALSE(p.decode_int(huge).ok());
  FieldBytes bad;
  bad.fill(0xFF);
  EXPECT_FALSE(p.check_canonical(bad).ok());
  EXPECT_TRUE(p.check_canonical(huge).ok());
  EXPECT_FALSE(p.open(std::vector<FieldBytes>{bad}).ok());
  // A public value shared as the constant polynomial opens to itself.
  std::vector<std::vector<FieldBytes>> opened(4);
  run_parties(*s, [&](std::size_t i) {
    Party& q = s->party(i);
    auto o = q.open(std::vector<FieldBytes>{q.share_public(q.encode_int(-5))});
    if (o) opened[i] = *o;
  });
  for (auto& o : opened) EXPECT_EQ(o, std::vector<FieldBytes>{p.encode_int(-5)});
}

TEST(SessionTest, AbortUnblocksWaitingPartiesAndFailsLaterCalls) {
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381));
  ASSERT_TRUE(s);
  std::vector<std::string> errors(5);
  std::vector<std::thread> threads;
  // Parties 0..3 open; party 4 never does, so they wait (the t = 1 quorum is reached, but a
  // mul needs preprocessing from everyone).
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Party& p = s->party(i);
      auto r =
          p.mul(std::vector<FieldBytes>{p.encode_int(1)}, std::vector<FieldBytes>{p.encode_int(2)});
      errors[i] = r.ok() ? "" : r.error().message;
    });
  }
  std::this_thread::sleep_for(100ms);
  s->abort("party 4 crashed");
  for (auto& th : threads) th.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);  // the receive timeout is 20 s
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NE(errors[i].find("party 4 crashed"), std::string::npos) << errors[i];
  }
  Party& p = s->party(4);
  auto later = p.open(std::vector<FieldBytes>{p.encode_int(1)});
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.error().message.find("party 4 crashed"), std::string::npos);
  EXPECT_FALSE(p.random().ok());
  // Local operations still work after an abort.
  EXPECT_EQ(*p.decode_int(p.add(p.encode_int(1), p.encode_int(2))), 3);
}

TEST(SessionTest, PoolsRefillOnDemandAndEveryItemIsUsedOnce) {
  SessionParams cfg = config_for(5, math::FieldKind::Bls12_381, 9);
  cfg.initial_triples = 8;
  cfg.initial_randoms = 4;
  auto s = make_session(cfg);
  ASSERT_TRUE(s);
  using F = math::Bls12_381_Fr;
  const auto xs = random_values<F>(30, 1), ys = random_values<F>(30, 2);
  const auto xsh = deal<F>(5, 1, xs, 3), ysh = deal<F>(5, 1, ys, 4);
  std::vector<std::vector<FieldBytes>> out(5);
  std::vector<PoolSizes> sizes(5);
  std::vector<std::string> errors(5);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    std::vector<FieldBytes> all;
    // 3 + 30 + 30 products: far more than the 8 initial triples.
    for (std::size_t k = 0; k < 3; ++k) {
      auto z = p.mul(std::vector<FieldBytes>{xsh[i][k]}, std::vector<FieldBytes>{ysh[i][k]});
      if (!z) return void(errors[i] = z.error().message);
      all.push_back((*z)[0]);
    }
    for (int round = 0; round < 2; ++round) {
      auto z = p.mul(xsh[i], ysh[i]);
      if (!z) return void(errors[i] = z.error().message);
      all.insert(all.end(), z->begin(), z->end());
    }
    for (int k = 0; k < 10; ++k) {
      auto r = p.random();
      if (!r) return void(errors[i] = r.error().message);
    }
    auto o = p.open(all);
    if (!o) return void(errors[i] = o.error().message);
    out[i] = *o;
    sizes[i] = s->engine(i).pool_sizes();
  });
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(errors[i], "");
    ASSERT_EQ(out[i].size(), 63u);
    for (std::size_t k = 0; k < 63; ++k) {
      const std::size_t src = k < 3 ? k : (k - 3) % 30;
      EXPECT_EQ(out[i][k], (xs[src] * ys[src]).to_bytes()) << k;
    }
    const PartyStats& st = s->party(i).stats();
    EXPECT_EQ(st.triples_consumed, 63u);
    EXPECT_GT(st.triples_generated, 8u);  // refilled
    // Used once: what was generated is either consumed or still in the pool.
    EXPECT_EQ(st.triples_generated - st.triples_consumed, sizes[i].triples);
    EXPECT_EQ(st.randoms_consumed, 10u);
    EXPECT_EQ(st.randoms_generated - st.randoms_consumed, sizes[i].randoms);
    // Every party refilled at the same points with the same amounts.
    EXPECT_EQ(st.triples_generated, s->party(0).stats().triples_generated);
    EXPECT_EQ(st.randoms_generated, s->party(0).stats().randoms_generated);
    EXPECT_EQ(st.rounds, s->party(0).stats().rounds);
  }
}

TEST(SessionTest, ExplicitPreprocessingFillsPools) {
  auto s = make_session(config_for(4, math::FieldKind::Curve25519));
  ASSERT_TRUE(s);
  std::vector<int> ok(4, 0);  // not vector<bool>: each thread writes its own element
  run_parties(*s, [&](std::size_t i) {
    auto r = s->engine(i).preprocess({100, 50, 7, 20});
    ok[i] = r.ok();
    if (!r.ok()) ADD_FAILURE() << r.error().message;
  });
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ok[i]);
    const PoolSizes p = s->engine(i).pool_sizes();
    EXPECT_GE(p.triples, 100u);
    EXPECT_GE(p.randoms, 50u);
    EXPECT_EQ(p.masks, 7u);
    EXPECT_GE(p.bits, 20u);
  }
}

TEST(SessionTest, ZeroThresholdWorks) {
  SessionParams cfg = config_for(2, math::FieldKind::Bls12_381);
  cfg.t = 0;
  auto s = make_session(cfg);
  ASSERT_TRUE(s);
  std::vector<std::int64_t> got(2, 0);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    auto z =
        p.mul(std::vector<FieldBytes>{p.encode_int(6)}, std::vector<FieldBytes>{p.encode_int(-7)});
    if (!z) return;
    auto o = p.open(*z);
    if (o) got[i] = *p.decode_int((*o)[0]);
  });
  EXPECT_EQ(got[0], -42);
  EXPECT_EQ(got[1], -42);
}

}  // namespace
}  // namespace stoffel::mpc::test

namespace stoffel::mpc::test {
namespace {

// A batch larger than one preprocessing run (kRunItems) is generated in several runs and still
// multiplies correctly in one opening round.
TEST(SessionTest, LargeBatchSpansSeveralPreprocessingRuns) {
  using F = math::Bn254_Fr;
  const std::size_t count = kRunItems + 1000;
  SessionParams cfg = config_for(4, math::FieldKind::Bn254, 17);
  cfg.double_sharing_min_batch = 0;  // triples: this test counts their preprocessing runs
  auto s = make_session(cfg);
  ASSERT_TRUE(s);
  const auto xs = random_values<F>(count, 5), ys = random_values<F>(count, 6);
  const auto xsh = deal<F>(4, 1, xs, 7), ysh = deal<F>(4, 1, ys, 8);
  std::vector<std::vector<FieldBytes>> out(4);
  std::vector<std::uint64_t> rounds(4);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    const std::uint64_t before = p.stats().rounds;
    auto z = p.mul(xsh[i], ysh[i]);
    if (!z) return;
    auto o = p.open(*z);
    if (o) out[i] = *o;
    rounds[i] = p.stats().rounds - before;
  });
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(out[i].size(), count) << "party " << i;
    for (std::size_t k = 0; k < count; k += 97) EXPECT_EQ(out[i][k], (xs[k] * ys[k]).to_bytes());
    EXPECT_EQ(out[i].back(), (xs.back() * ys.back()).to_bytes());
    // Two preprocessing runs, then the multiplication's opening and the final opening. A run
    // at n = 4, t = 1 with nobody convicted: deal, the combined check of a large run (closed,
    // challenge, combinations: decision P11), Eval, Reveal, then the broadcast of verdicts and
    // opening status with its agreement on the fast path (1 + 1 + 6, decision P5): 14 rounds.
    // Both runs are large (8,192 and 1,000 triples: at least kCombinedCheckColumns columns).
    EXPECT_EQ(rounds[i], 2u * 14u + 2u);
  }
}

}  // namespace
}  // namespace stoffel::mpc::test
