#include "store/preproc_store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "mpc/store_plan.h"
#include "store/lmdb_check.h"

namespace stoffel::store {

namespace {

using mpc::kStoredKinds;
using mpc::LotId;
using mpc::StoredKind;
using Bytes = std::vector<std::uint8_t>;

// --- record layout (docs/store.md) ------------------------------------------------------------
//
// Keys (one LMDB database, sorted bytewise):
//   "M"                              parameters: magic, format, field, n, t, party, roster,
//                                    block size, next lot number, creation time | MAC
//   "L" u32 BE lot                   a lot: id, complete flag, creation time, per kind count and
//                                    consumed cursor | MAC
//   "D" u32 BE lot, u8 kind, u64 BE block
//                                    a sealed block: 24-byte nonce | XChaCha20-Poly1305 of the
//                                    block's items (32-byte elements, item after item)
//   "G" u64 BE seq                   consumption log: lot id, kind, from, to, time | MAC
// Integers inside values are little-endian. MAC = BLAKE2b-256 keyed with the store's MAC key over
// u32 key length, key, u32 body length, body, binding digest: a record moved to another key or
// taken from a store for other parameters fails.
constexpr char kMagic[8] = {'S', 'T', 'F', 'P', 'P', 'S', 'T', '1'};
constexpr std::uint32_t kFormat = 1;
constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kElementBytes = 32;

void put_u32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_be(Bytes& b, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (b_.size() - at_ < 1) return false;
    v = b_[at_++];
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (b_.size() - at_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b_[at_++]) << (8 * i);
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (b_.size() - at_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b_[at_++]) << (8 * i);
    return true;
  }
  bool bytes(std::uint8_t* out, std::size_t n) {
    if (b_.size() - at_ < n) return false;
    std::memcpy(out, b_.data() + at_, n);
    at_ += n;
    return true;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

Bytes lot_key(std::uint32_t no) {
  Bytes k{'L'};
  put_be(k, no, 4);
  return k;
}
Bytes block_prefix(std::uint32_t no) {
  Bytes k{'D'};
  put_be(k, no, 4);
  return k;
}
Bytes block_key(std::uint32_t no, StoredKind kind, std::uint64_t block) {
  Bytes k = block_prefix(no);
  k.push_back(static_cast<std::uint8_t>(kind));
  put_be(k, block, 8);
  return k;
}
Bytes log_key(std::uint64_t seq) {
  Bytes k{'G'};
  put_be(k, seq, 8);
  return k;
}
const Bytes kMetaKey{'M'};

std::string mdb_message(const std::string& what, int rc) {
  if (rc == MDB_MAP_FULL) {
    return what +
           ": the store is full (its map size is reached; give a larger --store-map-size); "
           "nothing of this change was written";
  }
  if (rc == ENOSPC) return what + ": the disk is full; nothing of this change was written";
  return what + ": " + mdb_strerror(rc);
}

// Items of block `b` in a run of `count` items.
std::uint64_t block_items(std::uint64_t count, std::uint64_t b) {
  return std::min<std::uint64_t>(kBlockItems, count - b * kBlockItems);
}
std::uint64_t blocks_for(std::uint64_t count) {
  return (count + kBlockItems - 1) / kBlockItems;
}

Digest binding_digest(const Binding& b) {
  static constexpr char kDomain[] = "stoffel store binding v1";
  Bytes m(kDomain, kDomain + sizeof kDomain - 1);
  m.push_back(math::storage_tag(b.params.field));
  put_u32(m, b.params.n);
  put_u32(m, b.params.t);
  put_u32(m, b.params.party);
  m.insert(m.end(), b.roster.begin(), b.roster.end());
  Digest d{};
  crypto_generichash(d.data(), d.size(), m.data(), m.size(), nullptr, 0);
  return d;
}

std::string describe(const Binding& b) {
  return std::string(math::field_kind_name(b.params.field)) +
         ", n = " + std::to_string(b.params.n) + ", t = " + std::to_string(b.params.t) +
         ", party " + std::to_string(b.params.party) + ", roster " +
         to_hex(std::span(b.roster).first(8));
}

struct MetaRec {
  Binding binding;
  std::uint32_t block_items = kBlockItems;
  std::uint32_t next_lot = 1;
  std::uint64_t created = 0;
};

struct LotRec {
  std::uint32_t no = 0;
  bool complete = false;
  std::uint64_t created = 0;
  mpc::LotStatus status;
};

Bytes meta_body(const MetaRec& m) {
  Bytes b(kMagic, kMagic + 8);
  put_u32(b, kFormat);
  b.push_back(math::storage_tag(m.binding.params.field));
  put_u32(b, m.binding.params.n);
  put_u32(b, m.binding.params.t);
  put_u32(b, m.binding.params.party);
  b.insert(b.end(), m.binding.roster.begin(), m.binding.roster.end());
  put_u32(b, m.block_items);
  put_u32(b, m.next_lot);
  put_u64(b, m.created);
  return b;
}

std::optional<MetaRec> parse_meta(std::span<const std::uint8_t> body) {
  Reader r(body);
  char magic[8];
  std::uint32_t format = 0;
  std::uint8_t field = 0;
  MetaRec m;
  if (!r.bytes(reinterpret_cast<std::uint8_t*>(magic), 8) || std::memcmp(magic, kMagic, 8) != 0 ||
      !r.u32(format) || format != kFormat || !r.u8(field) || field > 2 ||
      !r.u32(m.binding.params.n) || !r.u32(m.binding.params.t) || !r.u32(m.binding.params.party) ||
      !r.bytes(m.binding.roster.data(), 32) || !r.u32(m.block_items) || !r.u32(m.next_lot) ||
      !r.u64(m.created) || !r.done()) {
    return std::nullopt;
  }
  m.binding.params.field = static_cast<math::FieldKind>(field);
  return m;
}

Bytes lot_body(const LotRec& l) {
  Bytes b(l.status.id.begin(), l.status.id.end());
  b.push_back(l.complete ? 1 : 0);
  put_u64(b, l.created);
  for (std::size_t k = 0; k < kStoredKinds; ++k) {
    put_u64(b, l.status.count[k]);
    put_u64(b, l.status.consumed[k]);
  }
  return b;
}

std::optional<LotRec> parse_lot(std::uint32_t no, std::span<const std::uint8_t> body) {
  Reader r(body);
  LotRec l;
  l.no = no;
  std::uint8_t complete = 0;
  if (!r.bytes(l.status.id.data(), 32) || !r.u8(complete) || complete > 1 || !r.u64(l.created)) {
    return std::nullopt;
  }
  l.complete = complete == 1;
  for (std::size_t k = 0; k < kStoredKinds; ++k) {
    if (!r.u64(l.status.count[k]) || !r.u64(l.status.consumed[k]) ||
        l.status.consumed[k] > l.status.count[k]) {
      return std::nullopt;
    }
  }
  if (!r.done()) return std::nullopt;
  return l;
}

Bytes log_body(const LogEntry& e) {
  Bytes b(e.lot.begin(), e.lot.end());
  b.push_back(static_cast<std::uint8_t>(e.kind));
  put_u64(b, e.from);
  put_u64(b, e.to);
  put_u64(b, e.time);
  return b;
}

std::optional<LogEntry> parse_log(std::uint64_t seq, std::span<const std::uint8_t> body) {
  Reader r(body);
  LogEntry e;
  e.seq = seq;
  std::uint8_t kind = 0;
  if (!r.bytes(e.lot.data(), 32) || !r.u8(kind) || kind >= kStoredKinds || !r.u64(e.from) ||
      !r.u64(e.to) || !r.u64(e.time) || !r.done()) {
    return std::nullopt;
  }
  e.kind = static_cast<StoredKind>(kind);
  return e;
}

std::uint64_t be_value(std::span<const std::uint8_t> b) {
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

MDB_val as_val(const Bytes& b) {
  return MDB_val{b.size(), const_cast<std::uint8_t*>(b.data())};
}

// A transaction that aborts unless committed.
class Txn {
 public:
  Txn() = default;
  Txn(Txn&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  ~Txn() {
    if (t_ != nullptr) mdb_txn_abort(t_);
  }
  static Result<Txn> begin(MDB_env* env, bool read_only) {
    Txn txn;
    const int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn.t_);
    if (rc != 0) {
      txn.t_ = nullptr;
      return make_error(ErrorKind::Store, mdb_message("starting a transaction", rc));
    }
    return txn;
  }
  MDB_txn* get() const { return t_; }
  Result<void> commit(const std::string& what) {
    const int rc = mdb_txn_commit(std::exchange(t_, nullptr));  // frees the handle in any case
    if (rc != 0) return make_error(ErrorKind::Store, mdb_message(what, rc));
    return {};
  }

 private:
  MDB_txn* t_ = nullptr;
};

// A directory lock: one process uses a store at a time (LMDB runs without its own lock file).
class DirLock {
 public:
  DirLock() = default;
  DirLock(DirLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  static Result<DirLock> take(const std::string& dir, bool exclusive) {
    DirLock l;
    const std::string path = dir + "/lock";
    l.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (l.fd_ < 0 && !exclusive) l.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (l.fd_ < 0)
      return make_error(ErrorKind::Store, "cannot open " + path + ": " + std::strerror(errno));
    if (::flock(l.fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return make_error(ErrorKind::Store,
                          "the preprocessing store " + dir + " is in use by another process");
      }
      return make_error(ErrorKind::Store, "cannot lock " + path + ": " + std::strerror(errno));
    }
    return l;
  }

 private:
  int fd_ = -1;
};

}  // namespace

// --- the store -----------------------------------------------------------------------------------

class PreprocStore::Impl {
 public:
  ~Impl() {
    if (env_ != nullptr) mdb_env_close(env_);
  }

  // Opens the environment in `dir` (after the structural check of its data file).
  Result<void> open_env(const std::string& dir, bool read_only, bool create,
                        std::uint64_t map_size) {
    dir_ = dir;
    read_only_ = read_only;
    map_size_ = map_size;
    const std::string data = dir + "/data.mdb";
    struct stat st {};
    if (::stat(data.c_str(), &st) == 0) {
      if (auto ok = check_lmdb_file(data); !ok) {
        return make_error(ErrorKind::Store,
                          "the preprocessing store " + dir +
                              " is damaged and was not used: " + ok.error().message);
      }
    } else if (!create) {
      return make_error(ErrorKind::Store, "no preprocessing store in " + dir +
                                              " (fill one first: stoffel-run --preprocess)");
    }
    if (int rc = mdb_env_create(&env_); rc != 0) {
      env_ = nullptr;
      return make_error(ErrorKind::Store, mdb_message("creating the LMDB environment", rc));
    }
    if (int rc = mdb_env_set_mapsize(env_, map_size); rc != 0) {
      return make_error(ErrorKind::Store, mdb_message("setting the map size", rc));
    }
    const unsigned flags = MDB_NOLOCK | (read_only ? MDB_RDONLY : 0u);
    if (int rc = mdb_env_open(env_, dir.c_str(), flags, 0600); rc != 0) {
      return make_error(ErrorKind::Store,
                        mdb_message("opening the preprocessing store " + dir, rc));
    }
    auto txn = Txn::begin(env_, read_only);
    if (!txn) return txn.error();
    if (int rc = mdb_dbi_open(txn->get(), nullptr, 0, &dbi_); rc != 0) {
      return make_error(ErrorKind::Store, mdb_message("opening the store's database", rc));
    }
    return txn->commit("opening the store's database");
  }

  Digest mac(const Bytes& key, std::span<const std::uint8_t> body) const {
    Bytes len;
    Digest out{};
    crypto_generichash_state h;
    crypto_generichash_init(&h, key_->mac_key().data(), key_->mac_key().size(), out.size());
    put_u32(len, static_cast<std::uint32_t>(key.size()));
    crypto_generichash_update(&h, len.data(), len.size());
    crypto_generichash_update(&h, key.data(), key.size());
    len.clear();
    put_u32(len, static_cast<std::uint32_t>(body.size()));
    crypto_generichash_update(&h, len.data(), len.size());
    crypto_generichash_update(&h, body.data(), body.size());
    crypto_generichash_update(&h, digest_.data(), digest_.size());
    crypto_generichash_final(&h, out.data(), out.size());
    return out;
  }

  Bytes with_mac(const Bytes& key, Bytes body) const {
    const Digest m = mac(key, body);
    body.insert(body.end(), m.begin(), m.end());
    return body;
  }

  // The body of an authenticated record; nullopt if it is too short or (with a key) its MAC fails.
  std::optional<std::span<const std::uint8_t>> open_record(
      const Bytes& key, std::span<const std::uint8_t> value) const {
    if (value.size() < kMacBytes) return std::nullopt;
    const auto body = value.first(value.size() - kMacBytes);
    if (key_) {
      const Digest m = mac(key, body);
      if (sodium_memcmp(m.data(), value.data() + body.size(), kMacBytes) != 0) return std::nullopt;
    }
    return body;
  }

  Result<std::optional<std::span<const std::uint8_t>>> get(MDB_txn* txn, const Bytes& key) const {
    MDB_val k = as_val(key), v{};
    const int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::span<const std::uint8_t>>();
    if (rc != 0) return make_error(ErrorKind::Store, mdb_message("reading the store", rc));
    return std::optional<std::span<const std::uint8_t>>(
        std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(v.mv_data), v.mv_size));
  }

  Result<void> put(MDB_txn* txn, const Bytes& key, const Bytes& value) const {
    MDB_val k = as_val(key), v = as_val(value);
    if (int rc = mdb_put(txn, dbi_, &k, &v, 0); rc != 0) {
      return make_error(ErrorKind::Store, mdb_message("writing to the store " + dir_, rc));
    }
    return {};
  }

  Result<void> del(MDB_txn* txn, const Bytes& key) const {
    MDB_val k = as_val(key);
    const int rc = mdb_del(txn, dbi_, &k, nullptr);
    if (rc != 0 && rc != MDB_NOTFOUND)
      return make_error(ErrorKind::Store, mdb_message("deleting from the store", rc));
    return {};
  }

  // Keys starting with `prefix`, in order.
  Result<std::vector<Bytes>> keys_with(MDB_txn* txn, const Bytes& prefix) const {
    std::vector<Bytes> out;
    MDB_cursor* cur = nullptr;
    if (int rc = mdb_cursor_open(txn, dbi_, &cur); rc != 0) {
      return make_error(ErrorKind::Store, mdb_message("reading the store", rc));
    }
    MDB_val k = as_val(prefix), v{};
    int rc = mdb_cursor_get(cur, &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
    while (rc == 0) {
      const auto* p = static_cast<const std::uint8_t*>(k.mv_data);
      if (k.mv_size < prefix.size() || !std::equal(prefix.begin(), prefix.end(), p)) break;
      out.emplace_back(p, p + k.mv_size);
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
      return make_error(ErrorKind::Store, mdb_message("reading the store", rc));
    return out;
  }

  Bytes block_ad(const LotId& id, StoredKind kind, std::uint64_t block, std::uint64_t items) const {
    Bytes ad(digest_.begin(), digest_.end());
    ad.insert(ad.end(), id.begin(), id.end());
    ad.push_back(static_cast<std::uint8_t>(kind));
    put_be(ad, block, 8);
    put_be(ad, items, 4);
    return ad;
  }

  Bytes seal(const LotId& id, StoredKind kind, std::uint64_t block,
             std::span<const std::uint8_t> plain) const {
    const std::uint64_t items = plain.size() / (kElementBytes * mpc::stored_width(kind));
    const Bytes ad = block_ad(id, kind, block, items);
    Bytes out(kNonceBytes + plain.size() + kTagBytes);
    randombytes_buf(out.data(), kNonceBytes);
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonceBytes, &len, plain.data(),
                                               plain.size(), ad.data(), ad.size(), nullptr,
                                               out.data(), key_->seal_key().data());
    return out;
  }

  // Decrypts block `block` of (lot, kind), which must hold `items` items, into `plain`.
  Result<void> unseal(MDB_txn* txn, const LotRec& lot, StoredKind kind, std::uint64_t block,
                      std::uint64_t items, std::span<std::uint8_t> plain) const {
    const std::string what = "block " + std::to_string(block) + " of " +
                             mpc::stored_kind_name(kind) + " in lot " +
                             mpc::short_lot_id(lot.status.id);
    auto v = get(txn, block_key(lot.no, kind, block));
    if (!v) return v.error();
    if (!*v)
      return make_error(ErrorKind::Store,
                        dir_ + ": " + what + " is missing (the store was tampered with)");
    const auto sealed = **v;
    if (sealed.size() != kNonceBytes + plain.size() + kTagBytes) {
      return make_error(ErrorKind::Store,
                        dir_ + ": " + what + " has the wrong size (the store was tampered with)");
    }
    const Bytes ad = block_ad(lot.status.id, kind, block, items);
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plain.data(), &len, nullptr, sealed.data() + kNonceBytes, sealed.size() - kNonceBytes,
            ad.data(), ad.size(), sealed.data(), key_->seal_key().data()) != 0) {
      sodium_memzero(plain.data(), plain.size());
      return make_error(ErrorKind::Store,
                        dir_ + ": " + what +
                            " fails authentication (another store key, or the store was tampered "
                            "with); the store is not used");
    }
    return {};
  }

  // Reads the parameters, the lots and the log position; with a key, everything is verified.
  Result<void> load(MDB_txn* txn, const std::optional<Binding>& expected) {
    auto m = get(txn, kMetaKey);
    if (!m) return m.error();
    if (!*m || (*m)->size() < kMacBytes) {
      return make_error(ErrorKind::Store,
                        dir_ + " is not a preprocessing store (no parameters record)");
    }
    const auto body = (*m)->first((*m)->size() - kMacBytes);
    auto meta = parse_meta(body);
    if (!meta)
      return make_error(ErrorKind::Store,
                        dir_ + ": the parameters record is malformed (tampered with?)");
    if (meta->block_items != kBlockItems) {
      return make_error(ErrorKind::Store, dir_ + ": blocks of " +
                                              std::to_string(meta->block_items) +
                                              " items are not supported (" +
                                              std::to_string(kBlockItems) + " expected)");
    }
    // Other parameters first (the clearer message), then the key.
    if (expected && (meta->binding.params.field != expected->params.field ||
                     meta->binding.params.n != expected->params.n ||
                     meta->binding.params.t != expected->params.t ||
                     meta->binding.params.party != expected->params.party ||
                     meta->binding.roster != expected->roster)) {
      return make_error(ErrorKind::Store, "the preprocessing store " + dir_ +
                                              " holds material for " + describe(meta->binding) +
                                              "; this session is " + describe(*expected) +
                                              ". It was not used");
    }
    meta_ = *meta;
    digest_ = binding_digest(meta_.binding);
    if (key_ && !open_record(kMetaKey, **m)) {
      return make_error(ErrorKind::Store,
                        "the preprocessing store " + dir_ +
                            " does not open with this key (another store key, or its records were "
                            "tampered with); it was not used");
    }
    lots_.clear();
    auto lot_keys = keys_with(txn, Bytes{'L'});
    if (!lot_keys) return lot_keys.error();
    for (const Bytes& k : *lot_keys) {
      auto v = get(txn, k);
      if (!v) return v.error();
      std::optional<LotRec> lot;
      if (k.size() == 5 && *v) {
        const std::uint32_t no = static_cast<std::uint32_t>(be_value(std::span(k).subspan(1)));
        if (auto b = open_record(k, **v)) lot = parse_lot(no, *b);
      }
      if (!lot) {
        return make_error(
            ErrorKind::Store,
            "the preprocessing store " + dir_ +
                ": a lot record fails authentication (tampered with); it was not used");
      }
      for (const LotRec& other : lots_) {
        if (other.status.id == lot->status.id) {
          return make_error(ErrorKind::Store, dir_ + ": lot " + mpc::short_lot_id(lot->status.id) +
                                                  " is recorded twice (tampered with)");
        }
      }
      lots_.push_back(*lot);
    }
    auto log_keys = keys_with(txn, Bytes{'G'});
    if (!log_keys) return log_keys.error();
    next_log_ = 0;
    if (!log_keys->empty()) {
      const Bytes& last = log_keys->back();
      if (last.size() != 9)
        return make_error(ErrorKind::Store, dir_ + ": a malformed log record key");
      next_log_ = be_value(std::span(last).subspan(1)) + 1;
    }
    return {};
  }

  // Authenticates every block not consumed yet (opening must fail on tampering before anything
  // is used, not halfway through a run).
  Result<void> verify_blocks(MDB_txn* txn) const {
    Bytes plain;
    for (const LotRec& lot : lots_) {
      if (!lot.complete) continue;
      for (std::size_t k = 0; k < kStoredKinds; ++k) {
        const auto kind = static_cast<StoredKind>(k);
        const std::uint64_t count = lot.status.count[k];
        // The blocks holding items at or above the cursor (all used up: none; they are deleted).
        const std::uint64_t first = lot.status.consumed[k] == count
                                        ? blocks_for(count)
                                        : lot.status.consumed[k] / kBlockItems;
        for (std::uint64_t b = first; b < blocks_for(count); ++b) {
          const std::uint64_t items = block_items(count, b);
          plain.resize(items * mpc::stored_width(kind) * kElementBytes);
          auto ok = unseal(txn, lot, kind, b, items, plain);
          sodium_memzero(plain.data(), plain.size());
          if (!ok) return ok;
        }
      }
    }
    return {};
  }

  // Deletes a lot's blocks and record within `txn`.
  Result<void> erase_lot(MDB_txn* txn, std::uint32_t no) const {
    auto keys = keys_with(txn, block_prefix(no));
    if (!keys) return keys.error();
    for (const Bytes& k : *keys) {
      if (auto ok = del(txn, k); !ok) return ok;
    }
    return del(txn, lot_key(no));
  }

  Result<void> put_lot(MDB_txn* txn, const LotRec& lot) const {
    const Bytes k = lot_key(lot.no);
    return put(txn, k, with_mac(k, lot_body(lot)));
  }

  LotRec* find(const LotId& id) {
    for (LotRec& l : lots_) {
      if (l.status.id == id) return &l;
    }
    return nullptr;
  }

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::optional<DirLock> lock_;
  std::optional<StoreKey> key_;  // absent only when inspecting without a key
  Digest digest_{};
  MetaRec meta_;
  std::vector<LotRec> lots_;  // by lot number
  std::uint64_t next_log_ = 0;
  std::string dir_;
  bool read_only_ = false;
  std::uint64_t map_size_ = 0;
};

// --- writing a lot ------------------------------------------------------------------------------

class LmdbLotWriter final : public mpc::LotWriter {
 public:
  LmdbLotWriter(PreprocStore::Impl& store, std::uint32_t no, const LotId& id)
      : s_(store), no_(no), id_(id) {}

  ~LmdbLotWriter() override {
    for (auto& p : pending_) sodium_memzero(p.data(), p.size());
    if (committed_) return;
    // Not committed: remove what was written. If that fails too (a full disk), the lot stays
    // marked incomplete, is never listed, and is deleted when the store is next opened.
    if (auto txn = Txn::begin(s_.env_, false)) {
      if (s_.erase_lot(txn->get(), no_) && txn->commit("dropping an unfinished lot")) {
        s_.lots_.erase(std::remove_if(s_.lots_.begin(), s_.lots_.end(),
                                      [&](const LotRec& l) { return l.no == no_; }),
                       s_.lots_.end());
      }
    }
  }

  Result<void> append(StoredKind kind, std::span<const mpc::FieldBytes> elements) override {
    if (failed_ || committed_)
      return make_error(ErrorKind::Store, "the lot writer can no longer be used");
    const std::size_t k = static_cast<std::size_t>(kind);
    const std::size_t width = mpc::stored_width(kind);
    if (k >= kStoredKinds || elements.size() % width != 0) {
      return make_error(ErrorKind::Store, "append: not a whole number of items");
    }
    Bytes& pending = pending_[k];
    for (const auto& e : elements) pending.insert(pending.end(), e.begin(), e.end());
    appended_[k] += elements.size() / width;
    return flush(false);
  }

  Result<void> commit() override {
    if (failed_ || committed_)
      return make_error(ErrorKind::Store, "the lot writer can no longer be used");
    return flush(true);
  }

 private:
  // Seals every full block (and with `final`, the partial ones too) and writes them in one
  // transaction; with `final` the lot record becomes complete in the same transaction.
  Result<void> flush(bool final) {
    bool full_block = false;
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      full_block |= pending_[k].size() >=
                    kBlockItems * mpc::stored_width(static_cast<StoredKind>(k)) * kElementBytes;
    }
    if (!final && !full_block) return {};  // nothing to seal yet: no transaction (no disk sync)
    auto txn = Txn::begin(s_.env_, false);
    if (!txn) return fail(txn.error());
    std::array<std::uint64_t, kStoredKinds> sealed = sealed_;
    std::array<std::size_t, kStoredKinds> used{};
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      const auto kind = static_cast<StoredKind>(k);
      const std::size_t block_bytes = kBlockItems * mpc::stored_width(kind) * kElementBytes;
      const Bytes& pending = pending_[k];
      while (pending.size() - used[k] >= block_bytes || (final && pending.size() > used[k])) {
        const std::size_t bytes = std::min(block_bytes, pending.size() - used[k]);
        const Bytes sealed_block =
            s_.seal(id_, kind, sealed[k] / kBlockItems, std::span(pending).subspan(used[k], bytes));
        if (auto ok =
                s_.put(txn->get(), block_key(no_, kind, sealed[k] / kBlockItems), sealed_block);
            !ok) {
          return fail(ok.error());
        }
        used[k] += bytes;
        sealed[k] += bytes / (mpc::stored_width(kind) * kElementBytes);
      }
    }
    LotRec lot;
    if (final) {
      const LotRec* rec = nullptr;
      for (const LotRec& l : s_.lots_) {
        if (l.no == no_) rec = &l;
      }
      if (rec == nullptr)
        return fail(make_error(ErrorKind::Store, "the lot being written disappeared"));
      lot = *rec;
      lot.complete = true;
      for (std::size_t k = 0; k < kStoredKinds; ++k) lot.status.count[k] = appended_[k];
      if (auto ok = s_.put_lot(txn->get(), lot); !ok) return fail(ok.error());
    }
    if (auto ok = txn->commit(final ? "completing the lot" : "writing the lot"); !ok) {
      return fail(ok.error());
    }
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      sodium_memzero(pending_[k].data(), used[k]);
      pending_[k].erase(pending_[k].begin(),
                        pending_[k].begin() + static_cast<std::ptrdiff_t>(used[k]));
    }
    sealed_ = sealed;
    if (final) {
      committed_ = true;
      for (LotRec& l : s_.lots_) {
        if (l.no == no_) l = lot;
      }
    }
    return {};
  }

  Error fail(Error e) {
    failed_ = true;
    return e;
  }

  PreprocStore::Impl& s_;
  std::uint32_t no_;
  LotId id_;
  std::array<Bytes, kStoredKinds> pending_;  // plaintext of items not sealed yet
  std::array<std::uint64_t, kStoredKinds> sealed_{}, appended_{};
  bool committed_ = false, failed_ = false;
};

// --- PreprocStore -------------------------------------------------------------------------------

PreprocStore::PreprocStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreprocStore::~PreprocStore() = default;

Result<std::unique_ptr<PreprocStore>> PreprocStore::open(const std::string& dir,
                                                         const Binding& binding,
                                                         const StoreKey& key,
                                                         const StoreOptions& options) {
  if (sodium_init() < 0) return make_error(ErrorKind::Store, "libsodium could not be initialised");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (!options.create) {
      return make_error(ErrorKind::Store, "no preprocessing store in " + dir +
                                              " (fill one first: stoffel-run --preprocess)");
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(ErrorKind::Store, "cannot create " + dir + ": " + std::strerror(errno));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::Store, dir + " is not a directory");
  }
  auto impl = std::make_unique<Impl>();
  auto lock = DirLock::take(dir, true);
  if (!lock) return lock.error();
  impl->lock_.emplace(std::move(*lock));
  impl->key_.emplace(key);
  if (auto ok = impl->open_env(dir, false, options.create, options.map_size); !ok) {
    return ok.error();
  }
  auto txn = Txn::begin(impl->env_, false);
  if (!txn) return txn.error();
  auto existing = impl->get(txn->get(), kMetaKey);
  if (!existing) return existing.error();
  if (!*existing) {
    if (!options.create) {
      return make_error(ErrorKind::Store,
                        dir + " is not a preprocessing store (no parameters record)");
    }
    // A new store: check it is empty, then write its parameters.
    auto any = impl->keys_with(txn->get(), Bytes{});
    if (!any) return any.error();
    if (!any->empty())
      return make_error(ErrorKind::Store, dir + " holds an LMDB database that is not a store");
    MetaRec meta;
    meta.binding = binding;
    meta.created = static_cast<std::uint64_t>(std::time(nullptr));
    impl->digest_ = binding_digest(binding);
    if (auto ok = impl->put(txn->get(), kMetaKey, impl->with_mac(kMetaKey, meta_body(meta))); !ok) {
      return ok.error();
    }
  }
  if (auto ok = impl->load(txn->get(), binding); !ok) return ok.error();
  // Lots an offline phase left unfinished (a crash while writing) can never be used: delete them.
  std::vector<std::uint32_t> unfinished;
  for (const LotRec& l : impl->lots_) {
    if (!l.complete) unfinished.push_back(l.no);
  }
  for (std::uint32_t no : unfinished) {
    if (auto ok = impl->erase_lot(txn->get(), no); !ok) return ok.error();
  }
  if (auto ok = txn->commit("opening the store"); !ok) return ok.error();
  impl->lots_.erase(std::remove_if(impl->lots_.begin(), impl->lots_.end(),
                                   [](const LotRec& l) { return !l.complete; }),
                    impl->lots_.end());
  {
    auto rtxn = Txn::begin(impl->env_, true);
    if (!rtxn) return rtxn.error();
    if (auto ok = impl->verify_blocks(rtxn->get()); !ok) return ok.error();
  }
  auto store = std::unique_ptr<PreprocStore>(new PreprocStore(std::move(impl)));
  store->binding_ = binding;
  store->dir_ = dir;
  return store;
}

Result<std::vector<mpc::LotStatus>> PreprocStore::lots() {
  std::vector<mpc::LotStatus> out;
  for (const LotRec& l : impl_->lots_) {
    if (l.complete) out.push_back(l.status);
  }
  return out;
}

Result<void> PreprocStore::consume(const LotId& lot_id, StoredKind kind, std::uint64_t from,
                                   std::span<mpc::FieldBytes> out) {
  Impl& s = *impl_;
  auto zero_out = [&] { sodium_memzero(out.data(), out.size_bytes()); };
  const std::size_t k = static_cast<std::size_t>(kind);
  const std::size_t width = mpc::stored_width(kind);
  LotRec* lot = s.find(lot_id);
  if (k >= kStoredKinds || out.empty() || out.size() % width != 0) {
    zero_out();
    return make_error(ErrorKind::Store, "consume: not a whole number of items");
  }
  if (lot == nullptr || !lot->complete) {
    zero_out();
    return make_error(ErrorKind::Store, dir_ + ": no lot " + mpc::short_lot_id(lot_id));
  }
  const std::uint64_t count = out.size() / width;
  const std::uint64_t total = lot->status.count[k];
  const std::uint64_t cursor = lot->status.consumed[k];
  if (from < cursor) {
    zero_out();
    return make_error(ErrorKind::Store,
                      dir_ + ": refusing to hand out " + mpc::stored_kind_name(kind) + " " +
                          std::to_string(from) + ".. of lot " + mpc::short_lot_id(lot_id) +
                          " again (consumed up to " + std::to_string(cursor) + ")");
  }
  if (from > total || count > total - from) {
    zero_out();
    return make_error(ErrorKind::Store, dir_ + ": lot " + mpc::short_lot_id(lot_id) +
                                            " holds only " + std::to_string(total) + " " +
                                            mpc::stored_kind_name(kind));
  }
  auto txn = Txn::begin(s.env_, false);
  if (!txn) {
    zero_out();
    return txn.error();
  }
  // Decrypt the items (every block read is authenticated), then in the same transaction: the new
  // cursor, the passed blocks deleted, the log entry; the caller gets them only after the commit.
  const std::uint64_t end = from + count;
  Bytes plain;
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  const std::size_t item_bytes = width * kElementBytes;
  for (std::uint64_t b = from / kBlockItems; b * kBlockItems < end; ++b) {
    const std::uint64_t items = block_items(total, b);
    plain.resize(items * item_bytes);
    if (auto ok = s.unseal(txn->get(), *lot, kind, b, items, plain); !ok) {
      zero_out();
      return ok;
    }
    const std::uint64_t lo = std::max(from, b * kBlockItems);
    const std::uint64_t hi = std::min(end, b * kBlockItems + items);
    std::memcpy(dst + (lo - from) * item_bytes, plain.data() + (lo - b * kBlockItems) * item_bytes,
                (hi - lo) * item_bytes);
    sodium_memzero(plain.data(), plain.size());
  }
  auto fail = [&](const Error& e) {
    zero_out();
    return e;
  };
  // Blocks wholly below the new cursor: gone for good (forward secrecy of used material).
  const std::uint64_t keep_from = end == total ? blocks_for(total) : end / kBlockItems;
  for (std::uint64_t b = cursor / kBlockItems; b < keep_from; ++b) {
    if (auto ok = s.del(txn->get(), block_key(lot->no, kind, b)); !ok) return fail(ok.error());
  }
  LotRec updated = *lot;
  updated.status.consumed[k] = end;
  bool used_up = true;
  for (std::size_t j = 0; j < kStoredKinds; ++j) {
    used_up &= updated.status.consumed[j] == updated.status.count[j];
  }
  if (auto ok = used_up ? s.erase_lot(txn->get(), lot->no) : s.put_lot(txn->get(), updated); !ok) {
    return fail(ok.error());
  }
  LogEntry entry{s.next_log_, lot_id, kind,
                 from,        end,    static_cast<std::uint64_t>(std::time(nullptr))};
  const Bytes lk = log_key(entry.seq);
  if (auto ok = s.put(txn->get(), lk, s.with_mac(lk, log_body(entry))); !ok)
    return fail(ok.error());
  if (entry.seq >= kLogEntries) {
    if (auto ok = s.del(txn->get(), log_key(entry.seq - kLogEntries)); !ok) return fail(ok.error());
  }
  if (auto ok = txn->commit("marking preprocessing material consumed in " + dir_); !ok) {
    return fail(ok.error());
  }
  ++s.next_log_;
  if (used_up) {
    s.lots_.erase(s.lots_.begin() + (lot - s.lots_.data()));
  } else {
    *lot = updated;
  }
  return {};
}

Result<std::unique_ptr<mpc::LotWriter>> PreprocStore::begin_lot(const LotId& id) {
  Impl& s = *impl_;
  if (s.find(id) != nullptr) {
    return make_error(ErrorKind::Store, dir_ + " already holds lot " + mpc::short_lot_id(id) +
                                            " (the same material again?)");
  }
  if (s.lots_.size() >= mpc::kMaxStoredLots) {
    return make_error(ErrorKind::Store,
                      dir_ + " holds " + std::to_string(s.lots_.size()) +
                          " lots, the most a store may hold; use some up or start a new store");
  }
  auto txn = Txn::begin(s.env_, false);
  if (!txn) return txn.error();
  MetaRec meta = s.meta_;
  LotRec lot;
  lot.no = meta.next_lot++;
  lot.status.id = id;
  lot.created = static_cast<std::uint64_t>(std::time(nullptr));
  if (auto ok = s.put(txn->get(), kMetaKey, s.with_mac(kMetaKey, meta_body(meta))); !ok) {
    return ok.error();
  }
  if (auto ok = s.put_lot(txn->get(), lot); !ok) return ok.error();
  if (auto ok = txn->commit("starting a lot"); !ok) return ok.error();
  s.meta_ = meta;
  s.lots_.push_back(lot);
  return std::unique_ptr<mpc::LotWriter>(std::make_unique<LmdbLotWriter>(s, lot.no, id));
}

Result<void> PreprocStore::drop_lot(const LotId& id) {
  Impl& s = *impl_;
  LotRec* lot = s.find(id);
  if (lot == nullptr) return {};
  auto txn = Txn::begin(s.env_, false);
  if (!txn) return txn.error();
  if (auto ok = s.erase_lot(txn->get(), lot->no); !ok) return ok;
  if (auto ok = txn->commit("dropping a lot"); !ok) return ok;
  s.lots_.erase(s.lots_.begin() + (lot - s.lots_.data()));
  return {};
}

namespace {

Result<std::vector<LogEntry>> read_log(const PreprocStore::Impl& s, MDB_txn* txn) {
  std::vector<LogEntry> out;
  auto keys = s.keys_with(txn, Bytes{'G'});
  if (!keys) return keys.error();
  for (const Bytes& k : *keys) {
    auto v = s.get(txn, k);
    if (!v) return v.error();
    std::optional<LogEntry> e;
    if (k.size() == 9 && *v) {
      if (auto b = s.open_record(k, **v)) e = parse_log(be_value(std::span(k).subspan(1)), *b);
    }
    if (!e)
      return make_error(ErrorKind::Store,
                        s.dir_ + ": a consumption log record fails authentication");
    out.push_back(*e);
  }
  return out;
}

}  // namespace

Result<std::vector<LogEntry>> PreprocStore::log() {
  auto txn = Txn::begin(impl_->env_, true);
  if (!txn) return txn.error();
  return read_log(*impl_, txn->get());
}

Result<StoreInfo> inspect_store(const std::string& dir,
                                std::optional<std::span<const std::uint8_t>> secret) {
  if (sodium_init() < 0) return make_error(ErrorKind::Store, "libsodium could not be initialised");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::Store, "no preprocessing store in " + dir);
  }
  PreprocStore::Impl s;
  auto lock = DirLock::take(dir, false);
  if (!lock) return lock.error();
  s.lock_.emplace(std::move(*lock));
  if (auto ok = s.open_env(dir, true, false, kDefaultMapSize); !ok) return ok.error();
  auto txn = Txn::begin(s.env_, true);
  if (!txn) return txn.error();
  // First without a key, to learn the party index the key derives with.
  if (auto ok = s.load(txn->get(), std::nullopt); !ok) return ok.error();
  if (secret) {
    auto key = StoreKey::derive(*secret, s.meta_.binding.params.party);
    if (!key) return key.error();
    s.key_.emplace(*key);
    if (auto ok = s.load(txn->get(), std::nullopt); !ok) return ok.error();
    if (auto ok = s.verify_blocks(txn->get()); !ok) return ok.error();
  }
  StoreInfo info;
  info.dir = dir;
  info.binding = s.meta_.binding;
  info.created = s.meta_.created;
  info.verified = secret.has_value();
  for (const LotRec& l : s.lots_) {
    info.lots.push_back({l.no, l.complete, l.created, l.status});
  }
  auto log = read_log(s, txn->get());
  if (!log) return log.error();
  info.log = std::move(*log);
  if (::stat((dir + "/data.mdb").c_str(), &st) == 0) {
    info.file_bytes = static_cast<std::uint64_t>(st.st_size);
  }
  return info;
}

}  // namespace stoffel::store
