// stoffel-run: runs a compiled Stoffel program. Thin: parsing is in run_options.cpp, everything
// else is the library.
#include <cstdio>
#include <string>
#include <vector>

#include <cctype>

#include "bytecode/reader.h"
#include "embed/embedded_run.h"
#include "math/field_kind.h"
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

int run(const stoffel::cli::RunOptions& opts) {
  using namespace stoffel;
  auto program = bytecode::read_program_file(opts.program);
  if (!program) {
    err_line("Error: cannot load '" + opts.program + "': " + program.error().message);
    return cli::kExitBadProgram;
  }
  if (program->functions.empty()) {
    err_line("Error: compiled program contains no functions");
    return cli::kExitBadProgram;
  }

  // MPC settings are validated even when the program turns out not to need them.
  std::string backend = opts.mpc_backend;
  for (char& c : backend) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (backend == "avss" || backend == "adkg") {
    err_line("Error: the avss backend is not available yet (use honeybadger)");
    return cli::kExitBadFlags;
  }
  if (backend != "honeybadger" && backend != "hb") {
    err_line("Error: unknown --mpc-backend '" + opts.mpc_backend + "' (honeybadger, hb)");
    return cli::kExitBadFlags;
  }
  auto field = math::parse_curve_name(opts.mpc_curve);
  if (!field) {
    err_line("Error: " + field.error().message);
    return cli::kExitBadFlags;
  }
  // In 64 bits: 3t + 1 must not wrap around (the parser bounds t, this does not rely on it).
  if (uint64_t{opts.n_parties} < 3 * uint64_t{opts.threshold} + 1) {
    err_line("Error: --n-parties " + std::to_string(opts.n_parties) + " with --threshold " +
             std::to_string(opts.threshold) + " violates n >= 3t + 1");
    return cli::kExitBadFlags;
  }
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
    if (auto r = machine.load_program(*program); !r) {
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
  auto outcome = embed::run_embedded(*program, opts.entry, eo);
  if (!outcome) {
    err_line("Error: " + outcome.error().message);
    return cli::kExitBadFlags;
  }
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
  if (!parsed.options) {
    std::fprintf(stderr, "%s\n", parsed.message.c_str());
    return parsed.exit_code;
  }
  return run(*parsed.options);
}
