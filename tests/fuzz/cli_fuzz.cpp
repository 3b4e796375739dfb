// Fuzz target: stoffel-run's command line (decision N3) and the values main() parses after it
// (--mpc-curve, --client-inputs). The input is the argument list, NUL-separated. Properties: the
// parser never throws or crashes; it either returns options within their documented ranges or
// an exit code with a message, and the options it returns are consistent with the role they
// select (a program exactly where one runs, a party's id, a client's servers, ...).
//
// One parser serves every input (building CLI11's option table is most of a parse: about four
// times fewer executions per second with a fresh one). That it answers like a fresh parser is a
// property too, checked on every input when the corpus is replayed (CTest) and on one input in
// STOFFEL_CLI_FRESH_EVERY while fuzzing.
#include <string>
#include <string_view>
#include <vector>

#include "embed/embedded_run.h"
#include "fuzz_util.h"
#include "math/field_kind.h"
#include "run_options.h"

using namespace stoffel;

#ifndef STOFFEL_CLI_FRESH_EVERY
#define STOFFEL_CLI_FRESH_EVERY 1
#endif

namespace {

bool same(const cli::ParseOutcome& a, const cli::ParseOutcome& b) {
  return a.options == b.options && a.exit_code == b.exit_code && a.message == b.message &&
         a.keygen.has_value() == b.keygen.has_value() &&
         (!a.keygen || a.keygen->output == b.keygen->output);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // A long argument list only repeats what a short one tests.
  while (!rest.empty() && args.size() < 64) {
    const size_t end = rest.find('\0');
    args.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }

  static cli::RunOptionsParser parser;
  const cli::ParseOutcome out = parser.parse(args);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a: the same inputs compared in every run
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
  if (hash % STOFFEL_CLI_FRESH_EVERY == 0) {
    fuzz::check(same(out, cli::parse_run_options(args)),
                "a reused parser answers unlike a fresh one", out.message);
  }
  if (out.keygen) {
    fuzz::check(!out.options && out.exit_code == cli::kExitOk, "keygen with other outcomes");
    fuzz::check(!out.keygen->output.empty(), "keygen without -o");
    return 0;
  }
  if (!out.options) {
    // --version is the one way to stop with exit 0 and no options.
    const bool version = out.exit_code == cli::kExitOk && out.message.rfind("stoffel-run ", 0) == 0;
    fuzz::check(version || out.exit_code == cli::kExitUsage || out.exit_code == cli::kExitBadFlags,
                "parse failure with an unexpected exit code", std::to_string(out.exit_code));
    fuzz::check(!out.message.empty(), "parse failure without a message");
    return 0;
  }
  const cli::RunOptions& o = *out.options;
  using Role = cli::RunOptions::Role;
  // A program runs in a local run and at every party, except when filling or describing stores.
  const bool needs_program =
      (o.role == Role::kLocal || o.role == Role::kLeader || o.role == Role::kParty) &&
      !o.preprocess && o.store_info.empty();
  fuzz::check(o.program.empty() != needs_program,
              needs_program ? "options without a program" : "a program where none runs",
              o.program);
  fuzz::check(!o.preprocess || !o.preproc_store.empty(), "--preprocess without a store");
  fuzz::check(o.role != Role::kParty || (o.party_id_given && !o.bootstrap.empty()),
              "a party without --party-id or --bootstrap");
  fuzz::check(o.role != Role::kClient || !o.servers.empty(), "a client without --servers");
  fuzz::check(o.role == Role::kLocal || o.role == Role::kBootnode || o.n_parties_given,
              "a distributed run without --n-parties");
  fuzz::check(o.n_parties >= 1 && o.n_parties <= 255, "--n-parties out of its range");
  fuzz::check(o.threshold <= 84, "--threshold out of its range");
  fuzz::check(o.max_call_depth >= 1 && o.max_call_depth <= 100'000'000,
              "--max-call-depth out of its range");
  fuzz::check(o.party_id <= 254 && o.wait_for_clients <= 1024, "--party-id or "
              "--wait-for-clients out of its range");
  fuzz::check(!o.client_index || *o.client_index < 1024, "--client-index out of its range");
  fuzz::check(o.timeout_seconds >= 0.001 && o.timeout_seconds <= 1e7,
              "--timeout out of its range");
  fuzz::check(o.store_map_size_mib >= 1 && o.store_map_size_mib <= (std::uint64_t{1} << 24),
              "--store-map-size out of its range");
  // What main() does next with the values.
  (void)math::parse_curve_name(o.mpc_curve);
  (void)embed::parse_client_inputs(o.client_inputs);
  return 0;
}
