// Fuzz target: the client side of input and output against ONE malicious party, with a
// correctness oracle. The client's inbox is an honest recording (the committed seed
// corpus/mpc_client/seed-<configuration>) in which every message of party m is replaced by
// what the fuzzer writes, interleaved where the fuzzer says. Nothing an honest party sends to a
// client depends on what other parties send, so the honest messages of the recording are what
// honest parties would send whatever m does: this is exactly the threat model (t >= 1 malicious
// parties, here one). Property: the client reconstructs exactly the honest output, 15 * 25.
//
// Input: u8 configuration (mpc_script.h), u8 m (modulo n), then records of party m:
//   u8 advance (honest messages delivered first), u16 LE length, payload.
// After the last record the rest of the recording is delivered.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "mpc_script.h"

namespace {

using namespace stoffel;

struct Recording {
  std::vector<uint8_t> bytes;
  fuzz::Script script;
};

// The honest recordings, read once from the source tree (the seeds are committed).
const Recording& recording(size_t config) {
  static Recording cache[fuzz::kMpcConfigCount];
  Recording& r = cache[config];
  if (r.bytes.empty()) {
    const auto path = std::filesystem::path(STOFFEL_FUZZ_CORPUS_DIR) / "mpc_client" /
                      (std::string("seed-") + fuzz::kMpcConfigs[config].name);
    std::ifstream in(path, std::ios::binary);
    r.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (r.bytes.empty()) fuzz::fail("honest recording missing", path.string());
    r.script = fuzz::parse_script(r.bytes);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Cursor in(std::span<const uint8_t>(data, size));
  const size_t config = in.u8() % fuzz::kMpcConfigCount;
  const fuzz::MpcConfig& c = fuzz::kMpcConfigs[config];
  const size_t m = in.u8() % c.n;

  const Recording& honest = recording(config);
  std::vector<fuzz::Record> inbox;
  size_t next = 0;
  auto deliver_honest = [&](size_t count) {
    for (; next < honest.script.records.size() && count > 0; ++next) {
      const fuzz::Record& r = honest.script.records[next];
      if (r.from == m) continue;  // party m's own messages are the fuzzer's
      inbox.push_back(r);
      --count;
    }
  };
  while (!in.empty()) {
    deliver_honest(in.u8());
    const size_t length = in.u16();
    inbox.push_back({m, in.bytes(length)});
  }
  deliver_honest(honest.script.records.size());

  auto out = fuzz::run_client(c, inbox);
  fuzz::check(out.ok(), "one malicious party stopped the client",
              out.ok() ? "" : out.error().message);
  fuzz::check(*out == std::vector<int64_t>{fuzz::kClientOutput},
              "one malicious party changed the client's output");
  return 0;
}
