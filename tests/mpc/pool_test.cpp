// The preprocessing pools (mpc/hb/pool.h): items come out once each, in the order they went in,
// across appends, in-place room and compactions; the storage behind the items is zeros or wiped.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "math/fields.h"
#include "mpc/hb/pool.h"

namespace stoffel::mpc {
namespace {

using F = math::Bls12_381_Fr;

TEST(PoolTest, ItemsComeOutOnceInOrderAcrossAppendsRoomAndCompaction) {
  Pool<F> pool(2);
  std::uint64_t next_in = 1, next_out = 1;
  auto expect_take = [&](std::size_t items) {
    const auto got = pool.take(items);
    ASSERT_EQ(got.size(), 2 * items);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], F::from_u64(next_out++));
  };
  for (int round = 0; round < 5; ++round) {
    std::vector<F> values(6);
    for (auto& v : values) v = F::from_u64(next_in++);
    pool.append(values);
    const auto room = pool.append_room(4);
    ASSERT_EQ(room.size(), 8u);
    for (auto& v : room) v = F::from_u64(next_in++);
    std::vector<F> first(2), second(2);
    for (std::size_t i = 0; i < 2; ++i) {
      first[i] = F::from_u64(next_in++);
      second[i] = F::from_u64(next_in++);
    }
    pool.append_pairs(first, second);
    EXPECT_EQ(pool.size(), static_cast<std::size_t>(next_in - next_out) / 2);
    expect_take(round % 2 == 0 ? 7 : 9);  // leaves items behind for the next compaction
  }
  expect_take(pool.size());
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.generated(), 5u * 9u);
  EXPECT_EQ(pool.consumed(), 5u * 9u);
  // Room handed out after compactions holds no earlier share: zeros (wiped or never written).
  const auto room = pool.append_room(20);
  for (const F& v : room) EXPECT_EQ(v, F::zero());
}

}  // namespace
}  // namespace stoffel::mpc
