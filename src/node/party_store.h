// A distributed party's preprocessing store (decisions M4, R4, W5; docs/store.md, "Distributed
// sessions"): where it lives, the key it is sealed with and what it is bound to. The party
// (party.cpp) opens it once the bootnode's roster is known and calls mpc::HbParty::use_store
// (an online run) or fill_store (a --preprocess session) with it.
//
//   * Place: DIR/party-<i>, as on the embedded engine, so one folder can hold the stores of
//     several parties on one machine and `stoffel-run --store-info DIR` reads either kind.
//   * Key: the secret is the party's own --store-key file if given, otherwise a secret derived
//     from its --identity key (net::Identity::derive_secret("preprocessing store")); a party
//     without --identity has a fresh key every run, so it must give --store-key.
//   * Binding: field, n, t, the party's index and the roster digest of the session's party
//     public keys in party order (store::roster_digest): material made with other identities,
//     another n, t or field, or another index is refused, never used.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mpc/hb/hb_party.h"
#include "net/identity.h"
#include "node/node.h"
#include "node/wire.h"
#include "stoffel/result.h"
#include "store/preproc_store.h"

namespace stoffel::node {

// What a --preprocess session registers as its entry instead of a function name: "--preprocess
// triples=N random=M bits=B" (its program hash is that of a fixed label). The bootnode compares
// both, so a party running a program, or asking for other amounts, is refused.
std::string preprocess_entry(const PreprocessAmounts& amounts);

// The store folder of party `party` under `dir`.
std::string party_store_dir(const std::string& dir, std::size_t party);

// Checks made before the session forms (errors are usage errors): a store needs a key that
// lasts beyond this run (--identity or --store-key).
Result<void> check_store_options(const PartyStoreOptions& options, bool has_identity_file);

// The secret the party's store keys derive from: the key file's bytes (with `create`, a missing
// file is made first, mode 0600, and a line saying so is added to `notes`), or the identity's
// derived secret. The caller wipes it.
Result<std::vector<std::uint8_t>> party_store_secret(const PartyStoreOptions& options,
                                                     const net::Identity& identity, bool create,
                                                     std::vector<std::string>& notes);

// What party `party`'s material is valid for in the session `roster` describes.
store::Binding party_store_binding(const Roster& roster, std::size_t party);

// Opens (with `create`, creates) party `party`'s store for the session `roster` describes.
// Errors say what is wrong: no store, another key, damage, another roster, n, t or field.
Result<std::unique_ptr<store::PreprocStore>> open_party_store(const PartyStoreOptions& options,
                                                              std::span<const std::uint8_t> secret,
                                                              const Roster& roster,
                                                              std::size_t party, bool create);

// "Loaded preprocessing material from store (<t> triples, <r> random shares[, <b> random
// bits])", the line every party prints once the parties agreed on the stored items.
std::string loaded_line(const mpc::StoredAmounts& amounts);

}  // namespace stoffel::node
