// Helpers for the store tests: temporary directories, random elements, a recording store.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "mpc/material_store.h"
#include "store/preproc_store.h"
#include "store/store_key.h"

namespace stoffel::store::test {

// A fresh directory under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  // in_memory: under /dev/shm when it exists (tests that sync thousands of small transactions;
  // a sync there costs nothing, and nothing they check depends on the disk).
  explicit TempDir(bool in_memory = false) {
    std::filesystem::path base = std::filesystem::temp_directory_path();
    std::error_code ec;
    if (in_memory && std::filesystem::is_directory("/dev/shm", ec)) base = "/dev/shm";
    std::string tmpl = (base / "stoffel-store-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<std::uint8_t> secret_bytes(std::uint8_t fill) {
  return std::vector<std::uint8_t>(32, fill);
}

inline StoreKey key_for(std::uint32_t party, std::uint8_t fill = 7) {
  auto k = StoreKey::derive(secret_bytes(fill), party);
  EXPECT_TRUE(k.ok());
  return *k;
}

inline Binding binding_for(std::uint32_t n, std::uint32_t t, std::uint32_t party,
                           math::FieldKind field = math::FieldKind::Bls12_381) {
  Binding b;
  b.params = {field, n, t, party};
  b.roster = embedded_roster_digest(n);
  return b;
}

// Random 32-byte elements (the store does not interpret them).
inline std::vector<mpc::FieldBytes> random_elements(std::size_t count) {
  std::vector<mpc::FieldBytes> out(count);
  for (auto& e : out) randombytes_buf(e.data(), e.size());
  return out;
}

// A store wrapper that records every item it hands out, with its position.
class RecordingStore final : public mpc::MaterialStore {
 public:
  struct Taken {
    mpc::LotId lot;
    mpc::StoredKind kind;
    std::uint64_t from, to;
    std::vector<mpc::FieldBytes> items;
  };
  explicit RecordingStore(mpc::MaterialStore& inner) : inner_(inner) {}

  mpc::StoreParams params() const override { return inner_.params(); }
  Result<std::vector<mpc::LotStatus>> lots() override { return inner_.lots(); }
  Result<void> consume(const mpc::LotId& lot, mpc::StoredKind kind, std::uint64_t from,
                       std::span<mpc::FieldBytes> out) override {
    auto ok = inner_.consume(lot, kind, from, out);
    if (ok) {
      std::lock_guard lock(mu_);
      taken_.push_back({lot, kind, from, from + out.size() / mpc::stored_width(kind),
                        std::vector<mpc::FieldBytes>(out.begin(), out.end())});
    }
    return ok;
  }
  Result<std::unique_ptr<mpc::LotWriter>> begin_lot(const mpc::LotId& lot) override {
    return inner_.begin_lot(lot);
  }
  Result<void> drop_lot(const mpc::LotId& lot) override { return inner_.drop_lot(lot); }

  std::vector<Taken> taken() const {
    std::lock_guard lock(mu_);
    return taken_;
  }

 private:
  mpc::MaterialStore& inner_;
  mutable std::mutex mu_;
  std::vector<Taken> taken_;
};

}  // namespace stoffel::store::test
