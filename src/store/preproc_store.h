// One party's persistent preprocessing store (decisions M4, R4; docs/store.md): an LMDB
// environment in a directory of its own, implementing mpc::MaterialStore.
//
// What it guarantees:
//   * Bound: the store records the parameters it was made for (field, n, t, party index, roster
//     digest) and refuses to open for others; every record is authenticated with them.
//   * Encrypted at rest: items are sealed in blocks with XChaCha20-Poly1305, the associated data
//     naming the parameters, the lot, the kind, the block index and its item count, so a block
//     moved, swapped, truncated or altered fails authentication. The other records (parameters,
//     lots with their cursors, the consumption log) are authenticated with keyed BLAKE2b. Opening
//     with another key, or a tampered store, is an error and nothing is used.
//   * Consume once: consume() writes the new cursor (and deletes the blocks it has passed) in a
//     committed, synced LMDB transaction before it returns the items.
//   * Consistent: every change is one LMDB transaction; a full map or disk aborts it and leaves
//     the store as it was. A lot becomes visible only when its writer commits; a lot left half
//     written by a crash is deleted the next time the store is opened for writing.
//   * Damage does not crash: the data file is checked structurally (lmdb_check.h) before LMDB
//     maps it, and every block is authenticated when the store is opened.
//
// A store is used by one thread at a time, and by one process: the directory is locked (flock)
// while a store is open.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mpc/material_store.h"
#include "store/store_key.h"

namespace stoffel::store {

// Items per sealed block. A block is decrypted whole when any of its items is taken, and deleted
// once the cursor has passed it.
inline constexpr std::uint32_t kBlockItems = 1024;
// Consumption log entries kept (older ones are deleted).
inline constexpr std::uint64_t kLogEntries = 4096;
inline constexpr std::uint64_t kDefaultMapSize = std::uint64_t{1} << 30;

// What a store's material is valid for.
struct Binding {
  mpc::StoreParams params;
  Digest roster{};  // roster_digest() of the party set, embedded_roster_digest(n) when embedded
};

struct StoreOptions {
  bool create = false;                       // make a new store if the directory holds none
  std::uint64_t map_size = kDefaultMapSize;  // the largest the data file may grow (bytes)
};

// One consume() as recorded in the store's consumption log (for audits and tests).
struct LogEntry {
  std::uint64_t seq = 0;
  mpc::LotId lot{};
  mpc::StoredKind kind = mpc::StoredKind::kTriple;
  std::uint64_t from = 0, to = 0;  // items [from, to) were marked consumed
  std::uint64_t time = 0;          // unix seconds
};

// What a store holds (stoffel-run --store-info). Never secret material.
struct StoreInfo {
  std::string dir;
  Binding binding;
  std::uint64_t created = 0;  // unix seconds
  bool verified = false;      // true: every record and every unconsumed block was authenticated
  struct Lot {
    std::uint32_t number = 0;  // local sequence number, in creation order
    bool complete = false;     // false: an offline phase that did not finish (never used)
    std::uint64_t created = 0;
    mpc::LotStatus status;
  };
  std::vector<Lot> lots;
  std::vector<LogEntry> log;
  std::uint64_t file_bytes = 0;
};

class PreprocStore final : public mpc::MaterialStore {
 public:
  // Opens (or with options.create, creates) the store in `dir`. Errors say what is wrong: no
  // store, in use, damaged file, wrong key or tampered records, other parameters.
  static Result<std::unique_ptr<PreprocStore>> open(const std::string& dir, const Binding& binding,
                                                    const StoreKey& key,
                                                    const StoreOptions& options = {});
  ~PreprocStore() override;
  PreprocStore(const PreprocStore&) = delete;
  PreprocStore& operator=(const PreprocStore&) = delete;

  mpc::StoreParams params() const override { return binding_.params; }
  Result<std::vector<mpc::LotStatus>> lots() override;
  // On failure `out` is zeroed.
  Result<void> consume(const mpc::LotId& lot, mpc::StoredKind kind, std::uint64_t from,
                       std::span<mpc::FieldBytes> out) override;
  Result<std::unique_ptr<mpc::LotWriter>> begin_lot(const mpc::LotId& lot) override;
  Result<void> drop_lot(const mpc::LotId& lot) override;

  Result<std::vector<LogEntry>> log();
  const std::string& dir() const { return dir_; }

  class Impl;

 private:
  explicit PreprocStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  Binding binding_;
  std::string dir_;
};

// Reads what the store in `dir` holds without using it. With the secret the store's keys derive
// from (a key file's bytes; the party index comes from the store), every record and every
// unconsumed block is authenticated; without, nothing is verified and nothing secret is read.
Result<StoreInfo> inspect_store(const std::string& dir,
                                std::optional<std::span<const std::uint8_t>> secret);

}  // namespace stoffel::store
