// Command-line parsing for stoffel-run (docs/decisions.md, N3): `stoffel-run <program> [entry]
// [flags]`, `--flag value` and `--flag=value`, unknown flags are errors, flag values are never
// taken as the entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stoffel::cli {

struct RunOptions {
  std::string program;
  std::string entry = "main";
  bool trace_instr = false;
  bool trace_regs = false;
  bool trace_stack = false;
  uint32_t max_call_depth = 1'000'000;
  uint64_t max_steps = 0;  // instruction budget (vm::VmOptions::max_steps); 0 = unlimited
  // The embedded MPC engine (decision M1).
  uint32_t n_parties = 5;
  uint32_t threshold = 1;
  std::string mpc_curve = "bls12-381";
  std::string mpc_backend = "honeybadger";
  std::string client_inputs;  // 'a,b;c': one ;-separated list per client
  bool client_inputs_given = false;
  bool stats = false;
  uint64_t seed = 0;                    // deterministic MPC randomness (tests); 0 = OS randomness
  std::vector<uint32_t> fault_corrupt;  // test-only fault injection on the embedded engine
  std::vector<uint32_t> fault_crash;
  uint64_t fault_crash_after = 0;
  uint64_t fault_corrupt_after = 0;
};

// Exit codes (docs/cli.md; docs/decisions.md, C2).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,       // no program, or --help
  kExitBadFlags = 2,    // unknown/removed/invalid flag
  kExitBadProgram = 3,  // unreadable, malformed or unverifiable program, or no functions
  kExitExecution = 4,   // the program failed at run time
};

struct ParseOutcome {
  std::optional<RunOptions> options;  // set when the program should run
  int exit_code = kExitOk;            // otherwise: exit with this code after printing `message`
  std::string message;                // for stderr
};

ParseOutcome parse_run_options(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace stoffel::cli
