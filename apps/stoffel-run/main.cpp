// stoffel-run: runs a compiled Stoffel program. Thin: flags are parsed in run_options.cpp, a
// local run (one VM, or the embedded MPC engine when the program needs it) is
// embed::run_program, a distributed one is distributed.cpp; this file prints.
#include <malloc.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/reader.h"
#include "distributed.h"
#include "embed/embedded_run.h"
#include "embed/embedded_store.h"
#include "embed/run_program.h"
#include "math/field_kind.h"
#include "mpc/store_plan.h"
#include "net/identity.h"
#include "node/party_store.h"
#include "run_options.h"

namespace {

// stdout is buffered for speed (print-heavy programs); flush it before anything goes to stderr
// so a terminal shows both in program order.
void err_line(std::string_view s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(s.size()), s.data());
}

void print_stdout(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// The MPC settings every mode checks: backend, curve, n >= 3t + 1. nullopt: an error was printed
// (exit 2).
std::optional<stoffel::math::FieldKind> mpc_field(const stoffel::cli::RunOptions& opts) {
  using namespace stoffel;
  auto field = cli::check_mpc_settings(opts);
  if (!field) {
    err_line(field.error().message);
    return std::nullopt;
  }
  if (opts.seed != 0 && (opts.preprocess || !opts.preproc_store.empty())) {
    err_line(
        "Error: --seed cannot be combined with a preprocessing store: deterministic "
        "randomness would make the same material again, and material must never be used "
        "twice");
    return std::nullopt;
  }
  return *field;
}

stoffel::embed::StoreSettings store_settings(const stoffel::cli::RunOptions& opts) {
  stoffel::embed::StoreSettings s;
  s.dir = opts.preproc_store;
  s.key_file = opts.store_key;
  s.map_size = opts.store_map_size_mib << 20;
  return s;
}

// stoffel-run --preprocess: the offline phase ahead of time on the embedded engine.
int preprocess(const stoffel::cli::RunOptions& opts) {
  using namespace stoffel;
  auto field = mpc_field(opts);
  if (!field) return cli::kExitBadFlags;
  embed::PreprocessRequest req;
  req.session.n = opts.n_parties;
  req.session.t = opts.threshold;
  req.session.field = *field;
  req.store = store_settings(opts);
  req.triples = opts.pre_triples;
  req.randoms = opts.pre_randoms;
  req.bits = opts.pre_bits;
  if (req.triples + req.randoms + req.bits == 0) {
    err_line("Error: nothing to preprocess: give --triples N, --random M and/or --bits B");
    return cli::kExitBadFlags;
  }
  auto done = embed::preprocess_embedded(req);
  if (!done) {
    err_line("Error: " + done.error().message);
    return cli::kExitStore;
  }
  for (const auto& note : done->notes) err_line(note);
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", done->seconds);
  print_stdout("Stored " + std::to_string(done->triples) + " triples, " +
               std::to_string(done->randoms) + " random shares and " + std::to_string(done->bits) +
               " random bits per party in " + opts.preproc_store + "/party-0.." +
               std::to_string(opts.n_parties - 1) + " (lot " + mpc::short_lot_id(done->lot) + ", " +
               secs + " s)\n");
  std::fflush(stdout);
  return cli::kExitOk;
}

// stoffel-run --store-info DIR [--store-key FILE | --identity FILE [--party-id I]].
int store_info(const stoffel::cli::RunOptions& opts) {
  stoffel::Result<std::string> text = std::string();
  if (!opts.identity.empty()) {
    // A distributed party's store, sealed under a secret derived from its identity key.
    auto id = stoffel::net::Identity::load(opts.identity);
    if (!id) {
      err_line("Error: " + id.error().message);
      return stoffel::cli::kExitBadFlags;
    }
    std::vector<std::string> notes;
    auto secret = stoffel::node::party_store_secret(stoffel::node::PartyStoreOptions{}, *id,
                                                    /*create=*/false, notes);
    if (!secret) {
      err_line("Error: " + secret.error().message);
      return stoffel::cli::kExitStore;
    }
    std::optional<std::size_t> only;
    if (opts.party_id_given) only = opts.party_id;
    text = stoffel::embed::describe_stores(opts.store_info, std::move(*secret),
                                           "the key derived from --identity", only);
  } else {
    std::optional<std::size_t> only;
    if (opts.party_id_given) only = opts.party_id;
    text = stoffel::embed::describe_stores(opts.store_info, opts.store_key, only);
  }
  if (!text) {
    err_line("Error: " + text.error().message);
    return stoffel::cli::kExitStore;
  }
  print_stdout(*text);
  std::fflush(stdout);
  return stoffel::cli::kExitOk;
}

// What to do about a failure whose cause is on this command line: the client inputs. Added here,
// where the flags are known, and not by the VM, whose text stays the reference's (E5) and
// neutral: a distributed party's clients come over the network (--wait-for-clients), an
// embedding host's from its own API. The texts matched are those fixed messages.
std::string with_hint(const std::string& message, const stoffel::cli::RunOptions& opts,
                      const std::vector<std::vector<std::string>>& clients) {
  const auto plural = [](size_t n, const char* noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
  };
  if (message.starts_with("No client at index ")) {
    if (!opts.client_inputs_given) {
      return message +
             " (give client inputs with --client-inputs: one ;-separated list per client, "
             "e.g. --client-inputs '15;25' for clients 0 and 1)";
    }
    return message + " (--client-inputs gave " + plural(clients.size(), "client") +
           ": one ;-separated list per client)";
  }
  if (message.starts_with("No share found for client ")) {
    return message +
           " (a client's inputs are the ,-separated values of its list in "
           "--client-inputs, numbered from 0)";
  }
  return message;
}

int run(const stoffel::cli::RunOptions& opts) {
  using namespace stoffel;
  if (opts.role != cli::RunOptions::Role::kLocal) return cli::run_distributed(opts);
  auto program = cli::load_program(opts.program);
  if (!program) {
    err_line(program.error().message);
    return cli::exit_code_for(program.error().kind);
  }
  // MPC settings are validated even when the program turns out not to need them.
  auto field = mpc_field(opts);
  if (!field) return cli::kExitBadFlags;
  auto clients = embed::parse_client_inputs(opts.client_inputs);
  if (!clients) {
    err_line("Error: " + clients.error().message);
    return cli::exit_code_for(clients.error().kind);
  }

  embed::ProgramRunOptions ro;
  embed::EmbeddedOptions& eo = ro.engine;
  eo.session.n = opts.n_parties;
  eo.session.t = opts.threshold;
  eo.session.field = *field;
  eo.session.seed = opts.seed;
  eo.client_inputs = std::move(clients.value());
  eo.max_call_depth = opts.max_call_depth;
  eo.max_steps = opts.max_steps;
  eo.trace = {opts.trace_instr, opts.trace_regs, opts.trace_stack};
  eo.session.avss = cli::avss_backend(opts);
  eo.corrupt_parties.assign(opts.fault_corrupt.begin(), opts.fault_corrupt.end());
  eo.crash_parties.assign(opts.fault_crash.begin(), opts.fault_crash.end());
  eo.crash_after_messages = opts.fault_crash_after;
  eo.corrupt_after_messages = opts.fault_corrupt_after;
  ro.start_on_engine = opts.client_inputs_given;
  // The stores are opened only when the program runs on the engine; they outlive the run.
  std::optional<embed::EmbeddedStores> stores;
  if (!opts.preproc_store.empty()) {
    ro.open_stores = [&]() -> stoffel::Result<std::vector<mpc::MaterialStore*>> {
      auto opened = embed::open_embedded_stores(store_settings(opts), opts.n_parties,
                                                opts.threshold, *field, false);
      if (!opened) return Error{opened.error().message, ErrorKind::Store};  // exit 5
      stores = std::move(*opened);
      return stores->pointers();
    };
  }

  err_line("Starting VM execution of '" + opts.entry + "'...");
  const embed::RunSinks sinks{print_stdout, err_line, err_line};
  auto report = embed::run_program(program->program, opts.entry, ro, sinks);
  if (!report) {
    const bool load = report.error().is(ErrorKind::Load);
    err_line((load ? "Error: cannot load '" + opts.program + "': " : std::string("Error: ")) +
             report.error().message);
    return cli::exit_code_for(report.error().kind);
  }
  for (const auto& note : report->notes) err_line(note);
  for (const auto& line : report->client_outputs) print_stdout(line + "\n");
  for (const auto& w : report->warnings) err_line(w);
  if (opts.stats) {
    if (!report->used_engine) {
      err_line("[stats] no MPC was needed: the program ran on one VM (no parties, no rounds)");
    } else {
      std::fflush(stdout);
      std::fputs(report->stats.c_str(), stderr);
    }
  }
  if (!report->ok) {
    err_line("Execution error in '" + opts.entry +
             "': " + with_hint(report->error.message, opts, ro.engine.client_inputs));
    if (!report->error_location.empty()) err_line("  " + report->error_location);
    return cli::exit_code_for(report->error.kind);
  }
  print_stdout("Program returned: " + report->result + "\n");
  std::fflush(stdout);
  return cli::kExitOk;
}

// Decision C4: glibc's allocator keeps the large buffers of preprocessing runs in the heap
// instead of mapping and unmapping them for every run (each fresh mapping is page faults and
// zeroing by the kernel: a million products at n = 5 took 5.86 s, 1.1 s of it system time,
// and take 5.52 s, 0.46 s of it system time). The process keeps its peak heap; secret buffers
// are wiped by the engine before they are freed either way.
void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest allowed value
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = stoffel::cli::parse_run_options(args);
  if (parsed.keygen) return stoffel::cli::run_keygen(*parsed.keygen);
  if (!parsed.options) {
    // --version goes to stdout; usage and errors to stderr.
    std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s\n", parsed.message.c_str());
    return parsed.exit_code;
  }
  // A --preprocess session (--leader, --bootstrap) goes to the node layer with the other roles.
  if (parsed.options->preprocess && parsed.options->role == stoffel::cli::RunOptions::Role::kLocal)
    return preprocess(*parsed.options);
  if (!parsed.options->store_info.empty()) return store_info(*parsed.options);
  return run(*parsed.options);
}
