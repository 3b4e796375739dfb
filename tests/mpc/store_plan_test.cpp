// The rule that turns the agreed store records into the stored items a run uses (store_plan.h):
// start at the highest cursor, use only lots every party holds alike, nothing when any record is
// missing or malformed; what a lying party can and cannot achieve.
#include <gtest/gtest.h>

#include "mpc/store_plan.h"

namespace stoffel::mpc {
namespace {

LotStatus lot(std::uint8_t tag, std::array<std::uint64_t, 3> count,
              std::array<std::uint64_t, 3> consumed) {
  LotStatus l;
  l.id.fill(tag);
  l.count = count;
  l.consumed = consumed;
  return l;
}

std::vector<BaValue> records(const std::vector<std::optional<std::vector<LotStatus>>>& parties) {
  std::vector<BaValue> out;
  for (const auto& p : parties) out.push_back(encode_store_status(p));
  return out;
}

TEST(StorePlanTest, RecordsRoundTripAndMalformedOnesAreRejected) {
  const std::vector<LotStatus> lots = {lot(1, {10, 20, 30}, {1, 2, 3}),
                                       lot(2, {5, 0, 0}, {0, 0, 0})};
  const BaValue r = encode_store_status(lots);
  EXPECT_LE(r.size(), max_store_status_bytes());
  auto back = decode_store_status(r);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].id, lots[0].id);
  EXPECT_EQ((*back)[0].count, lots[0].count);
  EXPECT_EQ((*back)[0].consumed, lots[0].consumed);
  EXPECT_FALSE(decode_store_status(encode_store_status(std::nullopt)));
  EXPECT_FALSE(decode_store_status(BaValue{}));  // bottom
  BaValue cut = r;
  cut.pop_back();
  EXPECT_FALSE(decode_store_status(cut));
  BaValue wrong_version = r;
  wrong_version[0] = 9;
  EXPECT_FALSE(decode_store_status(wrong_version));
  const BaValue twice = encode_store_status(std::vector<LotStatus>{lots[0], lots[0]});
  EXPECT_FALSE(decode_store_status(twice));
  // A cursor beyond the end reads as "all consumed".
  auto over = decode_store_status(
      encode_store_status(std::vector<LotStatus>{lot(3, {4, 4, 4}, {9, 1, 0})}));
  ASSERT_TRUE(over);
  EXPECT_EQ((*over)[0].consumed, (std::array<std::uint64_t, 3>{4, 1, 0}));
}

TEST(StorePlanTest, StartsAtTheHighestCursorOfAnyParty) {
  const auto plan = plan_stored_material(records({
      std::vector<LotStatus>{lot(1, {100, 50, 0}, {10, 0, 0})},
      std::vector<LotStatus>{lot(1, {100, 50, 0}, {30, 5, 0})},  // crashed after using more
      std::vector<LotStatus>{lot(1, {100, 50, 0}, {10, 0, 0})},
      std::vector<LotStatus>{lot(1, {100, 50, 0}, {0, 2, 0})},
  }));
  EXPECT_EQ(plan.note, "");
  ASSERT_EQ(plan.ranges[0].size(), 1u);
  EXPECT_EQ(plan.ranges[0][0].from, 30u);
  EXPECT_EQ(plan.ranges[0][0].to, 100u);
  ASSERT_EQ(plan.ranges[1].size(), 1u);
  EXPECT_EQ(plan.ranges[1][0].from, 5u);
  EXPECT_TRUE(plan.ranges[2].empty());
  EXPECT_EQ(plan.available, (std::array<std::uint64_t, 3>{70, 45, 0}));
}

TEST(StorePlanTest, SeveralLotsInPartyZerosOrderAndOnlyThoseEveryoneHolds) {
  const LotStatus a = lot(1, {10, 0, 0}, {0, 0, 0}), b = lot(2, {20, 0, 0}, {0, 0, 0}),
                  c = lot(3, {30, 0, 0}, {0, 0, 0});
  const auto plan = plan_stored_material(records({
      std::vector<LotStatus>{a, b, c},
      std::vector<LotStatus>{c, a, b},
      std::vector<LotStatus>{a, c},  // lacks b (crashed while it was written)
      std::vector<LotStatus>{b, c, a},
  }));
  ASSERT_EQ(plan.ranges[0].size(), 2u);
  EXPECT_EQ(plan.ranges[0][0].lot, a.id);
  EXPECT_EQ(plan.ranges[0][1].lot, c.id);
  EXPECT_EQ(plan.available[0], 40u);
  EXPECT_NE(plan.note.find("party 2 does not hold it"), std::string::npos) << plan.note;
  // Other amounts of the same lot: not used either.
  LotStatus b_other = b;
  b_other.count[0] = 21;
  const auto plan2 =
      plan_stored_material(records({std::vector<LotStatus>{b}, std::vector<LotStatus>{b},
                                    std::vector<LotStatus>{b_other}, std::vector<LotStatus>{b}}));
  EXPECT_EQ(plan2.available[0], 0u);
  EXPECT_NE(plan2.note.find("other amounts"), std::string::npos);
}

TEST(StorePlanTest, AMissingOrMalformedRecordMeansNothingStoredIsUsed) {
  const std::vector<LotStatus> l = {lot(1, {10, 10, 10}, {0, 0, 0})};
  auto r = records({l, l, std::nullopt, l});
  auto plan = plan_stored_material(r);
  EXPECT_EQ(plan.available, (std::array<std::uint64_t, 3>{0, 0, 0}));
  EXPECT_NE(plan.note.find("party 2 has no usable preprocessing store"), std::string::npos);
  r = records({l, l, l, l});
  r[3] = BaValue{};  // bottom: a silent party
  plan = plan_stored_material(r);
  EXPECT_EQ(plan.available[0], 0u);
  EXPECT_NE(plan.note.find("party 3"), std::string::npos);
}

// Whatever a faulty party reports, the honest parties never start below their own highest cursor
// (no reuse); it can only waste material or hide lots.
TEST(StorePlanTest, ALiarCanWasteButNeverCauseReuse) {
  const std::array<std::uint64_t, 3> count{100, 100, 100};
  const std::vector<std::array<std::uint64_t, 3>> honest = {{40, 3, 0}, {35, 9, 1}, {40, 3, 0}};
  const std::vector<std::vector<LotStatus>> lies = {
      {lot(1, count, {0, 0, 0})},               // claims nothing used
      {lot(1, count, {100, 100, 100})},         // claims everything used
      {lot(1, count, {~0ull, ~0ull, ~0ull})},   // nonsense cursors
      {},                                       // hides the lot
      {lot(1, {1000, 1000, 1000}, {0, 0, 0})},  // other counts
  };
  for (const auto& lie : lies) {
    std::vector<std::optional<std::vector<LotStatus>>> parties;
    for (const auto& h : honest) parties.push_back(std::vector<LotStatus>{lot(1, count, h)});
    parties.push_back(lie);
    const auto plan = plan_stored_material(records(parties));
    for (std::size_t k = 0; k < 3; ++k) {
      std::uint64_t highest = 0;
      for (const auto& h : honest) highest = std::max(highest, h[k]);
      for (const auto& range : plan.ranges[k]) EXPECT_GE(range.from, highest);
    }
  }
}

}  // namespace
}  // namespace stoffel::mpc
