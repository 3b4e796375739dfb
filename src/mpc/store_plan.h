// Which stored preprocessing items a run uses (decisions M4, R4).
//
// At the start of a run that may use stored material every party broadcasts a status record (the
// lots its store holds, with counts and consumed cursors) and the parties run Byzantine agreement
// on the n records (Agreement::broadcast), so every honest party holds the same n records, and an
// honest party's record is its true one. plan_stored_material() is a deterministic function of
// those records, so every honest party derives the same plan: the same items, in the same order.
//
// The rule, and why a faulty party cannot make honest parties reuse or mix material:
//   * A lot is used only if EVERY party lists it with the same counts. An honest party that lacks
//     a lot (it crashed while the lot was being written) could not take part in the openings
//     that use it, and with t faulty parties besides, they could not be decoded. A faulty party
//     can hide a lot (the lot is then not used: denial of service, never a wrong result).
//   * Per lot and kind, the run starts at the MAXIMUM of all parties' cursors. Every honest
//     party commits its cursor before it uses an item (MaterialStore::consume), so every item an
//     honest party ever used lies below its own cursor, which is in the agreed records: the
//     maximum is above it, and the item is not used again. A faulty party can only raise the
//     maximum, which skips unused items (waste, never reuse). Taking a lower statistic (the
//     (t+1)-th largest) would not be safe: an honest party that crashed late may hold the only
//     high cursor.
//   * A missing or malformed record (a silent or faulty party, or a party without a store)
//     means nothing stored is used by anybody: the parties fall back to generating (M4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mpc/agreement.h"
#include "mpc/material_store.h"

namespace stoffel::mpc {

// Lots a status record may list (a store holds at most this many).
inline constexpr std::size_t kMaxStoredLots = 32;

// A party's status record: its lots, or nullopt for "no usable store". Never empty (empty is
// bottom in the agreement).
BaValue encode_store_status(const std::optional<std::vector<LotStatus>>& lots);
// The lots of a record; nullopt for bottom, a malformed record, or "no usable store".
std::optional<std::vector<LotStatus>> decode_store_status(const BaValue& record);
// Upper bound on the size of a record (for the agreement's message checks).
std::size_t max_store_status_bytes();

// Items [from, to) of one kind of one lot.
struct StoredRange {
  LotId lot{};
  std::uint64_t from = 0, to = 0;
};

struct StoredPlan {
  // Per kind, the ranges in the order they are used.
  std::array<std::vector<StoredRange>, kStoredKinds> ranges;
  std::array<std::uint64_t, kStoredKinds> available{};
  // Why stored material is not used (all of it, or a lot): empty when everything is used.
  std::string note;
};

// agreed[p] is party p's agreed record (n entries).
StoredPlan plan_stored_material(std::span<const BaValue> agreed);

// The first 8 bytes of a lot id in hex, for messages.
std::string short_lot_id(const LotId& id);

}  // namespace stoffel::mpc
