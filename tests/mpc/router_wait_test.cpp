// The router's waiting rules (docs/mpc.md, "Silent parties"): a party held up by a silent peer
// keeps the parties waiting for it informed (keep-alives) and is not given up; a party that is
// already past a round whose message got lost is not waited for beyond one timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "mpc/router.h"
#include "mpc/wire.h"
#include "net/memory_network.h"

namespace stoffel::mpc::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

net::Bytes round_message(std::uint64_t round) {
  return wire::make_message(wire::Channel::kRound, round, 0);
}

Router make_router(net::Network& net, std::size_t i, std::chrono::milliseconds timeout) {
  return Router(net.endpoint(i), net.size(), timeout, [](std::size_t) {});
}

// Gathers `round` from the parties in `from` (finish on timeout); returns who was heard.
std::vector<std::uint8_t> gather_from(Router& r, std::uint64_t round,
                                      const std::vector<std::size_t>& from) {
  std::vector<std::uint8_t> heard(r.parties(), 0);
  std::vector<std::uint8_t> want(r.parties(), 0);
  for (std::size_t p : from) want[p] = 1;
  auto on_message = [&](std::size_t p, std::uint32_t, std::span<const std::uint8_t>) {
    heard[p] = 1;
    return true;
  };
  auto awaited = [&](std::size_t p) { return want[p] && !heard[p]; };
  auto progress = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < r.parties(); ++p) {
      if (awaited(p)) return false;
    }
    return true;
  };
  EXPECT_TRUE(r.gather(round, "test", on_message, progress, awaited, true).ok());
  return heard;
}

// Party 1 waits a whole timeout in round 1 for party 2, which never sends; party 0 meanwhile
// waits in round 2 for party 1. Party 1's round-2 message comes about one timeout after party 0
// started waiting, which alone would be a race; party 1's keep-alives keep it from being given
// up.
TEST(Router, PartyHeldUpBySilentPeerIsNotGivenUp) {
  constexpr auto kTimeout = 400ms;
  net::InMemoryNetwork net(3);
  Router r0 = make_router(net, 0, kTimeout), r1 = make_router(net, 1, kTimeout);
  std::vector<std::uint8_t> got0, got1;
  std::thread t1([&] {
    const std::uint64_t round1 = r1.next_round();
    ASSERT_TRUE(r1.send(0, round_message(round1)).ok());
    got1 = gather_from(r1, round1, {2});  // party 2 is silent: a full timeout
    const std::uint64_t round2 = r1.next_round();
    ASSERT_TRUE(r1.send(0, round_message(round2)).ok());
  });
  const std::uint64_t round1 = r0.next_round();
  EXPECT_EQ(gather_from(r0, round1, {1})[1], 1);
  const auto start = Clock::now();
  got0 = gather_from(r0, r0.next_round(), {1});
  t1.join();
  EXPECT_EQ(got1[2], 0);
  EXPECT_EQ(got0[1], 1) << "party 1 was given up after "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(
                               Clock::now() - start)
                               .count()
                        << " ms";
  EXPECT_GT(r1.alive_sent(), 0u);
}

// Party 1's round-1 message to party 0 is lost; party 1 goes on to round 2 and waits there
// (sending keep-alives that say it is in round 2). Party 0 gives up on the round-1 message one
// timeout after it last heard of party 1 before round 1, not after kStallFactor timeouts.
TEST(Router, LostMessageOfAPartyAlreadyPastTheRoundIsNotWaitedForLong) {
  constexpr auto kTimeout = 300ms;
  net::InMemoryNetwork net(3);
  Router r0 = make_router(net, 0, kTimeout), r1 = make_router(net, 1, kTimeout);
  std::thread t1([&] {
    (void)r1.next_round();  // round 1: its message to party 0 is "lost" (never sent)
    (void)gather_from(r1, r1.next_round(), {2});  // waits in round 2 for silent party 2
  });
  const auto start = Clock::now();
  const auto got = gather_from(r0, r0.next_round(), {1});
  const auto waited = Clock::now() - start;
  t1.join();
  EXPECT_EQ(got[1], 0);
  EXPECT_LT(waited, 2 * kTimeout);
  EXPECT_GE(waited, kTimeout - 50ms);
}

}  // namespace
}  // namespace stoffel::mpc::test
