// Byzantine agreement (Phase King, vectorized, with the unanimity fast path) and broadcast:
// agreement and validity with equivocating, garbage-sending, silent and mimicking faulty parties
// (n = 4, t = 1; n = 7, t = 2; n = 16, t = 5), and which path was taken.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mpc/agreement.h"
#include "mpc/wire.h"
#include "net/memory_network.h"

namespace stoffel::mpc::test {
namespace {

enum class Bad { kEquivocate, kGarbage, kSilent, kMimic, kMimicSome };

BaValue val(const std::string& s) {
  return BaValue(s.begin(), s.end());
}

// The rounds of one agree() as the faulty party plays them: the values (`slots` wide), the
// one-bit agreement on unanimity (3(t + 1) rounds of one slot), then the full Phase King's
// remaining 3(t + 1) - 1 rounds of `slots` (honest parties skip them on the fast path; a
// faulty party sending into rounds nobody gathers does no harm). Broadcast first adds a round
// of one slot.
struct Round {
  std::size_t slots;
  bool bit;  // the unanimity bit's agreement
};
std::vector<Round> schedule(std::size_t t, std::size_t slots, bool broadcast) {
  std::vector<Round> r;
  if (broadcast) r.push_back({1, false});
  r.push_back({slots, false});
  for (std::size_t i = 0; i < 3 * (t + 1); ++i) r.push_back({1, true});
  for (std::size_t i = 0; i + 1 < 3 * (t + 1); ++i) r.push_back({slots, false});
  return r;
}

// A faulty party: takes part in the same rounds as the honest parties (so its messages carry
// plausible round numbers) but sends what `how` says, differently to each peer. kMimic sends
// `honest` (the honest parties' common input) to everybody in the first round of values, so
// the honest parties see unanimity, then equivocates like kEquivocate; kMimicSome sends it only
// to the even-numbered peers, so some honest parties see unanimity and others do not.
void run_faulty(net::Endpoint& ep, std::size_t n, const std::vector<Round>& rounds, Bad how,
                std::uint64_t seed, const std::vector<BaValue>& honest = {}) {
  Router router(ep, n, std::chrono::milliseconds(1000), [](std::size_t) {});
  std::mt19937_64 rng(seed);
  bool first_values = true;
  for (const Round& round : rounds) {
    const std::uint64_t id = router.next_round();
    if (how == Bad::kSilent) continue;
    const bool mimic_round = (how == Bad::kMimic || how == Bad::kMimicSome) && first_values &&
                             !round.bit && round.slots == honest.size();
    if (!round.bit && round.slots == honest.size()) first_values = false;
    for (std::size_t p = 0; p < n; ++p) {
      if (p == ep.id()) continue;
      net::Bytes msg;
      if (mimic_round && (how == Bad::kMimic || p % 2 == 0)) {
        std::vector<std::optional<BaValue>> s(honest.begin(), honest.end());
        msg = ba_wire::encode(id, s);
      } else if (how == Bad::kEquivocate || how == Bad::kMimic || how == Bad::kMimicSome) {
        // Half the peers get one value everywhere, the others another: the classic split
        // attempt (in the unanimity bit's rounds: yes to some, no to the others).
        const BaValue v = round.bit ? BaValue{static_cast<std::uint8_t>(p % 2)}
                                    : val(p % 2 ? "A" : "B");
        std::vector<std::optional<BaValue>> s(round.slots, v);
        msg = ba_wire::encode(id, s);
      } else {
        msg = wire::make_message(wire::Channel::kRound, id, 1 + rng() % 3);
        for (std::size_t k = wire::kHeaderSize; k < msg.size(); ++k) {
          msg[k] = static_cast<std::uint8_t>(rng());
        }
        if (rng() % 4 == 0) msg.resize(rng() % msg.size());  // not even a valid header
      }
      (void)router.send(p, std::move(msg));
    }
  }
}

struct Outcome {
  std::vector<std::vector<BaValue>> out;  // per party
  std::vector<std::string> errors;
  std::vector<std::size_t> rounds;  // per party: Agreement::last_rounds()
};

// Runs `body` on every honest party and run_faulty on the faulty ones.
template <typename Body>
Outcome run_all(std::size_t n, std::size_t t, const std::vector<std::size_t>& bad, Bad how,
                const std::vector<Round>& rounds, std::uint32_t timeout_ms, Body body,
                const std::vector<BaValue>& honest = {}) {
  net::InMemoryNetwork net(n);
  Outcome o;
  o.out.resize(n);
  o.errors.resize(n);
  o.rounds.resize(n);
  std::vector<std::thread> th;
  for (std::size_t i = 0; i < n; ++i) {
    const bool faulty = std::find(bad.begin(), bad.end(), i) != bad.end();
    th.emplace_back([&, i, faulty] {
      if (faulty) {
        run_faulty(net.endpoint(i), n, rounds, how, 100 + i, honest);
        return;
      }
      // As the engine does: a party seen sending garbage is not waited for any more.
      std::vector<std::uint8_t> suspected(n, 0);
      Router router(net.endpoint(i), n, std::chrono::milliseconds(timeout_ms),
                    [&suspected](std::size_t p) { suspected[p] = 1; });
      Agreement ba(router, n, t, [&suspected](std::size_t p) { return !suspected[p]; });
      auto r = body(i, ba);
      o.rounds[i] = ba.last_rounds();
      if (r) {
        o.out[i] = std::move(*r);
      } else {
        o.errors[i] = r.error().message;
      }
    });
  }
  // Watchdog: a hang becomes a failure, not a stuck test run.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return done; })) {
      ADD_FAILURE() << "agreement did not finish within 60 s";
      net.close(make_error(ErrorKind::Network, "test time limit"));
    }
  });
  for (auto& x : th) x.join();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  return o;
}

struct Case {
  std::size_t n, t;
  std::vector<std::size_t> bad;
  Bad how;
  std::uint32_t timeout_ms;
};

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  const char* how[] = {"Equivocate", "Garbage", "Silent", "Mimic", "MimicSome"};
  return "n" + std::to_string(info.param.n) + "_" + how[static_cast<int>(info.param.how)] +
         "_bad" + std::to_string(info.param.bad.size());
}

class AgreementTest : public ::testing::TestWithParam<Case> {};

// Honest parties with different inputs per coordinate agree on one value per coordinate; where
// all honest inputs are equal, that value is the output (validity).
TEST_P(AgreementTest, AgreementAndValidity) {
  const Case c = GetParam();
  const std::size_t slots = 3;
  auto body = [&](std::size_t i, Agreement& ba) {
    std::vector<BaValue> in = {val("same"), val(i % 2 ? "odd" : "even"), val("v" + std::to_string(i))};
    return ba.agree(in, 64);
  };
  Outcome o = run_all(c.n, c.t, c.bad, c.how, schedule(c.t, slots, false), c.timeout_ms, body);
  const std::vector<BaValue>* first = nullptr;
  for (std::size_t i = 0; i < c.n; ++i) {
    if (std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end()) continue;
    ASSERT_EQ(o.errors[i], "") << "party " << i;
    ASSERT_EQ(o.out[i].size(), slots);
    EXPECT_EQ(o.out[i][0], val("same")) << "party " << i;  // validity
    // The honest inputs differ, so nobody saw unanimity: the full Phase King ran.
    EXPECT_EQ(o.rounds[i], 6 * (c.t + 1)) << "party " << i;
    if (!first) first = &o.out[i];
    EXPECT_EQ(o.out[i], *first) << "party " << i << " disagrees";
  }
}

// Broadcast from every party: an honest sender's value is what everybody outputs; a faulty
// sender's coordinate is agreed too (whatever it is).
TEST_P(AgreementTest, BroadcastValidityForHonestSenders) {
  const Case c = GetParam();
  std::vector<std::size_t> senders(c.n);
  for (std::size_t p = 0; p < c.n; ++p) senders[p] = p;
  auto body = [&](std::size_t i, Agreement& ba) {
    return ba.broadcast(senders, val("from " + std::to_string(i)), 64);
  };
  Outcome o = run_all(c.n, c.t, c.bad, c.how, schedule(c.t, 1, true), c.timeout_ms, body);
  const std::vector<BaValue>* first = nullptr;
  for (std::size_t i = 0; i < c.n; ++i) {
    if (std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end()) continue;
    ASSERT_EQ(o.errors[i], "") << "party " << i;
    ASSERT_EQ(o.out[i].size(), c.n);
    for (std::size_t s = 0; s < c.n; ++s) {
      if (std::find(c.bad.begin(), c.bad.end(), s) != c.bad.end()) continue;
      EXPECT_EQ(o.out[i][s], val("from " + std::to_string(s))) << "party " << i << " sender " << s;
    }
    if (!first) first = &o.out[i];
    EXPECT_EQ(o.out[i], *first) << "party " << i << " disagrees";
  }
}

// Silent parties cost a receive timeout per round; 500 ms keeps a live party slowed by a loaded
// machine (ASan, ctest -j2) from being taken for a silent one, which would exceed t.
// Kings are parties 0..t: the faulty parties include king 0 so a faulty king is exercised.
INSTANTIATE_TEST_SUITE_P(
    Faults, AgreementTest,
    ::testing::Values(Case{4, 1, {0}, Bad::kEquivocate, 20'000},
                      Case{4, 1, {2}, Bad::kGarbage, 20'000},
                      Case{4, 1, {0}, Bad::kSilent, 500},
                      Case{7, 2, {0, 5}, Bad::kEquivocate, 20'000},
                      Case{7, 2, {1, 3}, Bad::kGarbage, 20'000},
                      Case{7, 2, {0, 6}, Bad::kSilent, 500}),
    name_of);

// The fast path: honest parties with one common input. With nobody faulty, or with faulty
// parties that send the common vector to everybody first (kMimic) and then try to split the
// unanimity bit, every honest party saw unanimity, so the bit is decided 1 (validity) and
// everybody outputs the input after 1 + 3(t + 1) rounds. When only some honest parties saw
// unanimity (kMimicSome), the bit may go either way, and the output is still the input. With
// silent, garbage-sending or equivocating parties nobody saw unanimity: the full Phase King.
struct FastCase {
  std::size_t n, t;
  std::vector<std::size_t> bad;
  Bad how;
  std::uint32_t timeout_ms;
  int fast;  // 1: fast path expected, 0: full Phase King expected, -1: either
};

class AgreementFastPath : public ::testing::TestWithParam<FastCase> {};

TEST_P(AgreementFastPath, CommonInputIsTheOutput) {
  const FastCase c = GetParam();
  const std::vector<BaValue> common = {val("status ok"), val(""), val("digest 0123")};
  auto body = [&](std::size_t, Agreement& ba) { return ba.agree(common, 64); };
  Outcome o = run_all(c.n, c.t, c.bad, c.how, schedule(c.t, common.size(), false), c.timeout_ms,
                      body, common);
  for (std::size_t i = 0; i < c.n; ++i) {
    if (std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end()) continue;
    ASSERT_EQ(o.errors[i], "") << "party " << i;
    EXPECT_EQ(o.out[i], common) << "party " << i;
    if (c.fast == 1) {
      EXPECT_EQ(o.rounds[i], 1 + 3 * (c.t + 1)) << "party " << i;
    } else if (c.fast == 0) {
      EXPECT_EQ(o.rounds[i], 6 * (c.t + 1)) << "party " << i;
    }
    if (c.fast == -1) {
      EXPECT_TRUE(o.rounds[i] == 1 + 3 * (c.t + 1) || o.rounds[i] == 6 * (c.t + 1));
    }
  }
  // Whatever the path, all honest parties took the same one.
  for (std::size_t i = 1; i < c.n; ++i) {
    if (std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end()) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (std::find(c.bad.begin(), c.bad.end(), j) != c.bad.end()) continue;
      EXPECT_EQ(o.rounds[i], o.rounds[j]) << "parties " << i << " and " << j;
    }
  }
}

std::string fast_name(const ::testing::TestParamInfo<FastCase>& info) {
  const char* how[] = {"Equivocate", "Garbage", "Silent", "Mimic", "MimicSome"};
  return "n" + std::to_string(info.param.n) + "_" +
         (info.param.bad.empty() ? std::string("Honest") : how[static_cast<int>(info.param.how)]);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AgreementFastPath,
    ::testing::Values(FastCase{4, 1, {}, Bad::kSilent, 20'000, 1},
                      FastCase{7, 2, {}, Bad::kSilent, 20'000, 1},
                      FastCase{16, 5, {}, Bad::kSilent, 20'000, 1},
                      FastCase{4, 1, {0}, Bad::kMimic, 20'000, 1},
                      FastCase{7, 2, {0, 4}, Bad::kMimic, 20'000, 1},
                      FastCase{4, 1, {1}, Bad::kMimicSome, 20'000, -1},
                      FastCase{7, 2, {0, 3}, Bad::kMimicSome, 20'000, -1},
                      FastCase{4, 1, {0}, Bad::kEquivocate, 20'000, 0},
                      FastCase{7, 2, {1, 6}, Bad::kGarbage, 20'000, 0},
                      FastCase{7, 2, {0, 6}, Bad::kSilent, 500, 0}),
    fast_name);

TEST(AgreementWire, MalformedBodiesAreRejectedNotTrusted) {
  std::vector<std::optional<BaValue>> s = {val("abc"), std::nullopt, BaValue{}};
  net::Bytes msg = ba_wire::encode(9, s);
  auto h = wire::parse_header(msg);
  ASSERT_TRUE(h.ok());
  auto d = ba_wire::decode(wire::body(msg), h->count, 3, 16);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)[0], std::optional<BaValue>(val("abc")));
  EXPECT_FALSE((*d)[1].has_value());
  EXPECT_EQ((*d)[2], std::optional<BaValue>(BaValue{}));
  EXPECT_FALSE(ba_wire::decode(wire::body(msg), h->count, 4, 16));  // wrong slot count
  EXPECT_FALSE(ba_wire::decode(wire::body(msg), h->count, 3, 2));   // value too long
  net::Bytes bad = msg;
  bad[wire::kHeaderSize + 4 + 1] = 0xff;  // length of slot 0 far beyond the body
  EXPECT_FALSE(ba_wire::decode(wire::body(bad), h->count, 3, 1u << 20));
  bad = msg;
  bad[wire::kHeaderSize + 4] = 7;  // unknown flag
  EXPECT_FALSE(ba_wire::decode(wire::body(bad), h->count, 3, 16));
}

}  // namespace
}  // namespace stoffel::mpc::test
