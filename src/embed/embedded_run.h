// The embedded engine of stoffel-run (decision M1): n full VMs in one process, one thread each,
// over the in-memory transport, with client inputs fed through the real input protocol. The
// program's output and result must be the same at every party; party 0's is reported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "embed/party_run.h"
#include "mpc/material_store.h"
#include "mpc/session_params.h"
#include "stoffel/result.h"
#include "vm/trace.h"

namespace stoffel::embed {

struct EmbeddedOptions {
  // n, t, field, seed (0: OS randomness), ... of the session (decision W12).
  mpc::SessionParams session;
  // One list per client, in client order (client ids 0, 1, ...): each an integer (a raw field
  // integer) or a decimal with a point (fixed point, scaled by 2^16).
  std::vector<std::vector<std::string>> client_inputs;
  uint32_t max_call_depth = 1'000'000;
  uint64_t max_steps = 0;  // instruction budget of every party's VM (vm::VmOptions); 0 = none
  vm::TraceOptions trace;  // the shown party only (the first honest one)
  // Fault injection for robustness tests (stoffel-run --fault-corrupt / --fault-crash): every
  // message these parties send after the first corrupt_after_messages is corrupted / these
  // parties crash after crash_after_messages messages. They are the faulty parties of the run:
  // the outcome and the warnings are the other parties'.
  std::vector<size_t> corrupt_parties;
  std::vector<size_t> crash_parties;
  uint64_t crash_after_messages = 0;
  uint64_t corrupt_after_messages = 0;
  // Preprocessing stores, one per party (embedded_store.h), or empty. The parties agree on the
  // stored material first and use it before generating any (M4); they must outlive the run.
  std::vector<mpc::MaterialStore*> stores;
};

// What a run of a program gave (run_embedded here, run_program in run_program.h). The program's
// output and trace went to the RunSinks while it ran.
struct RunReport {
  bool ok = false;
  bool used_engine = false;                 // ran on the embedded MPC engine (not one plain VM)
  std::string result;                       // display form of the returned value (when ok)
  Error error;                              // why the program failed (when !ok)
  std::string error_location;               // "at function 'f', instruction i (OP)" when known
  std::vector<std::string> client_outputs;  // "Client <id> output: <values>", in client order
  std::string stats;                        // per-party counters, for --stats (when used_engine)
  // Informational lines for stderr ("Loaded preprocessing material from store (...)").
  std::vector<std::string> notes;
  // "party 3 sent wrong shares (noticed by parties 0, 1, 2, 4)", "party 2 did not answer
  // (noticed by ...)": always shown, on stderr.
  std::vector<std::string> warnings;
};

// One client input as the i64 encoded into the field (decision M1): an integer as it is, a
// decimal with a point as fixed point, scaled by 2^16 and rounded to nearest. Errors name the
// token.
Result<int64_t> parse_client_value(std::string_view token);
// The type a client input is given as: a decimal with a point is fixed point (64, 16), anything
// else an integer (SecretInt 64).
vm::ShareType client_value_type(std::string_view token);

// Parses "1,2;3,4;5" into per-client lists (empty string: no clients). Errors name the bad token.
Result<std::vector<std::vector<std::string>>> parse_client_inputs(std::string_view text);

// Runs `entry` of `program` on the embedded engine. The shown party's output and trace (party 0,
// or the first honest one when faults are injected) go to `sinks` as it runs. An Error is a
// setup failure (kind Usage: bad n/t, bad client input, a fault for a party that does not
// exist); a program failure comes back in the report (ok == false).
Result<RunReport> run_embedded(const bytecode::Program& program, const std::string& entry,
                               const EmbeddedOptions& options, const RunSinks& sinks);

}  // namespace stoffel::embed
