// Faults injected through the transport wrapper (net::FaultyNetwork): wrong shares, crashes,
// drops, delays; and more faults than tolerated, which must end in a clean error, never in a
// wrong result.
#include <gtest/gtest.h>

#include <algorithm>
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
// start (the faults below concern the online phase; robust preprocessing is tested further down).
void preprocess_all(LocalSessionImpl& s) {
  std::vector<std::string> errors(s.config().n);
  run_parties(s, [&](std::size_t i) {
    auto ok = s.engine(i).preprocess({2 * kW, 4, 2, 4 * 8, 4 * 2});
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
  SessionParams cfg = config_for(5, math::FieldKind::Bls12_381, 31);
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
    auto ok = s->engine(i).preprocess({2 * kW, 4, 2, 4 * 8, 4 * 2});
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

// --- robust preprocessing -------------------------------------------------------------------

// Round number of a kRound message (the corruptors below pick the messages of one step).
std::uint64_t round_of(const net::Bytes& payload) {
  std::uint64_t id = 0;
  for (int i = 0; i < 8 && 8 + i < static_cast<int>(payload.size()); ++i)
    id |= static_cast<std::uint64_t>(payload[8 + i]) << (8 * i);
  return id;
}

struct PreprocResult {
  std::string error;
  std::vector<FieldBytes> products;
  // convicted: agreed proof of wrong data; silent: agreed excluded without it (no record
  // delivered); suspects / silent_seen: whom this party names as liar / as not answering.
  std::vector<std::size_t> convicted, silent, suspects, silent_seen;
  std::vector<std::pair<std::size_t, std::size_t>> disputes;
  std::vector<std::size_t> excluded() const {
    std::vector<std::size_t> e = convicted;
    e.insert(e.end(), silent.begin(), silent.end());
    std::sort(e.begin(), e.end());
    return e;
  }
};

// Preprocessing with faults from the first message, then a batch multiplication and opening.
template <typename G>
std::vector<PreprocResult> preprocess_and_multiply(LocalSessionImpl& s,
                                                   const std::vector<std::vector<FieldBytes>>& xsh,
                                                   const std::vector<std::vector<FieldBytes>>& ysh,
                                                   std::size_t randoms = 2 * kW) {
  const std::size_t n = s.config().n;
  std::vector<PreprocResult> res(n);
  run_parties(s, [&](std::size_t i) {
    auto ok = s.engine(i).preprocess({randoms, 4, 0, 0});
    if (!ok) return void(res[i].error = ok.error().message);
    auto z = s.party(i).mul(xsh[i], ysh[i]);
    if (!z) return void(res[i].error = z.error().message);
    auto o = s.party(i).open(*z);
    if (!o) return void(res[i].error = o.error().message);
    res[i].products = *o;
    res[i].convicted = s.engine(i).convicted_parties();
    res[i].silent = s.engine(i).silent_parties();
    res[i].disputes = s.engine(i).dispute_pairs();
    res[i].suspects = s.party(i).stats().suspected_parties;
    res[i].silent_seen = s.party(i).stats().silent_parties;
  });
  return res;
}

struct LiarCase {
  std::size_t n;
  std::vector<std::size_t> liars;
  bool random_bytes;  // the default corruptor (one random byte) instead of wrong_shares
};

class LiarsFromTheStart : public ::testing::TestWithParam<LiarCase> {};

// Liars corrupt every message from the very first one (dealing, check rows, verdicts,
// agreement): preprocessing detects, identifies and excludes them and retries; products are
// right, and every honest party has excluded and names exactly the liars, as liars (a liar whose
// agreement messages are all garbage has no agreed record and is excluded as not having
// delivered one; the garbage itself is what every honest party names it for).
TEST_P(LiarsFromTheStart, PreprocessingIsRobust) {
  const LiarCase c = GetParam();
  net::FaultPlan plan;
  plan.seed = 11;
  if (!c.random_bytes) plan.corrupt = wrong_shares;
  for (std::size_t p : c.liars) plan.senders[p] = always_corrupt();
  SessionParams cfg = config_for(c.n, math::FieldKind::Bls12_381, 101 + c.n);
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(c.n, cfg.t);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  for (std::size_t i = 0; i < c.n; ++i) {
    if (std::find(c.liars.begin(), c.liars.end(), i) != c.liars.end()) continue;
    ASSERT_EQ(res[i].error, "") << "party " << i;
    ASSERT_EQ(res[i].products.size(), kW);
    for (std::size_t k = 0; k < kW; ++k) {
      EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k])) << "party " << i;
    }
    EXPECT_EQ(res[i].excluded(), c.liars) << "party " << i;
    EXPECT_EQ(res[i].suspects, c.liars) << "party " << i;
    EXPECT_TRUE(res[i].silent_seen.empty()) << "party " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, LiarsFromTheStart,
                         ::testing::Values(LiarCase{5, {3}, false}, LiarCase{5, {3}, true},
                                           LiarCase{5, {1}, true}, LiarCase{5, {0}, true},
                                           LiarCase{4, {1}, false}, LiarCase{4, {0}, true},
                                           LiarCase{4, {3}, true},
                                           LiarCase{7, {2, 5}, false}));

// A dealer that deals well-formed but inconsistent shares (wrong values to two parties, in its
// first dealing only, and honest otherwise) is convicted: two disputes exceed t = 1.
TEST(FaultTest, InconsistentDealerIsConvicted) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t, std::size_t to, net::Bytes& payload, std::mt19937_64&) {
    if (round_of(payload) == 1 && (to == 2 || to == 3) && payload.size() > wire::kHeaderSize)
      payload[wire::kHeaderSize] ^= 1;  // first element of the dealing: still canonical
  };
  plan.senders[4] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 121), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_EQ(res[i].convicted, std::vector<std::size_t>{4}) << "party " << i;
  }
}

// A checker that sends FAIL to some parties and OK to others (its verdict message only) does not
// split the honest parties: they agree on the verdict and all finish with the same fault state.
TEST(FaultTest, EquivocatingCheckerDoesNotSplitHonestParties) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t, std::size_t to, net::Bytes& payload, std::mt19937_64&) {
    // Verdict broadcast of the first run is round 3; its value byte sits after the header,
    // the slot count (4), the flag (1) and the length (4).
    const std::size_t at = wire::kHeaderSize + 9;
    if (round_of(payload) == 3 && to <= 2 && payload.size() > at) payload[at] = 2;  // "FAIL"
  };
  plan.senders[0] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 131), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  for (std::size_t i = 1; i < 5; ++i) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_EQ(res[i].convicted, res[1].convicted) << "party " << i;
    EXPECT_EQ(res[i].disputes, res[1].disputes) << "party " << i;
    for (std::size_t p : res[i].convicted) EXPECT_EQ(p, 0u);  // never an honest party
  }
}

// A party that lies only about its check-row shares (first run) is caught by a dispute with the
// checker, which excludes it from dealing; it is not convicted, so nobody names it.
TEST(FaultTest, RowShareLiarIsCaughtByDispute) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t from, std::size_t to, net::Bytes& payload,
                    std::mt19937_64& rng) {
    if (round_of(payload) == 2) wrong_shares(from, to, payload, rng);
  };
  plan.senders[3] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 141), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  for (std::size_t i : {0u, 1u, 2u, 4u}) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_TRUE(res[i].convicted.empty()) << "party " << i;
    ASSERT_EQ(res[i].disputes.size(), 1u) << "party " << i;
    EXPECT_EQ(res[i].disputes[0].second, 3u);  // with the first checker
    EXPECT_EQ(res[i].disputes[0].first, 0u);
    EXPECT_TRUE(res[i].suspects.empty()) << "party " << i;
  }
}

// --- the combined check of large runs (decision P11) -------------------------------------------
// A first run of 3,000 random shares has 1,002 columns per dealer at n = 5: it is checked on
// combinations. Its rounds: 1 deal, 2 "dealing closed", 3 challenges, 4 combinations, 5 on the
// verdicts' agreement.
constexpr std::size_t kLargeRun = 3000;

// A party that lies only about its combinations is caught by a dispute with the first checker,
// exactly as a party lying about its row shares in a small run; nobody is convicted.
TEST(CombinedCheck, CombinationLiarIsCaughtByDispute) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t from, std::size_t to, net::Bytes& payload,
                    std::mt19937_64& rng) {
    if (round_of(payload) == 4) wrong_shares(from, to, payload, rng);
  };
  plan.senders[3] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 151), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh, kLargeRun);
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  for (std::size_t i : {0u, 1u, 2u, 4u}) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_TRUE(res[i].convicted.empty()) << "party " << i;
    ASSERT_EQ(res[i].disputes.size(), 1u) << "party " << i;
    EXPECT_EQ(res[i].disputes[0], (std::pair<std::size_t, std::size_t>{0, 3})) << "party " << i;
    EXPECT_TRUE(res[i].suspects.empty()) << "party " << i;
  }
}

// A dealer that deals well-formed but inconsistent shares in a large run (one element to each of
// two parties: the errors hide among 1,002 columns) is convicted: its revealed combination
// disagrees with both parties' claims, two disputes exceed t = 1.
TEST(CombinedCheck, InconsistentDealerIsConvicted) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t, std::size_t to, net::Bytes& payload, std::mt19937_64&) {
    const std::size_t at = wire::kHeaderSize + 500 * wire::kElementSize;
    if (round_of(payload) == 1 && (to == 2 || to == 3) && payload.size() > at) payload[at] ^= 1;
  };
  plan.senders[4] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 161), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh, kLargeRun);
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_EQ(res[i].convicted, std::vector<std::size_t>{4}) << "party " << i;
  }
}

// A checker that sends two parties another challenge than the others (its challenge message
// only) does not split the honest parties and blames nobody honest: its check fails on those two
// parties' combinations, its verdict carries the challenge it really used, and against that one
// both parties' answers differ from what they should be: two disputes with it, more than t, so
// it is excluded (as not named a liar: it was the accuser, nobody proved a value of its wrong).
TEST(CombinedCheck, EquivocatingChallengeExcludesTheChecker) {
  net::FaultPlan plan;
  plan.corrupt = [](std::size_t from, std::size_t to, net::Bytes& payload,
                    std::mt19937_64& rng) {
    if (round_of(payload) == 3 && (to == 1 || to == 2)) wrong_shares(from, to, payload, rng);
  };
  plan.senders[0] = always_corrupt();
  auto s = make_session(config_for(5, math::FieldKind::Bls12_381, 171), {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh, kLargeRun);
  EXPECT_GT(s->faults()->counters().corrupted, 0u);
  const std::vector<std::pair<std::size_t, std::size_t>> disputes = {{0, 1}, {0, 2}};
  for (std::size_t i = 1; i < 5; ++i) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_EQ(res[i].excluded(), std::vector<std::size_t>{0}) << "party " << i;
    EXPECT_EQ(res[i].disputes, disputes) << "party " << i;
    EXPECT_TRUE(res[i].suspects.empty()) << "party " << i;
  }
}

// A party silent from the start (crashed before its first message): its missing dealing counts
// as zeros, every honest party stops waiting for it after one timeout and erases it in its checks
// and degree-2t decodings; the parties agree it is silent (excluded, never called a liar). Right
// products, in about one timeout.
TEST(FaultTest, CrashBeforePreprocessingIsTolerated) {
  net::FaultPlan plan;
  plan.senders[2].crash_after_messages = 0;
  SessionParams cfg = config_for(5, math::FieldKind::Bls12_381, 161);
  // Long enough that a live party slowed down by a loaded CI machine (ASan, -j2) is never taken
  // for the crashed one: the synchronous rounds assume honest messages arrive within it.
  cfg.receive_timeout_ms = 2'000;
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(5, 1);
  const auto start = std::chrono::steady_clock::now();
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_GT(s->faults()->counters().crashed_sends, 0u);
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    ASSERT_EQ(res[i].error, "") << "party " << i;
    for (std::size_t k = 0; k < kW; ++k) EXPECT_EQ(res[i].products[k], enc(fx.x[k] * fx.y[k]));
    EXPECT_TRUE(res[i].convicted.empty()) << "party " << i;
    EXPECT_EQ(res[i].silent, std::vector<std::size_t>{2}) << "party " << i;
    EXPECT_TRUE(res[i].suspects.empty()) << "party " << i;
    EXPECT_EQ(res[i].silent_seen, std::vector<std::size_t>{2}) << "party " << i;
  }
}

// Two liars from the start when t = 1 (n = 4): never a wrong value; the honest parties stop
// with an error.
TEST(FaultTest, MoreLiarsThanToleratedInPreprocessingGiveAnError) {
  net::FaultPlan plan;
  plan.corrupt = wrong_shares;
  plan.senders[1] = always_corrupt();
  plan.senders[2] = always_corrupt();
  SessionParams cfg = config_for(4, math::FieldKind::Bls12_381, 151);
  cfg.receive_timeout_ms = 1'000;
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const Fixture fx = make_inputs(4, 1);
  const auto res = preprocess_and_multiply<F>(*s, fx.xsh, fx.ysh);
  for (std::size_t i : {0u, 3u}) {
    ASSERT_NE(res[i].error, "") << "party " << i << " accepted a result";
    EXPECT_TRUE(res[i].products.empty());
  }
}

// Two parties with wrong shares when t = 1 (n = 4): the opening fails cleanly at every honest
// party (the shares of all parties do not determine a value); no wrong value comes out.
TEST(FaultTest, MoreWrongSharesThanToleratedGiveAnError) {
  net::FaultPlan plan;
  plan.corrupt = wrong_shares;
  SessionParams cfg = config_for(4, math::FieldKind::Bls12_381, 81);
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
  SessionParams cfg = config_for(4, math::FieldKind::Bls12_381, 91);
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
