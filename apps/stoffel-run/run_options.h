// Command-line parsing for stoffel-run (docs/decisions.md, N3): `stoffel-run <program> [entry]
// [flags]`, `--flag value` and `--flag=value`, unknown flags are errors, flag values are never
// taken as the entry.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stoffel/result.h"

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
  // Preprocessing stores (docs/store.md, decisions M4, R4).
  std::string preproc_store;           // --preproc-store DIR: one store per party, DIR/party-<i>
  std::string store_key;               // --store-key FILE (mode 0600)
  uint64_t store_map_size_mib = 1024;  // --store-map-size: the most a party's store may grow to
  bool preprocess = false;             // --preprocess: fill the stores and exit (no program)
  uint64_t pre_triples = 0, pre_randoms = 0, pre_bits = 0;  // --triples, --random, --bits
  std::string store_info;  // --store-info DIR: describe the stores and exit (no program)
  bool n_parties_given = false;

  // Distributed sessions (src/node, docs/network.md): at most one role.
  enum class Role { kLocal, kLeader, kBootnode, kParty, kClient };
  Role role = Role::kLocal;
  std::string bootstrap;  // party: the bootnode's host:port
  std::string bind;       // leader/bootnode: default 127.0.0.1:9000; party: 127.0.0.1:0
  uint32_t party_id = 0;
  bool party_id_given = false;  // --party-id was on the command line
  uint32_t wait_for_clients = 0;
  std::vector<std::string> inputs;   // client
  std::vector<std::string> servers;  // client: the parties' --bind addresses, party order
  std::optional<uint32_t> client_index;
  std::string identity;  // key file; empty: a fresh key for the run
  double timeout_seconds = 300;

  bool operator==(const RunOptions&) const = default;
};

// `stoffel-run keygen -o <file>`.
struct KeygenOptions {
  std::string output;
};

// Exit codes (docs/cli.md; docs/decisions.md, C2).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,       // no program, or --help
  kExitBadFlags = 2,    // unknown/removed/invalid flag
  kExitBadProgram = 3,  // unreadable, malformed or unverifiable program, or no functions
  kExitExecution = 4,   // the program failed at run time
  kExitStore = 5,       // a preprocessing store cannot be made or used (missing, wrong key,
                        // damaged, other parameters, full), or --preprocess failed
};

// The exit code of a failure of this kind: settings the user gave (Usage) exit 2, a program
// that cannot be used (Load) 3, a preprocessing store that cannot be made or used (Store) 5, and
// every failure while running (Execution and the MPC kinds: Protocol, Network, Timeout,
// AbortedByPeer) 4.
constexpr int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage:
      return kExitBadFlags;
    case ErrorKind::Load:
      return kExitBadProgram;
    case ErrorKind::Store:
      return kExitStore;
    case ErrorKind::Execution:
    case ErrorKind::Protocol:
    case ErrorKind::Network:
    case ErrorKind::Timeout:
    case ErrorKind::AbortedByPeer:
      return kExitExecution;
  }
  return kExitExecution;
}

struct ParseOutcome {
  std::optional<RunOptions> options;    // set when the program should run
  std::optional<KeygenOptions> keygen;  // set for `stoffel-run keygen`
  int exit_code = kExitOk;              // otherwise: exit with this code after printing `message`
  std::string message;                  // for stderr
};

// Usage errors give one line and a hint (`Run with --help for more information`); --help the
// whole usage; --version the version.
ParseOutcome parse_run_options(const std::vector<std::string>& args);

// What parse_run_options does, for a caller that parses many command lines (the cli fuzz
// target): building CLI11's table of about fifty options is most of the cost of a parse, so
// this builds it once. Every parse starts from the defaults and answers exactly as a fresh
// parser would (CliParser.ReusedParserAnswersLikeAFreshOne; the fuzz target also compares).
class RunOptionsParser {
 public:
  RunOptionsParser();
  ~RunOptionsParser();
  RunOptionsParser(const RunOptionsParser&) = delete;
  RunOptionsParser& operator=(const RunOptionsParser&) = delete;

  ParseOutcome parse(const std::vector<std::string>& args);

 private:
  struct State;  // CLI11 stays out of this header
  std::unique_ptr<State> state_;
};

std::string usage_text();

}  // namespace stoffel::cli
