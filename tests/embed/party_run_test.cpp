// embed::run_party on parties a caller builds itself (mpc::make_parties on any transport), as a
// distributed party will: the same program on every party, one thread each.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "embed/party_run.h"
#include "embed_test_util.h"
#include "mpc/hb/hb_party.h"
#include "net/memory_network.h"

namespace stoffel::embed::test {
namespace {

TEST(RunParty, RunsOnPartiesBuiltOnAnyTransport) {
  constexpr size_t n = 4;
  net::InMemoryNetwork network(n);
  std::vector<net::Endpoint*> endpoints;
  for (size_t i = 0; i < n; ++i) endpoints.push_back(&network.endpoint(i));
  mpc::PartyConfig config;
  config.n = n;
  config.t = 1;
  config.seed = 5;
  auto parties = mpc::make_parties(config, endpoints);
  ASSERT_TRUE(parties.ok()) << parties.error().message;
  const bytecode::Program program = program_from(R"(
.function main regs=20
    CALL "Mpc.party_id"
    PUSHARG r0
    CALL "print"
    LDI r0, 7
    MOV r16, r0
    MUL r17, r16, r16
    MOV r1, r17
    RET r1
.end
)");
  std::vector<PartyRunResult> outcomes(n);
  std::vector<std::string> printed(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      RunSinks sinks{[&, i](std::string_view s) { printed[i].append(s); }, {}, {}};
      outcomes[i] = run_party(*(*parties)[i], program, "main", {}, {}, sinks);
      if (!outcomes[i].ok) network.close(outcomes[i].error);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(outcomes[i].ok) << "party " << i << ": " << outcomes[i].error.message;
    EXPECT_EQ(outcomes[i].result, "49");
    EXPECT_EQ(printed[i], std::to_string(i) + "\n");
    EXPECT_EQ(outcomes[i].stats.multiplications, 1u);
  }
}

}  // namespace
}  // namespace stoffel::embed::test
