// Message scripts for the MPC fuzz targets: one real HoneyBadger party (or client) runs a fixed
// workload on an endpoint whose inbox is the fuzz input, as if every other participant were
// malicious and could send it anything, in any order.
//
// Script format (the fuzz input):
//   byte 0      configuration: kMpcConfigs[byte % size] (n, t, field)
//   records     u8 sender endpoint (taken modulo the endpoint count), u16 LE length, payload
//               (a last record may be cut short: it then carries what is left)
//
// The seeds are recorded from honest runs (fuzz_seeds): the messages the party (or the client)
// actually received, in arrival order. Replaying one unmodified takes the party through the whole
// workload (mpc_seed_test.cpp checks that), so the fuzzer starts deep in the protocol and
// mutates from there: wrong shares, wrong counts, duplicates, messages for other rounds, other
// channels, truncated headers, a client that equivocates, ...
//
// Time: the scripted endpoint never waits. It delivers the next record whenever the party asks,
// except that a poll (zero timeout) right after a delivery finds the inbox empty, so the router
// re-evaluates a round's progress after every message, as it would with messages arriving one by
// one. When the script ends, a party's receive fails (like a closed network) and a client's
// returns nothing and the session counts as finished. Receive timeouts are therefore never
// reached: what a party does when a peer stays silent until the timeout is not covered here
// (tests/mpc covers it with real clocks).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "math/field_kind.h"
#include "mpc/client.h"
#include "mpc/hb/hb_party.h"
#include "mpc/hb/party_impl.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::fuzz {

struct MpcConfig {
  std::size_t n;
  std::size_t t;
  math::FieldKind field;
  bool truncate;  // the workload includes a truncation (random bits and bounded values, P12)
  const char* name;
};

// n = 3t + 1 (every robust path: agreement, degree-2t openings with erasures), n = 4t + 1, and
// t = 2 (disputes between several parties); one field each. The random bits of truncation cost
// a square root each, which dominates a run in the fields with a large 2-adicity (BLS12-381: 32,
// BN254: 28), so only the Curve25519 configuration (2-adicity 2) truncates.
inline constexpr MpcConfig kMpcConfigs[] = {
    {4, 1, math::FieldKind::Bls12_381, false, "n4-t1-bls12-381"},
    {5, 1, math::FieldKind::Curve25519, true, "n5-t1-curve25519-trunc"},
    {7, 2, math::FieldKind::Bn254, false, "n7-t2-bn254"},
};
inline constexpr std::size_t kMpcConfigCount = sizeof(kMpcConfigs) / sizeof(kMpcConfigs[0]);

// The one client of the workload: endpoint n, client id 0, these two inputs.
inline constexpr std::uint64_t kClientId = 0;
inline constexpr std::int64_t kClientInputs[] = {15, 25};
// What the client receives from the workload: the product of its inputs.
inline constexpr std::int64_t kClientOutput = 15 * 25;

// The engine configuration of party `id` in the seed runs and in every fuzz run: deterministic
// randomness (so a party replaying a seed sends what it sent when the seed was recorded) and
// the smallest initial preprocessing.
inline mpc::PartyConfig engine_config(const MpcConfig& c, std::size_t id) {
  mpc::PartyConfig e;
  e.id = id;
  e.n = c.n;
  e.t = c.t;
  e.field = c.field;
  e.instance_id = 1;
  e.seed = 0x5eed;
  e.initial_triples = 1;
  e.initial_randoms = 1;
  e.receive_timeout_ms = 60'000;
  e.clients = {{kClientId, c.n}};
  return e;
}

// What every party does, in order: client input (preprocessing of masks, the masks to the client,
// its masked inputs, the agreement on them), an opening, a Beaver multiplication, a truncation if
// the configuration says so (random bits: a second preprocessing run), a random share opened, an
// output to the client.
inline Result<void> party_workload(mpc::Party& party, const MpcConfig& config) {
  const mpc::Party::ClientInputCount count{kClientId, 2};
  auto inputs = party.receive_client_inputs(std::span(&count, 1));
  if (!inputs) return inputs.error();
  const auto& x = (*inputs)[0];
  if (x.size() != 2) return make_error("workload: expected two client inputs");
  if (auto opened = party.open(x); !opened) return opened.error();
  auto product = party.mul(std::span(&x[0], 1), std::span(&x[1], 1));
  if (!product) return product.error();
  // The smallest truncation (k = 2, f = 1: 42 random bits, each a square root): the values do
  // not matter here, the random-bit preprocessing does.
  if (config.truncate) {
    if (auto truncated = party.truncate(*product, 2, 1); !truncated) return truncated.error();
  }
  auto r = party.random();
  if (!r) return r.error();
  if (auto opened = party.open(std::span(&*r, 1)); !opened) return opened.error();
  return party.send_output(kClientId, *product);
}

struct Record {
  std::size_t from;
  std::span<const std::uint8_t> payload;
};

struct Script {
  const MpcConfig* config;
  std::vector<Record> records;
};

inline Script parse_script(std::span<const std::uint8_t> in) {
  Script s{&kMpcConfigs[0], {}};
  if (in.empty()) return s;
  s.config = &kMpcConfigs[in[0] % kMpcConfigCount];
  std::size_t pos = 1;
  while (pos < in.size()) {
    const std::size_t from = in[pos++];
    std::size_t len = 0;
    for (int i = 0; i < 2 && pos < in.size(); ++i) len |= std::size_t{in[pos++]} << (8 * i);
    len = std::min(len, in.size() - pos);
    s.records.push_back({from, in.subspan(pos, len)});
    pos += len;
  }
  return s;
}

// Appends one record (the seed generator); false if the payload is too long for the format.
inline bool append_record(std::vector<std::uint8_t>& out, std::size_t from,
                          std::span<const std::uint8_t> payload) {
  if (from > 255 || payload.size() > 0xFFFF) return false;
  out.push_back(static_cast<std::uint8_t>(from));
  out.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  out.insert(out.end(), payload.begin(), payload.end());
  return true;
}

// The endpoint whose inbox is a script (see the top of this file). What it sends is dropped.
class ScriptEndpoint final : public net::Endpoint {
 public:
  enum class AtEnd { Fail, Idle };

  ScriptEndpoint(std::size_t id, std::size_t size, const std::vector<Record>& records, AtEnd at_end,
                 std::function<void()> on_end = {})
      : id_(id), size_(size), records_(records), at_end_(at_end), on_end_(std::move(on_end)) {}

  std::size_t id() const override { return id_; }
  std::size_t size() const override { return size_; }

  Result<void> send(std::size_t to, net::Bytes payload) override {
    if (to >= size_) return make_error("send to unknown endpoint " + std::to_string(to));
    counters_.bytes_sent += payload.size();
    ++counters_.messages_sent;
    return {};
  }

  Result<std::optional<net::Message>> receive(std::chrono::milliseconds timeout) override {
    if (just_delivered_ && timeout.count() == 0) {
      just_delivered_ = false;
      return std::optional<net::Message>{};
    }
    if (next_ < records_.size()) {
      const Record& r = records_[next_++];
      just_delivered_ = true;
      counters_.bytes_received += r.payload.size();
      ++counters_.messages_received;
      return std::optional<net::Message>(
          net::Message{r.from % size_, net::Bytes(r.payload.begin(), r.payload.end())});
    }
    just_delivered_ = false;
    if (at_end_ == AtEnd::Fail) return make_error("end of the message script");
    if (on_end_) on_end_();
    return std::optional<net::Message>{};
  }

  net::EndpointCounters counters() const override { return counters_; }
  std::size_t delivered() const { return next_; }

 private:
  std::size_t id_, size_;
  const std::vector<Record>& records_;
  AtEnd at_end_;
  std::function<void()> on_end_;
  std::size_t next_ = 0;
  bool just_delivered_ = false;
  net::EndpointCounters counters_;
};

// The precomputed algebra of a configuration, built once per process (it is identical for every
// party and every run).
template <typename F>
std::shared_ptr<const mpc::Algebra<F>> algebra_for(const MpcConfig& c) {
  static std::shared_ptr<const mpc::Algebra<F>> cache[kMpcConfigCount];
  const std::size_t index = static_cast<std::size_t>(&c - kMpcConfigs);
  if (!cache[index]) {
    auto made = mpc::Algebra<F>::create(c.n, c.t);
    if (!made) return nullptr;
    cache[index] = *made;
  }
  return cache[index];
}

struct PartyRun {
  Result<void> status;
  std::vector<std::size_t> suspected;  // parties party 0 caught sending wrong shares
  std::size_t delivered = 0;           // records consumed
};

// Party 0 of the script's configuration runs the workload on the script.
inline PartyRun run_party_script(const Script& s) {
  return math::visit_field(s.config->field, [&](auto tag) {
    using F = typename decltype(tag)::type;
    PartyRun run;
    auto algebra = algebra_for<F>(*s.config);
    if (!algebra) {
      run.status = make_error("cannot build the algebra");
      return run;
    }
    ScriptEndpoint endpoint(0, s.config->n + 1, s.records, ScriptEndpoint::AtEnd::Fail);
    mpc::HbPartyImpl<F> party(engine_config(*s.config, 0), endpoint, algebra);
    run.status = party_workload(party, *s.config);
    run.suspected = party.stats().suspected_parties;
    run.delivered = endpoint.delivered();
    return run;
  });
}

// The client of configuration `config` runs on `records`; the outputs it reconstructed.
inline Result<std::vector<std::int64_t>> run_client(const MpcConfig& config,
                                                    const std::vector<Record>& records) {
  const Script s{&config, records};
  return math::visit_field(s.config->field, [&](auto tag) -> Result<std::vector<std::int64_t>> {
    using F = typename decltype(tag)::type;
    std::atomic<bool> finished{false};
    ScriptEndpoint endpoint(s.config->n, s.config->n + 1, s.records, ScriptEndpoint::AtEnd::Idle,
                            [&finished] { finished.store(true); });
    std::vector<mpc::FieldBytes> inputs;
    for (std::int64_t v : kClientInputs) inputs.push_back(F::from_i64(v).to_bytes());
    // A zero grace period: once the script has ended nothing more can arrive.
    mpc::ClientRunner<F> client(endpoint, s.config->n, s.config->t, kClientId, std::move(inputs),
                                finished, std::chrono::milliseconds(0));
    auto out = client.run();
    if (!out) return out.error();
    std::vector<std::int64_t> values;
    for (const auto& bytes : *out) {
      auto v = F::from_bytes(bytes);
      if (!v) return v.error();
      auto i = v->to_i64();
      if (!i) return i.error();
      values.push_back(*i);
    }
    return values;
  });
}

inline Result<std::vector<std::int64_t>> run_client_script(const Script& s) {
  return run_client(*s.config, s.records);
}

}  // namespace stoffel::fuzz
