#include "node/party_store.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "store/store_key.h"

namespace stoffel::node {

namespace {

// The purpose a party's identity key is asked for its store secret (net::Identity::
// derive_secret). Changing it orphans every store made before.
constexpr std::string_view kStorePurpose = "preprocessing store";

static_assert(PartyStoreOptions{}.map_size == store::kDefaultMapSize,
              "--store-map-size has one default");

}  // namespace

std::string preprocess_entry(const PreprocessAmounts& amounts) {
  return "--preprocess triples=" + std::to_string(amounts.triples) +
         " random=" + std::to_string(amounts.randoms) + " bits=" + std::to_string(amounts.bits);
}

std::string party_store_dir(const std::string& dir, std::size_t party) {
  return dir + "/party-" + std::to_string(party);
}

Result<void> check_store_options(const PartyStoreOptions& options, bool has_identity_file) {
  if (options.dir.empty()) return make_error("no preprocessing store directory given");
  if (options.key_file.empty() && !has_identity_file) {
    return make_error(
        "--preproc-store needs a key that outlives this run: give --identity FILE (the store is "
        "then sealed under a key derived from it; make one with stoffel-run keygen -o FILE) or "
        "--store-key FILE. Without --identity this party's key is new on every run");
  }
  return {};
}

Result<std::vector<std::uint8_t>> party_store_secret(const PartyStoreOptions& options,
                                                     const net::Identity& identity, bool create,
                                                     std::vector<std::string>& notes) {
  if (!options.key_file.empty()) {
    struct stat st {};
    if (create && ::lstat(options.key_file.c_str(), &st) != 0 && errno == ENOENT) {
      if (auto ok = store::create_key_file(options.key_file); !ok) return ok.error();
      notes.push_back("Created store key " + options.key_file +
                      " (mode 0600; keep it: the store cannot be read without it)");
    }
    return store::read_key_file(options.key_file);
  }
  auto secret = identity.derive_secret(kStorePurpose);
  if (!secret) return secret.error();
  std::vector<std::uint8_t> out(secret->begin(), secret->end());
  sodium_memzero(secret->data(), secret->size());
  return out;
}

store::Binding party_store_binding(const Roster& roster, std::size_t party) {
  store::Binding b;
  b.params.field = roster.field;
  b.params.n = static_cast<std::uint32_t>(roster.n());
  b.params.t = roster.t;
  b.params.party = static_cast<std::uint32_t>(party);
  std::vector<std::array<std::uint8_t, 32>> keys;
  keys.reserve(roster.parties.size());
  for (const auto& p : roster.parties) keys.push_back(p.key);
  b.roster = store::roster_digest(keys);
  return b;
}

Result<std::unique_ptr<store::PreprocStore>> open_party_store(const PartyStoreOptions& options,
                                                              std::span<const std::uint8_t> secret,
                                                              const Roster& roster,
                                                              std::size_t party, bool create) {
  if (party >= roster.n()) return make_error("party " + std::to_string(party) + " not in roster");
  if (create) {
    if (::mkdir(options.dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error("cannot create " + options.dir + ": " + std::strerror(errno));
    }
  }
  auto key = store::StoreKey::derive(secret, static_cast<std::uint32_t>(party));
  if (!key) return key.error();
  store::StoreOptions so;
  so.create = create;
  so.map_size = options.map_size;
  return store::PreprocStore::open(party_store_dir(options.dir, party),
                                   party_store_binding(roster, party), *key, so);
}

std::string loaded_line(const mpc::StoredAmounts& amounts) {
  std::string line = "Loaded preprocessing material from store (" +
                     std::to_string(amounts.triples) + " triples, " +
                     std::to_string(amounts.randoms) + " random shares";
  if (amounts.bits > 0) line += ", " + std::to_string(amounts.bits) + " random bits";
  return line + ")";
}

}  // namespace stoffel::node
