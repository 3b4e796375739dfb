#include "run_options.h"

#include <CLI/CLI.hpp>
#include <array>
#include <charconv>
#include <cstdint>
#include <string>
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

// Flags parsed into locals first, then turned into RunOptions::role.
struct RoleFlags {
  bool leader = false, bootnode = false, client = false, version = false;
  std::string client_index;  // parsed by hand: empty = not given
};
// A whole decimal number from lo to hi. CLI11's own checks let "-1" through for unsigned options
// (it wraps) and call "abc" out of range; this one says what it saw. CLI11 puts the flag's
// name in front of the message.
CLI::Validator whole_number(uint64_t lo, uint64_t hi) {
  const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        uint64_t v = 0;
        const char* end = text.data() + text.size();
        auto [p, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || p != end || ec != std::errc() || v < lo || v > hi) {
          return "'" + text + "' is not " + range;
        }
        return {};
      },
      "INT " + std::to_string(lo) + ".." + std::to_string(hi));
}

// CLI::App can be neither copied nor moved, so callers own it and this fills it in.
void configure(CLI::App& app, RunOptions& o, bool& help, RoleFlags& r) {
  app.set_help_flag();  // handled below: the reference prints usage to stderr and exits 1
  app.add_flag("-h,--help", help, "Print this help and exit");
  app.add_option("program", o.program, "Compiled program (.stflb); - reads it from standard input");
  app.add_option("entry", o.entry, "Function to run (default: main)");
  app.add_flag("--trace-instr", o.trace_instr,
               "Trace every instruction to stderr, in assembly syntax (docs/assembly.md)");
  app.add_flag("--trace-regs", o.trace_regs, "Trace register reads and writes to stderr");
  app.add_flag("--trace-stack", o.trace_stack, "Trace calls, returns, pushes and pops to stderr");
  app.add_option("--max-call-depth", o.max_call_depth,
                 "Maximum nested calls before 'stack overflow' (default 1000000)")
      ->check(whole_number(1, 100'000'000));
  app.add_option("--max-steps", o.max_steps,
                 "Stop with an error after N instructions (0, the default: no limit)")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--n-parties", o.n_parties, "Parties of the embedded MPC engine (default 5)")
      ->check(whole_number(1, 255));
  // At most 84: n <= 255 and n >= 3t + 1. The bound also keeps 3t + 1 far from overflowing.
  app.add_option("--threshold", o.threshold, "Corruption threshold t, n >= 3t+1 (default 1)")
      ->check(whole_number(0, 84));
  app.add_option("--mpc-curve", o.mpc_curve,
                 "Field: bls12-381 (default), bn254, curve25519, ed25519");
  app.add_option("--mpc-backend", o.mpc_backend, "MPC backend: honeybadger (default, alias hb) or avss (alias adkg)");
  app.add_option("--client-inputs", o.client_inputs,
                 "Client inputs 'a,b;c' (one ;-separated list per client, in client order; "
                 "integers are field integers, decimals are fixed point scaled by 2^16)");
  app.add_flag("--stats", o.stats,
               "Print MPC counters per party to stderr (multiplications, openings, rounds, "
               "bytes, preprocessing)");
  app.add_option("--seed", o.seed, "Deterministic MPC randomness (for tests); 0 = OS randomness")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--fault-corrupt", o.fault_corrupt,
                 "Testing: these parties corrupt every message they send (embedded engine)")
      ->delimiter(',')
      ->check(whole_number(0, 254));
  app.add_option("--fault-corrupt-after", o.fault_corrupt_after,
                 "Testing: messages a corrupting party sends correctly first (default 0)")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--fault-crash", o.fault_crash,
                 "Testing: these parties stop sending after --fault-crash-after messages")
      ->delimiter(',')
      ->check(whole_number(0, 254));
  app.add_option("--fault-crash-after", o.fault_crash_after,
                 "Testing: messages a crashing party sends before it stops (default 0)")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--preproc-store", o.preproc_store,
                 "Preprocessing stores, one per party in DIR/party-<i>: with --preprocess they "
                 "are filled; with a program, stored material is used first (never twice)");
  app.add_option("--store-key", o.store_key,
                 "Key file the stores are encrypted with (32 bytes, mode 0600; --preprocess "
                 "creates it if missing)");
  app.add_option("--store-map-size", o.store_map_size_mib,
                 "Largest size a party's store may grow to, in MiB (default 1024)")
      ->check(whole_number(1, std::uint64_t{1} << 24));
  app.add_flag("--preprocess", o.preprocess,
               "Offline phase: fill the stores (--preproc-store) and exit; no program");
  app.add_option("--triples", o.pre_triples, "With --preprocess: Beaver triples per party")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--random", o.pre_randoms,
                 "With --preprocess: random shares per party (also client-input masks)")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--bits", o.pre_bits,
                 "With --preprocess: random bits per party (fixed-point truncation)")
      ->check(whole_number(0, UINT64_MAX));
  app.add_option("--store-info", o.store_info,
                 "Print what the stores in DIR hold (counts, consumed, parameters; never "
                 "secrets) and exit; with --store-key everything is authenticated");

  // Distributed sessions (docs/network.md).
  app.add_flag("--leader", r.leader,
               "Run the bootnode on --bind and party 0 on the same host at port + 1000");
  app.add_flag("--bootnode", r.bootnode, "Run only a bootnode on --bind (no program)");
  app.add_option("--bootstrap", o.bootstrap, "Party: the bootnode's host:port");
  app.add_option("--bind", o.bind,
                 "Where to listen, host:port (leader/bootnode default 127.0.0.1:9000, party "
                 "127.0.0.1:0 = a port the OS picks)");
  app.add_option("--party-id", o.party_id, "Party: this party's index in the session (0..n-1)")
      ->check(whole_number(0, 254));
  app.add_option("--wait-for-clients", o.wait_for_clients,
                 "Leader/party: the number of clients that give inputs (default 0)")
      ->check(whole_number(0, 1024));
  app.add_flag("--client", r.client, "Run a client: give --inputs, print the outputs sent to it");
  app.add_option("--inputs", o.inputs,
                 "Client: its inputs a,b,... (integers, or decimals with a point as fixed point)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--servers", o.servers,
                 "Client: every party's host:port (its --bind), in party order")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--client-index", r.client_index,
                 "Client: ask for this client slot (default: a free one)");
  app.add_option("--identity", o.identity,
                 "This process's Ed25519 key file (stoffel-run keygen -o FILE); default: a "
                 "fresh key for this run");
  app.add_option("--timeout", o.timeout_seconds,
                 "Seconds any one wait of a distributed run may take (default 300)")
      ->check(CLI::Range(0.001, 1e7));
  app.add_flag("--version", r.version, "Print the version and exit");
}

std::string usage_error(const std::string& message) {
  return "Error: " + message + "\nRun with --help for more information";
}

// Which flags each role takes; a flag outside its roles is a usage error (not silently
// ignored).
std::string check_roles(const CLI::App& app, const RunOptions& o) {
  using Role = RunOptions::Role;
  struct Rule {
    const char* flag;
    std::initializer_list<Role> roles;
  };
  static const Rule kRules[] = {
      {"--bootstrap", {Role::kParty}},
      {"--bind", {Role::kLeader, Role::kBootnode, Role::kParty}},
      {"--party-id", {Role::kParty, Role::kLeader, Role::kLocal}},  // local: with --store-info
      {"--wait-for-clients", {Role::kLeader, Role::kParty}},
      {"--inputs", {Role::kClient}},
      {"--servers", {Role::kClient}},
      {"--client-index", {Role::kClient}},
      {"--identity", {Role::kLeader, Role::kBootnode, Role::kParty, Role::kClient, Role::kLocal}},
      {"--timeout", {Role::kLeader, Role::kBootnode, Role::kParty, Role::kClient}},
      {"--client-inputs", {Role::kLocal}},
      {"--seed", {Role::kLocal}},
      {"--fault-corrupt", {Role::kLocal}},
      {"--fault-corrupt-after", {Role::kLocal}},
      {"--fault-crash", {Role::kLocal}},
      {"--fault-crash-after", {Role::kLocal}},
      {"--threshold", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--mpc-curve", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--mpc-backend", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--stats", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--preproc-store", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--store-key", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--store-map-size", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--preprocess", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--triples", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--random", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--bits", {Role::kLocal, Role::kLeader, Role::kParty}},
      {"--store-info", {Role::kLocal}},
  };
  static const char* kRoleFlag[] = {"", "--leader", "--bootnode", "--bootstrap", "--client"};
  for (const auto& rule : kRules) {
    if (app.count(rule.flag) == 0) continue;
    bool ok = false;
    for (Role r : rule.roles) ok = ok || r == o.role;
    if (ok) continue;
    if (o.role == Role::kLocal) {
      return std::string(rule.flag) + " is for distributed runs (with --leader, --bootnode, " +
             "--bootstrap or --client)";
    }
    return std::string(rule.flag) + " does not apply to " + kRoleFlag[static_cast<int>(o.role)];
  }
  if (o.role == Role::kLeader && app.count("--party-id") > 0 && o.party_id != 0) {
    return "the leader is party 0 (--party-id " + std::to_string(o.party_id) + " given)";
  }
  if (o.role == Role::kParty && app.count("--party-id") == 0) {
    return "--bootstrap needs --party-id (this party's index, 0..n-1)";
  }
  if ((o.role == Role::kLeader || o.role == Role::kParty || o.role == Role::kClient) &&
      !o.n_parties_given) {
    return "a distributed run needs --n-parties";
  }
  if (o.role == Role::kClient && o.servers.empty()) {
    return "--client needs --servers (every party's host:port, in party order)";
  }
  return {};
}

}  // namespace

constexpr const char* kDescription =
    "Run a compiled Stoffel program (.stflb), alone or as one process of a distributed session.\n"
    "Also: stoffel-run keygen -o FILE (write a new identity key)";

std::string usage_text() {
  RunOptions o;
  bool help = false;
  RoleFlags r;
  CLI::App app{kDescription, "stoffel-run"};
  configure(app, o, help, r);
  return app.help();
}

namespace {

ParseOutcome parse_keygen(const std::vector<std::string>& args) {
  ParseOutcome out;
  KeygenOptions k;
  bool help = false;
  CLI::App app{"Write a new Ed25519 identity key (file mode 0600) and print its public key",
               "stoffel-run keygen"};
  app.set_help_flag();
  app.add_flag("-h,--help", help, "Print this help and exit");
  app.add_option("-o,--output", k.output, "The key file to write (never overwritten)");
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(e.what());
    return out;
  }
  if (help) {
    out.exit_code = kExitUsage;
    out.message = app.help();
    return out;
  }
  if (k.output.empty()) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error("keygen needs -o FILE");
    return out;
  }
  out.keygen = k;
  return out;
}

}  // namespace

struct RunOptionsParser::State {
  CLI::App app{kDescription, "stoffel-run"};
  RunOptions o;
  bool help = false;
  RoleFlags r;
};

RunOptionsParser::RunOptionsParser() : state_(std::make_unique<State>()) {
  configure(state_->app, state_->o, state_->help, state_->r);
}

RunOptionsParser::~RunOptionsParser() = default;

ParseOutcome parse_run_options(const std::vector<std::string>& args) {
  return RunOptionsParser().parse(args);
}

ParseOutcome RunOptionsParser::parse(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "keygen") return parse_keygen(args);
  ParseOutcome out;
  for (const std::string& a : args) {
    for (const auto& removed : kRemovedFlags) {
      if (a == removed.flag || a.rfind(std::string(removed.flag) + "=", 0) == 0) {
        out.exit_code = kExitBadFlags;
        out.message =
            "Error: `" + std::string(removed.flag) + "` was removed. " + std::string(removed.hint);
        out.message += "\nRun with --help for more information";
        return out;
      }
    }
  }

  // The options CLI11 writes into keep what an earlier parse set when a flag is absent now, so
  // every parse starts from the defaults; clear() forgets the earlier parse's results.
  State& st = *state_;
  st.o = RunOptions{};
  st.help = false;
  st.r = RoleFlags{};
  st.app.clear();
  RunOptions& o = st.o;
  const bool& help = st.help;
  const RoleFlags& r = st.r;
  CLI::App& app = st.app;
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(e.what());
    return out;
  }
  if (help) {
    out.exit_code = kExitUsage;
    out.message = app.help();
    return out;
  }
  if (r.version) {
    out.exit_code = kExitOk;
    out.message = "stoffel-run " STOFFEL_VERSION;
    return out;
  }
  o.client_inputs_given = app.count("--client-inputs") > 0;
  o.n_parties_given = app.count("--n-parties") > 0;
  const int roles = int{r.leader} + int{r.bootnode} + int{r.client} + int{!o.bootstrap.empty()};
  if (roles > 1) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(
        "--leader, --bootnode, --bootstrap and --client are different "
        "roles; give one");
    return out;
  }
  using Role = RunOptions::Role;
  o.role = r.leader               ? Role::kLeader
           : r.bootnode           ? Role::kBootnode
           : r.client             ? Role::kClient
           : !o.bootstrap.empty() ? Role::kParty
                                  : Role::kLocal;
  if (auto why = check_roles(app, o); !why.empty()) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(why);
    return out;
  }
  if (!r.client_index.empty()) {
    unsigned v = 0;
    auto [p, ec] =
        std::from_chars(r.client_index.data(), r.client_index.data() + r.client_index.size(), v);
    if (ec != std::errc() || p != r.client_index.data() + r.client_index.size() || v >= 1024) {
      out.exit_code = kExitBadFlags;
      out.message = usage_error("--client-index: expected a number from 0 to 1023");
      return out;
    }
    o.client_index = v;
  }
  // The offline phase and store inspection run no program (docs/store.md).
  const bool no_program_mode = o.preprocess || !o.store_info.empty();
  auto bad = [&](const std::string& message) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(message);
    return out;
  };
  if (no_program_mode && !o.program.empty()) {
    return bad(std::string(o.preprocess ? "--preprocess" : "--store-info") +
               " takes no program (got '" + o.program + "')");
  }
  if (o.preprocess && !o.store_info.empty()) {
    return bad("--preprocess and --store-info cannot be combined");
  }
  o.party_id_given = app.count("--party-id") > 0;
  if (o.role == Role::kLocal && o.store_info.empty() &&
      (app.count("--identity") > 0 || o.party_id_given)) {
    return bad(std::string(app.count("--identity") > 0 ? "--identity" : "--party-id") +
               " is for distributed runs (with --leader, --bootnode, --bootstrap or --client) "
               "and for --store-info");
  }
  if (!o.store_info.empty() && app.count("--identity") > 0 && !o.store_key.empty()) {
    return bad("--store-info takes --store-key or --identity, not both (a store is sealed "
               "under one of them)");
  }
  if (!o.preprocess && (app.count("--triples") + app.count("--random") + app.count("--bits")) > 0) {
    return bad("--triples, --random and --bits only go with --preprocess");
  }
  if (o.preprocess && o.preproc_store.empty()) {
    return bad("--preprocess needs --preproc-store DIR (where the material goes)");
  }
  const bool needs_program =
      !no_program_mode &&
      (o.role == Role::kLocal || o.role == Role::kLeader || o.role == Role::kParty);
  if (!needs_program && !o.program.empty()) {
    out.exit_code = kExitBadFlags;
    out.message = usage_error(std::string(o.role == Role::kClient ? "a client" : "a bootnode") +
                              " runs no program ('" + o.program + "' given)");
    return out;
  }
  if (needs_program && o.program.empty()) {
    out.exit_code = kExitUsage;
    out.message = app.help();
    return out;
  }
  out.options = o;
  return out;
}

}  // namespace stoffel::cli
