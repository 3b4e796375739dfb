// A party's mailbox on top of its transport endpoint.
//
// Every interactive step of the engine is a *round* with a number that all parties allocate in
// the same order (they make the same calls), so the round number alone tells which step a
// message belongs to, without mixing messages of different calls. Messages that arrive early
// (a faster party is already in a later round) are kept until their round is gathered; messages
// of rounds already finished go to a "late" hook (the engine checks them against the decoded
// values, so a slow faulty party is still noticed) and are then dropped. Malformed messages,
// duplicates and messages a sender has no business sending are reported as suspicious and
// ignored; they never abort a round.
//
// Waiting (docs/mpc.md, "Silent parties"). Every message a party sends carries a round number:
// its round messages that of their round, its keep-alives (kAlive) the last round it has started.
// A party p that round r waits for is given up (p's deadline) one receive timeout after the later
// of two times: when a message of p's for a round before r last arrived (p was still behind, on
// its way to round r), and when this party last came back from being busy elsewhere (computing,
// or running the program between calls) for longer than a keep-alive interval; after such an
// absence the deadline also grows by its length (up to kStallFactor timeouts), since a peer doing
// the same work at half the speed is that much later. An honest party in
// the protocol never leaves a link quiet for longer than that interval plus one computation step:
// while it waits in a round or for a client, it sends a keep-alive to every peer it has not sent
// anything to for a quarter of the timeout. So a party held up by a silent peer is never taken
// for silent itself, a party that is already past round r without its round-r message having
// arrived (a lost message) is not waited for longer than one timeout, and a crashed party is
// given up by everybody about one timeout after its last message, wherever each party first
// waits for it. However many keep-alives arrive, one round waits at most kStallFactor timeouts.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mpc/wire.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

class Router {
 public:
  using SuspectFn = std::function<void(std::size_t party)>;
  // A message of an already finished round: (round, sender, body with `count` elements).
  using LateFn = std::function<void(std::uint64_t round, std::size_t from, std::uint32_t count,
                                    std::span<const std::uint8_t> body)>;
  // A message of the asynchronous protocols (channel kAsync, async_hub.h) from a party: handed
  // over as soon as it is read, whatever the party is waiting for.
  using AsyncFn =
      std::function<void(std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body)>;

  Router(net::Endpoint& endpoint, std::size_t parties, std::chrono::milliseconds timeout,
         SuspectFn on_suspect);

  // However long its peers keep announcing that they are waiting, one round waits at most this
  // many receive timeouts (a faulty party could otherwise keep everybody waiting forever).
  static constexpr int kStallFactor = 4;

  std::size_t self() const { return endpoint_.id(); }
  std::size_t parties() const { return parties_; }
  net::Endpoint& endpoint() { return endpoint_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  void set_late_handler(LateFn fn) { late_ = std::move(fn); }
  void set_async_handler(AsyncFn fn) { async_ = std::move(fn); }

  // The next round number; every party calls this at the same points of the same calls.
  std::uint64_t next_round() { return ++round_; }
  std::uint64_t rounds() const { return round_; }

  Result<void> send(std::size_t to, net::Bytes payload);

  // Gathers round `round` from the parties. `on_message(from, count, body)` sees each sender's
  // first well-formed message of the round and returns false if the content is invalid (the
  // sender is then suspected and may not send again in this round). `progress()` is called
  // whenever the inbox is momentarily empty after something changed, and returns true when the
  // round is complete. `awaited(p)` says whether the round still waits for party p (asked only
  // for parties not heard from in this round); the round's deadline is the latest of the awaited
  // parties' deadlines (see above). Fails at the deadline (naming the awaited parties not heard
  // from), or when the network is closed.
  // With `finish_on_timeout` the deadline ends the round successfully instead: the agreement
  // protocol and robust preprocessing treat a party not heard from in time as having sent
  // nothing (synchronous model), which is not an error.
  template <typename OnMessage, typename Progress, typename Awaited>
  Result<void> gather(std::uint64_t round, const char* what, OnMessage&& on_message,
                      Progress&& progress, Awaited&& awaited, bool finish_on_timeout = false);

  // Keep-alive messages this party has sent (tests check that waiting parties announce it).
  std::uint64_t alive_sent() const { return alive_sent_; }

  // Reads one message, waiting at most `wait`, and files it (round messages are kept for their
  // round, kAsync messages go to the async handler). False if nothing came in time. The waits of
  // the asynchronous protocols are built on it.
  Result<bool> poll(std::chrono::milliseconds wait);

  // Waits for the message of client endpoint `client` on channel kMaskedInput with sequence `id`
  // and returns its body (header already validated; `count` elements).
  Result<std::pair<std::uint32_t, net::Bytes>> take_client_message(std::size_t client,
                                                                   std::uint64_t id,
                                                                   const char* what);

 private:
  // One classified message for the round being gathered, or nothing.
  struct Incoming {
    std::size_t from = 0;
    std::uint32_t count = 0;
    net::Bytes payload;
  };
  // Reads one message (waiting up to `wait`), files it away, and returns it if it belongs to
  // `round` (round messages only). nullopt: nothing for this round (or timeout: *timed_out set).
  Result<std::optional<Incoming>> pump(std::uint64_t round, std::chrono::milliseconds wait,
                                       bool* timed_out);
  void file_future(std::uint64_t id, Incoming in);
  // Reports a suspicious sender; counted so that a round being gathered re-evaluates its
  // progress (a protocol may stop waiting for a party once it is suspected).
  void report(std::size_t party) {
    ++reports_;
    suspect_(party);
  }
  std::string missing_parties(const std::vector<std::uint8_t>& missing) const;
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds alive_interval() const {
    return std::max(std::chrono::milliseconds(1), timeout_ / 4);
  }
  // While waiting in `round`: a keep-alive to every peer this party has not sent anything to
  // for an interval. Returns when the next one falls due.
  Clock::time_point keep_alive(std::uint64_t round, Clock::time_point now);
  // This party is back in the router (a send, or the start of a wait). After a longer absence
  // (it was computing, or the program ran between calls) its peers may have been away as long,
  // or longer if slower: deadlines count from now rather than from their last messages, plus
  // the length of the absence.
  void back(Clock::time_point now) {
    if (now - last_active_ > alive_interval()) {
      active_since_ = now;
      away_ = std::min<Clock::duration>(now - last_active_, kStallFactor * timeout_);
    }
    last_active_ = now;
  }
  // Records that a message for round `id` (a keep-alive: the last round started) arrived from
  // party p.
  void heard(std::size_t p, std::uint64_t id, Clock::time_point now);
  // Deadline for party p's message of round r (see the class comment).
  Clock::time_point deadline_for(std::size_t p, std::uint64_t r) const;

  net::Endpoint& endpoint_;
  std::size_t parties_;
  std::chrono::milliseconds timeout_;
  SuspectFn suspect_;
  LateFn late_;
  AsyncFn async_;
  std::uint64_t reports_ = 0;
  std::uint64_t alive_sent_ = 0;
  std::uint64_t round_ = 0;
  // Per party, the rounds of its latest messages (kRound and kAlive) with the time the latest of
  // each arrived, oldest first: consecutive messages of one round share an entry, and only the
  // last kHeardRounds rounds are kept (an honest party is never that many rounds behind).
  static constexpr std::size_t kHeardRounds = 16;
  struct Heard {
    std::uint64_t round;
    Clock::time_point at;
  };
  std::vector<std::vector<Heard>> heard_;
  // When this party last sent anything to each party.
  std::vector<Clock::time_point> last_sent_;
  Clock::time_point active_since_, last_active_;
  Clock::duration away_{0};  // the absence that ended at active_since_ (bounded)
  std::uint64_t gathering_ = 0;  // round being (or last) gathered; older rounds are late
  std::map<std::uint64_t, std::vector<Incoming>> future_;
  std::map<std::pair<std::size_t, std::uint64_t>, Incoming> client_messages_;
};

template <typename OnMessage, typename Progress, typename Awaited>
Result<void> Router::gather(std::uint64_t round, const char* what, OnMessage&& on_message,
                            Progress&& progress, Awaited&& awaited, bool finish_on_timeout) {
  // Only the last round taken may be gathered: while waiting, this party's keep-alives announce
  // round_ as the round it has reached, and a peer awaiting an earlier message from it gives it
  // up one timeout after that (deadline_for). A protocol that took its next rounds ahead of time
  // would make a party held up in this round look past it. An internal error, never input.
  if (round != round_) {
    return make_error(ErrorKind::Protocol,
                      std::string("internal error: gathering ") + what + " in round " +
                          std::to_string(round) + " after round " + std::to_string(round_) +
                          " was taken (rounds must be taken when entered)");
  }
  const auto start = Clock::now();
  back(start);
  // Waiting is not being away: the next call counts its absence from the end of this one.
  struct Done {
    Clock::time_point& last;
    ~Done() { last = Clock::now(); }
  } done{last_active_};
  std::vector<std::uint8_t> seen(parties_, 0);
  seen[self()] = 1;  // a party's own contribution is handled locally, never sent to itself
  bool changed = true;
  auto accept = [&](Incoming& in) {
    if (seen[in.from]) {
      report(in.from);  // a second message for the same round
      return;
    }
    seen[in.from] = 1;
    // Progress is re-evaluated after a rejected message too: a protocol may count it (as a
    // failed verdict, say), and a sender that can only be rejected is one fewer to wait for.
    changed = true;
    if (!on_message(in.from, in.count, wire::body(in.payload))) report(in.from);
  };
  gathering_ = round;
  // Drop what is stashed for rounds before this one (nobody waits for them any more).
  while (!future_.empty() && future_.begin()->first < round) {
    for (auto& in : future_.begin()->second) {
      if (late_) late_(future_.begin()->first, in.from, in.count, wire::body(in.payload));
    }
    future_.erase(future_.begin());
  }
  if (auto it = future_.find(round); it != future_.end()) {
    std::vector<Incoming> early = std::move(it->second);
    future_.erase(it);
    for (auto& in : early) accept(in);
  }
  const auto cap = start + kStallFactor * timeout_ + away_;
  // The latest deadline of the awaited parties not heard from (with none awaited, one timeout
  // after this party came back: whatever the round still needs is not coming).
  auto deadline = [&] {
    auto d = active_since_ + timeout_ + away_;
    for (std::size_t p = 0; p < parties_; ++p) {
      if (!seen[p] && awaited(p)) d = std::max(d, deadline_for(p, round));
    }
    return std::min(d, cap);
  };
  std::uint64_t reports_seen = reports_;
  for (;;) {
    bool timed_out = false;
    auto got = pump(round, std::chrono::milliseconds(0), &timed_out);
    if (!got) return got.error();
    if (*got) {
      accept(**got);
      continue;
    }
    if (!timed_out) continue;  // something was filed elsewhere; look again
    if (reports_ != reports_seen) {
      reports_seen = reports_;
      changed = true;
    }
    if (changed) {
      changed = false;
      auto complete = progress();
      if (!complete) return complete.error();
      if (*complete) return {};
    }
    const auto now = Clock::now();
    const auto until = deadline();
    if (now >= until) {
      if (finish_on_timeout) return {};
      std::vector<std::uint8_t> missing(parties_, 0);
      for (std::size_t p = 0; p < parties_; ++p) missing[p] = !seen[p] && awaited(p);
      if (std::find(missing.begin(), missing.end(), 1) == missing.end()) {
        for (std::size_t p = 0; p < parties_; ++p) missing[p] = !seen[p];
      }
      return make_error(ErrorKind::Timeout,
                        std::string("timed out after ") + std::to_string(timeout_.count()) +
                            " ms waiting for " + what + " (round " + std::to_string(round) +
                            ") from parties " + missing_parties(missing));
    }
    const auto wake = std::min(until, keep_alive(round_, now));
    const auto left = std::max(std::chrono::milliseconds(1),
                               std::chrono::ceil<std::chrono::milliseconds>(wake - now));
    got = pump(round, left, &timed_out);
    if (!got) return got.error();
    if (*got) accept(**got);
  }
}

}  // namespace stoffel::mpc
