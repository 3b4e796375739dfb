#include "mpc/store_plan.h"

#include <algorithm>

namespace stoffel::mpc {

namespace {

// Record layout: u8 version (1), u8 has_store (0 or 1), u16 LE lot count, then per lot the id
// (32 bytes) and per kind u64 LE count and u64 LE consumed.
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeader = 4;
constexpr std::size_t kLotBytes = 32 + kStoredKinds * 16;

void put_u64(BaValue& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

BaValue encode_store_status(const std::optional<std::vector<LotStatus>>& lots) {
  BaValue out{kVersion, 0, 0, 0};
  if (!lots) return out;
  // A store never holds more than kMaxStoredLots; a longer list would be refused by the others,
  // so the oldest lots are the ones reported.
  const std::size_t count = std::min(lots->size(), kMaxStoredLots);
  out[1] = 1;
  out[2] = static_cast<std::uint8_t>(count);
  out[3] = static_cast<std::uint8_t>(count >> 8);
  for (std::size_t i = 0; i < count; ++i) {
    const LotStatus& lot = (*lots)[i];
    out.insert(out.end(), lot.id.begin(), lot.id.end());
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      put_u64(out, lot.count[k]);
      put_u64(out, lot.consumed[k]);
    }
  }
  return out;
}

std::optional<std::vector<LotStatus>> decode_store_status(const BaValue& record) {
  if (record.size() < kHeader || record[0] != kVersion || record[1] > 1) return std::nullopt;
  if (record[1] == 0) return std::nullopt;
  const std::size_t count = record[2] | (static_cast<std::size_t>(record[3]) << 8);
  if (count > kMaxStoredLots || record.size() != kHeader + count * kLotBytes) return std::nullopt;
  std::vector<LotStatus> lots(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = record.data() + kHeader + i * kLotBytes;
    std::copy_n(p, 32, lots[i].id.begin());
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      lots[i].count[k] = get_u64(p + 32 + 16 * k);
      // A cursor beyond the end means "all consumed".
      lots[i].consumed[k] = std::min(get_u64(p + 40 + 16 * k), lots[i].count[k]);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (lots[j].id == lots[i].id) return std::nullopt;  // a lot listed twice: malformed
    }
  }
  return lots;
}

std::size_t max_store_status_bytes() {
  return kHeader + kMaxStoredLots * kLotBytes;
}

std::string short_lot_id(const LotId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 8; ++i) {
    s += kHex[id[i] >> 4];
    s += kHex[id[i] & 15];
  }
  return s;
}

StoredPlan plan_stored_material(std::span<const BaValue> agreed) {
  StoredPlan plan;
  const std::size_t n = agreed.size();
  std::vector<std::vector<LotStatus>> records(n);
  for (std::size_t p = 0; p < n; ++p) {
    auto lots = decode_store_status(agreed[p]);
    if (!lots) {
      plan.note = "party " + std::to_string(p) + " has no usable preprocessing store";
      return plan;
    }
    records[p] = std::move(*lots);
  }
  if (n == 0) return plan;
  // Lots in the order of party 0's record (any order every party derives alike would do).
  for (const LotStatus& lot : records[0]) {
    std::array<std::uint64_t, kStoredKinds> start = lot.consumed;
    bool everywhere = true;
    for (std::size_t p = 1; p < n && everywhere; ++p) {
      auto it = std::find_if(records[p].begin(), records[p].end(),
                             [&](const LotStatus& l) { return l.id == lot.id; });
      if (it == records[p].end() || it->count != lot.count) {
        everywhere = false;
        if (plan.note.empty()) {
          plan.note = "lot " + short_lot_id(lot.id) + " is not used: party " + std::to_string(p) +
                      (it == records[p].end() ? " does not hold it" : " holds other amounts of it");
        }
        break;
      }
      for (std::size_t k = 0; k < kStoredKinds; ++k) start[k] = std::max(start[k], it->consumed[k]);
    }
    if (!everywhere) continue;
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      if (start[k] >= lot.count[k]) continue;
      plan.ranges[k].push_back({lot.id, start[k], lot.count[k]});
      plan.available[k] += lot.count[k] - start[k];
    }
  }
  return plan;
}

}  // namespace stoffel::mpc
