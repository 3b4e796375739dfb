// Fuzz target: stoffel-run's command line (decision N3) and the values main() parses after it
// (--mpc-curve, --client-inputs). The input is the argument list, NUL-separated. Properties: the
// parser never throws or crashes; it either returns options within their documented ranges or
// an exit code with a message.
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
  if (!out.options) {
    fuzz::check(out.exit_code == cli::kExitUsage || out.exit_code == cli::kExitBadFlags,
                "parse failure with an unexpected exit code", std::to_string(out.exit_code));
    fuzz::check(!out.message.empty(), "parse failure without a message");
    return 0;
  }
  const cli::RunOptions& o = *out.options;
  fuzz::check(!o.program.empty(), "options without a program");
  fuzz::check(o.n_parties >= 1 && o.n_parties <= 255, "--n-parties out of its range");
  fuzz::check(o.threshold <= 84, "--threshold out of its range");
  fuzz::check(o.max_call_depth >= 1 && o.max_call_depth <= 100'000'000,
              "--max-call-depth out of its range");
  // What main() does next with the values.
  (void)math::parse_curve_name(o.mpc_curve);
  (void)embed::parse_client_inputs(o.client_inputs);
  return 0;
}
