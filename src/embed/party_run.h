// One party's run of a program: its share of the client inputs, then its own VM on its own MPC
// party, then the opening of a returned share. The same code runs every party of the embedded
// engine (embedded_run.h: n parties in one process) and the one party of a process in a
// distributed session (src/node: over TLS links), so the two cannot drift apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bytecode/program.h"
#include "mpc/party.h"
#include "stoffel/result.h"
#include "vm/trace.h"

namespace stoffel::embed {

struct PartyRunOptions {
  uint32_t max_call_depth = 1'000'000;
  uint64_t max_steps = 0;  // instruction budget (vm::VmOptions::max_steps); 0 = none
  vm::TraceOptions trace;  // traces to stderr when any is set
};

struct PartyRunResult {
  bool ok = false;
  std::string out;     // what the program printed
  std::string result;  // display form of the returned value (opened if it was a share)
  Error error;  // when !ok; its kind is AbortedByPeer when another party's failure stopped this one
  std::string where;   // "at function 'f', instruction i (OP)" when known
  mpc::PartyStats stats;
  // Wall time of the program itself, from its first instruction to its (opened) result: no
  // client inputs, no process or session setup (benchmarks read it from --stats).
  double program_ms = 0;
};

// Runs `entry` of `program` as `party`. `counts` lists the session's clients and how many inputs
// each gives (ascending client ids); their shares go into the VM's client store. Every party of
// the session must make this call with the same program, entry and counts.
PartyRunResult run_party(mpc::Party& party, const bytecode::Program& program,
                         const std::string& entry,
                         std::span<const mpc::Party::ClientInputCount> counts,
                         const PartyRunOptions& options);

// "[stats] party i: multiplications ..., openings ..." (and who sent wrong shares), and with
// program_ms >= 0 "[stats] party i: program ran X ms", for --stats.
std::string format_party_stats(std::size_t index, const mpc::PartyStats& stats,
                               double program_ms = -1);

}  // namespace stoffel::embed
