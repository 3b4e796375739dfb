// Byzantine agreement (Phase King, vectorized) and broadcast: agreement and validity with
// equivocating, garbage-sending and silent faulty parties (n = 4, t = 1; n = 7, t = 2).
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

enum class Bad { kEquivocate, kGarbage, kSilent };

BaValue val(const std::string& s) {
  return BaValue(s.begin(), s.end());
}

// A faulty party: takes part in the same number of rounds as the honest parties (so its
// messages carry plausible round numbers) but sends what `how` says, differently to each peer.
void run_faulty(net::Endpoint& ep, std::size_t n, std::size_t rounds, std::size_t slots, Bad how,
                std::uint64_t seed) {
  Router router(ep, n, std::chrono::milliseconds(1000), [](std::size_t) {});
  std::mt19937_64 rng(seed);
  for (std::size_t r = 0; r < rounds; ++r) {
    const std::uint64_t id = router.next_round();
    if (how == Bad::kSilent) continue;
    for (std::size_t p = 0; p < n; ++p) {
      if (p == ep.id()) continue;
      net::Bytes msg;
      if (how == Bad::kEquivocate) {
        // Half the peers get "A" everywhere, the others "B": the classic split attempt.
        std::vector<std::optional<BaValue>> s(slots, val(p % 2 ? "A" : "B"));
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
};

// Runs `body` on every honest party and run_faulty on the faulty ones.
template <typename Body>
Outcome run_all(std::size_t n, std::size_t t, const std::vector<std::size_t>& bad, Bad how,
                std::size_t rounds, std::size_t slots, std::uint32_t timeout_ms, Body body) {
  net::InMemoryNetwork net(n);
  Outcome o;
  o.out.resize(n);
  o.errors.resize(n);
  std::vector<std::thread> th;
  for (std::size_t i = 0; i < n; ++i) {
    const bool faulty = std::find(bad.begin(), bad.end(), i) != bad.end();
    th.emplace_back([&, i, faulty] {
      if (faulty) {
        run_faulty(net.endpoint(i), n, rounds, slots, how, 100 + i);
        return;
      }
      // As the engine does: a party seen sending garbage is not waited for any more.
      std::vector<std::uint8_t> suspected(n, 0);
      Router router(net.endpoint(i), n, std::chrono::milliseconds(timeout_ms),
                    [&suspected](std::size_t p) { suspected[p] = 1; });
      Agreement ba(router, n, t, [&suspected](std::size_t p) { return !suspected[p]; });
      auto r = body(i, ba);
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
  const char* how[] = {"Equivocate", "Garbage", "Silent"};
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
  Outcome o = run_all(c.n, c.t, c.bad, c.how, 3 * (c.t + 1), slots, c.timeout_ms, body);
  const std::vector<BaValue>* first = nullptr;
  for (std::size_t i = 0; i < c.n; ++i) {
    if (std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end()) continue;
    ASSERT_EQ(o.errors[i], "") << "party " << i;
    ASSERT_EQ(o.out[i].size(), slots);
    EXPECT_EQ(o.out[i][0], val("same")) << "party " << i;  // validity
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
  Outcome o = run_all(c.n, c.t, c.bad, c.how, 1 + 3 * (c.t + 1), 1, c.timeout_ms, body);
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
