// A fault-injecting wrapper around a Network, for tests: it misbehaves on behalf of chosen
// senders (drop, delay, reorder, corrupt, crash). Decisions come from a seeded generator per
// sender, so a run is reproducible as far as thread scheduling allows.
//
// Faults act on what a party *sends*, as a malicious or broken party would: the receiver still
// learns the true sender (authentication is not something a party can fake).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "net/transport.h"

namespace stoffel::net {

// How one endpoint misbehaves.
struct SenderFaults {
  // Faults start after this many messages sent by the endpoint (0: from the first message) and,
  // if set, end after that many (a link that is slow or down for a while). Crashes are not
  // bounded by these.
  std::uint64_t start_after_messages = 0;
  std::optional<std::uint64_t> end_after_messages;
  double drop_probability = 0.0;     // the message is lost
  double corrupt_probability = 0.0;  // 1.0: every message is corrupted
  std::uint32_t delay_ms = 0;        // fixed extra latency for every message
  std::uint32_t jitter_ms = 0;       // random extra latency in [0, jitter]: messages overtake
  // Extra latency towards particular receivers (tests split the parties' views with it).
  std::map<std::size_t, std::uint32_t> delay_to_ms;
  // The endpoint crashes once it has sent this many messages: its sends succeed but nothing
  // leaves, and its receives fail (a crashed machine neither sends nor listens). Counts all
  // messages, independent of start_after_messages, so a count that is not a multiple of the
  // peers per round crashes it half-way through sending a round to everybody.
  std::optional<std::uint64_t> crash_after_messages;
  // Messages to these endpoints are lost (a link that is down, or a party that ignores some
  // peers on purpose): the others keep hearing from it.
  std::vector<std::size_t> omit_to;
};

// Changes a payload in place. Gets the sender, the receiver and the sender's generator.
using Corruptor =
    std::function<void(std::size_t from, std::size_t to, Bytes& payload, std::mt19937_64& rng)>;

struct FaultPlan {
  std::uint64_t seed = 1;
  std::map<std::size_t, SenderFaults> senders;
  // Empty: XOR a random non-zero byte into one random position of the payload.
  Corruptor corrupt;
};

// Counters of what the wrapper did (tests check that faults really happened).
struct FaultCounters {
  std::uint64_t dropped = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t delayed = 0;
  std::uint64_t crashed_sends = 0;  // sends swallowed after a crash
  std::uint64_t omitted = 0;        // messages lost to omit_to
};

class FaultyNetwork final : public Network {
 public:
  FaultyNetwork(std::unique_ptr<Network> inner, FaultPlan plan);
  ~FaultyNetwork() override;
  FaultyNetwork(const FaultyNetwork&) = delete;
  FaultyNetwork& operator=(const FaultyNetwork&) = delete;

  std::size_t size() const override { return inner_->size(); }
  Endpoint& endpoint(std::size_t i) override;
  void close(Error reason) override;
  bool closed() const override { return inner_->closed(); }
  void close_endpoint(std::size_t i, const std::string& reason) override;

  // Replaces an endpoint's faults from now on; its message count restarts at zero (so a test can
  // let preprocessing run cleanly and then turn a party bad).
  void set_faults(std::size_t endpoint, const SenderFaults& faults);
  // Crashes an endpoint now: everything it sends from here on is lost and its receives fail.
  void crash(std::size_t endpoint);
  FaultCounters counters() const;

 private:
  class Port;
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    std::uint64_t order;  // FIFO among equal due times
    std::size_t from, to;
    Bytes payload;
  };
  struct Later {
    bool operator()(const Delayed& a, const Delayed& b) const {
      return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
  };

  void schedule(Delayed d);
  void run_delivery();

  std::unique_ptr<Network> inner_;
  FaultPlan plan_;
  std::vector<std::unique_ptr<Port>> ports_;

  mutable std::mutex mu_;  // guards the delay queue, counters and crash flags
  std::condition_variable cv_;
  std::vector<Delayed> delayed_;  // a heap ordered by Later
  std::uint64_t order_ = 0;
  bool stop_ = false;
  FaultCounters counters_;
  std::thread delivery_;
};

}  // namespace stoffel::net
