// Fuzz target: the client side of input and output (mpc::ClientRunner: robust decoding of the
// input masks and of outputs) fed a scripted inbox in which every party may be malicious
// (format: mpc_script.h). Property: no crash, no sanitizer report, no hang; the client either
// reconstructs outputs or fails with an error message.
#include "fuzz_util.h"
#include "mpc_script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stoffel;
  const fuzz::Script script = fuzz::parse_script(std::span<const uint8_t>(data, size));
  auto outputs = fuzz::run_client_script(script);
  if (!outputs) fuzz::check(!outputs.error().message.empty(), "client error without a message");
  return 0;
}
