// How a program is run locally (decision M1): the policy of stoffel-run, in the library so that
// every front end (the CLI, an embedding host, tests) runs programs the same way.
//
// A program that never touches a secret does not need n parties: run_program first runs it on
// one VM without an MPC backend, holding its output and trace back. If it finishes without
// needing the backend, that is the result, and the held-back text is passed on in program order.
// If it needs the backend (a MOV across the r16 boundary, a Share.* or Mpc.* builtin, ...), it
// runs again from the start on the embedded engine (embedded_run.h) and the held-back text is
// dropped, so for deterministic programs the two paths cannot be told apart. Programs with client
// inputs or injected faults go to the engine directly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "embed/embedded_run.h"
#include "embed/party_run.h"
#include "mpc/material_store.h"
#include "stoffel/result.h"

namespace stoffel::embed {

struct ProgramRunOptions {
  // The embedded engine's settings, checked even when the engine is not used.
  EmbeddedOptions engine;
  // Skip the one-VM attempt (stoffel-run: --client-inputs was given, even as '').
  bool start_on_engine = false;
  // Opens the parties' preprocessing stores (one per party), called only once the engine is
  // needed; its stores must outlive the run. Empty: no stores.
  std::function<Result<std::vector<mpc::MaterialStore*>>()> open_stores;
};

// Runs `entry` of `program`. Output and trace go to `sinks` in program order. An Error means the
// program did not run: kind Usage (bad settings: n >= 3t + 1, client inputs, faults for a party
// that does not exist), Load (no functions, or the VM refuses the program) or Store (the stores
// cannot be opened). A program that ran and failed is a report with ok == false and the
// failure's kind.
Result<RunReport> run_program(const bytecode::Program& program, const std::string& entry,
                              const ProgramRunOptions& options, const RunSinks& sinks);

}  // namespace stoffel::embed
