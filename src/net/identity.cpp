#include "net/identity.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace stoffel::net {

namespace {

// A key file is a few hundred bytes; anything much larger is not one.
constexpr std::size_t kMaxKeyFile = 16 * 1024;

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// The passphrase callback: keys are never encrypted here, so an encrypted one fails to load.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

Result<PublicKey> raw_public_key(EVP_PKEY* pkey) {
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    return make_error(ErrorKind::Usage, "the key is not an Ed25519 key");
  }
  PublicKey pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) != 1 || len != pub.size()) {
    return make_error(ErrorKind::Usage, "cannot read the Ed25519 public key: " + openssl_error());
  }
  return pub;
}

// A self-signed certificate for `pkey`. Nothing but the key inside it is ever checked.
Result<X509*> self_signed(EVP_PKEY* pkey, const PublicKey& pub) {
  X509* cert = X509_new();
  if (cert == nullptr) return make_error(ErrorKind::Usage, "X509_new failed");
  auto fail = [&](const char* what) -> Result<X509*> {
    X509_free(cert);
    return make_error(ErrorKind::Usage, std::string("cannot make the TLS certificate (") + what +
                                            "): " + openssl_error());
  };
  if (X509_set_version(cert, 2) != 1) return fail("version");
  std::uint8_t serial[8];
  if (RAND_bytes(serial, sizeof serial) != 1) return fail("serial");
  serial[0] &= 0x7f;  // a positive INTEGER
  ASN1_INTEGER* sn = X509_get_serialNumber(cert);
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, sn) == nullptr) {
    BN_free(bn);
    return fail("serial");
  }
  BN_free(bn);
  // Valid from a day ago (clock skew between machines) for ten years: validity is not checked
  // by our peers, but other tools looking at the certificate expect sane dates.
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -86400L) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 86400) == nullptr) {
    return fail("validity");
  }
  const std::string cn = "stoffel " + key_short(pub);
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1) {
    return fail("name");
  }
  if (X509_set_pubkey(cert, pkey) != 1) return fail("public key");
  // Ed25519 signs the message itself: no separate digest.
  if (X509_sign(cert, pkey, nullptr) <= 0) return fail("signature");
  return cert;
}

}  // namespace

std::string key_hex(const PublicKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (std::uint8_t b : key) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

std::string key_short(const PublicKey& key) {
  return key_hex(key).substr(0, 16);
}

Result<PublicKey> parse_key_hex(std::string_view hex) {
  if (hex.size() != 64) return make_error(ErrorKind::Usage, "a public key is 64 hex digits");
  PublicKey k{};
  for (std::size_t i = 0; i < 64; ++i) {
    const char c = hex[i];
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return make_error(ErrorKind::Usage, "a public key is 64 hex digits");
    k[i / 2] = static_cast<std::uint8_t>(k[i / 2] | (v << (i % 2 == 0 ? 4 : 0)));
  }
  return k;
}

Result<PublicKey> certificate_key(X509* cert) {
  EVP_PKEY* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr) return make_error(ErrorKind::Usage, "the certificate carries no public key");
  return raw_public_key(pkey);
}

Identity::Identity(Identity&& o) noexcept
    : pkey_(std::exchange(o.pkey_, nullptr)),
      cert_(std::exchange(o.cert_, nullptr)),
      public_key_(o.public_key_) {}

Identity& Identity::operator=(Identity&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pkey_);
    X509_free(cert_);
    pkey_ = std::exchange(o.pkey_, nullptr);
    cert_ = std::exchange(o.cert_, nullptr);
    public_key_ = o.public_key_;
  }
  return *this;
}

Identity::~Identity() {
  EVP_PKEY_free(pkey_);
  X509_free(cert_);
}

Result<Identity> Identity::from_pkey(EVP_PKEY* pkey) {
  auto pub = raw_public_key(pkey);
  if (!pub) {
    EVP_PKEY_free(pkey);
    return pub.error();
  }
  auto cert = self_signed(pkey, *pub);
  if (!cert) {
    EVP_PKEY_free(pkey);
    return cert.error();
  }
  return Identity(pkey, *cert, *pub);
}

Result<Identity> Identity::generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr)
    return make_error(ErrorKind::Usage, "cannot generate an Ed25519 key: " + openssl_error());
  return from_pkey(pkey);
}

Result<Identity> Identity::load(const std::string& path) {
  const std::string where = "identity key '" + path + "': ";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::Usage, where + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(ErrorKind::Usage, where + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorKind::Usage, where + "not a regular file");
  }
  // A private key others can read is no longer private; one others can write may have been
  // replaced. Either way, refuse, and say how to fix it.
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ErrorKind::Usage,
                      where + "mode " + mode +
                          " lets group or others access the private key; run chmod 600 '" + path +
                          "'");
  }
  if (st.st_size <= 0 || static_cast<std::uint64_t>(st.st_size) > kMaxKeyFile) {
    ::close(fd);
    return make_error(ErrorKind::Usage, where + "size " + std::to_string(st.st_size) +
                                            " bytes is not that of a key file");
  }
  std::vector<char> text(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t r = ::read(fd, text.data() + got, text.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  if (got != text.size()) {
    OPENSSL_cleanse(text.data(), text.size());
    return make_error(ErrorKind::Usage, where + "short read");
  }
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  EVP_PKEY* pkey =
      bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  OPENSSL_cleanse(text.data(), text.size());
  if (pkey == nullptr) {
    ERR_clear_error();
    return make_error(
        ErrorKind::Usage,
        where + "not an unencrypted PEM private key (make one with stoffel-run keygen -o)");
  }
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return make_error(ErrorKind::Usage, where + "not an Ed25519 key");
  }
  auto id = from_pkey(pkey);
  if (!id) return make_error(ErrorKind::Usage, where + id.error().message);
  return id;
}

Result<std::array<std::uint8_t, 32>> Identity::derive_secret(std::string_view purpose) const {
  static constexpr std::string_view kLabel = "stoffel identity secret v1:";
  std::array<std::uint8_t, 32> seed{};
  std::size_t len = seed.size();
  if (pkey_ == nullptr || EVP_PKEY_get_raw_private_key(pkey_, seed.data(), &len) != 1 ||
      len != seed.size()) {
    OPENSSL_cleanse(seed.data(), seed.size());
    return make_error("cannot read the identity's private key: " + openssl_error());
  }
  std::vector<std::uint8_t> message(kLabel.begin(), kLabel.end());
  message.insert(message.end(), purpose.begin(), purpose.end());
  std::array<std::uint8_t, 32> out{};
  std::size_t out_len = 0;
  const bool ok =
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, seed.data(), seed.size(),
                message.data(), message.size(), out.data(), out.size(), &out_len) != nullptr &&
      out_len == out.size();
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return make_error("cannot derive a secret from the identity: " + openssl_error());
  }
  return out;
}

Result<void> Identity::save(const std::string& path) const {
  const std::string where = "cannot write '" + path + "': ";
  BIO* bio = BIO_new(BIO_s_secmem());
  if (bio == nullptr) bio = BIO_new(BIO_s_mem());
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio, pkey_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    return make_error(ErrorKind::Usage, where + openssl_error());
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  // O_EXCL: never overwrite (an existing key may be the only copy of a party's identity);
  // 0600 from the start, so the key is never readable by others, not even briefly.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int e = errno;
    BIO_free(bio);
    if (e == EEXIST)
      return make_error(ErrorKind::Usage, where + "the file exists (keys are never overwritten)");
    return make_error(ErrorKind::Usage, where + std::strerror(e));
  }
  std::size_t put = 0;
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  while (ok && put < static_cast<std::size_t>(len)) {
    const ssize_t w = ::write(fd, data + put, static_cast<std::size_t>(len) - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ok = false;
      break;
    }
    put += static_cast<std::size_t>(w);
  }
  const int e = errno;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  BIO_free(bio);  // secure memory: cleared on free
  if (!ok) {
    ::unlink(path.c_str());
    return make_error(ErrorKind::Usage, where + std::strerror(e));
  }
  return {};
}

}  // namespace stoffel::net
