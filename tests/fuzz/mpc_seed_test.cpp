// The MPC seeds are recordings of honest runs (fuzz_seeds.cpp). The fuzzer only starts deep in
// the protocol if replaying a seed unmodified still takes the party, and the client, through the
// whole workload; a protocol change can make a recording stale. Then: scripts/fuzz-seeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mpc_script.h"

namespace stoffel::fuzz {
namespace {

std::vector<std::filesystem::path> seeds(const char* target) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(STOFFEL_FUZZ_CORPUS_DIR) / target)) {
    if (e.path().filename().string().rfind("seed-", 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr const char* kStale = " (stale seed? regenerate with scripts/fuzz-seeds)";

TEST(MpcSeeds, EveryConfigurationHasSeeds) {
  EXPECT_EQ(seeds("mpc_party").size(), kMpcConfigCount);
  EXPECT_EQ(seeds("mpc_client").size(), kMpcConfigCount);
}

TEST(MpcSeeds, PartyReplaysTheWholeWorkload) {
  for (const auto& path : seeds("mpc_party")) {
    const auto bytes = read(path);
    const Script script = parse_script(bytes);
    const PartyRun run = run_party_script(script);
    EXPECT_TRUE(run.status.ok()) << path.filename() << ": "
                                 << (run.status ? "" : run.status.error().message) << kStale;
    EXPECT_TRUE(run.suspected.empty()) << path.filename() << ": an honest run suspects a party";
    // The replay may finish the last opening before the last shares are read (it checks
    // progress after every message; the recorded run read them in one go), but it must get
    // to the last round: at most one message per other party is left over.
    EXPECT_LE(run.delivered, script.records.size());
    EXPECT_LT(script.records.size() - run.delivered, script.config->n)
        << path.filename() << ": the workload ends long before the recording" << kStale;
  }
}

TEST(MpcSeeds, ClientReconstructsTheOutput) {
  for (const auto& path : seeds("mpc_client")) {
    const auto bytes = read(path);
    auto out = run_client_script(parse_script(bytes));
    ASSERT_TRUE(out.ok()) << path.filename() << ": " << out.error().message << kStale;
    EXPECT_EQ(*out, std::vector<int64_t>{kClientOutput}) << path.filename();
  }
}

// A party that receives nothing at all fails cleanly (the script's end is a closed network).
TEST(MpcSeeds, EmptyScriptIsACleanError) {
  const std::vector<uint8_t> none{0};
  const PartyRun run = run_party_script(parse_script(none));
  ASSERT_FALSE(run.status.ok());
  EXPECT_NE(run.status.error().message.find("end of the message script"), std::string::npos)
      << run.status.error().message;
}

}  // namespace
}  // namespace stoffel::fuzz
