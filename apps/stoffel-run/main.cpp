// stoffel-run: runs a compiled Stoffel program. Thin: parsing is in run_options.cpp, everything
// else is the library.
#include <cstdio>
#include <string>
#include <vector>

#include "bytecode/reader.h"
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

  vm::VmOptions vm_options;
  vm_options.max_call_depth = opts.max_call_depth;
  vm::VirtualMachine machine(vm_options);
  if (auto r = machine.load_program(std::move(program.value())); !r) {
    err_line("Error: cannot load '" + opts.program + "': " + r.error().message);
    return cli::kExitBadProgram;
  }
  if (opts.trace_instr || opts.trace_regs || opts.trace_stack) {
    vm::install_trace_hooks(machine, {opts.trace_instr, opts.trace_regs, opts.trace_stack},
                            [](std::string_view line) { err_line(std::string(line)); });
  }

  err_line("Starting VM execution of '" + opts.entry + "'...");
  auto result = machine.execute(opts.entry);
  if (!result) {
    err_line("Execution error in '" + opts.entry + "': " + result.error().message);
    const auto& where = machine.last_error_location();
    if (where.valid) {
      err_line("  at function '" + where.function + "', instruction " +
               std::to_string(where.instruction_index) + " (" + where.opcode + ")");
    }
    return cli::kExitExecution;
  }
  std::string line = "Program returned: ";
  vm::append_display(line, *result);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
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
