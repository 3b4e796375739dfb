// The client side of input and output (docs/mpc.md, "Client input" and "Output to a client"; decision N4), generic over
// the field. A client is a transport endpoint after the parties; it trusts no single party:
// masks and outputs are decoded robustly (up to t wrong or missing shares, never a wrong value).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "math/domain.h"
#include "math/rs_decode.h"
#include "mpc/interp.h"
#include "mpc/party.h"
#include "mpc/wire.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

template <typename F>
class ClientRunner {
 public:
  // `finished` is set by the session when the parties will send nothing more.
  ClientRunner(net::Endpoint& endpoint, std::size_t n, std::size_t t, std::uint64_t client_id,
               std::vector<FieldBytes> inputs, const std::atomic<bool>& finished,
               std::chrono::milliseconds timeout)
      : ep_(endpoint),
        n_(n),
        t_(t),
        client_id_(client_id),
        inputs_(std::move(inputs)),
        finished_(finished),
        timeout_(timeout) {}

  // Runs the input protocol (if the client has inputs and the parties ask for them), then
  // collects outputs until `finished` is set. Returns the outputs in the order sent. Fails if the
  // network is closed (abort), or if an output cannot be reconstructed.
  Result<std::vector<FieldBytes>> run() {
    auto dom = math::Domain<F>::create(n_);
    if (!dom) return dom.error();
    domain_ = std::move(*dom);
    auto dec = math::RobustDecoder<F>::create(domain_, t_, t_);
    if (!dec) return dec.error();
    decoder_ = std::move(*dec);
    std::vector<F> x(inputs_.size());
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto v = F::from_bytes(inputs_[i]);
      if (!v) return v.error().with_context(who() + "input " + std::to_string(i) + ": ");
      x[i] = *v;
    }
    input_done_ = x.empty();
    // The session says when no more outputs will be sent (finished_). Shares still in flight
    // then (a slow link) are waited for, up to the receive timeout, for any output some party
    // has already started sending.
    std::optional<std::chrono::steady_clock::time_point> grace_end;
    for (;;) {
      auto r = ep_.receive(std::chrono::milliseconds(10));
      if (!r) return r.error().with_context(who());
      if (!*r) {
        if (!finished_.load(std::memory_order_acquire)) continue;
        if (!pending()) break;
        const auto now = std::chrono::steady_clock::now();
        if (!grace_end) grace_end = now + timeout_;
        if (now >= *grace_end) break;
        continue;
      }
      net::Message m = std::move(**r);
      if (m.from >= n_) continue;  // only parties talk to clients
      auto h = wire::parse_header(m.payload);
      if (!h) continue;
      if (h->channel == wire::Channel::kInputMask && h->id == 0 && !input_done_) {
        Batch& b = masks_;
        if (!b.add(m.from, h->count, m.payload)) continue;
        auto decoded = try_decode(b);
        if (!decoded) return decoded.error();
        if (!*decoded) {
          if (b.senders() == n_) {
            return make_error(ErrorKind::Protocol,
                              who() + "cannot reconstruct the input masks (the parties asked " +
                                  "for a different number of inputs than the " +
                                  std::to_string(x.size()) + " it has, or more than t are faulty)");
          }
          continue;
        }
        if (b.values.size() != x.size()) {
          return make_error(ErrorKind::Protocol,
                            who() + "the parties asked for " + std::to_string(b.values.size()) +
                                " inputs but the client has " + std::to_string(x.size()));
        }
        std::vector<F> masked(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) masked[i] = x[i] + b.values[i];
        const net::Bytes msg =
            wire::encode_elements<F>(wire::Channel::kMaskedInput, 0, std::span<const F>(masked));
        for (std::size_t p = 0; p < n_; ++p) {
          if (auto ok = ep_.send(p, msg); !ok) return ok.error().with_context(who());
        }
        input_done_ = true;
      } else if (h->channel == wire::Channel::kOutput) {
        Batch& b = outputs_[h->id];
        if (b.done || !b.add(m.from, h->count, m.payload)) continue;
        auto decoded = try_decode(b);
        if (!decoded) return decoded.error();
      }
    }
    std::vector<FieldBytes> out;
    for (auto& [seq, b] : outputs_) {
      // Every honest party sends its shares of every output, and they have all arrived by now
      // (synchronous model), so an output that at most t parties sent shares of comes from
      // faulty parties only: it is not one. Failing on it would let one faulty party deny the
      // client its real outputs (found by the fuzz target mpc_client_robust).
      if (!b.done && b.senders() <= t_) continue;
      if (!b.done) {
        return make_error(ErrorKind::Protocol, who() + "output " + std::to_string(seq) +
                                                   " could not be reconstructed (" +
                                                   std::to_string(b.senders()) +
                                                   " parties sent shares)");
      }
      // The last element is the output's label (Party::send_output); honest parties always
      // send it, so a decoded output without one did not come from them.
      if (b.values.empty()) {
        return make_error(ErrorKind::Protocol,
                          who() + "output " + std::to_string(seq) + " came without its label");
      }
      const Result<std::int64_t> l = b.values.back().to_i64();
      const std::uint32_t label = l && *l >= 0 && *l <= std::int64_t{UINT32_MAX}
                                      ? static_cast<std::uint32_t>(*l)
                                      : 0;
      for (std::size_t k = 0; k + 1 < b.values.size(); ++k) {
        out.push_back(b.values[k].to_bytes());
        labels_.push_back(label);
      }
    }
    return out;
  }

  // After run(): the label of each output value (Party::send_output), in the same order.
  const std::vector<std::uint32_t>& labels() const { return labels_; }

 private:
  // The shares of one batch (masks, or one output) from the parties, grouped by element count:
  // honest parties agree on the count, so a group of 2t + 1 with one count contains honest
  // parties, and a faulty party cannot disturb a group it does not belong to.
  struct Batch {
    std::map<std::uint32_t, std::map<std::size_t, std::vector<F>>> by_count;
    std::vector<std::uint8_t> seen;
    std::vector<F> values;
    bool done = false;
    std::size_t senders() const {
      std::size_t s = 0;
      for (auto v : seen) s += v;
      return s;
    }
    bool add(std::size_t from, std::uint32_t count, const net::Bytes& payload) {
      if (seen.empty()) seen.assign(256, 0);
      if (from >= seen.size() || seen[from]) return false;
      seen[from] = 1;
      std::vector<F> vals(count);
      if (!wire::decode_elements<F>(wire::body(payload), std::span<F>(vals))) return false;
      by_count[count][from] = std::move(vals);
      return true;
    }
  };

  Result<bool> try_decode(Batch& b) {
    for (auto& [count, shares] : b.by_count) {
      if (shares.size() < 2 * t_ + 1) continue;
      std::vector<std::size_t> present;
      for (auto& [p, v] : shares) present.push_back(p);
      const InterpPlan<F>& plan = plans_.get(domain_, present, t_, 1);
      std::vector<F> out(count);
      std::vector<std::size_t> faulty;
      // A named reference, not the structured binding: clang 14 cannot capture bindings yet.
      auto& by_party = shares;
      auto r = decode_words<F>(
          plan, decoder_, present, [&](std::size_t p) { return by_party.at(p).data(); }, count, out,
          faulty);
      if (!r) return r.error();
      if (*r) {
        b.values = std::move(out);
        b.done = true;
        return true;
      }
    }
    return false;
  }

  // Some honest party has sent shares of an output that cannot be decoded yet (more than t
  // senders: at least one of them is honest).
  bool pending() const {
    for (const auto& [seq, b] : outputs_) {
      if (!b.done && b.senders() > t_) return true;
    }
    return false;
  }

  std::string who() const { return "client " + std::to_string(client_id_) + ": "; }

  net::Endpoint& ep_;
  std::size_t n_, t_;
  std::uint64_t client_id_;
  std::vector<FieldBytes> inputs_;
  const std::atomic<bool>& finished_;
  std::chrono::milliseconds timeout_;
  math::Domain<F> domain_;
  math::RobustDecoder<F> decoder_;
  PlanCache<F> plans_;
  bool input_done_ = false;
  Batch masks_;
  std::map<std::uint64_t, Batch> outputs_;
  std::vector<std::uint32_t> labels_;
};

}  // namespace stoffel::mpc
