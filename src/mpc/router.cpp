#include "mpc/router.h"

#include <algorithm>

namespace stoffel::mpc {

namespace {
// How far ahead of the round being gathered a message may be before it is treated as garbage:
// honest parties never run this far ahead, and the bound keeps a faulty party from filling
// memory with messages for rounds that will never come.
constexpr std::uint64_t kFutureWindow = 1u << 20;
// Bound on client messages kept before the parties ask for them.
constexpr std::size_t kMaxClientMessages = 1u << 16;
}  // namespace

Router::Router(net::Endpoint& endpoint, std::size_t parties, std::chrono::milliseconds timeout,
               SuspectFn on_suspect)
    : endpoint_(endpoint),
      parties_(parties),
      timeout_(timeout),
      suspect_(std::move(on_suspect)),
      heard_(parties, std::vector<Heard>{Heard{0, Clock::now()}}),
      last_sent_(parties, Clock::now()),
      active_since_(Clock::now()),
      last_active_(active_since_) {}

Result<void> Router::send(std::size_t to, net::Bytes payload) {
  const auto now = Clock::now();
  back(now);
  if (to < parties_) last_sent_[to] = now;
  return endpoint_.send(to, std::move(payload));
}

void Router::heard(std::size_t p, std::uint64_t id, Clock::time_point now) {
  std::vector<Heard>& h = heard_[p];
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    if (it->round == id) {
      it->at = now;
      return;
    }
  }
  // Rounds arrive in increasing order from an honest party (up to reordering): keep them sorted,
  // and drop the oldest beyond the bound (a faulty party cannot grow this).
  auto pos = std::upper_bound(h.begin(), h.end(), id,
                              [](std::uint64_t r, const Heard& e) { return r < e.round; });
  h.insert(pos, Heard{id, now});
  if (h.size() > kHeardRounds) h.erase(h.begin());
}

Router::Clock::time_point Router::deadline_for(std::size_t p, std::uint64_t r) const {
  // The latest sign that p was still before round r.
  Clock::time_point behind = Clock::time_point::min();
  for (const Heard& e : heard_[p]) {
    if (e.round < r) behind = std::max(behind, e.at);
  }
  return std::max(active_since_, behind) + timeout_ + away_;
}

Router::Clock::time_point Router::keep_alive(std::uint64_t round, Clock::time_point now) {
  const auto interval = alive_interval();
  auto next = now + interval;
  for (std::size_t p = 0; p < parties_; ++p) {
    if (p == self()) continue;
    if (now - last_sent_[p] >= interval) {
      // A failed send means the network is closed: the wait notices it on its next receive.
      if (endpoint_.send(p, wire::make_message(wire::Channel::kAlive, round, 0))) ++alive_sent_;
      last_sent_[p] = now;
    }
    next = std::min(next, last_sent_[p] + interval);
  }
  return next;
}

void Router::file_future(std::uint64_t id, Incoming in) {
  // One message per sender and round, as in gather(): a second one is reported now and dropped,
  // so a faulty party cannot make the stash of a future round grow without bound.
  std::vector<Incoming>& stash = future_[id];
  for (const Incoming& kept : stash) {
    if (kept.from == in.from) {
      report(in.from);
      return;
    }
  }
  stash.push_back(std::move(in));
}

Result<std::optional<Router::Incoming>> Router::pump(std::uint64_t round,
                                                     std::chrono::milliseconds wait,
                                                     bool* timed_out) {
  auto r = endpoint_.receive(wait);
  if (!r) return r.error();
  if (!*r) {
    *timed_out = true;
    return std::optional<Incoming>{};
  }
  net::Message m = std::move(**r);
  const bool from_party = m.from < parties_;
  auto h = wire::parse_header(m.payload);
  if (!h) {
    if (from_party) report(m.from);
    return std::optional<Incoming>{};
  }
  // Round messages and keep-alives tell how far their sender has come (see the class comment),
  // even ones that are then rejected (their sender is suspected and not waited for anyway).
  if (from_party && (h->channel == wire::Channel::kRound || h->channel == wire::Channel::kAlive)) {
    heard(m.from, h->id, Clock::now());
  }
  Incoming in{m.from, h->count, std::move(m.payload)};
  switch (h->channel) {
    case wire::Channel::kRound:
      if (!from_party) return std::optional<Incoming>{};  // clients take part in no round
      if (h->id == round) return std::optional<Incoming>(std::move(in));
      if (h->id < gathering_ || (h->id < round)) {
        if (late_) late_(h->id, in.from, in.count, wire::body(in.payload));
      } else if (h->id - gathering_ > kFutureWindow) {
        report(in.from);
      } else {
        file_future(h->id, std::move(in));
      }
      return std::optional<Incoming>{};
    case wire::Channel::kMaskedInput:
      if (from_party) {
        report(m.from);
      } else {
        // The first message per (client, sequence) counts; a client cannot take it back. A
        // client has at most a few calls outstanding, so a flood of sequence numbers is dropped
        // instead of stored.
        if (client_messages_.size() < kMaxClientMessages) {
          client_messages_.try_emplace({in.from, h->id}, std::move(in));
        }
      }
      return std::optional<Incoming>{};
    case wire::Channel::kAsync:
      if (!from_party) return std::optional<Incoming>{};
      if (async_) {
        async_(in.from, h->id, wire::body(in.payload));
      } else {
        report(in.from);  // this party runs no asynchronous protocol
      }
      return std::optional<Incoming>{};
    case wire::Channel::kInputMask:
    case wire::Channel::kOutput:
      if (from_party) report(m.from);  // parties never receive these
      return std::optional<Incoming>{};
    case wire::Channel::kAlive:
      // Only the sign of life counts (recorded above); a keep-alive carries no elements.
      if (from_party && in.count != 0) report(m.from);
      return std::optional<Incoming>{};
  }
  return std::optional<Incoming>{};
}

Result<bool> Router::poll(std::chrono::milliseconds wait) {
  bool timed_out = false;
  // No round is being gathered: every round message is early (or late) and is filed.
  auto got = pump(0, wait, &timed_out);
  if (!got) return got.error();
  return !timed_out;
}

Result<std::pair<std::uint32_t, net::Bytes>> Router::take_client_message(std::size_t client,
                                                                         std::uint64_t id,
                                                                         const char* what) {
  const auto start = Clock::now();
  back(start);
  struct Done {
    Clock::time_point& last;
    ~Done() { last = Clock::now(); }
  } done{last_active_};
  const auto deadline = start + timeout_;
  for (;;) {
    if (auto it = client_messages_.find({client, id}); it != client_messages_.end()) {
      std::pair<std::uint32_t, net::Bytes> out{it->second.count, std::move(it->second.payload)};
      client_messages_.erase(it);
      return out;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      return make_error(ErrorKind::Timeout, std::string("timed out after ") +
                                                std::to_string(timeout_.count()) +
                                                " ms waiting for " + what +
                                                " from client endpoint " + std::to_string(client));
    }
    // The other parties may be waiting for this one's next round message meanwhile.
    const auto wake = std::min(deadline, keep_alive(round_, now));
    const auto wait = std::max(std::chrono::milliseconds(1),
                               std::chrono::ceil<std::chrono::milliseconds>(wake - now));
    bool timed_out = false;
    // No round is being gathered: every round message is early (or late) and is filed.
    auto got = pump(0, wait, &timed_out);
    if (!got) return got.error();
  }
}

std::string Router::missing_parties(const std::vector<std::uint8_t>& missing) const {
  std::string s = "[";
  bool first = true;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (!missing[i]) continue;
    if (!first) s += ", ";
    s += std::to_string(i);
    first = false;
  }
  return s + "]";
}

}  // namespace stoffel::mpc
