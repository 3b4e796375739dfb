// Faults injected through the transport wrapper (net::FaultyNetwork): wrong shares, crashes,
// drops, delays; and more faults than tolerated, which must end in a clean error, never in a
// wrong result.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "math/fields.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

using F = math::Bls12_381_Fr;

FieldBytes enc(std::int64_t v) {
  return F::from_i64(v).to_bytes();
}

// Turns every field element of a message into a different valid element (its lowest bit
// flipped), so receivers get well-formed messages carrying wrong shares.
void wrong_shares(std::size_t, std::size_t, net::Bytes& payload, std::mt19937_64&) {
  for (std::size_t off = wire::kHeaderSize; off + wire::kElementSize <= payload.size();
       off += wire::kElementSize) {
    payload[off] ^= 1;
  }
}

net::SenderFaults always_corrupt() {
  net::SenderFaults f;
  f.corrupt_probability = 1.0;
  return f;
}

// What every party computes in the online phase below, and what it should get.
struct OnlineResult {
  std::string error;
  std::vector<FieldBytes> opened;  // x, x*y products, truncated values, client input
  std::vector<std::size_t> suspects;
};

constexpr std::size_t kW = 12;

// Preprocessing for the online phase, so that nothing needs to be generated after the faults
// start (preprocessing detects faults but does not correct them; docs/mpc.md).
void preprocess_all(LocalSessionImpl& s) {
  std::vector<std::string> errors(s.config().n);
  run_parties(s, [&](std::size_t i) {
    auto ok = s.engine(i).preprocess({2 * kW, 4, 2, 4 * (64 + 40)});
    if (!ok) errors[i] = ok.error().message;
  });
  for (auto& e : errors) ASSERT_EQ(e, "");
}

// x (dealt), products x*y, truncation of 4 values, one client input: opened by every party; the
// client gets x[0] * y[0] as output. Each step ends with all parties done (as a program's steps
// would be), so a faulty party's messages of one step have all arrived when the next starts:
// late shares are checked then, which makes suspected_parties deterministic for the test.
void online_phase(LocalSessionImpl& s, const std::vector<std::vector<FieldBytes>>& xsh,
                  const std::vector<std::vector<FieldBytes>>& ysh, std::vector<OnlineResult>& res) {
  const std::size_t n = s.config().n;
  const std::vector<Party::ClientInputCount> counts = {{5, 1}};
  std::vector<std::vector<FieldBytes>> input(n), prod(n), trunc(n);
  auto step = [&](const std::function<Result<void>(std::size_t, Party&)>& fn) {
    run_parties(s, [&](std::size_t i) {
      if (!res[i].error.empty()) return;
      if (auto ok = fn(i, s.party(i)); !ok) res[i].error = ok.error().message;
    });
  };
  step([&](std::size_t i, Party& p) -> Result<void> {
    auto in = p.receive_client_inputs(counts);
    if (!in) return in.error();
    input[i] = (*in)[0];
    return {};
  });
  step([&](std::size_t i, Party& p) -> Result<void> {
    auto z = p.mul(xsh[i], ysh[i]);
    if (!z) return z.error();
    prod[i] = *z;
    return {};
  });
  step([&](std::size_t i, Party& p) -> Result<void> {
    auto tr = p.truncate(std::vector<FieldBytes>(xsh[i].begin(), xsh[i].begin() + 4), 64, 8);
    if (!tr) return tr.error();
    trunc[i] = *tr;
    return {};
  });
  step([&](std::size_t i, Party& p) -> Result<void> {
    std::vector<FieldBytes> all = xsh[i];
    all.insert(all.end(), prod[i].begin(), prod[i].end());
    all.insert(all.end(), trunc[i].begin(), trunc[i].end());
    all.push_back(input[i].at(0));
    auto o = p.open(all);
    if (!o) return o.error();
    res[i].opened = *o;
    return p.send_output(5, std::vector<FieldBytes>{prod[i][0]});
  });
  // One more opening, during which the last step's late shares are read.
  step([&](std::size_t i, Party& p) -> Result<void> {
    auto o = p.open(std::vector<FieldBytes>{input[i].at(0)});
    if (!o) return o.error();
    res[i].suspects = p.stats().suspected_parties;
    return {};
  });
}

struct Fixture {
  std::vector<std::int64_t> x, y;
  std::vector<std::vector<FieldBytes>> xsh, ysh;
};

Fixture make_inputs(std::size_t n, std::size_t t) {
  Fixture fx;
  std::vector<F> xs, ys;
  for (std::size_t k = 0; k < kW; ++k) {
    fx.x.push_back(static_cast<std::int64_t>(k * 1000 + 17) * (k % 2 ? -1 : 1));
    fx.y.push_back(static_cast<std::int64_t>(k + 3));
    xs.push_back(F::from_i64(fx.x.back()));
    ys.push_back(F::from_i64(fx.y.back()));
  }
  fx.xsh = deal<F>(n, t, xs, 77);
  fx.ysh = deal<F>(n, t, ys, 78);
  return fx;
}

void expect_correct(const Fixture& fx, const OnlineResult& r, std::size_t party) {
  ASSERT_EQ(r.error, "") << "party " << party;
  ASSERT_EQ(r.opened.size(), 2 * kW + 4 + 1);
  for (std::size_t k = 0; k < kW; ++k) {
    EXPECT_EQ(r.opened[k], enc(fx.x[k])) << "party " << party;
    EXPECT_EQ(r.opened[kW + k], enc(fx.x[k] * fx.y[k])) << "party " << party;
  }
  for (std::size_t k = 0; k < 4; ++k) {
    auto got = F::from_bytes(r.opened[2 * kW + k])->to_i64();
    ASSERT_TRUE(got.ok());
    const std::int64_t lo = fx.x[k] >> 8;
    EXPECT_TRUE(*got == lo || *got == lo + 1) << fx.x[k] << " -> " << *got;
  }
  EXPECT_EQ(r.opened[2 * kW + 4], enc(-999));
}

class WrongShares : public ::testing::TestWithParam<std::size_t> {};

// One party (t = 1, n = 5) sends wrong shares in every message of the online phase: every
// result is still right, and every honest party names exactly that party.
TEST_P(WrongShares, OnlinePhaseCorrectsAndReportsTheParty) {
  const std::size_t bad = GetParam();
  SessionConfig cfg = config_for(5, math::FieldKind::Bls12_381, 31);
  net::FaultPlan plan;
  plan.seed = 3;
  plan.corrupt = wrong_shares;
  auto s = make_session(cfg, {{5, {enc(-999)}}}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  preprocess_all(*s);
  s->faults()->set_faults(bad, always_corrupt());
  Result<void> clients;
  std::thread client_thread([&] { clients = s->run_clients(); });
  std::vector<OnlineResult> res(5);
  online_phase(*s, fx.xsh, fx.ysh, res);
  s->finish_clients();
  client_thread.join();
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  for (std::size_t i = 0; i < 5; ++i) {
    if (i == bad) continue;
    expect_correct(fx, res[i], i);
    EXPECT_EQ(res[i].suspects, std::vector<std::size_t>{bad}) << "party " << i;
  }
  ASSERT_TRUE(clients.ok()) << clients.error().message;
  const auto outs = s->client_outputs();
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].values, std::vector<FieldBytes>{enc(fx.x[0] * fx.y[0])});
}

INSTANTIATE_TEST_SUITE_P(FaultyParty, WrongShares, ::testing::Values(0, 2, 4));

// One party crashes after preprocessing: mul, truncation, open, client input and output still
// work for everybody else.
TEST(FaultTest, CrashAfterPreprocessingDoesNotStopTheOnlinePhase) {
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 41), {{5, {enc(-999)}}},
                        net::FaultPlan{});
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  preprocess_all(*s);
  s->faults()->crash(3);
  Result<void> clients;
  std::thread client_thread([&] { clients = s->run_clients(); });
  std::vector<OnlineResult> res(5);
  online_phase(*s, fx.xsh, fx.ysh, res);
  s->finish_clients();
  client_thread.join();
  for (std::size_t i = 0; i < 5; ++i) {
    if (i != 3) expect_correct(fx, res[i], i);
  }
  EXPECT_GT(s->faults()->counters().crashed_sends, 0u);
  ASSERT_TRUE(clients.ok()) << clients.error().message;
  EXPECT_EQ(s->client_outputs().at(0).values, std::vector<FieldBytes>{enc(fx.x[0] * fx.y[0])});
}

// Crash at a chosen message count, in the middle of the online phase (preprocessing takes far
// fewer than 40 messages from one party), and random drops from another party: n = 7, t = 2.
TEST(FaultTest, CrashAtMessageCountAndDropsWithinTheThreshold) {
  net::FaultPlan plan;
  plan.seed = 9;
  auto s = make_session(config_for(7, math::FieldKind::Curve25519, 51), {}, plan);
  ASSERT_TRUE(s);
  std::vector<std::string> errors(7);
  run_parties(*s, [&](std::size_t i) {
    auto ok = s->engine(i).preprocess({2 * kW, 4, 2, 4 * (64 + 40)});
    if (!ok) errors[i] = ok.error().message;
  });
  for (auto& e : errors) ASSERT_EQ(e, "");
  net::SenderFaults crash;
  crash.crash_after_messages = 10;
  s->faults()->set_faults(6, crash);
  net::SenderFaults drops;
  drops.drop_probability = 0.5;
  s->faults()->set_faults(1, drops);
  using C = math::Curve25519_Fr;
  std::vector<C> xs, ys;
  std::vector<std::int64_t> x, y;
  for (std::size_t k = 0; k < kW; ++k) {
    x.push_back(static_cast<std::int64_t>(k) * 77 - 300);
    y.push_back(static_cast<std::int64_t>(k) - 5);
    xs.push_back(C::from_i64(x.back()));
    ys.push_back(C::from_i64(y.back()));
  }
  const auto xsh = deal<C>(7, 2, xs, 1), ysh = deal<C>(7, 2, ys, 2);
  std::vector<std::vector<FieldBytes>> opened(7);
  // Many rounds so that the crash happens in the middle.
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    std::vector<FieldBytes> acc = xsh[i];
    for (int r = 0; r < 2; ++r) {
      auto z = p.mul(acc, ysh[i]);
      if (!z) return void(errors[i] = z.error().message);
      acc = *z;
      auto o = p.open(acc);
      if (!o) return void(errors[i] = o.error().message);
    }
    auto o = p.open(acc);
    if (!o) return void(errors[i] = o.error().message);
    opened[i] = *o;
  });
  for (std::size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) {
      EXPECT_EQ(opened[i][k], C::from_i64(x[k] * y[k] * y[k]).to_bytes()) << i << " " << k;
    }
  }
  EXPECT_GT(s->faults()->counters().crashed_sends, 0u);
  EXPECT_GT(s->faults()->counters().dropped, 0u);
}

// Every party's messages are delayed and reordered (jitter), preprocessing included: the round
// numbers keep the protocols apart and the results are right.
TEST(FaultTest, DelaysAndReorderingEverywhere) {
  net::FaultPlan plan;
  plan.seed = 4;
  for (std::size_t i = 0; i < 6; ++i) plan.senders[i].jitter_ms = 3;  // clients' too
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 61), {{5, {enc(-999)}}}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  Result<void> clients;
  std::thread client_thread([&] { clients = s->run_clients(); });
  std::vector<OnlineResult> res(5);
  online_phase(*s, fx.xsh, fx.ysh, res);
  s->finish_clients();
  client_thread.join();
  for (std::size_t i = 0; i < 5; ++i) {
    expect_correct(fx, res[i], i);
    EXPECT_TRUE(res[i].suspects.empty());
  }
  EXPECT_GT(s->faults()->counters().delayed, 0u);
  ASSERT_TRUE(clients.ok()) << clients.error().message;
}

// Wrong shares during preprocessing are detected: every party gets an error, nobody gets
// material built on an inconsistent sharing.
TEST(FaultTest, WrongSharesDuringPreprocessingAreDetected) {
  net::FaultPlan plan;
  plan.corrupt = wrong_shares;
  plan.senders[4] = always_corrupt();
  SessionConfig cfg = config_for(5, math::FieldKind::Bls12_381, 71);
  cfg.receive_timeout_ms = 5'000;
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  std::vector<std::string> errors(5);
  run_parties(*s, [&](std::size_t i) {
    auto ok = s->engine(i).preprocess({10, 0, 0, 0});
    errors[i] = ok.ok() ? "" : ok.error().message;
  });
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NE(errors[i].find("inconsistent sharing"), std::string::npos)
        << "party " << i << ": " << errors[i];
    EXPECT_EQ(s->engine(i).pool_sizes().triples, 0u);
  }
}

// Two parties with wrong shares when t = 1 (n = 4): the opening fails cleanly at every honest
// party (the shares of all parties do not determine a value); no wrong value comes out.
TEST(FaultTest, MoreWrongSharesThanToleratedGiveAnError) {
  net::FaultPlan plan;
  plan.corrupt = wrong_shares;
  SessionConfig cfg = config_for(4, math::FieldKind::Bls12_381, 81);
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(4, 1);
  preprocess_all(*s);
  s->faults()->set_faults(1, always_corrupt());
  s->faults()->set_faults(2, always_corrupt());
  std::vector<Result<std::vector<FieldBytes>>> res(4, std::vector<FieldBytes>{});
  const auto start = std::chrono::steady_clock::now();
  run_parties(*s, [&](std::size_t i) { res[i] = s->party(i).mul(fx.xsh[i], fx.ysh[i]); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));  // no timeout
  for (std::size_t i : {0u, 3u}) {
    ASSERT_FALSE(res[i].ok()) << "party " << i << " accepted a result";
    EXPECT_NE(res[i].error().message.find("more than t"), std::string::npos)
        << res[i].error().message;
  }
}

// Two crashed parties when t = 1: the others cannot open and fail after the receive timeout,
// with an error naming the parties they did not hear from.
TEST(FaultTest, MoreCrashesThanToleratedGiveATimeoutError) {
  SessionConfig cfg = config_for(4, math::FieldKind::Bls12_381, 91);
  cfg.receive_timeout_ms = 1'000;
  auto s = make_session(cfg, {}, net::FaultPlan{});
  ASSERT_TRUE(s);
  s->faults()->crash(0);
  s->faults()->crash(1);
  std::vector<std::string> errors(4);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    auto o = p.open(std::vector<FieldBytes>{p.share_public(enc(5))});
    errors[i] = o.ok() ? "" : o.error().message;
  });
  for (std::size_t i : {2u, 3u}) {
    EXPECT_NE(errors[i].find("timed out"), std::string::npos) << errors[i];
    EXPECT_NE(errors[i].find("[0, 1"), std::string::npos) << errors[i];
  }
}

}  // namespace
}  // namespace stoffel::mpc::test
