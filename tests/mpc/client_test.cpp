// Client input (several clients, several inputs each; docs/decisions.md, N4) and output to clients.
#include <gtest/gtest.h>

#include <thread>

#include "math/fields.h"
#include "mpc/client.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"
#include "net/memory_network.h"

namespace stoffel::mpc::test {
namespace {

using F = math::Bls12_381_Fr;

FieldBytes enc(std::int64_t v) {
  return F::from_i64(v).to_bytes();
}

struct ClientRun {
  Result<void> result = Result<void>();
  std::thread thread;
};

void client_io(std::size_t n, math::FieldKind kind) {
  SessionParams cfg = config_for(n, kind, 3);
  // Given out of order on purpose: the session sorts clients by id.
  std::vector<ClientInputs> clients = {
      {30, {enc(7), enc(-11)}}, {10, {enc(5)}}, {20, {enc(1), enc(2), enc(-40)}}, {40, {}}};
  auto session = make_session(cfg, clients);
  ASSERT_TRUE(session);
  Result<void> client_result;
  std::thread client_thread([&] { client_result = session->run_clients(); });

  const std::vector<Party::ClientInputCount> counts = {{10, 1}, {20, 3}, {30, 2}};
  std::vector<std::string> errors(n);
  std::vector<std::vector<FieldBytes>> opened(n);
  run_parties(*session, [&](std::size_t i) {
    Party& p = session->party(i);
    auto in = p.receive_client_inputs(counts);
    if (!in) {
      errors[i] = in.error().message;
      return;
    }
    const auto& c10 = (*in)[0];
    const auto& c20 = (*in)[1];
    const auto& c30 = (*in)[2];
    if (c10.size() != 1 || c20.size() != 3 || c30.size() != 2) {
      errors[i] = "wrong input counts";
      return;
    }
    // sum of client 20's inputs, and client 10 x client 30's first input.
    const FieldBytes sum = p.add(p.add(c20[0], c20[1]), c20[2]);
    auto prod =
        p.mul(std::vector<FieldBytes>{c10[0], c30[1]}, std::vector<FieldBytes>{c30[0], c10[0]});
    if (!prod) {
      errors[i] = prod.error().message;
      return;
    }
    auto o = p.open(std::vector<FieldBytes>{sum, (*prod)[0], (*prod)[1], c30[1]});
    if (!o) {
      errors[i] = o.error().message;
      return;
    }
    opened[i] = *o;
    // Outputs: client 40 gets the product and client 10's input, client 20 gets its sum (in two
    // calls, which it receives in order); each call's label reaches the client with its values.
    if (auto ok = p.send_output(40, std::vector<FieldBytes>{(*prod)[0], c10[0]}, 0x01000040);
        !ok) {
      errors[i] = ok.error().message;
      return;
    }
    if (auto ok = p.send_output(20, std::vector<FieldBytes>{sum}, 7); !ok)
      errors[i] = ok.error().message;
    if (auto ok = p.send_output(20, std::vector<FieldBytes>{c20[2]}); !ok)
      errors[i] = ok.error().message;
    const PartyStats& st = p.stats();
    if (st.masks_consumed != 6 || st.masks_generated != 6) errors[i] = "mask counters wrong";
  });
  session->finish_clients();
  client_thread.join();
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    ASSERT_EQ(opened[i].size(), 4u);
    EXPECT_EQ(opened[i][0], enc(1 + 2 - 40));
    EXPECT_EQ(opened[i][1], enc(5 * 7));
    EXPECT_EQ(opened[i][2], enc(-11 * 5));
    EXPECT_EQ(opened[i][3], enc(-11));
  }
  ASSERT_TRUE(client_result.ok()) << client_result.error().message;
  const auto outs = session->client_outputs();
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].client_id, 10u);
  EXPECT_TRUE(outs[0].values.empty());
  EXPECT_EQ(outs[1].client_id, 20u);
  EXPECT_EQ(outs[1].values, (std::vector<FieldBytes>{enc(-37), enc(-40)}));
  EXPECT_EQ(outs[1].labels, (std::vector<std::uint32_t>{7, 0}));
  EXPECT_EQ(outs[2].client_id, 30u);
  EXPECT_TRUE(outs[2].values.empty());
  EXPECT_EQ(outs[3].client_id, 40u);
  EXPECT_EQ(outs[3].values, (std::vector<FieldBytes>{enc(35), enc(5)}));
  EXPECT_EQ(outs[3].labels, (std::vector<std::uint32_t>{0x01000040, 0x01000040}));
}

TEST(ClientTest, SeveralClientsSeveralInputsAndOutputsN4) {
  client_io(4, math::FieldKind::Bls12_381);
}
TEST(ClientTest, SeveralClientsSeveralInputsAndOutputsN7) {
  client_io(7, math::FieldKind::Bls12_381);
}
TEST(ClientTest, SeveralClientsSeveralInputsAndOutputsN10) {
  client_io(10, math::FieldKind::Bls12_381);
}

TEST(ClientTest, CountMismatchIsAnErrorOnBothSides) {
  SessionParams cfg = config_for(4, math::FieldKind::Bn254, 5);
  cfg.receive_timeout_ms = 2'000;
  auto session = make_session(cfg, {{1, {enc(1), enc(2), enc(3)}}});
  ASSERT_TRUE(session);
  Result<void> client_result;
  std::thread client_thread([&] {
    client_result = session->run_clients();
    // What the VM glue does when a participant fails: nobody is left waiting.
    if (!client_result) session->abort(client_result.error().message);
  });
  std::vector<int> ok(4, 1);  // not vector<bool>: each thread writes its own element
  const std::vector<Party::ClientInputCount> counts = {{1, 2}};
  run_parties(*session,
              [&](std::size_t i) { ok[i] = session->party(i).receive_client_inputs(counts).ok(); });
  session->finish_clients();
  client_thread.join();
  ASSERT_FALSE(client_result.ok());
  EXPECT_NE(client_result.error().message.find("asked for 2 inputs but the client has 3"),
            std::string::npos)
      << client_result.error().message;
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(ok[i]) << "party " << i;
}

TEST(ClientTest, UnknownClientAndBadOrderAreErrors) {
  auto session = make_session(config_for(4, math::FieldKind::Bls12_381), {{1, {enc(1)}}, {2, {}}});
  ASSERT_TRUE(session);
  Party& p = session->party(0);
  const std::vector<Party::ClientInputCount> unknown = {{3, 1}};
  EXPECT_FALSE(p.receive_client_inputs(unknown).ok());
  const std::vector<Party::ClientInputCount> unordered = {{2, 0}, {1, 1}};
  EXPECT_FALSE(p.receive_client_inputs(unordered).ok());
  EXPECT_FALSE(p.send_output(9, std::vector<FieldBytes>{enc(1)}).ok());
}

// The client side alone (ClientRunner) on an in-memory network, n = 4, t = 1: every party sends
// its share of output 0 (375) followed by the output's label (42, the same at every party), and
// `bogus` parties also send a share of an output 7 that no honest party sends.
struct BogusRun {
  Result<std::vector<FieldBytes>> out;
  std::vector<std::uint32_t> labels;
};
BogusRun client_with_bogus_output(std::size_t bogus) {
  const std::size_t n = 4, t = 1;
  net::InMemoryNetwork network(n + 1);
  const auto shares = deal<F>(n, t, {F::from_i64(375)}, 11);
  for (std::size_t p = 0; p < n; ++p) {
    const F share_and_label[2] = {*F::from_bytes(shares[p][0]), F::from_u64(42)};
    EXPECT_TRUE(network.endpoint(p).send(
        n, wire::encode_elements<F>(wire::Channel::kOutput, 0,
                                    std::span<const F>(share_and_label, 2))));
    if (p < bogus) {
      const F junk = F::from_i64(5);
      EXPECT_TRUE(network.endpoint(p).send(
          n, wire::encode_elements<F>(wire::Channel::kOutput, 7, std::span<const F>(&junk, 1))));
    }
  }
  const std::atomic<bool> finished{true};
  ClientRunner<F> client(network.endpoint(n), n, t, 0, {}, finished, std::chrono::milliseconds(50));
  auto out = client.run();
  return BogusRun{std::move(out), client.labels()};
}

// One faulty party cannot deny the client its outputs by starting an output of its own.
TEST(ClientTest, AnOutputOnlyFaultyPartiesSentIsIgnored) {
  auto run = client_with_bogus_output(1);
  ASSERT_TRUE(run.out.ok()) << run.out.error().message;
  EXPECT_EQ(*run.out, std::vector<FieldBytes>{enc(375)});
  EXPECT_EQ(run.labels, std::vector<std::uint32_t>{42});
}

// An output more than t parties sent shares of includes an honest party's: it is real, and
// failing to reconstruct it is an error.
TEST(ClientTest, AnUndecodableOutputOfMoreThanTPartiesIsAnError) {
  auto run = client_with_bogus_output(2);
  ASSERT_FALSE(run.out.ok());
  EXPECT_NE(run.out.error().message.find("output 7 could not be reconstructed"), std::string::npos)
      << run.out.error().message;
}

}  // namespace
}  // namespace stoffel::mpc::test
