// Preprocessing material made ahead of time and kept on disk (decisions M4, R4): the interface
// the HoneyBadgerMPC party consults when a pool runs dry, before it generates more.
//
// The MPC layer only defines what a store must do; the persistent implementation (LMDB,
// encrypted at rest) is src/store, one layer up, and tests may use any other. A store belongs to
// one party and holds *lots*: the material one offline phase (HbParty::fill_store) produced, the
// same items at the same positions in every party's store (party i holds its shares). Each lot
// has, per kind, a count of items and a consumed cursor: items below the cursor are used (or
// skipped) and never handed out again.
//
// The rules every implementation keeps (the party relies on them):
//   * consume() commits the new cursor durably BEFORE it returns the items, so an item is marked
//     consumed before it is used, and a crash can lose items but never hand one out twice;
//   * the cursor only grows; consume() refuses a range below it;
//   * a lot is listed only once it is complete (LotWriter::commit succeeded).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "math/field_kind.h"
#include "mpc/party.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

// Kinds of stored items. Client-input masks are random shares too: the mask pool is filled from
// the random kind, and every item is still handed out once, whichever pool it goes to.
enum class StoredKind : std::uint8_t { kTriple = 0, kRandom = 1, kBit = 2 };
inline constexpr std::size_t kStoredKinds = 3;

// Field elements per item: a triple is (a, b, c).
constexpr std::size_t stored_width(StoredKind kind) {
  return kind == StoredKind::kTriple ? 3 : 1;
}
constexpr const char* stored_kind_name(StoredKind kind) {
  return kind == StoredKind::kTriple   ? "triples"
         : kind == StoredKind::kRandom ? "random shares"
                                       : "random bits";
}

// A lot is named by 32 bytes every party derives from the same opened random value.
using LotId = std::array<std::uint8_t, 32>;

struct LotStatus {
  LotId id{};
  std::array<std::uint64_t, kStoredKinds> count{};     // items in the lot, per kind
  std::array<std::uint64_t, kStoredKinds> consumed{};  // cursor per kind (<= count)
};

// The parameters a store's material is valid for. The party checks them against its own before
// it uses a store (the store itself also binds the roster, which the party does not know).
struct StoreParams {
  math::FieldKind field = math::FieldKind::Bls12_381;
  std::uint32_t n = 0, t = 0, party = 0;
};

// Writes one new lot. Destroying a writer without a successful commit() leaves no trace of the
// lot that could ever be used.
class LotWriter {
 public:
  virtual ~LotWriter() = default;
  // Appends whole items (elements.size() a multiple of stored_width(kind)), in order.
  virtual Result<void> append(StoredKind kind, std::span<const FieldBytes> elements) = 0;
  // Makes the lot complete and durable.
  virtual Result<void> commit() = 0;
};

class MaterialStore {
 public:
  virtual ~MaterialStore() = default;

  virtual StoreParams params() const = 0;
  // The complete lots, oldest first.
  virtual Result<std::vector<LotStatus>> lots() = 0;
  // Marks items [from, from + count) of `kind` in `lot` consumed (with count = out.size() /
  // width), durably, and only then writes them to `out`. Everything below `from` that was not
  // consumed yet is skipped for good. Fails (out untouched) if from is below the cursor or the
  // range goes beyond the lot.
  virtual Result<void> consume(const LotId& lot, StoredKind kind, std::uint64_t from,
                               std::span<FieldBytes> out) = 0;
  // Starts a new lot; fails if a lot with this id exists (material is never stored twice).
  virtual Result<std::unique_ptr<LotWriter>> begin_lot(const LotId& lot) = 0;
  // Deletes a lot (a lot some party could not store can never be used).
  virtual Result<void> drop_lot(const LotId& lot) = 0;
};

}  // namespace stoffel::mpc
