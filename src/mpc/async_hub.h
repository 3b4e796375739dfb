// One party's reliable broadcasts (rbc.h) and binary agreements (aba.h), multiplexed on channel
// kAsync (async_wire.h). It owns no socket and no thread: its owner hands it every kAsync message
// (the engine's Router does, whatever the party is waiting for, so the protocols advance while a
// party waits for an opening or sits in Rbc.receive) and calls it from the party's thread.
//
// Sessions. Broadcasts are numbered per broadcaster in the order it calls broadcast(): the k-th
// broadcast of party b is instance (b, k). take(b) returns b's broadcasts in that order, so every
// party calling take(b) the same number of times gets the same payloads. Agreements are numbered
// in the order propose() is called: every party running the same program proposes in the same
// order, so session k is the same agreement everywhere.
//
// Memory is bounded against faulty parties: per broadcaster, only sessions below
// (next session to take) + rbc_window are started and at most rbc_buffer_bytes are held for its
// undelivered and untaken broadcasts; agreements only below (lowest unfinished session) +
// aba_window. Messages beyond are dropped without blame, since an honest party can be that far
// ahead; the price is liveness for a program that lets more than that pile up (its receive then
// times out with an error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "math/erasure_code.h"
#include "mpc/aba.h"
#include "mpc/async_wire.h"
#include "mpc/rbc.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

struct AsyncConfig {
  std::size_t n = 4;
  std::size_t t = 1;
  std::size_t self = 0;
  std::size_t rbc_max_payload = std::size_t{16} << 20;
  std::size_t rbc_bracha_max = 128;
  std::size_t rbc_window = 1024;
  std::size_t rbc_buffer_bytes = std::size_t{256} << 20;
  std::size_t aba_coins = 16;
  std::size_t aba_max_rounds = 256;
  std::size_t aba_round_window = 32;
  std::size_t aba_window = 1024;
};

struct AsyncStats {
  std::uint64_t rbc_started = 0, rbc_delivered = 0;
  std::uint64_t aba_proposed = 0;
  std::uint64_t aba_decided = 0;       // sessions finished here (decided, and halted)
  std::uint64_t aba_rounds = 0;        // sum over those of the rounds this party took part in
  std::uint64_t invalid_messages = 0;  // malformed or not allowed: their senders are suspected
  std::uint64_t dropped_messages = 0;  // beyond a window or the buffer bound
};

class AsyncHub {
 public:
  using SendFn = std::function<Result<void>(std::size_t to, net::Bytes payload)>;
  using SuspectFn = std::function<void(std::size_t party)>;

  // Validates the configuration (n >= 3t + 1, n <= 255, self < n, windows >= 1). `coins` must
  // outlive the hub.
  static Result<std::unique_ptr<AsyncHub>> create(const AsyncConfig& config, CoinSource& coins,
                                                  SendFn send, SuspectFn suspect);
  ~AsyncHub();
  AsyncHub(const AsyncHub&) = delete;
  AsyncHub& operator=(const AsyncHub&) = delete;

  const AsyncConfig& config() const { return cfg_; }

  // A kAsync message from endpoint `from` with router header id `id` and body `body` (the header
  // already checked). Messages from endpoints that are not parties are ignored.
  void handle(std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body);

  // Starts this party's next broadcast; returns its session number. Error if the payload is
  // larger than rbc_max_payload.
  Result<std::uint64_t> broadcast(std::span<const std::uint8_t> payload);
  // The next broadcast of party `from` (< n; this party included) in session order, if it has
  // been delivered; nullopt otherwise.
  std::optional<net::Bytes> take(std::size_t from);
  // Of the parties other than this one whose next broadcast has been delivered, the one with the
  // lowest (session, party): its id and payload.
  std::optional<std::pair<std::size_t, net::Bytes>> take_any();
  // The session take(from) returns next.
  std::uint64_t next_to_take(std::size_t from) const { return sources_[from].next_take; }

  // The session the next propose() will get (the engine reserves its coins first).
  std::uint64_t next_proposal() const { return proposals_; }
  std::uint64_t propose(bool value);
  // nullopt while undecided; an error if the session was never proposed here or cannot decide.
  Result<std::optional<bool>> result(std::uint64_t session) const;

  // The first failure to send (the network was closed), or success.
  const Result<void>& health() const { return health_; }
  const AsyncStats& stats() const { return stats_; }

 private:
  class Out;
  struct Source {
    std::uint64_t next_take = 0;
    std::map<std::uint64_t, std::unique_ptr<RbcInstance>> open;  // not yet delivered
    std::map<std::uint64_t, net::Bytes> delivered;               // delivered, not yet taken
    std::size_t bytes = 0;                                       // held by `open` and `delivered`
  };

  AsyncHub(const AsyncConfig& config, math::ErasureCode code, CoinSource& coins, SendFn send,
           SuspectFn suspect);

  void process(std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body);
  bool process_rbc(std::size_t from, const async_wire::Message& m);
  bool process_aba(std::size_t from, const async_wire::Message& m);
  void finish_rbc(std::size_t broadcaster, std::uint64_t session);
  void finish_aba(std::uint64_t session);
  // Hands this party's own messages back to it, after the call that produced them returned.
  void drain_loopback();
  void send(std::size_t to, net::Bytes payload);

  AsyncConfig cfg_;
  RbcParams rbc_;
  AbaParams aba_;
  math::ErasureCode code_;
  CoinSource& coins_;
  SendFn send_;
  SuspectFn suspect_;
  std::unique_ptr<Out> out_;
  std::vector<Source> sources_;
  std::uint64_t broadcasts_ = 0;  // this party's broadcasts so far
  std::uint64_t proposals_ = 0;   // this party's proposals so far
  std::map<std::uint64_t, std::unique_ptr<AbaInstance>> agreements_;  // not yet halted
  std::map<std::uint64_t, bool> halted_;                              // decisions of halted ones
  std::uint64_t aba_low_ = 0;                                         // lowest session not halted
  std::deque<net::Bytes> loopback_;
  bool draining_ = false;
  Result<void> health_;
  AsyncStats stats_;
};

}  // namespace stoffel::mpc
