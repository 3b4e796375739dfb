// The router's handling of messages for rounds not gathered yet.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "math/fields.h"
#include "math/rng.h"
#include "mpc/router.h"
#include "mpc/wire.h"
#include "net/memory_network.h"

namespace stoffel::mpc::test {
namespace {

using F = math::Bls12_381_Fr;

net::Bytes round_message(std::uint64_t round, std::int64_t value) {
  const F v = F::from_i64(value);
  return wire::encode_elements<F>(wire::Channel::kRound, round, std::span<const F>(&v, 1));
}

// A faulty party that floods a future round is reported for every duplicate as it arrives (not
// only once that round is gathered), and only its first message of the round is kept.
TEST(Router, AFutureRoundKeepsOneMessagePerSender) {
  const std::size_t n = 4;
  net::InMemoryNetwork net(n);
  std::vector<std::size_t> suspects;
  Router router(net.endpoint(0), n, std::chrono::milliseconds(5000),
                [&](std::size_t p) { suspects.push_back(p); });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(net.endpoint(1).send(0, round_message(2, 100 + i)));
  for (std::size_t p = 1; p < n; ++p) ASSERT_TRUE(net.endpoint(p).send(0, round_message(1, 1)));

  std::size_t heard = 0;
  auto count = [&](std::size_t, std::uint32_t, std::span<const std::uint8_t>) {
    ++heard;
    return true;
  };
  auto all = [&]() -> Result<bool> { return heard == n - 1; };
  auto awaited = [](std::size_t) { return true; };
  ASSERT_EQ(router.next_round(), 1u);
  ASSERT_TRUE(router.gather(1, "round 1", count, all, awaited));
  EXPECT_EQ(suspects, std::vector<std::size_t>(999, 1));

  for (std::size_t p = 2; p < n; ++p) ASSERT_TRUE(net.endpoint(p).send(0, round_message(2, 2)));
  std::vector<F> from_party_1;
  heard = 0;
  auto keep = [&](std::size_t from, std::uint32_t c, std::span<const std::uint8_t> body) {
    ++heard;
    if (from == 1) {
      from_party_1.resize(c);
      EXPECT_TRUE(wire::decode_elements<F>(body, std::span<F>(from_party_1)));
    }
    return true;
  };
  ASSERT_EQ(router.next_round(), 2u);
  ASSERT_TRUE(router.gather(2, "round 2", keep, all, awaited));
  ASSERT_EQ(from_party_1.size(), 1u);
  EXPECT_TRUE(from_party_1[0] == F::from_i64(100));  // the first one sent
  EXPECT_EQ(suspects.size(), 999u);                  // nothing new
}

// Only the last round taken can be gathered (docs/decisions.md W9): a party's keep-alives
// announce its last round taken, so a protocol that took a later round before gathering this one
// would be given up by peers awaiting its message of this one. Caught as an internal error.
TEST(Router, GathersOnlyTheLastRoundTaken) {
  const std::size_t n = 2;
  net::InMemoryNetwork net(n);
  Router router(net.endpoint(0), n, std::chrono::milliseconds(5000), [](std::size_t) {});
  const std::uint64_t first = router.next_round();
  ASSERT_TRUE(net.endpoint(1).send(0, round_message(first, 1)));
  (void)router.next_round();  // taken ahead of time
  bool called = false;
  auto any = [&](std::size_t, std::uint32_t, std::span<const std::uint8_t>) {
    called = true;
    return true;
  };
  auto done = [&]() -> Result<bool> { return called; };
  auto awaited = [](std::size_t) { return true; };
  auto r = router.gather(first, "round 1", any, done, awaited);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::Protocol);
  EXPECT_NE(r.error().message.find("internal error"), std::string::npos) << r.error().message;
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace stoffel::mpc::test

namespace stoffel::mpc::test {
namespace {

// Between parties elements travel as their Montgomery form (decision P14): 1 is sent as
// 2^256 mod p, every value below p is accepted and round-trips, p and above are refused, and
// the canonical encoding of the client channels is unchanged.
TEST(Wire, SharesTravelInMontgomeryForm) {
  const F one = F::one();
  const net::Bytes m = wire::encode_shares<F>(wire::Channel::kRound, 9, std::span<const F>(&one, 1));
  ASSERT_EQ(m.size(), wire::kHeaderSize + wire::kElementSize);
  F r = F::from_u64(2);
  for (int i = 0; i < 8; ++i) r = r.square();  // 2^256
  const math::Limbs r_limbs = r.to_canonical();
  EXPECT_EQ(0, std::memcmp(m.data() + wire::kHeaderSize, r_limbs.data(), wire::kElementSize));
  F back{};
  ASSERT_TRUE(wire::decode_shares<F>(wire::body(m), std::span<F>(&back, 1)));
  EXPECT_EQ(back, one);
  const net::Bytes c = wire::encode_elements<F>(wire::Channel::kOutput, 9, std::span<const F>(&one, 1));
  EXPECT_EQ(c[wire::kHeaderSize], 1);  // canonical 1
  // p - 1 and p as raw blocks.
  math::Limbs p = F::modulus();
  std::vector<std::uint8_t> body(wire::kElementSize);
  p[0] -= 1;
  std::memcpy(body.data(), p.data(), wire::kElementSize);
  EXPECT_TRUE(wire::decode_shares<F>(body, std::span<F>(&back, 1)));
  EXPECT_EQ(back.mont(), p);
  p[0] += 1;
  std::memcpy(body.data(), p.data(), wire::kElementSize);
  EXPECT_FALSE(wire::decode_shares<F>(body, std::span<F>(&back, 1)));
  std::fill(body.begin(), body.end(), 0xff);
  EXPECT_FALSE(wire::decode_shares<F>(body, std::span<F>(&back, 1)));
  math::SeededRng rng(3);
  std::vector<F> xs(64), ys(64);
  F::random_fill(rng, std::span<F>(xs));
  const net::Bytes many = wire::encode_shares<F>(wire::Channel::kRound, 1, std::span<const F>(xs));
  ASSERT_TRUE(wire::decode_shares<F>(wire::body(many), std::span<F>(ys)));
  EXPECT_EQ(xs, ys);
}

}  // namespace
}  // namespace stoffel::mpc::test
