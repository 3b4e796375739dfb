// Identities (decision N6): key files, permissions, certificates. The checks read our files
// back with OpenSSL's own functions, not with the code under test.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "net/frame.h"
#include "net/identity.h"
#include "net/tls.h"

namespace stoffel::net {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "stoffel-net-XXXXXX").string();
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

TEST(Identity, SavedKeyIsPrivateAndReadableByOpenSsl) {
  TempDir dir;
  auto id = Identity::generate();
  ASSERT_TRUE(id.ok()) << id.error().message;
  const std::string path = dir.file("party.key");
  ASSERT_TRUE(id->save(path).ok());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // OpenSSL reads the file as an Ed25519 key with the same public key.
  FILE* f = std::fopen(path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  EVP_PKEY* pkey = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(pkey, nullptr);
  EXPECT_EQ(EVP_PKEY_get_id(pkey), EVP_PKEY_ED25519);
  PublicKey pub{};
  std::size_t len = pub.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len), 1);
  EXPECT_EQ(pub, id->public_key());

  // The certificate carries that key and is signed by it.
  EXPECT_EQ(X509_verify(id->certificate(), pkey), 1);
  auto cert_key = certificate_key(id->certificate());
  ASSERT_TRUE(cert_key.ok());
  EXPECT_EQ(*cert_key, id->public_key());
  EVP_PKEY_free(pkey);

  auto loaded = Identity::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->public_key(), id->public_key());
}

TEST(Identity, TwoKeysDiffer) {
  auto a = Identity::generate(), b = Identity::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
}

// The secret derived for a purpose is HMAC-SHA256 keyed by the Ed25519 seed (checked against
// libsodium's HMAC on the seed OpenSSL reads from the saved file), stable across loads of the key,
// and different for another purpose or another key.
TEST(Identity, DerivedSecretIsHmacOfTheSeed) {
  ASSERT_GE(sodium_init(), 0);
  TempDir dir;
  auto id = Identity::generate();
  ASSERT_TRUE(id.ok());
  const std::string path = dir.file("party.key");
  ASSERT_TRUE(id->save(path).ok());
  FILE* f = std::fopen(path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  EVP_PKEY* pkey = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(pkey, nullptr);
  std::array<unsigned char, 32> seed{};
  std::size_t len = seed.size();
  ASSERT_EQ(EVP_PKEY_get_raw_private_key(pkey, seed.data(), &len), 1);
  EVP_PKEY_free(pkey);
  const std::string message = "stoffel identity secret v1:preprocessing store";
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> expected{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, seed.data(), seed.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&st, expected.data());

  auto secret = id->derive_secret("preprocessing store");
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_TRUE(std::equal(secret->begin(), secret->end(), expected.begin()));
  auto loaded = Identity::load(path);
  ASSERT_TRUE(loaded.ok());
  auto again = loaded->derive_secret("preprocessing store");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *secret);
  auto other_purpose = loaded->derive_secret("something else");
  ASSERT_TRUE(other_purpose.ok());
  EXPECT_NE(*other_purpose, *secret);
  auto other = Identity::generate();
  ASSERT_TRUE(other.ok());
  auto other_key = other->derive_secret("preprocessing store");
  ASSERT_TRUE(other_key.ok());
  EXPECT_NE(*other_key, *secret);
}

TEST(Identity, NeverOverwritesAKeyFile) {
  TempDir dir;
  auto a = Identity::generate(), b = Identity::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string path = dir.file("k");
  ASSERT_TRUE(a->save(path).ok());
  auto again = b->save(path);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("exists"), std::string::npos);
  EXPECT_EQ(Identity::load(path)->public_key(), a->public_key());
}

TEST(Identity, RefusesAKeyOthersCanRead) {
  TempDir dir;
  auto a = Identity::generate();
  ASSERT_TRUE(a.ok());
  const std::string path = dir.file("k");
  ASSERT_TRUE(a->save(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto r = Identity::load(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("0644"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0660), 0);
  EXPECT_FALSE(Identity::load(path).ok());
}

TEST(Identity, RefusesWhatIsNotAnEd25519Key) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string p = dir.file(name);
    std::ofstream(p) << text;
    ::chmod(p.c_str(), 0600);
    return p;
  };
  EXPECT_FALSE(Identity::load(dir.file("missing")).ok());
  EXPECT_FALSE(Identity::load(write("empty", "")).ok());
  EXPECT_FALSE(Identity::load(write("junk", "-----BEGIN PRIVATE KEY-----\nAAAA\n")).ok());
  // A valid PEM key of another type (X25519), written by OpenSSL.
  EVP_PKEY* x = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  ASSERT_NE(x, nullptr);
  const std::string p = dir.file("x25519");
  FILE* f = std::fopen(p.c_str(), "w");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(PEM_write_PrivateKey(f, x, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(f);
  EVP_PKEY_free(x);
  ::chmod(p.c_str(), 0600);
  auto r = Identity::load(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Ed25519"), std::string::npos) << r.error().message;
  // A directory is not a key file.
  EXPECT_FALSE(Identity::load(dir.file("")).ok());
}

TEST(KeyHex, RoundTrip) {
  auto a = Identity::generate();
  ASSERT_TRUE(a.ok());
  const std::string hex = key_hex(a->public_key());
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(*parse_key_hex(hex), a->public_key());
  EXPECT_FALSE(parse_key_hex(hex.substr(1)).ok());
  EXPECT_FALSE(parse_key_hex(std::string(64, 'g')).ok());
}

TEST(HostPort, Parses) {
  auto a = parse_host_port("127.0.0.1:9000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9000);
  auto b = parse_host_port("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->to_string(), "[::1]:0");
  EXPECT_EQ(parse_host_port("example.org:65535")->port, 65535);
  for (const char* bad : {"", "9000", ":9000", "host:", "host:65536", "host:-1", "host:9x",
                          "::1:9000", "[::1]9000", "[::1"}) {
    EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
  }
}

TEST(Frame, HeaderChecks) {
  auto h = frame::encode_header(1000, 3);
  auto ok = frame::parse_header(h, 1000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->length, 1000u);
  EXPECT_EQ(ok->channel, 3);
  EXPECT_FALSE(frame::parse_header(h, 999).ok());  // over the limit
  auto big = frame::encode_header(0xffffffffu, 1);
  auto r = frame::parse_header(big, 64u << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exceeds the limit"), std::string::npos);
  auto ch = frame::encode_header(1, frame::kMaxChannel + 1);
  EXPECT_FALSE(frame::parse_header(ch, 10).ok());
  auto reserved = frame::encode_header(1, 1);
  reserved[6] = 1;
  EXPECT_FALSE(frame::parse_header(reserved, 10).ok());
}

// The stream side of the framing (what every TLS link runs on its reads): frames come out whole
// and in order however the bytes are cut, a large announced length allocates nothing ahead of
// the bytes, and a malformed header is an error.
TEST(Frame, AssemblerCutsAStreamIntoFrames) {
  Bytes stream;
  const auto add = [&](std::uint8_t channel, const Bytes& payload) {
    const auto h = frame::encode_header(static_cast<std::uint32_t>(payload.size()), channel);
    stream.insert(stream.end(), h.begin(), h.end());
    stream.insert(stream.end(), payload.begin(), payload.end());
  };
  add(1, Bytes{1, 2, 3});
  add(2, Bytes{});
  add(15, Bytes(300, 0xab));
  for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{8}, stream.size()}) {
    frame::Assembler a(1000);
    std::vector<std::pair<std::uint8_t, Bytes>> got;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      const std::size_t n = std::min(piece, stream.size() - at);
      auto r = a.feed(std::span<const std::uint8_t>(stream).subspan(at, n),
                      [&](std::uint8_t ch, Bytes&& p) {
                        got.emplace_back(ch, std::move(p));
                        return true;
                      });
      ASSERT_TRUE(r.ok() && *r) << piece;
    }
    ASSERT_EQ(got.size(), 3u) << piece;
    EXPECT_EQ(got[0], (std::pair<std::uint8_t, Bytes>{1, Bytes{1, 2, 3}}));
    EXPECT_EQ(got[1], (std::pair<std::uint8_t, Bytes>{2, Bytes{}}));
    EXPECT_EQ(got[2], (std::pair<std::uint8_t, Bytes>{15, Bytes(300, 0xab)}));
    EXPECT_EQ(a.pending(), 0u);
  }

  // 64 MiB announced, 10 bytes sent: at most the initial reservation is held.
  frame::Assembler a(64u << 20);
  const auto h = frame::encode_header(64u << 20, 1);
  Bytes big(h.begin(), h.end());
  big.resize(big.size() + 10, 7);
  const auto none = [](std::uint8_t, Bytes&&) { return true; };
  auto r = a.feed(big, none);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(a.pending(), frame::kHeaderSize + 10);
  EXPECT_LE(a.reserved(), frame::Assembler::kInitialReserve);

  // One byte over the limit: refused at the header.
  frame::Assembler b(64u << 20);
  const auto over = frame::encode_header((64u << 20) + 1, 1);
  auto bad = b.feed(over, none);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("exceeds the limit of 67108864 bytes"), std::string::npos);

  // The callback stops the assembler: the rest of the bytes are not read.
  frame::Assembler c(1000);
  int calls = 0;
  auto stopped = c.feed(stream, [&](std::uint8_t, Bytes&&) { return ++calls < 2; });
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(*stopped);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace stoffel::net
