// stoffel-run: runs a compiled Stoffel program. Thin: parsing is in run_options.cpp, everything
// else is the library.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <cctype>

#include "bytecode/reader.h"
#include "distributed.h"
#include "embed/embedded_run.h"
#include "embed/embedded_store.h"
#include "math/field_kind.h"
#include "mpc/store_plan.h"
#include "run_options.h"
#include "vm/trace.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace {

// stdout is buffered for speed (print-heavy programs); flush it before anything goes to stderr
// so a terminal shows both in program order.
void err_line(const std::string& s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", s.c_str());
}

void print_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

int execution_error(const std::string& entry, const std::string& message,
                    const std::string& where) {
  err_line("Execution error in '" + entry + "': " + message);
  if (!where.empty()) err_line("  " + where);
  return stoffel::cli::kExitExecution;
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
  req.n = opts.n_parties;
  req.t = opts.threshold;
  req.field = *field;
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

// stoffel-run --store-info DIR.
int store_info(const stoffel::cli::RunOptions& opts) {
  auto text = stoffel::embed::describe_stores(opts.store_info, opts.store_key);
  if (!text) {
    err_line("Error: " + text.error().message);
    return stoffel::cli::kExitStore;
  }
  print_stdout(*text);
  std::fflush(stdout);
  return stoffel::cli::kExitOk;
}

int run(const stoffel::cli::RunOptions& opts) {
  using namespace stoffel;
  if (opts.role != cli::RunOptions::Role::kLocal) return cli::run_distributed(opts);
  auto program = cli::load_program(opts.program);
  if (!program) {
    err_line(program.error().message);
    return cli::kExitBadProgram;
  }
  // MPC settings are validated even when the program turns out not to need them.
  auto field = mpc_field(opts);
  if (!field) return cli::kExitBadFlags;
  auto clients = embed::parse_client_inputs(opts.client_inputs);
  if (!clients) {
    err_line("Error: " + clients.error().message);
    return cli::kExitBadFlags;
  }
  const vm::TraceOptions trace{opts.trace_instr, opts.trace_regs, opts.trace_stack};

  err_line("Starting VM execution of '" + opts.entry + "'...");
  const bool faults = !opts.fault_corrupt.empty() || !opts.fault_crash.empty();
  if (!opts.client_inputs_given && !faults) {
    // First try the program on one VM without an MPC engine, with its output held back. If it
    // never needs the engine, that run is the answer (clear programs run at full speed). If it
    // does, it runs again from the start on the embedded engine; the held-back output is
    // dropped, so deterministic programs cannot tell the difference.
    vm::VmOptions vm_options;
    vm_options.max_call_depth = opts.max_call_depth;
    vm_options.max_steps = opts.max_steps;
    vm::VirtualMachine machine(vm_options);
    std::string out;
    std::vector<std::string> trace_lines;
    machine.set_output([&out](std::string_view text) { out.append(text); });
    if (auto r = machine.load_program(program->program); !r) {
      err_line("Error: cannot load '" + opts.program + "': " + r.error().message);
      return cli::kExitBadProgram;
    }
    if (trace.instructions || trace.registers || trace.stack) {
      vm::install_trace_hooks(machine, trace, [&trace_lines](std::string_view line) {
        trace_lines.emplace_back(line);
      });
    }
    auto result = machine.execute(opts.entry);
    if (!machine.engine_was_needed()) {
      for (const auto& line : trace_lines) err_line(line);
      print_stdout(out);
      if (!result) {
        const auto& w = machine.last_error_location();
        std::string where;
        if (w.valid) {
          where = "at function '" + w.function + "', instruction " +
                  std::to_string(w.instruction_index) + " (" + w.opcode + ")";
        }
        return execution_error(opts.entry, result.error().message, where);
      }
      print_stdout("Program returned: " + vm::display_string(*result) + "\n");
      std::fflush(stdout);
      return cli::kExitOk;
    }
  }

  embed::EmbeddedOptions eo;
  eo.n_parties = opts.n_parties;
  eo.threshold = opts.threshold;
  eo.field = *field;
  eo.client_inputs = std::move(clients.value());
  eo.max_call_depth = opts.max_call_depth;
  eo.max_steps = opts.max_steps;
  eo.trace = trace;
  eo.seed = opts.seed;
  eo.corrupt_parties.assign(opts.fault_corrupt.begin(), opts.fault_corrupt.end());
  eo.crash_parties.assign(opts.fault_crash.begin(), opts.fault_crash.end());
  eo.crash_after_messages = opts.fault_crash_after;
  eo.corrupt_after_messages = opts.fault_corrupt_after;
  std::optional<embed::EmbeddedStores> stores;
  if (!opts.preproc_store.empty()) {
    auto opened = embed::open_embedded_stores(store_settings(opts), opts.n_parties, opts.threshold,
                                              *field, false);
    if (!opened) {
      err_line("Error: " + opened.error().message);
      return cli::kExitStore;
    }
    stores = std::move(*opened);
    eo.stores = stores->pointers();
  }
  auto outcome = embed::run_embedded(program->program, opts.entry, eo);
  if (!outcome) {
    err_line("Error: " + outcome.error().message);
    return cli::kExitBadFlags;
  }
  for (const auto& note : outcome->notes) err_line(note);
  print_stdout(outcome->stdout_text);
  for (const auto& line : outcome->client_outputs) print_stdout(line + "\n");
  for (const auto& w : outcome->warnings) err_line(w);
  if (opts.stats) {
    std::fflush(stdout);
    std::fputs(outcome->stats.c_str(), stderr);
  }
  if (!outcome->ok) {
    return execution_error(opts.entry, outcome->error, outcome->error_location);
  }
  print_stdout("Program returned: " + outcome->result + "\n");
  std::fflush(stdout);
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
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
