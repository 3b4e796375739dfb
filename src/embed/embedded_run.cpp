#include "embed/embedded_run.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include "embed/party_backend.h"
#include "math/fields.h"
#include "mpc/local_session.h"
#include "mpc/session.h"
#include "vm/heap_objects.h"
#include "vm/secret.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::embed {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An input as the i64 that is encoded into the field: integers as they are, decimals scaled by
// 2^16 and rounded to nearest.
Result<int64_t> input_value(std::string_view token) {
  if (token.find_first_of(".eE") != std::string_view::npos) {
    double d = 0;
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (ec != std::errc() || p != token.data() + token.size() || !std::isfinite(d)) {
      return make_error("bad client input '" + std::string(token) + "': not a number");
    }
    const double scaled = std::nearbyint(std::ldexp(d, 16));
    if (scaled >= 9.2233720368547758e18 || scaled < -9.2233720368547758e18) {
      return make_error("client input '" + std::string(token) +
                        "' is out of the fixed-point range");
    }
    return static_cast<int64_t>(scaled);
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || p != token.data() + token.size()) {
    return make_error("bad client input '" + std::string(token) +
                      "': expected an integer or a decimal with a point");
  }
  return v;
}

mpc::FieldBytes encode(math::FieldKind kind, int64_t v) {
  return math::visit_field(kind, [&](auto tag) {
    using F = typename decltype(tag)::type;
    return F::from_i64(v).to_bytes();
  });
}

struct PartyResult {
  bool ok = false;
  std::string out;
  std::string result;
  std::string error;
  std::string where;
  mpc::PartyStats stats;
};

PartyResult run_party(mpc::LocalSession& session, size_t index, const bytecode::Program& program,
                      const std::string& entry, const EmbeddedOptions& options,
                      const std::vector<mpc::Party::ClientInputCount>& counts) {
  PartyResult pr;
  mpc::Party& party = session.party(index);
  auto fail = [&](std::string message) {
    pr.ok = false;
    pr.error = std::move(message);
    pr.stats = party.stats();
    return pr;
  };

  auto inputs = party.receive_client_inputs(counts);
  if (!inputs) return fail("client input failed: " + inputs.error().message);

  PartyBackend engine(party);
  vm::VmOptions vm_options;
  vm_options.max_call_depth = options.max_call_depth;
  vm::VirtualMachine machine(vm_options);
  machine.set_output([&pr](std::string_view text) { pr.out.append(text); });
  machine.set_engine(&engine);
  for (size_t c = 0; c < counts.size(); ++c) {
    vm::ClientStore::Client client{counts[c].client_id, {}};
    for (const auto& share : (*inputs)[c]) client.shares.emplace_back(share.begin(), share.end());
    machine.client_store().clients.push_back(std::move(client));
  }
  if (auto r = machine.load_program(program); !r) return fail(r.error().message);
  if (index == 0 &&
      (options.trace.instructions || options.trace.registers || options.trace.stack)) {
    vm::install_trace_hooks(machine, options.trace, [](std::string_view line) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    });
  }

  auto result = machine.execute(entry);
  if (!result) {
    const auto& w = machine.last_error_location();
    if (w.valid) {
      pr.where = "at function '" + w.function + "', instruction " +
                 std::to_string(w.instruction_index) + " (" + w.opcode + ")";
    }
    return fail(result.error().message);
  }
  vm::Value value = *result;
  if (value.type == vm::ValueType::Share) {
    // A returned share is opened (every party takes part) and reported in the clear.
    const vm::FieldBytes f = vm::share_field(value.share);
    auto opened = engine.open(std::span<const vm::FieldBytes>(&f, 1));
    if (!opened) return fail("opening the returned share failed: " + opened.error().message);
    auto clear = vm::clear_from_field(engine, value.share->share_type, (*opened)[0]);
    if (!clear) return fail(clear.error().message);
    value = *clear;
  }
  pr.ok = true;
  pr.result = vm::display_string(value);
  pr.stats = party.stats();
  return pr;
}

std::string format_stats(const std::vector<PartyResult>& results) {
  std::string s;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& st = results[i].stats;
    s += "[stats] party " + std::to_string(i) + ": multiplications " +
         std::to_string(st.multiplications) + ", openings " + std::to_string(st.openings) +
         ", rounds " + std::to_string(st.rounds) + ", bytes sent " + std::to_string(st.bytes_sent) +
         ", messages sent " + std::to_string(st.messages_sent) + ", triples " +
         std::to_string(st.triples_consumed) + "/" + std::to_string(st.triples_generated) +
         " used/generated, random shares " + std::to_string(st.randoms_consumed) + "/" +
         std::to_string(st.randoms_generated) + ", masks " + std::to_string(st.masks_consumed) +
         "/" + std::to_string(st.masks_generated) + "\n";
    if (!st.suspected_parties.empty()) {
      s += "[stats] party " + std::to_string(i) + " saw wrong shares from parties:";
      for (size_t p : st.suspected_parties) s += " " + std::to_string(p);
      s += "\n";
    }
    if (!st.silent_parties.empty()) {
      s += "[stats] party " + std::to_string(i) + " got no answer in time from parties:";
      for (size_t p : st.silent_parties) s += " " + std::to_string(p);
      s += "\n";
    }
  }
  return s;
}

}  // namespace

Result<std::vector<std::vector<std::string>>> parse_client_inputs(std::string_view text) {
  std::vector<std::vector<std::string>> clients;
  if (trim(text).empty()) return clients;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view client = trim(text.substr(start, end - start));
    std::vector<std::string> values;
    size_t s2 = 0;
    while (s2 <= client.size()) {
      size_t e2 = client.find(',', s2);
      if (e2 == std::string_view::npos) e2 = client.size();
      std::string_view token = trim(client.substr(s2, e2 - s2));
      if (token.empty()) {
        return make_error("bad --client-inputs: empty value in client " +
                          std::to_string(clients.size()));
      }
      if (auto v = input_value(token); !v) return v.error();
      values.emplace_back(token);
      s2 = e2 + 1;
    }
    clients.push_back(std::move(values));
    start = end + 1;
  }
  return clients;
}

Result<EmbeddedOutcome> run_embedded(const bytecode::Program& program, const std::string& entry,
                                     const EmbeddedOptions& options) {
  std::vector<mpc::ClientInputs> clients;
  std::vector<mpc::Party::ClientInputCount> counts;
  for (size_t c = 0; c < options.client_inputs.size(); ++c) {
    mpc::ClientInputs ci{c, {}};
    for (const auto& token : options.client_inputs[c]) {
      auto v = input_value(token);
      if (!v) return v.error();
      ci.values.push_back(encode(options.field, *v));
    }
    counts.push_back({c, ci.values.size()});
    clients.push_back(std::move(ci));
  }

  mpc::SessionConfig config;
  config.n = options.n_parties;
  config.t = options.threshold;
  config.field = options.field;
  config.seed = options.seed;
  std::optional<net::FaultPlan> faults;
  if (!options.corrupt_parties.empty() || !options.crash_parties.empty()) {
    net::FaultPlan plan;
    plan.seed = options.seed == 0 ? 1 : options.seed;
    for (size_t p : options.corrupt_parties) {
      if (p >= options.n_parties)
        return make_error("--fault-corrupt: no party " + std::to_string(p));
      plan.senders[p].corrupt_probability = 1.0;
      plan.senders[p].start_after_messages = options.corrupt_after_messages;
    }
    for (size_t p : options.crash_parties) {
      if (p >= options.n_parties) return make_error("--fault-crash: no party " + std::to_string(p));
      plan.senders[p].crash_after_messages = options.crash_after_messages;
    }
    faults = std::move(plan);
  }
  auto made = mpc::LocalSessionImpl::make(config, std::move(clients), std::move(faults));
  if (!made) return made.error();
  Result<std::unique_ptr<mpc::LocalSession>> session(
      std::unique_ptr<mpc::LocalSession>(std::move(made.value())));

  // The parties given a fault to play are the faulty ones of this run: what they compute, report
  // or fail with does not count (a crashed party stops with an error of its own), and the others
  // must finish without them. The outcome is the honest parties'.
  std::vector<uint8_t> faulty(options.n_parties, 0);
  for (size_t p : options.corrupt_parties) faulty[p] = 1;
  for (size_t p : options.crash_parties) faulty[p] = 1;
  std::vector<PartyResult> results(options.n_parties);
  Result<void> client_status;
  std::thread client_thread([&] { client_status = (*session)->run_clients(); });
  {
    std::vector<std::thread> honest, faulty_threads;
    for (size_t i = 0; i < options.n_parties; ++i) {
      (faulty[i] ? faulty_threads : honest).emplace_back([&, i] {
        results[i] = run_party(**session, i, program, entry, options, counts);
        // An honest party that stops early must not leave the others waiting for its messages.
        if (!results[i].ok && !faulty[i])
          (*session)->abort("party " + std::to_string(i) + " stopped: " + results[i].error);
      });
    }
    for (auto& t : honest) t.join();
    (*session)->finish_clients();
    client_thread.join();
    // Whatever the faulty parties are still waiting for will not come.
    if (!faulty_threads.empty()) (*session)->abort("the honest parties have finished");
    for (auto& t : faulty_threads) t.join();
  }

  EmbeddedOutcome out;
  out.stats = format_stats(results);
  // What the honest parties saw, party by party: wrong shares (robust openings and preprocessing
  // record who sent them, M3) and silence (whom they stopped waiting for). A party is named only
  // for what an honest party observed; a silent party is never said to have sent wrong shares.
  std::vector<std::vector<size_t>> wrong_by(options.n_parties), silent_by(options.n_parties);
  for (size_t i = 0; i < results.size(); ++i) {
    if (faulty[i]) continue;
    for (size_t p : results[i].stats.suspected_parties) {
      if (p < wrong_by.size()) wrong_by[p].push_back(i);
    }
    for (size_t p : results[i].stats.silent_parties) {
      if (p < silent_by.size()) silent_by[p].push_back(i);
    }
  }
  auto warn = [&](size_t p, const char* what, const std::vector<size_t>& by) {
    std::string w = "warning: party " + std::to_string(p) + " " + what + " (noticed by ";
    w += by.size() > 1 ? "parties" : "party";
    for (size_t k = 0; k < by.size(); ++k) w += (k == 0 ? " " : ", ") + std::to_string(by[k]);
    out.warnings.push_back(w + ")");
  };
  for (size_t p = 0; p < options.n_parties; ++p) {
    if (!wrong_by[p].empty()) {
      warn(p, "sent wrong shares", wrong_by[p]);
    } else if (!silent_by[p].empty()) {
      warn(p, "did not answer", silent_by[p]);
    }
  }
  size_t shown = 0;  // the first honest party: its output is the one shown
  while (shown + 1 < options.n_parties && faulty[shown]) ++shown;
  const PartyResult& first = results[shown];
  bool all_ok = true, agree = true;
  // The honest parties must agree on the outcome and the returned value. Their printed output
  // may legitimately differ (a program may print Mpc.party_id()); the first one's is shown.
  for (size_t i = 0; i < results.size(); ++i) {
    if (faulty[i]) continue;
    const auto& r = results[i];
    all_ok = all_ok && r.ok;
    agree = agree && r.ok == first.ok && r.result == first.result;
  }
  if (all_ok && agree) {
    out.ok = true;
    out.stdout_text = first.out;
    out.result = first.result;
    for (const auto& co : (*session)->client_outputs()) {
      if (co.values.empty()) continue;  // this client was sent nothing
      std::string line = "Client " + std::to_string(co.client_id) + " output: ";
      for (size_t k = 0; k < co.values.size(); ++k) {
        if (k > 0) line += ", ";
        auto v = (*session)->party(shown).decode_int(co.values[k]);
        line += v ? std::to_string(*v) : "<" + v.error().message + ">";
      }
      out.client_outputs.push_back(line);
    }
    return out;
  }
  // Report the root cause: a party's own failure rather than the aborts it caused elsewhere.
  out.ok = false;
  out.stdout_text = first.out;
  const PartyResult* cause = nullptr;
  for (size_t i = 0; i < results.size() && cause == nullptr; ++i) {
    if (!faulty[i] && !results[i].ok && results[i].error.find("aborted") == std::string::npos) {
      cause = &results[i];
    }
  }
  for (size_t i = 0; i < results.size() && cause == nullptr; ++i) {
    if (!faulty[i] && !results[i].ok) cause = &results[i];
  }
  if (cause != nullptr) {
    out.error = cause->error;
    out.error_location = cause->where;
  } else {
    out.error = "the parties disagree on the program's result";
  }
  return out;
}

}  // namespace stoffel::embed
