#include "embed/embedded_run.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include "embed/party_run.h"
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

// A fixed-point input is a decimal with a point: an optional minus sign, digits, a point, digits
// (at least one digit in all). No exponent, no inf or nan: what is not an integer or such a decimal
// is refused, so "1e3" cannot pass for a fixed-point number.
bool is_fixed_point(std::string_view token) {
  size_t i = (!token.empty() && token[0] == '-') ? 1 : 0;
  size_t digits = 0, points = 0;
  for (; i < token.size(); ++i) {
    if (token[i] >= '0' && token[i] <= '9') {
      ++digits;
    } else if (token[i] == '.') {
      ++points;
    } else {
      return false;
    }
  }
  return points == 1 && digits > 0;
}

}  // namespace

vm::ShareType client_value_type(std::string_view token) {
  return is_fixed_point(token) ? vm::ShareType::fixed_point(64, vm::kDefaultFractionalBits)
                               : vm::ShareType::secret_int(64);
}

Result<int64_t> parse_client_value(std::string_view token) {
  if (is_fixed_point(token)) {
    double d = 0;
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (ec != std::errc() || p != token.data() + token.size() || !std::isfinite(d)) {
      return make_error(ErrorKind::Usage,
                        "bad client input '" + std::string(token) + "': not a number");
    }
    auto scaled = vm::fixed_point_scaled(d, vm::kDefaultFractionalBits);
    if (!scaled) {
      return make_error(ErrorKind::Usage, "client input '" + std::string(token) +
                                              "' is out of the fixed-point range");
    }
    return *scaled;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || p != token.data() + token.size()) {
    return make_error(ErrorKind::Usage, "bad client input '" + std::string(token) +
                                            "': expected an integer or a decimal with a point");
  }
  return v;
}

namespace {

mpc::FieldBytes encode(math::FieldKind kind, int64_t v) {
  return math::visit_field(kind, [&](auto tag) {
    using F = typename decltype(tag)::type;
    return F::from_i64(v).to_bytes();
  });
}

std::string format_stats(const std::vector<PartyRunResult>& results) {
  std::string s;
  for (size_t i = 0; i < results.size(); ++i) {
    s += format_party_stats(i, results[i].stats, results[i].program_ms);
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
        return make_error(ErrorKind::Usage, "bad --client-inputs: empty value in client " +
                                                std::to_string(clients.size()));
      }
      if (auto v = parse_client_value(token); !v) return v.error();
      values.emplace_back(token);
      s2 = e2 + 1;
    }
    clients.push_back(std::move(values));
    start = end + 1;
  }
  return clients;
}

// "Loaded preprocessing material from store (...)": what a party agreed to use from its store.
static std::string loaded_line(const mpc::StoredAmounts& st) {
  std::string line = "Loaded preprocessing material from store (" + std::to_string(st.triples) +
                     " triples, " + std::to_string(st.randoms) + " random shares";
  if (st.bits > 0) line += ", " + std::to_string(st.bits) + " random bits";
  return line + ")";
}

Result<RunReport> run_embedded(const bytecode::Program& program, const std::string& entry,
                               const EmbeddedOptions& options, const RunSinks& sinks) {
  std::vector<mpc::ClientInputs> clients;
  std::vector<mpc::Party::ClientInputCount> counts;
  // Per client, the type each input was given as: a decimal with a point is fixed point.
  std::vector<std::vector<vm::ShareType>> input_types;
  for (size_t c = 0; c < options.client_inputs.size(); ++c) {
    mpc::ClientInputs ci{c, {}};
    std::vector<vm::ShareType> types;
    for (const auto& token : options.client_inputs[c]) {
      auto v = parse_client_value(token);
      if (!v) return v.error();
      ci.values.push_back(encode(options.session.field, *v));
      types.push_back(client_value_type(token));
    }
    counts.push_back({c, ci.values.size()});
    input_types.push_back(std::move(types));
    clients.push_back(std::move(ci));
  }

  if (!options.stores.empty() && options.stores.size() != options.session.n) {
    return make_error(ErrorKind::Usage, "run_embedded: " + std::to_string(options.stores.size()) +
                                            " preprocessing stores for " +
                                            std::to_string(options.session.n) + " parties");
  }
  if (!options.stores.empty() && options.session.seed != 0) {
    return make_error(ErrorKind::Usage,
                      "a preprocessing store cannot be used with --seed: deterministic "
                      "randomness would make the same material again (M4)");
  }
  std::optional<net::FaultPlan> faults;
  if (!options.corrupt_parties.empty() || !options.crash_parties.empty()) {
    net::FaultPlan plan;
    plan.seed = options.session.seed == 0 ? 1 : options.session.seed;
    for (size_t p : options.corrupt_parties) {
      if (p >= options.session.n)
        return make_error(ErrorKind::Usage, "--fault-corrupt: no party " + std::to_string(p));
      plan.senders[p].corrupt_probability = 1.0;
      plan.senders[p].start_after_messages = options.corrupt_after_messages;
    }
    for (size_t p : options.crash_parties) {
      if (p >= options.session.n)
        return make_error(ErrorKind::Usage, "--fault-crash: no party " + std::to_string(p));
      plan.senders[p].crash_after_messages = options.crash_after_messages;
    }
    faults = std::move(plan);
  }
  auto made = mpc::LocalSessionImpl::make(options.session, std::move(clients), std::move(faults));
  if (!made) return made.error();
  Result<std::unique_ptr<mpc::LocalSessionImpl>> session(std::move(made.value()));

  // The parties given a fault to play are the faulty ones of this run: what they compute, report
  // or fail with does not count (a crashed party stops with an error of its own), and the others
  // must finish without them. The outcome is the honest parties'.
  std::vector<uint8_t> faulty(options.session.n, 0);
  for (size_t p : options.corrupt_parties) faulty[p] = 1;
  for (size_t p : options.crash_parties) faulty[p] = 1;
  // The shown party (the first honest one) prints and traces for everybody, as it runs; the
  // others' output is only kept (it may differ legitimately, e.g. a program printing
  // Mpc.party_id()).
  size_t shown = 0;
  while (shown < options.session.n && faulty[shown]) ++shown;
  if (shown == options.session.n) {
    return make_error(ErrorKind::Usage,
                      "every party was given a fault to play: there is no honest party's result");
  }
  std::vector<PartyRunResult> results(options.session.n);
  // Stored preprocessing (docs/store.md): what each party agreed to use from its store.
  std::vector<std::optional<mpc::StoredAmounts>> stored(options.session.n);
  Result<void> client_status;
  std::thread client_thread([&] { client_status = (*session)->run_clients(); });
  {
    std::vector<std::thread> honest, faulty_threads;
    // Honest parties done with their program (faulty ones are not waited for: see below).
    std::atomic<size_t> finished{0};
    size_t honest_count = 0;
    for (size_t i = 0; i < options.session.n; ++i) honest_count += faulty[i] ? 0 : 1;
    for (size_t i = 0; i < options.session.n; ++i) {
      (faulty[i] ? faulty_threads : honest).emplace_back([&, i] {
        PartyRunOptions ro;
        ro.max_call_depth = options.max_call_depth;
        ro.max_steps = options.max_steps;
        ro.client_input_types = input_types;
        if (i == shown) ro.trace = options.trace;
        if (!options.stores.empty()) {
          // Before anything consumes preprocessing: agree on the stored items (every party, M4).
          auto used = (*session)->engine(i).use_store(options.stores[i]);
          if (!used) {
            results[i].ok = false;
            results[i].error = used.error();
            if (!faulty[i])
              (*session)->abort("party " + std::to_string(i) +
                                " stopped: " + results[i].error.message);
            if (!faulty[i]) finished.fetch_add(1);
            return;
          }
          stored[i] = std::move(*used);
          // Said when it happens, before the program prints anything.
          if (i == shown && sinks.note) sinks.note(loaded_line(*stored[i]));
        }
        results[i] = run_party((*session)->party(i), program, entry, counts, ro,
                               i == shown ? sinks : RunSinks{});
        // An honest party that stops early must not leave the others waiting for its messages.
        if (!results[i].ok && !faulty[i])
          (*session)->abort("party " + std::to_string(i) + " stopped: " + results[i].error.message);
        if (!faulty[i]) finished.fetch_add(1);
        // Reliable broadcast and agreement are asynchronous: a party done with its program keeps
        // handling messages until every party is done, since the others may still need its
        // echoes and votes (an abort ends the wait).
        if (results[i].ok) {
          mpc::Party& party = (*session)->party(i);
          while (finished.load() < honest_count) {
            if (!party.serve(std::chrono::milliseconds(20))) break;
          }
        }
      });
    }
    for (auto& t : honest) t.join();
    (*session)->finish_clients();
    client_thread.join();
    // Whatever the faulty parties are still waiting for will not come.
    if (!faulty_threads.empty()) (*session)->abort("the honest parties have finished");
    for (auto& t : faulty_threads) t.join();
  }

  RunReport out;
  out.used_engine = true;
  out.stats = format_stats(results);
  if (stored[shown]) {
    const mpc::StoredAmounts& st = *stored[shown];
    if (!sinks.note) out.notes.push_back(loaded_line(st));
    if (!st.note.empty()) out.warnings.push_back("warning: preprocessing store: " + st.note);
  }
  // What the honest parties saw, party by party: wrong shares (robust openings and preprocessing
  // record who sent them, M3) and silence (whom they stopped waiting for). A party is named only
  // for what an honest party observed; a silent party is never said to have sent wrong shares.
  std::vector<std::vector<size_t>> wrong_by(options.session.n), silent_by(options.session.n);
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
  for (size_t p = 0; p < options.session.n; ++p) {
    if (!wrong_by[p].empty()) {
      warn(p, "sent wrong shares", wrong_by[p]);
    } else if (!silent_by[p].empty()) {
      warn(p, "did not answer", silent_by[p]);
    }
  }
  const PartyRunResult& first = results[shown];
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
    out.result = first.result;
    for (const auto& co : (*session)->client_outputs()) {
      if (co.values.empty()) continue;  // this client was sent nothing
      // Each value came with its type as its label (PartyBackend::send_output).
      std::string line = "Client " + std::to_string(co.client_id) + " output: ";
      for (size_t k = 0; k < co.values.size(); ++k) {
        if (k > 0) line += ", ";
        auto v = (*session)->party(shown).decode_int(co.values[k]);
        if (!v) {
          line += "<" + v.error().message + ">";
          continue;
        }
        const auto type = vm::ShareType::from_output_label(k < co.labels.size() ? co.labels[k] : 0);
        line += vm::display_string(vm::clear_from_int(*v, type.value_or(vm::ShareType::secret_int(64))));
      }
      out.client_outputs.push_back(line);
    }
    return out;
  }
  // Report the root cause: a party's own failure rather than the aborts it caused elsewhere.
  out.ok = false;
  const PartyRunResult* cause = nullptr;
  for (size_t i = 0; i < results.size() && cause == nullptr; ++i) {
    if (!faulty[i] && !results[i].ok && !results[i].error.is(ErrorKind::AbortedByPeer)) {
      cause = &results[i];
    }
  }
  for (size_t i = 0; i < results.size() && cause == nullptr; ++i) {
    if (!faulty[i] && !results[i].ok) cause = &results[i];
  }
  if (cause != nullptr) {
    out.error = cause->error;
    out.error_location = cause->where;
    // The shown party may have been stopped by the abort before it printed what the failing party
    // printed on its way to the error (it was behind, e.g. waiting in a round the others had
    // finished without it). Everything the program printed before its error must appear, so
    // the rest comes from the failing party when the shown party's output is the start of its
    // output (it is, unless the program prints party-specific values).
    const std::string& shown_out = first.out;
    const std::string& cause_out = cause->out;
    if (cause != &first && first.error.is(ErrorKind::AbortedByPeer) &&
        cause_out.size() > shown_out.size() && cause_out.starts_with(shown_out) && sinks.output) {
      sinks.output(std::string_view(cause_out).substr(shown_out.size()));
    }
  } else {
    out.error = make_error(ErrorKind::Protocol, "the parties disagree on the program's result");
  }
  return out;
}

}  // namespace stoffel::embed
