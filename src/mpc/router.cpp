#include "mpc/router.h"

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
    : endpoint_(endpoint), parties_(parties), timeout_(timeout), suspect_(std::move(on_suspect)) {}

Result<void> Router::send(std::size_t to, net::Bytes payload) {
  return endpoint_.send(to, std::move(payload));
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
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (auto it = client_messages_.find({client, id}); it != client_messages_.end()) {
      std::pair<std::uint32_t, net::Bytes> out{it->second.count, std::move(it->second.payload)};
      client_messages_.erase(it);
      return out;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return make_error(std::string("timed out after ") + std::to_string(timeout_.count()) +
                        " ms waiting for " + what + " from client endpoint " +
                        std::to_string(client));
    }
    bool timed_out = false;
    // No round is being gathered: every round message is early (or late) and is filed.
    auto got = pump(0, left, &timed_out);
    if (!got) return got.error();
  }
}

std::string Router::missing_parties(const std::vector<std::uint8_t>& seen) const {
  std::string s = "[";
  bool first = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) continue;
    if (!first) s += ", ";
    s += std::to_string(i);
    first = false;
  }
  return s + "]";
}

}  // namespace stoffel::mpc
