// The keys of a preprocessing store (decision R4: encrypted at rest) and the identities its
// material is bound to.
//
// A party's store has two 32-byte keys: one seals the items (XChaCha20-Poly1305), one
// authenticates the records that are not secret but must not be altered (parameters, lots and
// their consumed cursors, the consumption log; keyed BLAKE2b). Both are derived, with libsodium's
// crypto_kdf (BLAKE2b), from a secret the party already holds: the party's identity secret key
// (distributed sessions), or a store key file (`--store-key`; the embedded engine, whose parties
// have no keys of their own, derives every party's keys from one file with the party index).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stoffel/result.h"

namespace stoffel::store {

using Digest = std::array<std::uint8_t, 32>;

class StoreKey {
 public:
  // Derives party `party`'s keys from `secret` (at least 16 bytes: a key file's 32 bytes, or an
  // identity secret key).
  static Result<StoreKey> derive(std::span<const std::uint8_t> secret, std::uint32_t party);

  StoreKey(const StoreKey& other) = default;
  StoreKey& operator=(const StoreKey& other) = default;
  ~StoreKey();

  const std::array<std::uint8_t, 32>& seal_key() const { return seal_; }
  const std::array<std::uint8_t, 32>& mac_key() const { return mac_; }

 private:
  StoreKey() = default;
  std::array<std::uint8_t, 32> seal_{}, mac_{};
};

// Reads a store key file: 64 hex digits (a final newline allowed) or exactly 32 raw bytes. The
// file must be a regular file readable and writable by its owner only (mode 0600 or stricter),
// like an ssh key: a key others can read protects nothing.
Result<std::vector<std::uint8_t>> read_key_file(const std::string& path);
// Creates a key file holding 32 random bytes as 64 hex digits, mode 0600. Fails if it exists.
Result<void> create_key_file(const std::string& path);

// The digest of a roster: the parties' public keys in party order. Stored material is bound to
// it, so material made for another party set is never used.
Digest roster_digest(std::span<const std::array<std::uint8_t, 32>> public_keys);
// The embedded engine's parties have fixed identities instead of keys: party i's is
// BLAKE2b-256("stoffel embedded party v1" || u32 LE i). Its roster digest therefore depends on n
// only, and differs from every roster of real keys.
Digest embedded_roster_digest(std::size_t n);

// Lower-case hex of bytes (for messages and --store-info; never used on secrets).
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace stoffel::store
