// The router's handling of messages for rounds not gathered yet.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "math/fields.h"
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
  auto everyone = [](std::size_t) { return true; };  // the round waits for every party
  ASSERT_TRUE(router.gather(1, "round 1", count, all, everyone));
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
  ASSERT_TRUE(router.gather(2, "round 2", keep, all, everyone));
  ASSERT_EQ(from_party_1.size(), 1u);
  EXPECT_TRUE(from_party_1[0] == F::from_i64(100));  // the first one sent
  EXPECT_EQ(suspects.size(), 999u);                  // nothing new
}

}  // namespace
}  // namespace stoffel::mpc::test
