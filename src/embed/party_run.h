// One party's run of a program: what every party of an MPC session does with it. The same code
// runs every party of the embedded engine (embedded_run.h: n parties in one process) and the one
// party of a process in a distributed session (src/node: over TLS links), so the two cannot
// drift apart.
//
// THE CONTRACT of run_party:
//  * `party` is any mpc::Party, on any net::Endpoint (mpc::make_party builds one on whatever
//    transport it is given: in-memory links, TLS links). run_party only calls the Party
//    interface; it owns no thread, socket or session.
//  * Every party of the session calls run_party with the same program, entry and `counts`, each
//    from its own thread, and uses the party from that thread only. Since every party runs the
//    same program, all make the same interactive calls in the same order, which is what the
//    protocols require.
//  * Steps: (1) the client input protocol for `counts` (interactive; the shares land in the
//    VM's client store); (2) the program on a fresh VirtualMachine whose MPC backend is the
//    party; (3) when the returned value holds secrets, one more robust opening of them, so the
//    result is reported in the clear. Every party takes part in (1) and (3).
//  * It blocks the calling thread until the program has ended. Output and trace lines are
//    passed to `sinks` on that thread, in the order the program produced them (and the output is
//    also kept in PartyRunResult::out); without a trace sink, trace lines go to stderr.
//  * A failure is returned, never thrown, with the error's kind. run_party does NOT stop the
//    other parties: the caller must (LocalSession::abort, or closing this party's links), or
//    they wait for this party's messages until their receive timeout. A party stopped because
//    another party failed reports ErrorKind::AbortedByPeer, which is never the root cause.
//  * A party done with its program may still be needed by the others (reliable broadcast and
//    agreement are asynchronous): the caller keeps serving it (Party::serve) until every party
//    is done, as embedded_run.cpp and src/node do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/program.h"
#include "embed/party_backend.h"
#include "mpc/party.h"
#include "stoffel/result.h"
#include "vm/share_type.h"
#include "vm/trace.h"

namespace stoffel::embed {

// Where a run's text goes while it runs, in program order. Either may be empty.
struct RunSinks {
  std::function<void(std::string_view)> output;  // what the program prints (`print`)
  std::function<void(std::string_view)> trace;   // one trace line, without its newline
  // An informational line for the user (stderr), when it happens, e.g. "Loaded preprocessing
  // material from store (...)" before the program's first output. Empty: such lines go to
  // RunReport::notes at the end instead.
  std::function<void(std::string_view)> note;
};

struct PartyRunOptions {
  // Per client (in `counts` order), the type each input was given as, when known: reading an
  // input as the other kind (an integer as fixed point, or the reverse) is then an execution
  // error. Empty: unknown, not checked.
  std::vector<std::vector<vm::ShareType>> client_input_types;
  uint32_t max_call_depth = 1'000'000;
  uint64_t max_steps = 0;  // instruction budget (vm::VmOptions::max_steps); 0 = none
  vm::TraceOptions trace;  // none by default; lines go to RunSinks::trace (or stderr)
};

struct PartyRunResult {
  bool ok = false;
  std::string out;     // what the program printed
  std::string result;  // display form of the returned value, secrets opened (when ok)
  Error error;         // why the run failed (when !ok)
  std::string where;   // "at function 'f', instruction i (OP)" when the VM knows it
  mpc::PartyStats stats;
  // Wall time of the program itself, from its first instruction to its (opened) result: no
  // client inputs, no process or session setup (benchmarks read it from --stats).
  double program_ms = 0;
};

// Runs `entry` of `program` as `party`. `counts` lists the session's clients and how many inputs
// each gives (ascending client ids); their shares go into the VM's client store.
PartyRunResult run_party(mpc::Party& party, const bytecode::Program& program,
                         const std::string& entry,
                         std::span<const mpc::Party::ClientInputCount> counts,
                         const PartyRunOptions& options, const RunSinks& sinks = {});

// "[stats] party i: multiplications ..., openings ..." (and who sent wrong shares), and with
// program_ms >= 0 "[stats] party i: program ran X ms", for --stats.
std::string format_party_stats(std::size_t index, const mpc::PartyStats& stats,
                               double program_ms = -1);

}  // namespace stoffel::embed
