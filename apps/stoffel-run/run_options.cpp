#include "run_options.h"

#include <CLI/CLI.hpp>
#include <array>
#include <string_view>

namespace stoffel::cli {

namespace {

struct RemovedFlag {
  std::string_view flag;
  std::string_view hint;
};

// Flags the reference removed; it stops with exit 2 and a hint rather than ignoring them.
constexpr std::array<RemovedFlag, 3> kRemovedFlags{{
    {"--client-id", "Client identities come from the session roster; use --client-index."},
    {"--expected-client-count", "Use --wait-for-clients <m>."},
    {"--adkg-curve", "Use --mpc-curve."},
}};

// CLI::App can be neither copied nor moved, so callers own it and this fills it in.
void configure(CLI::App& app, RunOptions& o, bool& help) {
  app.set_help_flag();  // handled below: the reference prints usage to stderr and exits 1
  app.add_flag("-h,--help", help, "Print this help and exit");
  app.add_option("program", o.program, "Compiled program (.stflb)");
  app.add_option("entry", o.entry, "Function to run (default: main)");
  app.add_flag("--trace-instr", o.trace_instr, "Trace every instruction to stderr");
  app.add_flag("--trace-regs", o.trace_regs, "Trace register reads and writes to stderr");
  app.add_flag("--trace-stack", o.trace_stack, "Trace calls, returns, pushes and pops to stderr");
  app.add_option("--max-call-depth", o.max_call_depth,
                 "Maximum nested calls before 'stack overflow' (default 1000000)")
      ->check(CLI::Range(1u, 100'000'000u));
  app.add_option("--max-steps", o.max_steps,
                 "Stop with an error after N instructions (0, the default: no limit)");
  app.add_option("--n-parties", o.n_parties, "Parties of the embedded MPC engine (default 5)")
      ->check(CLI::Range(1u, 255u));
  // At most 84: n <= 255 and n >= 3t + 1. The bound also keeps 3t + 1 far from overflowing.
  app.add_option("--threshold", o.threshold, "Corruption threshold t, n >= 3t+1 (default 1)")
      ->check(CLI::Range(0u, 84u));
  app.add_option("--mpc-curve", o.mpc_curve,
                 "Field: bls12-381 (default), bn254, curve25519, ed25519");
  app.add_option("--mpc-backend", o.mpc_backend, "MPC backend: honeybadger (default, alias hb)");
  app.add_option("--client-inputs", o.client_inputs,
                 "Client inputs 'a,b;c' (one ;-separated list per client, in client order; "
                 "integers are field integers, decimals are fixed point scaled by 2^16)");
  app.add_flag("--stats", o.stats,
               "Print MPC counters per party to stderr (multiplications, openings, rounds, "
               "bytes, preprocessing)");
  app.add_option("--seed", o.seed, "Deterministic MPC randomness (for tests); 0 = OS randomness");
  app.add_option("--fault-corrupt", o.fault_corrupt,
                 "Testing: these parties corrupt every message they send (embedded engine)")
      ->delimiter(',');
  app.add_option("--fault-corrupt-after", o.fault_corrupt_after,
                 "Testing: messages a corrupting party sends correctly first (default 0)");
  app.add_option("--fault-crash", o.fault_crash,
                 "Testing: these parties stop sending after --fault-crash-after messages")
      ->delimiter(',');
  app.add_option("--fault-crash-after", o.fault_crash_after,
                 "Testing: messages a crashing party sends before it stops (default 0)");
}

}  // namespace

std::string usage_text() {
  RunOptions o;
  bool help = false;
  CLI::App app{"Run a compiled Stoffel program (.stflb)", "stoffel-run"};
  configure(app, o, help);
  return app.help();
}

ParseOutcome parse_run_options(const std::vector<std::string>& args) {
  ParseOutcome out;
  for (const std::string& a : args) {
    for (const auto& removed : kRemovedFlags) {
      if (a == removed.flag || a.rfind(std::string(removed.flag) + "=", 0) == 0) {
        out.exit_code = kExitBadFlags;
        out.message =
            "Error: `" + std::string(removed.flag) + "` was removed. " + std::string(removed.hint);
        return out;
      }
    }
  }

  RunOptions o;
  bool help = false;
  CLI::App app{"Run a compiled Stoffel program (.stflb)", "stoffel-run"};
  configure(app, o, help);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    out.exit_code = kExitBadFlags;
    out.message = "Error: " + std::string(e.what()) + "\n" + app.help();
    return out;
  }
  o.client_inputs_given = app.count("--client-inputs") > 0;
  if (help || o.program.empty()) {
    out.exit_code = kExitUsage;
    out.message = app.help();
    return out;
  }
  out.options = o;
  return out;
}

}  // namespace stoffel::cli
