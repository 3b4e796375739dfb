#include "embed/embedded_store.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <thread>

#include "mpc/local_session.h"
#include "mpc/store_plan.h"
#include "store/store_key.h"

namespace stoffel::embed {

namespace {

std::string party_dir(const std::string& dir, std::size_t i) {
  return dir + "/party-" + std::to_string(i);
}

// The key file's bytes; created first when asked and missing.
Result<std::vector<std::uint8_t>> store_secret(const std::string& path, bool create,
                                               std::vector<std::string>& notes) {
  if (path.empty()) {
    return make_error(
        ErrorKind::Store,
        "a preprocessing store needs a key: give --store-key FILE (the embedded engine's parties "
        "have no identity keys; with --preprocess the file is created if it does not exist)");
  }
  struct stat st {};
  if (create && ::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    if (auto ok = store::create_key_file(path); !ok) return ok.error();
    notes.push_back("Created store key " + path +
                    " (mode 0600; keep it: the stores cannot be read without it)");
  }
  return store::read_key_file(path);
}

std::string when(std::uint64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::vector<mpc::MaterialStore*> EmbeddedStores::pointers() const {
  std::vector<mpc::MaterialStore*> out;
  for (const auto& s : stores) out.push_back(s.get());
  return out;
}

Result<EmbeddedStores> open_embedded_stores(const StoreSettings& settings, std::size_t n,
                                            std::size_t t, math::FieldKind field, bool create) {
  EmbeddedStores out;
  if (settings.dir.empty())
    return make_error(ErrorKind::Store, "no preprocessing store directory given");
  auto secret = store_secret(settings.key_file, create, out.notes);
  if (!secret) return secret.error();
  if (create) {
    if (::mkdir(settings.dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(ErrorKind::Store,
                        "cannot create " + settings.dir + ": " + std::strerror(errno));
    }
  } else {
    struct stat st {};
    if (::stat(settings.dir.c_str(), &st) != 0) {
      return make_error(ErrorKind::Store, "no preprocessing store in " + settings.dir +
                                              " (fill one first: stoffel-run --preprocess)");
    }
  }
  store::Binding binding;
  binding.params.field = field;
  binding.params.n = static_cast<std::uint32_t>(n);
  binding.params.t = static_cast<std::uint32_t>(t);
  binding.roster = store::embedded_roster_digest(n);
  store::StoreOptions options;
  options.create = create;
  options.map_size = settings.map_size;
  for (std::size_t i = 0; i < n; ++i) {
    binding.params.party = static_cast<std::uint32_t>(i);
    auto key = store::StoreKey::derive(*secret, static_cast<std::uint32_t>(i));
    if (!key) return key.error();
    auto s = store::PreprocStore::open(party_dir(settings.dir, i), binding, *key, options);
    if (!s) return s.error();
    out.stores.push_back(std::move(*s));
  }
  if (!create) {
    // A store made for more parties would leave material unused; say so rather than ignore it.
    struct stat st {};
    if (::stat(party_dir(settings.dir, n).c_str(), &st) == 0) {
      return make_error(ErrorKind::Store,
                        settings.dir + " holds stores for more than n = " + std::to_string(n) +
                            " parties (" + party_dir(settings.dir, n) + " exists)");
    }
  }
  sodium_memzero(secret->data(), secret->size());
  return out;
}

Result<PreprocessOutcome> preprocess_embedded(const PreprocessRequest& request) {
  if (auto ok = mpc::validate(request.session); !ok) return ok.error();
  if (request.session.seed != 0) {
    // Stored material must come from real randomness (M4).
    return make_error(ErrorKind::Usage, "preprocessing for a store cannot use a fixed seed");
  }
  if (request.triples + request.randoms + request.bits == 0) {
    return make_error(ErrorKind::Store,
                      "nothing to preprocess: give --triples, --random and/or --bits");
  }
  auto opened = open_embedded_stores(request.store, request.session.n, request.session.t, request.session.field, true);
  if (!opened) return opened.error();
  PreprocessOutcome out;
  out.notes = opened->notes;
  auto& stores = opened->stores;
  std::vector<std::set<mpc::LotId>> before(request.session.n);
  for (std::size_t i = 0; i < request.session.n; ++i) {
    auto lots = stores[i]->lots();
    if (!lots) return lots.error();
    for (const auto& l : *lots) before[i].insert(l.id);
  }

  mpc::SessionParams config = request.session;
  config.initial_triples = 0;
  config.initial_randoms = 0;
  auto made = mpc::LocalSessionImpl::make(config, {});
  if (!made) return made.error();
  mpc::LocalSessionImpl& session = **made;
  std::vector<Result<mpc::FilledLot>> filled(request.session.n, Error{"not run"});
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < request.session.n; ++i) {
      threads.emplace_back([&, i] {
        filled[i] = session.engine(i).fill_store(
            stores[i].get(),
            {static_cast<std::size_t>(request.triples), static_cast<std::size_t>(request.randoms),
             0, static_cast<std::size_t>(request.bits)});
        if (!filled[i]) session.abort("party " + std::to_string(i) + " stopped");
      });
    }
    for (auto& th : threads) th.join();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The most telling failure: a party's own store failure (its store could not take the lot),
  // then any that is not the consequence of another party's abort (decided by the errors'
  // kinds, not their text).
  const Result<mpc::FilledLot>* failure = nullptr;
  auto rank = [](const Result<mpc::FilledLot>& f) {
    if (f.error().is(ErrorKind::Store)) return 0;
    return f.error().is(ErrorKind::AbortedByPeer) ? 2 : 1;
  };
  for (const auto& f : filled) {
    if (!f && (failure == nullptr || rank(f) < rank(*failure))) failure = &f;
  }
  if (failure != nullptr) {
    // All parties live here, so a lot some of them stored can be removed everywhere at once.
    for (std::size_t i = 0; i < request.session.n; ++i) {
      auto lots = stores[i]->lots();
      if (!lots) continue;
      for (const auto& l : *lots) {
        if (!before[i].count(l.id)) (void)stores[i]->drop_lot(l.id);
      }
    }
    return failure->error().with_context("preprocessing failed: ");
  }
  out.lot = filled[0]->id;
  out.triples = filled[0]->triples;
  out.randoms = filled[0]->randoms;
  out.bits = filled[0]->bits;
  return out;
}

Result<std::string> describe_stores(const std::string& dir, const std::string& key_file,
                                    std::optional<std::size_t> only_party) {
  std::vector<std::string> notes;
  std::optional<std::vector<std::uint8_t>> secret;
  if (!key_file.empty()) {
    auto s = store_secret(key_file, false, notes);
    if (!s) return s.error();
    secret = std::move(*s);
  }
  return describe_stores(dir, std::move(secret), "the store key", only_party);
}

Result<std::string> describe_stores(const std::string& dir,
                                    std::optional<std::vector<std::uint8_t>> secret,
                                    const std::string& key_name,
                                    std::optional<std::size_t> only_party) {
  std::vector<std::size_t> parties;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("party-", 0) != 0 || name.size() > 9) continue;
    const std::string num = name.substr(6);
    if (num.empty() ||
        !std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto party = static_cast<std::size_t>(std::stoul(num));
    if (!only_party || *only_party == party) parties.push_back(party);
  }
  if (ec) {
    if (secret) sodium_memzero(secret->data(), secret->size());
    return make_error(ErrorKind::Store, "cannot read " + dir + ": " + ec.message());
  }
  if (parties.empty()) {
    if (secret) sodium_memzero(secret->data(), secret->size());
    return make_error(ErrorKind::Store,
                      "no preprocessing stores in " + dir +
                          (only_party ? " (no party-" + std::to_string(*only_party) + " folder)"
                                      : " (no party-<i> folders)"));
  }
  std::sort(parties.begin(), parties.end());
  std::string text = "Preprocessing stores in " + dir + " (" + std::to_string(parties.size()) +
                     (parties.size() == 1 ? " party" : " parties") + "; " +
                     (secret ? "every record and item authenticated with " + key_name
                             : std::string("not verified: no --store-key or --identity given")) +
                     ")\n";
  for (std::size_t p : parties) {
    const std::string pdir = party_dir(dir, p);
    std::optional<std::span<const std::uint8_t>> s;
    if (secret) s = std::span<const std::uint8_t>(*secret);
    auto info = store::inspect_store(pdir, s);
    if (!info) {
      if (secret) sodium_memzero(secret->data(), secret->size());
      return make_error(ErrorKind::Store, info.error().message);
    }
    const auto& b = info->binding;
    text += "party " + std::to_string(p) + ": " +
            std::string(math::field_kind_name(b.params.field)) +
            ", n = " + std::to_string(b.params.n) + ", t = " + std::to_string(b.params.t) +
            ", party index " + std::to_string(b.params.party) + ", roster " +
            store::to_hex(std::span(b.roster).first(8)) + ", created " + when(info->created) +
            ", data file " + mib(info->file_bytes) + "\n";
    std::array<std::uint64_t, mpc::kStoredKinds> left{};
    for (const auto& lot : info->lots) {
      text += "  lot " + std::to_string(lot.number) + " " + mpc::short_lot_id(lot.status.id) +
              " (" + when(lot.created) + ")";
      if (!lot.complete) {
        text += ": unfinished (an interrupted --preprocess; never used, removed on next use)\n";
        continue;
      }
      text += ":";
      for (std::size_t k = 0; k < mpc::kStoredKinds; ++k) {
        const auto c = lot.status.count[k], used = lot.status.consumed[k];
        text += std::string(k == 0 ? " " : "; ") + std::to_string(c) + " " +
                mpc::stored_kind_name(static_cast<mpc::StoredKind>(k)) + " (" +
                std::to_string(used) + " consumed, " + std::to_string(c - used) + " left)";
        left[k] += c - used;
      }
      text += "\n";
    }
    text += "  left: " + std::to_string(left[0]) + " triples, " + std::to_string(left[1]) +
            " random shares, " + std::to_string(left[2]) +
            " random bits; consumption log: " + std::to_string(info->log.size()) + " entries";
    if (!info->log.empty()) {
      const auto& e = info->log.back();
      text += ", last " + when(e.time) + " (" + mpc::stored_kind_name(e.kind) + " " +
              std::to_string(e.from) + ".." + std::to_string(e.to) + " of lot " +
              mpc::short_lot_id(e.lot) + ")";
    }
    text += "\n";
  }
  if (secret) sodium_memzero(secret->data(), secret->size());
  return text;
}

}  // namespace stoffel::embed
