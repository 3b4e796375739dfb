// Preprocessing stores for the embedded engine (decisions M4, R4; docs/store.md): one store per
// party in DIR/party-<i>, every party's keys derived from one key file (the embedded parties have
// no identity keys), bound to the embedded engine's fixed identities (store::
// embedded_roster_digest). Behind stoffel-run --preproc-store, --preprocess and --store-info.
//
// A distributed party opens its own store with store::PreprocStore::open (its identity key as
// the secret, the session's roster) and calls mpc::HbParty::fill_store / use_store itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "math/field_kind.h"
#include "mpc/material_store.h"
#include "mpc/session_params.h"
#include "stoffel/result.h"
#include "store/preproc_store.h"

namespace stoffel::embed {

struct StoreSettings {
  std::string dir;       // --preproc-store: holds party-0 .. party-<n-1>
  std::string key_file;  // --store-key: 32 bytes, mode 0600
  std::uint64_t map_size = store::kDefaultMapSize;
};

struct EmbeddedStores {
  std::vector<std::unique_ptr<store::PreprocStore>> stores;  // party order
  std::vector<std::string> notes;                            // e.g. "Created store key ..."
  // One pointer per party, for EmbeddedOptions::stores.
  std::vector<mpc::MaterialStore*> pointers() const;
};

// Opens the n parties' stores. With `create`, the directory, the stores and (if missing) the key
// file are created; otherwise every store must exist and match n, t and the field.
Result<EmbeddedStores> open_embedded_stores(const StoreSettings& settings, std::size_t n,
                                            std::size_t t, math::FieldKind field, bool create);

struct PreprocessRequest {
  // n, t and field of the session (W12). Its seed must be 0 and its initial preprocessing is
  // ignored: stored material comes from real randomness, generated on request (M4).
  mpc::SessionParams session;
  StoreSettings store;
  std::uint64_t triples = 0, randoms = 0, bits = 0;
};

struct PreprocessOutcome {
  mpc::LotId lot{};
  std::uint64_t triples = 0, randoms = 0, bits = 0;
  double seconds = 0;              // the offline phase (generation and writing)
  std::vector<std::string> notes;  // for stderr
};

// The offline phase ahead of time on the embedded engine: fills every party's store with one new
// lot (stoffel-run --preprocess). If any party fails, the lot is removed from every store.
Result<PreprocessOutcome> preprocess_embedded(const PreprocessRequest& request);

// What the stores under `dir` hold, as text (stoffel-run --store-info): parameters, lots with
// counts and consumed cursors, the consumption log's size. With a key file everything is
// authenticated; without, nothing is. Never prints secret material.
// `only_party`: only DIR/party-<i>.
Result<std::string> describe_stores(const std::string& dir, const std::string& key_file,
                                    std::optional<std::size_t> only_party = std::nullopt);
// The same with the secret given (a distributed party's, derived from its --identity key:
// node::party_store_secret), named `key_name` in the text; `only_party`: only DIR/party-<i>.
// The secret is wiped before returning.
Result<std::string> describe_stores(const std::string& dir,
                                    std::optional<std::vector<std::uint8_t>> secret,
                                    const std::string& key_name,
                                    std::optional<std::size_t> only_party);

}  // namespace stoffel::embed
