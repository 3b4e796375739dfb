// The LMDB preprocessing store on its own: round trips, consume-once cursors across reopening,
// keys and parameters, tampering, truncated and bit-flipped files, a full map, locking, key files.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "mpc/store_plan.h"
#include "store/lmdb_check.h"
#include "store_test_util.h"

namespace stoffel::store::test {
namespace {

using mpc::FieldBytes;
using mpc::LotId;
using mpc::StoredKind;

LotId lot_id(std::uint8_t tag) {
  LotId id{};
  id.fill(tag);
  return id;
}

struct Contents {
  std::vector<FieldBytes> triples, randoms, bits;  // elements (3 per triple)
};

// Writes one lot with these contents, in uneven pieces (blocks span appends).
void write_lot(PreprocStore& store, const LotId& id, const Contents& c) {
  auto w = store.begin_lot(id);
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto put = [&](StoredKind kind, const std::vector<FieldBytes>& elems) {
    const std::size_t width = mpc::stored_width(kind);
    std::size_t at = 0, piece = 7 * width;
    while (at < elems.size()) {
      const std::size_t n = std::min(piece, elems.size() - at);
      ASSERT_TRUE((*w)->append(kind, std::span(elems).subspan(at, n)).ok());
      at += n;
      piece = piece * 3 + width;  // grow: 7, 22, 67, ... items
    }
  };
  put(StoredKind::kTriple, c.triples);
  put(StoredKind::kRandom, c.randoms);
  put(StoredKind::kBit, c.bits);
  auto ok = (*w)->commit();
  ASSERT_TRUE(ok.ok()) << ok.error().message;
}

Contents make_contents(std::size_t triples, std::size_t randoms, std::size_t bits) {
  return {random_elements(3 * triples), random_elements(randoms), random_elements(bits)};
}

std::unique_ptr<PreprocStore> open_store(const std::string& dir, std::uint32_t party = 1,
                                         bool create = false, std::uint64_t map = kDefaultMapSize) {
  StoreOptions o;
  o.create = create;
  o.map_size = map;
  auto s = PreprocStore::open(dir, binding_for(4, 1, party), key_for(party), o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

std::string open_error(const std::string& dir, const Binding& b, const StoreKey& k) {
  auto s = PreprocStore::open(dir, b, k);
  if (s) return "";
  return s.error().message;
}

std::vector<FieldBytes> take(PreprocStore& s, const LotId& id, StoredKind kind, std::uint64_t from,
                             std::size_t items) {
  std::vector<FieldBytes> out(items * mpc::stored_width(kind));
  auto ok = s.consume(id, kind, from, out);
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  return out;
}

std::vector<FieldBytes> slice(const std::vector<FieldBytes>& v, std::size_t from, std::size_t to) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from),
          v.begin() + static_cast<std::ptrdiff_t>(to)};
}

TEST(PreprocStoreTest, RoundTripAndConsumeOnceAcrossReopening) {
  TempDir tmp;
  const std::string dir = tmp.sub("party-1");
  const LotId id = lot_id(0xA1);
  const Contents c = make_contents(2500, 1500, 30);  // several blocks, partial last blocks
  {
    auto s = open_store(dir, 1, true);
    ASSERT_TRUE(s);
    write_lot(*s, id, c);
    auto lots = s->lots();
    ASSERT_TRUE(lots.ok());
    ASSERT_EQ(lots->size(), 1u);
    EXPECT_EQ((*lots)[0].id, id);
    EXPECT_EQ((*lots)[0].count, (std::array<std::uint64_t, 3>{2500, 1500, 30}));
    EXPECT_EQ((*lots)[0].consumed, (std::array<std::uint64_t, 3>{0, 0, 0}));
    // Items come back exactly as written, across block boundaries.
    EXPECT_TRUE(take(*s, id, StoredKind::kTriple, 0, 1000) == slice(c.triples, 0, 3000));
    EXPECT_TRUE(take(*s, id, StoredKind::kTriple, 1000, 100) == slice(c.triples, 3000, 3300));
    EXPECT_TRUE(take(*s, id, StoredKind::kRandom, 0, 1) == slice(c.randoms, 0, 1));
  }
  {
    // The cursors survived: below them nothing is handed out again, not even once more.
    auto s = open_store(dir);
    ASSERT_TRUE(s);
    auto lots = s->lots();
    ASSERT_TRUE(lots.ok());
    ASSERT_EQ(lots->size(), 1u);
    EXPECT_EQ((*lots)[0].consumed, (std::array<std::uint64_t, 3>{1100, 1, 0}));
    std::vector<FieldBytes> out(3 * 10);
    auto again = s->consume(id, StoredKind::kTriple, 1050, out);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("again"), std::string::npos) << again.error().message;
    EXPECT_EQ(out, std::vector<FieldBytes>(30, FieldBytes{}));  // zeroed on failure
    std::vector<FieldBytes> beyond(3 * 1401);
    EXPECT_FALSE(s->consume(id, StoredKind::kTriple, 1100, beyond).ok());
    // Skipping ahead is allowed (the agreed start may be above this party's cursor); the
    // skipped items are gone for good.
    EXPECT_TRUE(take(*s, id, StoredKind::kTriple, 2000, 500) == slice(c.triples, 6000, 7500));
    EXPECT_FALSE(s->consume(id, StoredKind::kTriple, 1500, beyond).ok());
    // Every triple used, the other kinds not yet: the store still opens (no block is expected
    // of a used-up kind).
    s.reset();
    s = open_store(dir);
    ASSERT_TRUE(s);
    EXPECT_TRUE(take(*s, id, StoredKind::kRandom, 1, 1499) == slice(c.randoms, 1, 1500));
    EXPECT_TRUE(take(*s, id, StoredKind::kBit, 0, 30) == c.bits);
    // Everything consumed: the lot is gone.
    auto after = s->lots();
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after->empty());
    // The log records every consumption, in order.
    auto log = s->log();
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_EQ(log->size(), 6u);
    EXPECT_EQ((*log)[0].from, 0u);
    EXPECT_EQ((*log)[0].to, 1000u);
    EXPECT_EQ((*log)[3].kind, StoredKind::kTriple);
    EXPECT_EQ((*log)[3].from, 2000u);
    EXPECT_EQ((*log)[3].to, 2500u);
  }
}

TEST(PreprocStoreTest, WrongKeyOtherParametersAndMissingStoreAreClearErrors) {
  TempDir tmp;
  const std::string dir = tmp.sub("party-1");
  {
    auto s = open_store(dir, 1, true);
    ASSERT_TRUE(s);
    write_lot(*s, lot_id(1), make_contents(10, 10, 0));
  }
  std::string e = open_error(dir, binding_for(4, 1, 1), key_for(1, 99));
  EXPECT_NE(e.find("does not open with this key"), std::string::npos) << e;
  // Another n, t, field, party or roster: refused, naming both.
  for (const Binding& other : {binding_for(5, 1, 1), binding_for(7, 2, 1), binding_for(4, 1, 2),
                               binding_for(4, 1, 1, math::FieldKind::Bn254)}) {
    e = open_error(dir, other, key_for(1));
    EXPECT_NE(e.find("holds material for bls12-381-fr, n = 4, t = 1, party 1"), std::string::npos)
        << e;
  }
  Binding roster = binding_for(4, 1, 1);
  std::array<std::array<std::uint8_t, 32>, 4> keys{};
  roster.roster = roster_digest(keys);
  e = open_error(dir, roster, key_for(1));
  EXPECT_NE(e.find("holds material for"), std::string::npos) << e;
  e = open_error(tmp.sub("nothing-here"), binding_for(4, 1, 1), key_for(1));
  EXPECT_NE(e.find("no preprocessing store"), std::string::npos) << e;
  // The store is still good afterwards.
  auto s = open_store(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lots()->size(), 1u);
}

TEST(PreprocStoreTest, AStoreIsUsedByOneProcessAtATime) {
  TempDir tmp;
  auto s = open_store(tmp.sub("p"), 1, true);
  ASSERT_TRUE(s);
  const std::string e = open_error(tmp.sub("p"), binding_for(4, 1, 1), key_for(1));
  EXPECT_NE(e.find("in use"), std::string::npos) << e;
}

// Direct LMDB access, as an attacker with the file would have.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    EXPECT_EQ(mdb_env_set_mapsize(env_, kDefaultMapSize), 0);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), MDB_NOLOCK, 0600), 0);
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, 0, &txn_), 0);
    EXPECT_EQ(mdb_dbi_open(txn_, nullptr, 0, &dbi_), 0);
  }
  ~RawDb() {
    EXPECT_EQ(mdb_txn_commit(txn_), 0);
    mdb_env_close(env_);
  }
  std::vector<std::vector<std::uint8_t>> keys(std::uint8_t prefix) {
    std::vector<std::vector<std::uint8_t>> out;
    MDB_cursor* c = nullptr;
    EXPECT_EQ(mdb_cursor_open(txn_, dbi_, &c), 0);
    MDB_val k{}, v{};
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      const auto* p = static_cast<const std::uint8_t*>(k.mv_data);
      if (p[0] == prefix) out.emplace_back(p, p + k.mv_size);
    }
    mdb_cursor_close(c);
    return out;
  }
  std::vector<std::uint8_t> get(const std::vector<std::uint8_t>& key) {
    MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())}, v{};
    EXPECT_EQ(mdb_get(txn_, dbi_, &k, &v), 0);
    const auto* p = static_cast<const std::uint8_t*>(v.mv_data);
    return {p, p + v.mv_size};
  }
  void put(const std::vector<std::uint8_t>& key, const std::vector<std::uint8_t>& value) {
    MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
    MDB_val v{value.size(), const_cast<std::uint8_t*>(value.data())};
    EXPECT_EQ(mdb_put(txn_, dbi_, &k, &v, 0), 0);
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
};

void make_store_with_blocks(const std::string& dir) {
  auto s = open_store(dir, 1, true);
  ASSERT_TRUE(s);
  write_lot(*s, lot_id(1), make_contents(2100, 10, 0));  // 3 triple blocks
}

TEST(PreprocStoreTest, TamperingIsDetectedAndTheStoreIsNotUsed) {
  auto expect_refused = [](const std::string& dir, const char* what) {
    const std::string e = open_error(dir, binding_for(4, 1, 1), key_for(1));
    EXPECT_NE(e.find(what), std::string::npos) << e;
  };
  TempDir tmp;
  {
    // A flipped bit inside a sealed block.
    const std::string dir = tmp.sub("flip");
    make_store_with_blocks(dir);
    {
      RawDb db(dir);
      auto k = db.keys('D').at(1);
      auto v = db.get(k);
      v[100] ^= 0x10;
      db.put(k, v);
    }
    expect_refused(dir, "fails authentication");
  }
  {
    // Two blocks swapped: each is authentic, but not at that position.
    const std::string dir = tmp.sub("swap");
    make_store_with_blocks(dir);
    {
      RawDb db(dir);
      auto keys = db.keys('D');
      auto a = db.get(keys.at(0)), b = db.get(keys.at(1));
      db.put(keys.at(0), b);
      db.put(keys.at(1), a);
    }
    expect_refused(dir, "fails authentication");
  }
  {
    // A cursor rolled back by editing the lot record: its MAC no longer matches.
    const std::string dir = tmp.sub("cursor");
    make_store_with_blocks(dir);
    {
      auto s = open_store(dir);
      ASSERT_TRUE(s);
      take(*s, lot_id(1), StoredKind::kTriple, 0, 5);
    }
    {
      RawDb db(dir);
      auto k = db.keys('L').at(0);
      auto v = db.get(k);
      v[32 + 1 + 8 + 8] = 0;  // consumed triples, low byte: 5 -> 0
      db.put(k, v);
    }
    expect_refused(dir, "fails authentication");
  }
  {
    // A block deleted: missing.
    const std::string dir = tmp.sub("missing");
    make_store_with_blocks(dir);
    {
      RawDb db(dir);
      auto k = db.keys('D').at(2);
      db.put(k, {1, 2, 3});
    }
    expect_refused(dir, "wrong size");
  }
}

// Copies `from` to `to` (a store directory's data file only; no lock is held).
void copy_store(const std::string& from, const std::string& to) {
  std::filesystem::create_directory(to);
  std::filesystem::copy_file(from + "/data.mdb", to + "/data.mdb",
                             std::filesystem::copy_options::overwrite_existing);
}

TEST(PreprocStoreTest, TruncatedFilesAreRefusedWithoutCrashing) {
  TempDir tmp;
  const std::string dir = tmp.sub("good");
  make_store_with_blocks(dir);
  const auto size = std::filesystem::file_size(dir + "/data.mdb");
  for (std::uintmax_t cut : {std::uintmax_t{0}, std::uintmax_t{100}, std::uintmax_t{4096},
                             std::uintmax_t{8192 + 17}, size / 2, size - 4096, size - 1}) {
    const std::string copy = tmp.sub("cut-" + std::to_string(cut));
    copy_store(dir, copy);
    std::filesystem::resize_file(copy + "/data.mdb", cut);
    const std::string e = open_error(copy, binding_for(4, 1, 1), key_for(1));
    EXPECT_FALSE(e.empty()) << "a store truncated to " << cut << " bytes was opened";
  }
}

// Page numbers of the meta, branch and leaf pages of an LMDB file (page size 4096).
std::vector<std::size_t> structure_pages(const std::vector<char>& file) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; (p + 1) * 4096 <= file.size(); ++p) {
    const auto flags = static_cast<unsigned char>(file[p * 4096 + 10]);
    if (flags == 0x01 || flags == 0x02 || flags == 0x08) out.push_back(p);
  }
  return out;
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(PreprocStoreTest, BitFlippedFilesGiveAnErrorOrTheRightItemsNeverACrash) {
  TempDir tmp(true);
  const std::string dir = tmp.sub("good");
  const LotId id = lot_id(3);
  const Contents c = make_contents(1500, 700, 40);
  {
    auto s = open_store(dir, 1, true);
    ASSERT_TRUE(s);
    write_lot(*s, lot_id(2), make_contents(20, 0, 0));
    write_lot(*s, id, c);
    take(*s, lot_id(2), StoredKind::kTriple, 0, 20);  // lot 2 used up: freed pages exist
    take(*s, id, StoredKind::kTriple, 0, 100);
    // The last two transactions change nothing a run can use, so if a flip makes LMDB fall back
    // to the previous snapshot (the other meta page) the usable items are the same.
    auto w = s->begin_lot(lot_id(9));
    ASSERT_TRUE(w.ok());
  }
  const std::vector<char> good = read_file(dir + "/data.mdb");
  const std::vector<std::size_t> pages = structure_pages(good);
  ASSERT_GE(pages.size(), 3u);
  std::mt19937_64 rng(20261203);
  int opened = 0, refused = 0;
  const std::string copy = tmp.sub("flipped");
  std::filesystem::create_directory(copy);
  for (int round = 0; round < 1000; ++round) {
    std::vector<char> bytes = good;
    // Mostly in the pages LMDB interprets (meta, branch, leaf), some anywhere.
    std::size_t at;
    if (round % 4 != 3) {
      at = pages[rng() % pages.size()] * 4096 + rng() % 4096;
    } else {
      at = rng() % bytes.size();
    }
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
    write_file(copy + "/data.mdb", bytes);
    auto s = PreprocStore::open(copy, binding_for(4, 1, 1), key_for(1));
    if (!s) {
      ++refused;
      continue;
    }
    ++opened;
    // Opened: then it must hold exactly the right items, and consuming them must work.
    auto lots = (*s)->lots();
    ASSERT_TRUE(lots.ok());
    ASSERT_EQ(lots->size(), 1u) << "flip at " << at;
    ASSERT_EQ((*lots)[0].consumed[0], 100u) << "flip at " << at;
    EXPECT_TRUE(take(**s, id, StoredKind::kTriple, 100, 1400) == slice(c.triples, 300, 4500))
        << "flip at " << at;
    EXPECT_TRUE(take(**s, id, StoredKind::kRandom, 0, 700) == c.randoms) << "flip at " << at;
    EXPECT_TRUE(take(**s, id, StoredKind::kBit, 0, 40) == c.bits) << "flip at " << at;
  }
  // Both outcomes occur (flips in unused bytes are harmless).
  EXPECT_GT(refused, 200);
  EXPECT_GT(opened, 50);
}

TEST(PreprocStoreTest, AFullMapIsAClearErrorAndTheStoreStaysConsistent) {
  TempDir tmp;
  const std::string dir = tmp.sub("small");
  const std::uint64_t map = 512 * 1024;
  const Contents first = make_contents(500, 200, 0);  // ~70 KB sealed
  {
    auto s = open_store(dir, 1, true, map);
    ASSERT_TRUE(s);
    write_lot(*s, lot_id(1), first);
    auto w = s->begin_lot(lot_id(2));
    ASSERT_TRUE(w.ok());
    const auto big = random_elements(3 * 10000);  // ~1 MB: does not fit
    std::string error;
    for (std::size_t at = 0; at < big.size() && error.empty(); at += 3 * 1000) {
      auto ok = (*w)->append(StoredKind::kTriple, std::span(big).subspan(at, 3 * 1000));
      if (!ok) error = ok.error().message;
    }
    if (error.empty()) {
      auto ok = (*w)->commit();
      if (!ok) error = ok.error().message;
    }
    EXPECT_NE(error.find("the store is full"), std::string::npos) << error;
    EXPECT_NE(error.find("--store-map-size"), std::string::npos) << error;
  }
  // Reopened: the first lot is intact and usable, the failed one does not exist.
  auto s = open_store(dir, 1, false, map);
  ASSERT_TRUE(s);
  auto lots = s->lots();
  ASSERT_TRUE(lots.ok());
  ASSERT_EQ(lots->size(), 1u);
  EXPECT_EQ((*lots)[0].id, lot_id(1));
  EXPECT_TRUE(take(*s, lot_id(1), StoredKind::kTriple, 0, 500) == first.triples);
  EXPECT_TRUE(take(*s, lot_id(1), StoredKind::kRandom, 0, 200) == first.randoms);
  // And after that, writing works again.
  write_lot(*s, lot_id(3), make_contents(100, 0, 0));
  EXPECT_EQ(s->lots()->size(), 1u);
}

TEST(PreprocStoreTest, ALotLeftUnfinishedByACrashIsNeverListedAndIsRemoved) {
  TempDir tmp;
  const std::string dir = tmp.sub("crash");
  {
    auto s = open_store(dir, 1, true);
    ASSERT_TRUE(s);
    write_lot(*s, lot_id(1), make_contents(10, 0, 0));
  }
  // A child writes half a lot and dies without any cleanup.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = PreprocStore::open(dir, binding_for(4, 1, 1), key_for(1));
    if (!s) ::_exit(2);
    auto w = (*s)->begin_lot(lot_id(2));
    if (!w) ::_exit(3);
    const auto items = random_elements(3 * 3000);
    if (!(*w)->append(StoredKind::kTriple, items)) ::_exit(4);
    ::_exit(0);  // no destructors: the lot stays half written on disk
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto info = inspect_store(dir, std::nullopt);
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_EQ(info->lots.size(), 2u);
  EXPECT_FALSE(info->lots[1].complete);
  auto s = open_store(dir);
  ASSERT_TRUE(s);
  auto lots = s->lots();
  ASSERT_EQ(lots->size(), 1u);
  EXPECT_EQ((*lots)[0].id, lot_id(1));
  s.reset();
  info = inspect_store(dir, std::nullopt);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->lots.size(), 1u);
}

TEST(PreprocStoreTest, InspectionShowsCountsAndVerifiesOnlyWithTheKey) {
  TempDir tmp;
  const std::string dir = tmp.sub("p");
  {
    auto s = open_store(dir, 1, true);
    ASSERT_TRUE(s);
    write_lot(*s, lot_id(5), make_contents(30, 20, 10));
    take(*s, lot_id(5), StoredKind::kTriple, 0, 4);
  }
  auto plain = inspect_store(dir, std::nullopt);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_FALSE(plain->verified);
  EXPECT_EQ(plain->binding.params.n, 4u);
  EXPECT_EQ(plain->binding.params.party, 1u);
  ASSERT_EQ(plain->lots.size(), 1u);
  EXPECT_EQ(plain->lots[0].status.count, (std::array<std::uint64_t, 3>{30, 20, 10}));
  EXPECT_EQ(plain->lots[0].status.consumed, (std::array<std::uint64_t, 3>{4, 0, 0}));
  ASSERT_EQ(plain->log.size(), 1u);
  const auto secret = secret_bytes(7);
  auto checked = inspect_store(dir, std::span<const std::uint8_t>(secret));
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  EXPECT_TRUE(checked->verified);
  const auto wrong = secret_bytes(8);
  auto bad = inspect_store(dir, std::span<const std::uint8_t>(wrong));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("does not open with this key"), std::string::npos);
}

TEST(PreprocStoreTest, LotLimitAndDuplicateLots) {
  TempDir tmp;
  auto s = open_store(tmp.sub("p"), 1, true);
  ASSERT_TRUE(s);
  write_lot(*s, lot_id(0), make_contents(1, 0, 0));
  auto dup = s->begin_lot(lot_id(0));
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already holds lot"), std::string::npos);
  for (std::size_t i = 1; i < mpc::kMaxStoredLots; ++i) {
    write_lot(*s, lot_id(static_cast<std::uint8_t>(i)), make_contents(1, 0, 0));
  }
  auto more = s->begin_lot(lot_id(200));
  ASSERT_FALSE(more.ok());
  EXPECT_NE(more.error().message.find("the most a store may hold"), std::string::npos);
  ASSERT_TRUE(s->drop_lot(lot_id(4)).ok());
  EXPECT_TRUE(s->begin_lot(lot_id(200)).ok());  // dropped again at once: not committed
  EXPECT_EQ(s->lots()->size(), mpc::kMaxStoredLots - 1);
}

TEST(StoreKeyTest, KeyFilesAreCreatedPrivateAndCheckedWhenRead) {
  TempDir tmp;
  const std::string path = tmp.sub("store.key");
  ASSERT_TRUE(create_key_file(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = read_key_file(path);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->size(), 32u);
  auto again = create_key_file(path);
  EXPECT_FALSE(again.ok());  // never overwritten
  EXPECT_EQ(*read_key_file(path), *key);

  ::chmod(path.c_str(), 0644);
  auto open_to_all = read_key_file(path);
  ASSERT_FALSE(open_to_all.ok());
  EXPECT_NE(open_to_all.error().message.find("chmod 600"), std::string::npos);

  const std::string raw = tmp.sub("raw.key");
  write_file(raw, std::vector<char>(32, 'x'));
  ::chmod(raw.c_str(), 0600);
  auto raw_key = read_key_file(raw);
  ASSERT_TRUE(raw_key.ok());
  EXPECT_EQ(*raw_key, std::vector<std::uint8_t>(32, 'x'));

  const std::string bad = tmp.sub("bad.key");
  write_file(bad, std::vector<char>(40, 'z'));
  ::chmod(bad.c_str(), 0600);
  EXPECT_FALSE(read_key_file(bad).ok());
  EXPECT_FALSE(read_key_file(tmp.sub("absent.key")).ok());
}

TEST(StoreKeyTest, PartiesAndSecretsGetDistinctKeys) {
  const auto a = key_for(0), b = key_for(1), c = key_for(0, 9);
  EXPECT_NE(a.seal_key(), b.seal_key());
  EXPECT_NE(a.seal_key(), c.seal_key());
  EXPECT_NE(a.seal_key(), a.mac_key());
  EXPECT_EQ(a.seal_key(), key_for(0).seal_key());
  EXPECT_FALSE(StoreKey::derive(std::vector<std::uint8_t>(8, 1), 0).ok());
  EXPECT_NE(embedded_roster_digest(4), embedded_roster_digest(5));
}

TEST(LmdbCheckTest, RejectsWhatIsNotAnLmdbFile) {
  TempDir tmp;
  const std::string path = tmp.sub("junk.mdb");
  write_file(path, std::vector<char>(3 * 4096, 'q'));
  auto ok = check_lmdb_file(path);
  ASSERT_FALSE(ok.ok());
  EXPECT_NE(ok.error().message.find("damaged LMDB file"), std::string::npos);
  EXPECT_FALSE(check_lmdb_file(tmp.sub("absent.mdb")).ok());
}

}  // namespace
}  // namespace stoffel::store::test
