// Every failure of the MPC layer carries the kind callers act on (include/stoffel/result.h):
// bad parameters are Usage, a silent party is a Timeout, too many wrong shares is a Protocol
// failure, and a party stopped by another party's failure is AbortedByPeer. The embedded engine
// finds the root cause of a failed run by these kinds, never by the message text.
#include <gtest/gtest.h>

#include <thread>

#include "math/fields.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

using namespace std::chrono_literals;
using F = math::Bls12_381_Fr;

FieldBytes enc(std::int64_t v) {
  return F::from_i64(v).to_bytes();
}

TEST(ErrorKindTest, BadSessionParametersAreUsageErrors) {
  for (auto [n, t] : {std::pair<std::size_t, std::size_t>{3, 1}, {256, 1}, {0, 0}}) {
    SessionParams c;
    c.n = n;
    c.t = t;
    auto s = LocalSession::create(c, {});
    ASSERT_FALSE(s.ok()) << "n = " << n << ", t = " << t;
    EXPECT_EQ(s.error().kind, ErrorKind::Usage) << s.error().message;
  }
  SessionParams c;
  auto twice = LocalSession::create(c, {{1, {}}, {1, {}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().kind, ErrorKind::Usage);
}

TEST(ErrorKindTest, AbortedPartiesSeeAbortedByPeer) {
  auto s = make_session(config_for(4, math::FieldKind::Bls12_381));
  ASSERT_TRUE(s);
  std::vector<Error> errors(3);
  std::vector<std::thread> threads;
  // Parties 0..2 multiply; party 3 never does, so they wait until the abort.
  for (std::size_t i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      Party& p = s->party(i);
      auto r = p.mul(std::vector<FieldBytes>{enc(1)}, std::vector<FieldBytes>{enc(2)});
      if (!r.ok()) errors[i] = r.error();
    });
  }
  std::this_thread::sleep_for(100ms);
  s->abort("party 3 stopped: Type error");
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(errors[i].kind, ErrorKind::AbortedByPeer) << errors[i].message;
    EXPECT_NE(errors[i].message.find("party 3 stopped"), std::string::npos) << errors[i].message;
  }
  Party& p = s->party(3);
  auto later = p.open(std::vector<FieldBytes>{enc(1)});
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().kind, ErrorKind::AbortedByPeer);
}

TEST(ErrorKindTest, SilentPartiesGiveATimeout) {
  SessionParams cfg = config_for(4, math::FieldKind::Bls12_381, 91);
  cfg.receive_timeout_ms = 500;
  auto s = make_session(cfg, {}, net::FaultPlan{});
  ASSERT_TRUE(s);
  s->faults()->crash(0);
  s->faults()->crash(1);
  std::vector<Error> errors(4);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    auto o = p.open(std::vector<FieldBytes>{p.share_public(enc(5))});
    if (!o.ok()) errors[i] = o.error();
  });
  for (std::size_t i : {2u, 3u}) {
    EXPECT_EQ(errors[i].kind, ErrorKind::Timeout) << errors[i].message;
  }
}

void flip_elements(std::size_t, std::size_t, net::Bytes& payload, std::mt19937_64&) {
  for (std::size_t off = wire::kHeaderSize; off + wire::kElementSize <= payload.size();
       off += wire::kElementSize) {
    payload[off] ^= 1;
  }
}

TEST(ErrorKindTest, TooManyWrongSharesIsAProtocolFailure) {
  net::FaultPlan plan;
  plan.corrupt = flip_elements;
  auto s = make_session(config_for(4, math::FieldKind::Bls12_381, 81), {}, plan);
  ASSERT_TRUE(s);
  net::SenderFaults liar;
  liar.corrupt_probability = 1.0;
  s->faults()->set_faults(1, liar);
  s->faults()->set_faults(2, liar);
  std::vector<Error> errors(4);
  std::vector<bool> failed(4, false);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    auto o = p.open(std::vector<FieldBytes>{p.share_public(enc(5))});
    if (!o.ok()) {
      failed[i] = true;
      errors[i] = o.error();
    }
  });
  for (std::size_t i : {0u, 3u}) {
    ASSERT_TRUE(failed[i]) << "party " << i << " accepted a result";
    EXPECT_EQ(errors[i].kind, ErrorKind::Protocol) << errors[i].message;
  }
}

}  // namespace
}  // namespace stoffel::mpc::test
