// Reliable broadcast and binary agreement through the engine (mpc::Party, LocalSession): the
// coin comes from the random-share pool (16 shares reserved per session, taken in program order
// at every party), broadcasts and agreements interleave with multiplications (round messages and
// asynchronous messages share the router), a party crashed after preprocessing neither blocks
// the others' agreements nor delays their broadcasts, and a receive from it ends in a clean
// timeout error. n = 4 and 7, three fields.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "math/fields.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

using std::chrono::milliseconds;

struct PartyOut {
  std::string error;
  std::vector<std::vector<std::uint8_t>> received;  // from each party, in party order
  std::vector<bool> decisions;
  std::uint64_t randoms_consumed = 0;
  FieldBytes product{};
};

std::vector<std::uint8_t> message_of(std::size_t party) {
  std::string s = "message from " + std::to_string(party);
  s.append(party * 3000, 'x');  // parties >= 1 send more than the Bracha bound: AVID
  return {s.begin(), s.end()};
}

// Every party (but `crashed`): broadcast; one multiplication; three agreements (split, all true,
// all false); receive every live party's broadcast; then serve until all are done.
std::vector<PartyOut> run(LocalSessionImpl& s, std::optional<std::size_t> crashed) {
  const std::size_t n = s.config().n;
  std::vector<PartyOut> out(n);
  std::atomic<std::size_t> done{0};
  const std::size_t live = crashed ? n - 1 : n;
  run_parties(s, [&](std::size_t i) {
    if (crashed && i == *crashed) return;
    Party& p = s.party(i);
    auto fail = [&](const std::string& what, const Error& e) {
      out[i].error = what + ": " + e.message;
      ++done;
    };
    auto sess = p.rbc_broadcast(message_of(i));
    if (!sess) return fail("broadcast", sess.error());
    EXPECT_EQ(*sess, 0u);
    const FieldBytes three = p.share_public(p.encode_int(3)),
                     five = p.share_public(p.encode_int(5));
    auto prod = p.mul(std::vector<FieldBytes>{three}, std::vector<FieldBytes>{five});
    if (!prod) return fail("mul", prod.error());
    auto opened = p.open(*prod);
    if (!opened) return fail("open", opened.error());
    out[i].product = (*opened)[0];
    for (bool v : {i % 2 == 0, true, false}) {
      auto a = p.aba_propose(v);
      if (!a) return fail("propose", a.error());
    }
    for (std::uint64_t k = 0; k < 3; ++k) {
      auto d = p.aba_result(k, milliseconds(20'000));
      if (!d) return fail("result", d.error());
      out[i].decisions.push_back(*d);
    }
    for (std::size_t from = 0; from < n; ++from) {
      if (crashed && from == *crashed) continue;
      auto m = p.rbc_receive(from, milliseconds(20'000));
      if (!m) return fail("receive", m.error());
      out[i].received.push_back(*m);
    }
    if (crashed) {
      auto m = p.rbc_receive(*crashed, milliseconds(300));
      EXPECT_FALSE(m.ok());
      if (!m.ok()) {
        EXPECT_NE(m.error().message.find("no broadcast from party " + std::to_string(*crashed)),
                  std::string::npos)
            << m.error().message;
      }
    }
    out[i].randoms_consumed = p.stats().randoms_consumed;
    ++done;
    while (done.load() < live) {
      if (!p.serve(milliseconds(20))) break;
    }
  });
  return out;
}

void check(LocalSessionImpl& s, const std::vector<PartyOut>& out,
           std::optional<std::size_t> crashed) {
  const std::size_t n = s.config().n;
  const PartyOut* first = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    if (crashed && i == *crashed) continue;
    const PartyOut& o = out[i];
    ASSERT_EQ(o.error, "") << "party " << i;
    EXPECT_EQ(*s.party(i).decode_int(o.product), 15);
    ASSERT_EQ(o.decisions.size(), 3u);
    EXPECT_TRUE(o.decisions[1]) << "validity (all proposed true), party " << i;
    EXPECT_FALSE(o.decisions[2]) << "validity (all proposed false), party " << i;
    std::size_t k = 0;
    for (std::size_t from = 0; from < n; ++from) {
      if (crashed && from == *crashed) continue;
      EXPECT_EQ(o.received.at(k++), message_of(from)) << "party " << i << " from " << from;
    }
    // Three sessions, 16 coins each, from the random-share pool.
    EXPECT_GE(o.randoms_consumed, 3u * 16);
    if (!first) first = &o;
    EXPECT_EQ(o.decisions, first->decisions) << "agreement, party " << i;
  }
}

class PartyAsyncTest : public ::testing::TestWithParam<std::tuple<std::size_t, math::FieldKind>> {};

TEST_P(PartyAsyncTest, BroadcastAgreeAndMultiply) {
  const auto [n, field] = GetParam();
  auto s = make_session(config_for(n, field, 11));
  ASSERT_NE(s, nullptr);
  check(*s, run(*s, std::nullopt), std::nullopt);
}

TEST_P(PartyAsyncTest, PartyCrashedAfterPreprocessing) {
  const auto [n, field] = GetParam();
  net::FaultPlan plan;  // installed empty; the crash comes after preprocessing
  auto s = make_session(config_for(n, field, 12), {}, plan);
  ASSERT_NE(s, nullptr);
  std::vector<std::string> errors(n);
  run_parties(*s, [&](std::size_t i) {
    // Enough random shares for the three agreements' coins, made before the crash.
    auto ok = s->engine(i).preprocess({4, 3 * 16, 0, 0});
    if (!ok) errors[i] = ok.error().message;
  });
  for (auto& e : errors) ASSERT_EQ(e, "");
  const std::size_t crashed = n - 1;
  s->faults()->crash(crashed);
  check(*s, run(*s, crashed), crashed);
}

std::string name_of(const ::testing::TestParamInfo<std::tuple<std::size_t, math::FieldKind>>& p) {
  return "n" + std::to_string(std::get<0>(p.param)) + "_" +
         std::to_string(static_cast<int>(std::get<1>(p.param)));
}

INSTANTIATE_TEST_SUITE_P(Sessions, PartyAsyncTest,
                         ::testing::Combine(::testing::Values(4, 7),
                                            ::testing::Values(math::FieldKind::Bls12_381,
                                                              math::FieldKind::Bn254,
                                                              math::FieldKind::Curve25519)),
                         name_of);

TEST(PartyAsync, PayloadAboveTheBoundIsRefused) {
  auto s = make_session(config_for(4, math::FieldKind::Bls12_381, 13));
  ASSERT_NE(s, nullptr);
  auto r = s->party(0).rbc_broadcast(std::vector<std::uint8_t>((16u << 20) + 1, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("at most 16777216 bytes"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace stoffel::mpc::test
