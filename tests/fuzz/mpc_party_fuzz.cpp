// Fuzz target: one HoneyBadger party (party 0: router, wire decoding, robust preprocessing with
// agreement and dispute resolution, robust opening, Beaver multiplication, truncation, client
// input and output) fed a scripted inbox in which every other participant may be malicious
// (format and rationale: mpc_script.h). Property: whatever arrives, the party neither crashes
// nor trips a sanitizer nor hangs; it completes the workload or fails with an error message.
#include "fuzz_util.h"
#include "mpc_script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stoffel;
  const fuzz::Script script = fuzz::parse_script(std::span<const uint8_t>(data, size));
  const fuzz::PartyRun run = fuzz::run_party_script(script);
  if (!run.status) {
    fuzz::check(!run.status.error().message.empty(), "party error without a message");
  }
  for (size_t p : run.suspected) {
    fuzz::check(p != 0 && p < script.config->n, "party 0 suspects a party that does not exist",
                std::to_string(p));
  }
  return 0;
}
