// The heap's collector with its free lists of small objects (vm/heap.h): objects that survive a
// collection keep their contents, memory freed by one collection is handed out again by later
// allocations without disturbing live objects, and the lists' cap sends the rest back to the
// allocator. Under AddressSanitizer a free list that handed out live memory, or freed memory
// twice, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vm/heap.h"
#include "vm/value.h"

namespace stoffel::vm {
namespace {

std::array<uint8_t, 32> payload(uint64_t tag) {
  std::array<uint8_t, 32> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(tag * 31 + i);
  return b;
}

bool has_payload(const ShareObj* s, uint64_t tag) {
  const auto want = payload(tag);
  const auto got = s->data();
  return got.size() == want.size() && std::equal(got.begin(), got.end(), want.begin());
}

TEST(HeapTest, SurvivorsKeepTheirContentsWhileFreedMemoryIsReused) {
  Heap heap;
  const ShareType t = ShareType::secret_int(64);
  std::vector<ShareObj*> kept;
  std::vector<StringObj*> kept_strings;
  // Three rounds: make shares and strings of several sizes, keep every third, collect; the next
  // round's allocations come from the freed objects.
  for (uint64_t round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < 3000; ++i) {
      const uint64_t tag = round * 100000 + i;
      const auto b = payload(tag);
      ShareObj* s = heap.new_share(t, b);
      StringObj* str = heap.new_string(std::string(i % 90, static_cast<char>('a' + i % 26)));
      heap.new_cell(Value::i64(static_cast<int64_t>(i)));
      if (i % 3 == 0) {
        kept.push_back(s);
        kept_strings.push_back(str);
      }
    }
    heap.collect([&](Heap& h) {
      for (ShareObj* s : kept) h.mark(Value::share_value(s));
      for (StringObj* s : kept_strings) h.mark(Value::string(s));
    });
    EXPECT_EQ(heap.object_count(), kept.size() + kept_strings.size()) << "round " << round;
  }
  for (size_t k = 0; k < kept.size(); ++k) {
    const uint64_t tag = (k / 1000) * 100000 + (k % 1000) * 3;
    EXPECT_TRUE(has_payload(kept[k], tag)) << "share " << k;
    const uint64_t i = (k % 1000) * 3;
    EXPECT_EQ(std::string(kept_strings[k]->data(), kept_strings[k]->length),
              std::string(i % 90, static_cast<char>('a' + i % 26)))
        << "string " << k;
  }
}

TEST(HeapTest, MoreFreedThanTheListsKeepGoesBackToTheAllocator) {
  Heap heap;
  const ShareType t = ShareType::secret_int(64);
  // 400,000 shares of 32 bytes are well over the lists' cap (16 MiB): the collection keeps what
  // fits and frees the rest, and the next allocations still work.
  for (int round = 0; round < 2; ++round) {
    for (uint64_t i = 0; i < 400000; ++i) heap.new_share(t, payload(i));
    EXPECT_GT(heap.page_count(), 300u);  // 400,000 x 56 bytes in 64 KiB pages
    heap.collect([](Heap&) {});
    EXPECT_EQ(heap.object_count(), 0u);
    EXPECT_EQ(heap.page_count(), 0u);  // every page empty: all back to the allocator
  }
  ShareObj* s = heap.new_share(t, payload(7));
  EXPECT_TRUE(has_payload(s, 7));
}

// Pages that still hold a live object stay (and so do the free places on them); the others go.
TEST(HeapTest, OnlyEmptyPagesAreReturned) {
  Heap heap;
  const ShareType t = ShareType::secret_int(64);
  std::vector<ShareObj*> all;
  for (uint64_t i = 0; i < 400000; ++i) all.push_back(heap.new_share(t, payload(i)));
  const size_t pages = heap.page_count();
  // One survivor every 100,000 objects: four pages keep a live object.
  heap.collect([&](Heap& h) {
    for (size_t i = 0; i < all.size(); i += 100000) h.mark(Value::share_value(all[i]));
  });
  EXPECT_EQ(heap.object_count(), 4u);
  EXPECT_EQ(heap.page_count(), 4u) << "of " << pages;
  for (size_t i = 0; i < all.size(); i += 100000) EXPECT_TRUE(has_payload(all[i], i));
  // The free places on the kept pages are used again before any new page.
  for (uint64_t i = 0; i < 1000; ++i) heap.new_share(t, payload(i));
  EXPECT_EQ(heap.page_count(), 4u);
}

}  // namespace
}  // namespace stoffel::vm
