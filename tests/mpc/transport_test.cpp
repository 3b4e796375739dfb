// The in-memory transport and the fault-injecting wrapper.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "net/fault_network.h"
#include "net/memory_network.h"

namespace stoffel::net {
namespace {

using namespace std::chrono_literals;

Bytes bytes(std::initializer_list<std::uint8_t> b) {
  return Bytes(b);
}

Message must_receive(Endpoint& ep, std::chrono::milliseconds wait = 2000ms) {
  auto r = ep.receive(wait);
  EXPECT_TRUE(r.ok());
  if (!r.ok() || !*r) {
    ADD_FAILURE() << "no message";
    return {};
  }
  return std::move(**r);
}

TEST(InMemoryNetwork, DeliversWithTheTrueSenderAndCounts) {
  InMemoryNetwork net(3);
  ASSERT_TRUE(net.endpoint(0).send(2, bytes({1, 2, 3})).ok());
  ASSERT_TRUE(net.endpoint(1).send(2, bytes({4})).ok());
  ASSERT_TRUE(net.endpoint(2).send(2, bytes({5, 6})).ok());  // to itself
  Message a = must_receive(net.endpoint(2)), b = must_receive(net.endpoint(2)),
          c = must_receive(net.endpoint(2));
  EXPECT_EQ(a.from, 0u);
  EXPECT_EQ(a.payload, bytes({1, 2, 3}));
  EXPECT_EQ(b.from, 1u);
  EXPECT_EQ(c.from, 2u);
  EXPECT_EQ(net.endpoint(0).counters().bytes_sent, 3u);
  EXPECT_EQ(net.endpoint(0).counters().messages_sent, 1u);
  EXPECT_EQ(net.endpoint(2).counters().bytes_received, 6u);
  EXPECT_EQ(net.endpoint(2).counters().messages_received, 3u);
  EXPECT_FALSE(net.endpoint(0).send(3, bytes({1})).ok());  // no such endpoint
}

TEST(InMemoryNetwork, ReceiveTimesOutWithNothing) {
  InMemoryNetwork net(2);
  auto start = std::chrono::steady_clock::now();
  auto r = net.endpoint(0).receive(30ms);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 25ms);
  auto poll = net.endpoint(0).receive(0ms);
  ASSERT_TRUE(poll.ok());
  EXPECT_FALSE(poll->has_value());
}

TEST(InMemoryNetwork, CloseWakesBlockedReceiversWithTheReason) {
  InMemoryNetwork net(3);
  std::atomic<int> woke{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      auto r = net.endpoint(i).receive(20'000ms);
      if (!r.ok() && r.error().message == "party 1 failed") ++woke;
    });
  }
  std::this_thread::sleep_for(20ms);
  const auto start = std::chrono::steady_clock::now();
  net.close(make_error(ErrorKind::Network, "party 1 failed"));
  for (auto& th : threads) th.join();
  EXPECT_EQ(woke.load(), 3);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_FALSE(net.endpoint(0).send(1, bytes({1})).ok());
  EXPECT_FALSE(net.endpoint(1).receive(0ms).ok());
}

// The kind given to close() reaches every receiver and sender unchanged, so a party tells an
// abort caused by another party (AbortedByPeer) from a transport failure without reading text.
TEST(InMemoryNetwork, CloseKeepsTheKindOfItsReason) {
  InMemoryNetwork net(2);
  net.close(make_error(ErrorKind::AbortedByPeer, "session aborted: party 1 stopped"));
  auto r = net.endpoint(0).receive(0ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::AbortedByPeer);
  EXPECT_EQ(r.error().message, "session aborted: party 1 stopped");
  auto s = net.endpoint(1).send(0, bytes({1}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::AbortedByPeer);
  // A later close does not replace the first reason.
  net.close(make_error(ErrorKind::Network, "again"));
  EXPECT_EQ(net.endpoint(1).receive(0ms).error().kind, ErrorKind::AbortedByPeer);
}

TEST(InMemoryNetwork, ClosedEndpointDrainsThenFails) {
  InMemoryNetwork net(2);
  ASSERT_TRUE(net.endpoint(0).send(1, bytes({9})).ok());
  net.close_endpoint(1, "done");
  EXPECT_TRUE(net.endpoint(0).send(1, bytes({8})).ok());  // dropped, not an error
  Message m = must_receive(net.endpoint(1));
  EXPECT_EQ(m.payload, bytes({9}));
  auto r = net.endpoint(1).receive(1000ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "done");
}

TEST(InMemoryNetwork, ManySendersFifoPerPair) {
  InMemoryNetwork net(5);
  constexpr int kPerSender = 2000;
  std::vector<std::thread> senders;
  for (std::size_t s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      for (int k = 0; k < kPerSender; ++k) {
        Bytes b(4);
        for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(k >> (8 * i));
        ASSERT_TRUE(net.endpoint(s).send(4, std::move(b)).ok());
      }
    });
  }
  std::vector<int> next(4, 0);
  for (int got = 0; got < 4 * kPerSender; ++got) {
    Message m = must_receive(net.endpoint(4));
    ASSERT_LT(m.from, 4u);
    int k = 0;
    for (int i = 0; i < 4; ++i) k |= m.payload[i] << (8 * i);
    EXPECT_EQ(k, next[m.from]++);
  }
  for (auto& th : senders) th.join();
}

TEST(FaultyNetwork, DropsCorruptsAndCrashesOnlyChosenSenders) {
  FaultPlan plan;
  plan.seed = 5;
  plan.senders[0].drop_probability = 1.0;
  plan.senders[1].corrupt_probability = 1.0;
  plan.senders[2].crash_after_messages = 3;
  FaultyNetwork net(std::make_unique<InMemoryNetwork>(4), plan);
  for (std::size_t s = 0; s < 4; ++s) {
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(net.endpoint(s).send(3, Bytes(16, 0xAA)).ok());
  }
  std::vector<int> from(4, 0);
  int corrupted = 0;
  for (;;) {
    auto r = net.endpoint(3).receive(100ms);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
    ++from[(*r)->from];
    if ((*r)->payload != Bytes(16, 0xAA)) {
      EXPECT_EQ((*r)->from, 1u);
      ++corrupted;
    }
  }
  EXPECT_EQ(from[0], 0);  // all dropped
  EXPECT_EQ(from[1], 5);
  EXPECT_EQ(corrupted, 5);
  EXPECT_EQ(from[2], 3);  // crashed after three messages
  EXPECT_EQ(from[3], 5);
  const FaultCounters c = net.counters();
  EXPECT_EQ(c.dropped, 5u);
  EXPECT_EQ(c.corrupted, 5u);
  EXPECT_EQ(c.crashed_sends, 2u);
  net.crash(3);
  ASSERT_TRUE(net.endpoint(3).send(0, bytes({1})).ok());
  auto r = net.endpoint(0).receive(50ms);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

// A crashed endpoint neither sends nor listens: its receives fail (its owner stops), while
// the others keep working.
TEST(FaultyNetwork, CrashedEndpointStopsReceivingToo) {
  FaultPlan plan;
  plan.senders[1].crash_after_messages = 1;
  FaultyNetwork net(std::make_unique<InMemoryNetwork>(3), plan);
  ASSERT_TRUE(net.endpoint(0).send(1, bytes({7})).ok());
  EXPECT_EQ(must_receive(net.endpoint(1)).payload, bytes({7}));  // not crashed yet
  ASSERT_TRUE(net.endpoint(1).send(2, bytes({1})).ok());
  ASSERT_TRUE(net.endpoint(1).send(2, bytes({2})).ok());  // the crash: swallowed
  EXPECT_EQ(must_receive(net.endpoint(2)).payload, bytes({1}));
  auto none = net.endpoint(2).receive(50ms);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(net.endpoint(0).send(1, bytes({8})).ok());
  auto r = net.endpoint(1).receive(50ms);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("crashed"), std::string::npos) << r.error().message;
  net.crash(2);
  EXPECT_FALSE(net.endpoint(2).receive(0ms).ok());
  EXPECT_TRUE(net.endpoint(0).receive(0ms).ok());
}

// omit_to loses the messages to some receivers only, within the [start, end) window of the
// sender's message count.
TEST(FaultyNetwork, OmissionToSomeReceiversWithinAWindow) {
  FaultPlan plan;
  plan.senders[0].omit_to = {2};
  plan.senders[0].start_after_messages = 2;
  plan.senders[0].end_after_messages = 6;
  FaultyNetwork net(std::make_unique<InMemoryNetwork>(3), plan);
  for (int k = 0; k < 5; ++k) {  // messages 0..9, alternating receivers 1 and 2
    ASSERT_TRUE(net.endpoint(0).send(1, Bytes{static_cast<std::uint8_t>(2 * k)}).ok());
    ASSERT_TRUE(net.endpoint(0).send(2, Bytes{static_cast<std::uint8_t>(2 * k + 1)}).ok());
  }
  std::vector<int> at1, at2;
  for (;;) {
    auto r = net.endpoint(1).receive(50ms);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
    at1.push_back((*r)->payload.at(0));
  }
  for (;;) {
    auto r = net.endpoint(2).receive(50ms);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
    at2.push_back((*r)->payload.at(0));
  }
  EXPECT_EQ(at1, (std::vector<int>{0, 2, 4, 6, 8}));
  EXPECT_EQ(at2, (std::vector<int>{1, 7, 9}));  // messages 3 and 5 fell in the window
  EXPECT_EQ(net.counters().omitted, 2u);
}

TEST(FaultyNetwork, DelayAndReorderStillDeliverEverything) {
  FaultPlan plan;
  plan.senders[0].delay_ms = 5;
  plan.senders[0].jitter_ms = 20;
  plan.senders[0].start_after_messages = 2;  // the first two go straight through
  FaultyNetwork net(std::make_unique<InMemoryNetwork>(2), plan);
  constexpr int kCount = 50;
  for (int k = 0; k < kCount; ++k) {
    ASSERT_TRUE(net.endpoint(0).send(1, Bytes{static_cast<std::uint8_t>(k)}).ok());
  }
  std::vector<int> order;
  while (order.size() < kCount) {
    Message m = must_receive(net.endpoint(1));
    order.push_back(m.payload.at(0));
  }
  EXPECT_EQ(order[0], 0);
  EXPECT_EQ(order[1], 1);
  EXPECT_EQ(std::set<int>(order.begin(), order.end()).size(), static_cast<std::size_t>(kCount));
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));  // jitter made messages overtake
  EXPECT_EQ(net.counters().delayed, static_cast<std::uint64_t>(kCount - 2));
}

}  // namespace
}  // namespace stoffel::net
