#include "store/store_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace stoffel::store {

namespace {

int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

StoreKey::~StoreKey() {
  sodium_memzero(seal_.data(), seal_.size());
  sodium_memzero(mac_.data(), mac_.size());
}

Result<StoreKey> StoreKey::derive(std::span<const std::uint8_t> secret, std::uint32_t party) {
  if (!sodium_ready()) return make_error(ErrorKind::Store, "libsodium could not be initialised");
  if (secret.size() < 16) {
    return make_error(ErrorKind::Store, "a store key needs a secret of at least 16 bytes, got " +
                                            std::to_string(secret.size()));
  }
  // root = BLAKE2b-256 keyed with a domain string, over the secret: the secret itself (an
  // identity key) is never used as a key directly. Then per party and purpose one crypto_kdf
  // subkey (BLAKE2b with the subkey id and an 8-byte context).
  static constexpr char kDomain[] = "stoffel preprocessing store key v1";
  std::array<std::uint8_t, crypto_kdf_KEYBYTES> root{};
  crypto_generichash(root.data(), root.size(), secret.data(), secret.size(),
                     reinterpret_cast<const unsigned char*>(kDomain), sizeof kDomain - 1);
  StoreKey key;
  const std::uint64_t id = std::uint64_t{party} * 2;
  crypto_kdf_derive_from_key(key.seal_.data(), key.seal_.size(), id, "stfstore", root.data());
  crypto_kdf_derive_from_key(key.mac_.data(), key.mac_.size(), id + 1, "stfstore", root.data());
  sodium_memzero(root.data(), root.size());
  return key;
}

Result<std::vector<std::uint8_t>> read_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return make_error(ErrorKind::Store,
                      "cannot read the store key " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorKind::Store, "the store key " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ErrorKind::Store, "the store key " + path +
                                            " is accessible by others (mode " + mode +
                                            "); restrict it with: chmod 600 " + path);
  }
  std::vector<std::uint8_t> raw(130);  // longer than any valid key file
  std::size_t got = 0;
  while (got < raw.size()) {
    const ssize_t r = ::read(fd, raw.data() + got, raw.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int e = errno;
      ::close(fd);
      return make_error(ErrorKind::Store,
                        "cannot read the store key " + path + ": " + std::strerror(e));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  raw.resize(got);
  std::vector<std::uint8_t> key;
  std::size_t text = got;
  if (text > 0 && raw[text - 1] == '\n') --text;
  if (text == 64) {
    key.resize(32);
    bool hex = true;
    for (std::size_t i = 0; i < 32 && hex; ++i) {
      const int hi = hex_value(raw[2 * i]), lo = hex_value(raw[2 * i + 1]);
      hex = hi >= 0 && lo >= 0;
      key[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    if (hex) {
      sodium_memzero(raw.data(), raw.size());
      return key;
    }
    sodium_memzero(key.data(), key.size());
    key.clear();
  }
  if (got == 32) {
    key.assign(raw.begin(), raw.begin() + 32);
    sodium_memzero(raw.data(), raw.size());
    return key;
  }
  sodium_memzero(raw.data(), raw.size());
  return make_error(
      ErrorKind::Store,
      "the store key " + path + " must hold 64 hex digits (32 bytes) or exactly 32 raw bytes");
}

Result<void> create_key_file(const std::string& path) {
  if (!sodium_ready()) return make_error(ErrorKind::Store, "libsodium could not be initialised");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return make_error(ErrorKind::Store,
                      "cannot create the store key " + path + ": " + std::strerror(errno));
  }
  std::array<std::uint8_t, 32> key{};
  randombytes_buf(key.data(), key.size());
  std::string text = to_hex(key) + "\n";
  sodium_memzero(key.data(), key.size());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  const int e = errno;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    return make_error(ErrorKind::Store,
                      "cannot write the store key " + path + ": " + std::strerror(e));
  }
  return {};
}

Digest roster_digest(std::span<const std::array<std::uint8_t, 32>> public_keys) {
  static constexpr char kDomain[] = "stoffel roster v1";
  Digest d{};
  crypto_generichash_state h;
  crypto_generichash_init(&h, nullptr, 0, d.size());
  crypto_generichash_update(&h, reinterpret_cast<const unsigned char*>(kDomain),
                            sizeof kDomain - 1);
  const std::uint64_t n = public_keys.size();
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(n >> (8 * i));
  crypto_generichash_update(&h, len, sizeof len);
  for (const auto& k : public_keys) crypto_generichash_update(&h, k.data(), k.size());
  crypto_generichash_final(&h, d.data(), d.size());
  return d;
}

Digest embedded_roster_digest(std::size_t n) {
  static constexpr char kDomain[] = "stoffel embedded party v1";
  std::vector<std::array<std::uint8_t, 32>> keys(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t msg[sizeof kDomain - 1 + 4];
    std::memcpy(msg, kDomain, sizeof kDomain - 1);
    for (int b = 0; b < 4; ++b)
      msg[sizeof kDomain - 1 + b] = static_cast<std::uint8_t>(i >> (8 * b));
    crypto_generichash(keys[i].data(), keys[i].size(), msg, sizeof msg, nullptr, 0);
  }
  return roster_digest(keys);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

}  // namespace stoffel::store
