// A distributed party's preprocessing store (node/party_store.h): the key it is sealed with (its
// identity's derived secret or a --store-key file), what it is bound to (the roster's keys, not
// the session's addresses), the folder layout, and refusals of a store made for another roster,
// t or field, or opened with another key. The roster digest is checked against BLAKE2b computed
// here with libsodium, not with the code under test.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "node/party_store.h"
#include "store/store_key.h"

namespace stoffel::node {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "stoffel-node-store-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

std::vector<net::Identity> identities(std::size_t n) {
  std::vector<net::Identity> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto id = net::Identity::generate();
    EXPECT_TRUE(id.ok());
    out.push_back(std::move(*id));
  }
  return out;
}

Roster roster_of(const std::vector<net::Identity>& ids, std::uint16_t t = 1,
                 math::FieldKind field = math::FieldKind::Bls12_381, std::uint16_t port = 9000) {
  Roster r;
  r.field = field;
  r.t = t;
  r.instance_id = port;  // every session has its own
  r.session[0] = static_cast<std::uint8_t>(port);
  r.entry = "main";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    r.parties.push_back(RosterEntry{ids[i].public_key(), "127.0.0.1:" + std::to_string(port + i)});
  }
  return r;
}

std::vector<std::uint8_t> secret_of(const PartyStoreOptions& o, const net::Identity& id,
                                    bool create = false) {
  std::vector<std::string> notes;
  auto s = party_store_secret(o, id, create, notes);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : std::vector<std::uint8_t>{};
}

TEST(PartyStore, PreprocessSessionsAreNamedByTheirAmounts) {
  const std::string a = preprocess_entry({100, 20, 0});
  EXPECT_EQ(a, "--preprocess triples=100 random=20 bits=0");
  EXPECT_NE(a, preprocess_entry({100, 20, 1}));
  EXPECT_NE(a, preprocess_entry({20, 100, 0}));
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_LE(preprocess_entry({kMax, kMax, kMax}).size(), kMaxEntry);
}

TEST(PartyStore, NeedsAKeyThatOutlivesTheRun) {
  PartyStoreOptions o;
  o.dir = "st";
  auto no_key = check_store_options(o, false);
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("--identity"), std::string::npos);
  EXPECT_NE(no_key.error().message.find("--store-key"), std::string::npos);
  EXPECT_TRUE(check_store_options(o, true).ok());
  o.key_file = "st.key";
  EXPECT_TRUE(check_store_options(o, false).ok());
  o.dir.clear();
  EXPECT_FALSE(check_store_options(o, true).ok());
}

TEST(PartyStore, SecretComesFromTheIdentityOrTheKeyFile) {
  TempDir dir;
  auto ids = identities(1);
  const std::string key_path = dir.file("party.key");
  ASSERT_TRUE(ids[0].save(key_path).ok());
  auto reloaded = net::Identity::load(key_path);
  ASSERT_TRUE(reloaded.ok());
  PartyStoreOptions o;
  o.dir = dir.file("st");
  // From the identity: the same key file gives the same secret on every run.
  const auto from_identity = secret_of(o, ids[0]);
  ASSERT_EQ(from_identity.size(), 32u);
  EXPECT_EQ(secret_of(o, *reloaded), from_identity);
  // A --store-key file wins; a missing one is an error, except for --preprocess, which creates
  // it (mode 0600) and says so.
  o.key_file = dir.file("store.key");
  std::vector<std::string> notes;
  EXPECT_FALSE(party_store_secret(o, ids[0], false, notes).ok());
  auto created = party_store_secret(o, ids[0], true, notes);
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("Created store key"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(o.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(*created, from_identity);
  auto read = store::read_key_file(o.key_file);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(secret_of(o, ids[0]), *read);
}

TEST(PartyStore, BoundToTheRosterKeysNotTheSession) {
  auto ids = identities(4);
  const Roster a = roster_of(ids, 1, math::FieldKind::Bn254, 9000);
  const Roster again = roster_of(ids, 1, math::FieldKind::Bn254, 7000);  // other addresses
  const store::Binding b = party_store_binding(a, 2);
  EXPECT_EQ(b.params.field, math::FieldKind::Bn254);
  EXPECT_EQ(b.params.n, 4u);
  EXPECT_EQ(b.params.t, 1u);
  EXPECT_EQ(b.params.party, 2u);
  EXPECT_EQ(party_store_binding(again, 2).roster, b.roster);
  // The roster digest: BLAKE2b-256("stoffel roster v1" || n as u64 LE || the keys in party
  // order), computed here in one call.
  const std::string domain = "stoffel roster v1";
  std::vector<std::uint8_t> msg(domain.begin(), domain.end());
  for (int i = 0; i < 8; ++i) msg.push_back(i == 0 ? 4 : 0);
  for (const auto& id : ids) msg.insert(msg.end(), id.public_key().begin(), id.public_key().end());
  std::array<std::uint8_t, 32> expected{};
  crypto_generichash(expected.data(), expected.size(), msg.data(), msg.size(), nullptr, 0);
  EXPECT_EQ(b.roster, expected);
  // Another order of the same keys is another roster.
  std::vector<std::array<std::uint8_t, 32>> swapped;
  for (const auto& id : ids) swapped.push_back(id.public_key());
  std::swap(swapped[0], swapped[1]);
  EXPECT_NE(b.roster, store::roster_digest(swapped));
  EXPECT_EQ(party_store_dir("st", 3), "st/party-3");
}

TEST(PartyStore, RefusesAnotherRosterTFieldOrKey) {
  ASSERT_GE(sodium_init(), 0);
  TempDir dir;
  auto ids = identities(4);
  PartyStoreOptions o;
  o.dir = dir.file("st");
  o.map_size = std::uint64_t{16} << 20;
  const Roster roster = roster_of(ids);
  const auto secret = secret_of(o, ids[1]);
  {
    auto made = open_party_store(o, secret, roster, 1, true);
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_EQ((*made)->dir(), o.dir + "/party-1");
  }
  // The same parties in a later session (other addresses): opens.
  {
    auto s =
        open_party_store(o, secret, roster_of(ids, 1, math::FieldKind::Bls12_381, 7000), 1, false);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  auto refused = [&](const Roster& r, std::span<const std::uint8_t> key, const char* says) {
    auto s = open_party_store(o, key, r, 1, false);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
  };
  // Another party set: party 3 has another key.
  Roster other_set = roster;
  auto stranger = identities(1);
  other_set.parties[3].key = stranger[0].public_key();
  refused(other_set, secret, "holds material for");
  refused(roster_of(ids, 0), secret, "t = 1");  // another t
  Roster bn = roster;
  bn.field = math::FieldKind::Bn254;
  refused(bn, secret, "bls12-381");  // another field
  // Another identity's key (party 3's, say): the records do not open.
  refused(roster, secret_of(o, ids[3]), "does not open with this key");
  // Another party index has no store here.
  auto other_party = open_party_store(o, secret, roster, 2, false);
  EXPECT_FALSE(other_party.ok());
  EXPECT_NE(other_party.error().message.find("no preprocessing store"), std::string::npos);
}

TEST(PartyStore, LoadedLine) {
  mpc::StoredAmounts a;
  a.triples = 100;
  a.randoms = 20;
  EXPECT_EQ(loaded_line(a),
            "Loaded preprocessing material from store (100 triples, 20 random shares)");
  a.bits = 7;
  EXPECT_EQ(
      loaded_line(a),
      "Loaded preprocessing material from store (100 triples, 20 random shares, 7 random bits)");
}

}  // namespace
}  // namespace stoffel::node
