#include "embed/run_program.h"

#include <string>
#include <utility>
#include <vector>

#include "mpc/session_params.h"
#include "vm/builtins.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::embed {

namespace {

// The text of a run held back in program order: program output and trace lines interleaved.
struct Transcript {
  struct Piece {
    bool trace;
    std::string text;
  };
  std::vector<Piece> pieces;

  void output(std::string_view text) {
    // Consecutive prints are merged: a print-heavy program holds one growing string.
    if (!pieces.empty() && !pieces.back().trace) {
      pieces.back().text.append(text);
    } else {
      pieces.push_back({false, std::string(text)});
    }
  }
  void replay(const RunSinks& sinks) const {
    for (const Piece& p : pieces) {
      const auto& sink = p.trace ? sinks.trace : sinks.output;
      if (sink) sink(p.text);
    }
  }
};

}  // namespace

Result<RunReport> run_program(const bytecode::Program& program, const std::string& entry,
                              const ProgramRunOptions& options, const RunSinks& sinks) {
  if (program.functions.empty()) {
    return make_error(ErrorKind::Load, "compiled program contains no functions");
  }
  // The MPC settings are checked even when the program turns out not to need them.
  const EmbeddedOptions& engine = options.engine;
  if (auto ok = mpc::validate(engine.session); !ok) return ok.error();

  // A program the VM refuses is a Load error before anything runs, on either path.
  vm::VmOptions vm_options;
  vm_options.max_call_depth = engine.max_call_depth;
  vm_options.max_steps = engine.max_steps;
  vm::VirtualMachine machine(vm_options);
  Transcript held;
  machine.set_output([&held](std::string_view text) { held.output(text); });
  vm::register_crypto_builtins(machine);  // Crypto.*, Bytes.* (stoffel_vm_crypto)
  if (auto r = machine.load_program(program); !r) return Error{r.error().message, ErrorKind::Load};

  const bool faults = !engine.corrupt_parties.empty() || !engine.crash_parties.empty();
  if (!options.start_on_engine && !faults) {
    const vm::TraceOptions& trace = engine.trace;
    if (trace.instructions || trace.registers || trace.stack) {
      vm::install_trace_hooks(machine, trace, [&held](std::string_view line) {
        held.pieces.push_back({true, std::string(line)});
      });
    }
    auto result = machine.execute(entry);
    if (!machine.engine_was_needed()) {
      held.replay(sinks);
      RunReport report;
      if (!result) {
        report.error = result.error();
        report.error_location = machine.last_error_location().to_string();
        return report;
      }
      report.ok = true;
      report.result = vm::display_string(*result);
      return report;
    }
  }

  EmbeddedOptions on_engine = engine;
  if (options.open_stores) {
    auto stores = options.open_stores();
    if (!stores) return stores.error();
    on_engine.stores = std::move(*stores);
  }
  return run_embedded(program, entry, on_engine, sinks);
}

}  // namespace stoffel::embed
