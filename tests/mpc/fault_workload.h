// A small program's worth of MPC for the fault tests (crash_test, stress_test): input from two
// clients, a batch of products larger than the first preprocessing (more is generated on
// demand), a truncation (random bits: another preprocessing run), products of client inputs,
// one opening of everything and an output to a client. Every party runs the steps one after the
// other without waiting for the others between them, as a program would. The results are
// checked against plaintext, and so is what every honest party reports about the others: only
// parties that play a fault may be named, only liars as having sent wrong shares.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "math/fields.h"
#include "mpc/session_params.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {

// Turns every field element of a message into a different valid element (its lowest bit
// flipped) with probability 1/2, else XORs one random byte anywhere (often a malformed
// message): wrong values as well as garbage.
inline void lie(std::size_t, std::size_t, net::Bytes& payload, std::mt19937_64& rng) {
  if (payload.empty()) return;
  if (rng() % 2 == 0 && payload.size() > wire::kHeaderSize) {
    for (std::size_t off = wire::kHeaderSize; off + wire::kElementSize <= payload.size();
         off += wire::kElementSize) {
      payload[off] ^= 1;
    }
    return;
  }
  payload[rng() % payload.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
}

struct WorkloadSpec {
  std::string name;  // for failure messages
  std::size_t n = 5;
  math::FieldKind field = math::FieldKind::Bls12_381;
  std::uint64_t seed = 1;
  std::uint32_t timeout_ms = 500;
  std::vector<std::uint8_t> faulty;  // per party: plays a fault (its own results do not count)
  std::vector<std::uint8_t> liar;    // per party: may be named as having sent wrong shares
  net::FaultPlan plan;
  // Products in the batch: the default is a small batch (Beaver multiplication);
  // kDoubleSharingMinBatch or more takes the double-sharing path (decision P10).
  std::size_t products = 20;
};

struct WorkloadRun {
  std::vector<std::string> errors;
  std::vector<std::vector<FieldBytes>> opened;
  std::vector<std::vector<std::size_t>> suspects, silent;
  std::vector<std::uint64_t> doubles_used;  // per party: double sharings taken for products
  std::vector<std::uint64_t> triples_used;  // per party: triples taken
  std::string client_error;
  std::vector<ClientOutput> outputs;
  double seconds = 0;
  net::FaultCounters counters;
};

namespace workload {

// Truncated values: x_k for k < kTrunc, cycling through the batch; kTrunc * kF = 256 random bits,
// so the run that makes them shares out its square roots (decision P16).
inline constexpr std::size_t kTrunc = 64;
inline constexpr std::uint32_t kK = 32, kF = 4;
inline constexpr std::uint64_t kClientA = 100, kClientB = 101;

inline std::int64_t x_of(std::size_t k) {
  return static_cast<std::int64_t>(k * 1000 + 17) * (k % 2 ? -1 : 1);
}
inline std::int64_t y_of(std::size_t k) { return static_cast<std::int64_t>(k) + 3; }
inline constexpr std::int64_t kA0 = 12, kA1 = -7, kA2 = 30;

template <typename F>
WorkloadRun run(const WorkloadSpec& spec) {
  const std::size_t n = spec.n;
  SessionParams cfg = config_for(n, spec.field, spec.seed);
  cfg.receive_timeout_ms = spec.timeout_ms;
  cfg.initial_triples = 8;
  cfg.initial_randoms = 4;
  std::vector<ClientInputs> clients = {
      {kClientA, {F::from_i64(kA0).to_bytes(), F::from_i64(kA1).to_bytes()}},
      {kClientB, {F::from_i64(kA2).to_bytes()}}};
  WorkloadRun out;
  out.errors.assign(n, "");
  out.opened.resize(n);
  out.suspects.resize(n);
  out.silent.resize(n);
  out.doubles_used.assign(n, 0);
  out.triples_used.assign(n, 0);
  auto made = LocalSessionImpl::make(cfg, clients, spec.plan);
  if (!made) {
    out.client_error = "session: " + made.error().message;
    return out;
  }
  LocalSessionImpl& s = **made;
  std::vector<F> xs, ys;
  for (std::size_t k = 0; k < spec.products; ++k) {
    xs.push_back(F::from_i64(x_of(k)));
    ys.push_back(F::from_i64(y_of(k)));
  }
  const auto xsh = deal<F>(n, cfg.t, xs, spec.seed * 7 + 1);
  const auto ysh = deal<F>(n, cfg.t, ys, spec.seed * 7 + 2);

  const auto start = std::chrono::steady_clock::now();
  std::thread client_thread([&] {
    auto r = s.run_clients();
    if (!r) out.client_error = r.error().message;
  });
  auto party = [&](std::size_t i) {
    Party& p = s.party(i);
    auto fail = [&](const std::string& step, const std::string& e) {
      out.errors[i] = step + ": " + e;
    };
    const std::vector<Party::ClientInputCount> counts = {{kClientA, 2}, {kClientB, 1}};
    auto in = p.receive_client_inputs(counts);
    if (!in) return fail("input", in.error().message);
    auto z = p.mul(xsh[i], ysh[i]);
    if (!z) return fail("mul", z.error().message);
    std::vector<FieldBytes> to_truncate(kTrunc);
    for (std::size_t k = 0; k < kTrunc; ++k) to_truncate[k] = xsh[i][k % xsh[i].size()];
    auto tr = p.truncate(to_truncate, kK, kF);
    if (!tr) return fail("truncate", tr.error().message);
    auto c = p.mul(std::vector<FieldBytes>{(*in)[0][0], (*in)[0][1]},
                   std::vector<FieldBytes>{(*in)[0][1], (*in)[1][0]});
    if (!c) return fail("client products", c.error().message);
    std::vector<FieldBytes> all = xsh[i];
    all.insert(all.end(), z->begin(), z->end());
    all.insert(all.end(), tr->begin(), tr->end());
    all.insert(all.end(), c->begin(), c->end());
    auto o = p.open(all);
    if (!o) return fail("open", o.error().message);
    out.opened[i] = *o;
    if (auto ok = p.send_output(kClientA, std::vector<FieldBytes>{(*c)[0]}); !ok) {
      return fail("output", ok.error().message);
    }
    const PartyStats& st = p.stats();
    out.suspects[i] = st.suspected_parties;
    out.silent[i] = st.silent_parties;
    out.doubles_used[i] = st.doubles_consumed;
    out.triples_used[i] = st.triples_consumed;
  };
  // Honest parties first; once they are done, nothing the faulty ones wait for will come.
  std::mutex mu;
  std::condition_variable cv;
  std::size_t honest_left = 0;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    const bool bad = spec.faulty[i] != 0;
    if (!bad) ++honest_left;
    threads.emplace_back([&, i, bad] {
      party(i);
      if (bad) return;
      std::lock_guard lock(mu);
      --honest_left;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, kStepLimit, [&] { return honest_left == 0; })) {
      lock.unlock();
      ADD_FAILURE() << spec.name << ": the honest parties did not finish within "
                    << kStepLimit.count() << " s; aborting";
      s.abort("test time limit");
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Output shares on slow honest links may still be in flight: the client waits only for
  // outputs more than t parties have started sending.
  std::uint32_t in_flight_ms = 0;
  for (const auto& [p, f] : spec.plan.senders) {
    if (p < n && !spec.faulty[p]) in_flight_ms = std::max(in_flight_ms, f.delay_ms + f.jitter_ms);
  }
  if (in_flight_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(in_flight_ms + 50));
  s.finish_clients();
  client_thread.join();
  s.abort("the honest parties have finished");
  for (auto& th : threads) th.join();
  out.outputs = s.client_outputs();
  if (s.faults()) out.counters = s.faults()->counters();
  return out;
}

// Everything wrong with a run, one line each (empty: all right).
template <typename F>
std::vector<std::string> problems(const WorkloadSpec& spec, const WorkloadRun& r) {
  std::vector<std::string> bad;
  auto enc = [](std::int64_t v) { return F::from_i64(v).to_bytes(); };
  const std::size_t n = spec.n;
  const std::size_t kW = spec.products;
  for (std::size_t i = 0; i < n; ++i) {
    if (spec.faulty[i]) continue;
    const std::string who = "party " + std::to_string(i) + ": ";
    if (!r.errors[i].empty()) {
      bad.push_back(who + r.errors[i]);
      continue;
    }
    const auto& o = r.opened[i];
    if (o.size() != 2 * kW + kTrunc + 2) {
      bad.push_back(who + "opened " + std::to_string(o.size()) + " values");
      continue;
    }
    for (std::size_t k = 0; k < kW; ++k) {
      if (o[k] != enc(x_of(k))) bad.push_back(who + "x[" + std::to_string(k) + "] wrong");
      if (o[kW + k] != enc(x_of(k) * y_of(k))) {
        bad.push_back(who + "product " + std::to_string(k) + " wrong");
      }
    }
    for (std::size_t k = 0; k < kTrunc; ++k) {
      auto got = F::from_bytes(o[2 * kW + k]);
      const std::int64_t lo = x_of(k % kW) >> kF;
      bool right = false;
      if (got) {
        auto v = got->to_i64();
        right = v && (*v == lo || *v == lo + 1);
      }
      if (!right) {
        bad.push_back(who + "truncation " + std::to_string(k) + " wrong");
      }
    }
    if (o[2 * kW + kTrunc] != enc(kA0 * kA1) || o[2 * kW + kTrunc + 1] != enc(kA1 * kA2)) {
      bad.push_back(who + "client products wrong");
    }
    // The batch took the path its size calls for (decision P10): a large batch is tried with
    // double sharings (below n = 4t + 1 it may then fall back to triples), a small one is not.
    const bool large = kW >= kDoubleSharingMinBatch;
    if (r.doubles_used[i] != (large ? kW : 0)) {
      bad.push_back(who + std::to_string(r.doubles_used[i]) + " products with double sharings");
    }
    for (std::size_t p : r.suspects[i]) {
      if (p >= n || !spec.liar[p]) {
        bad.push_back(who + "names party " + std::to_string(p) + " as having sent wrong shares");
      }
    }
    for (std::size_t p : r.silent[i]) {
      if (p >= n || !spec.faulty[p]) {
        bad.push_back(who + "names honest party " + std::to_string(p) + " as silent");
      }
    }
  }
  if (!r.client_error.empty()) bad.push_back("clients: " + r.client_error);
  bool found = false;
  for (const auto& co : r.outputs) {
    if (co.client_id != kClientA) continue;
    found = true;
    if (co.values != std::vector<FieldBytes>{enc(kA0 * kA1)}) {
      std::string got;
      for (const auto& v : co.values) {
        auto x = F::from_bytes(v);
        auto i = x ? x->to_i64() : Result<std::int64_t>(x.error());
        got += " " + (i ? std::to_string(*i) : std::string("?"));
      }
      bad.push_back("client output wrong:" + got);
    }
  }
  if (!found && r.client_error.empty()) bad.push_back("client " + std::to_string(kClientA) +
                                                      " got no output");
  return bad;
}

// Runs the specs, `parallel` at a time (the runs mostly wait for timeouts, so running several
// at once costs little CPU), and reports each one's problems under its name.
inline std::vector<std::pair<WorkloadRun, std::vector<std::string>>> run_all(
    const std::vector<WorkloadSpec>& specs, std::size_t parallel) {
  std::vector<std::pair<WorkloadRun, std::vector<std::string>>> out(specs.size());
  for (std::size_t first = 0; first < specs.size(); first += parallel) {
    std::vector<std::thread> th;
    for (std::size_t i = first; i < std::min(specs.size(), first + parallel); ++i) {
      th.emplace_back([&, i] {
        out[i] = math::visit_field(specs[i].field, [&](auto tag) {
          using F = typename decltype(tag)::type;
          WorkloadRun r = run<F>(specs[i]);
          auto p = problems<F>(specs[i], r);
          return std::make_pair(std::move(r), std::move(p));
        });
      });
    }
    for (auto& t : th) t.join();
  }
  return out;
}

}  // namespace workload
}  // namespace stoffel::mpc::test
