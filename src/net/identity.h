// A process's long-term identity on the network (decision N6): one Ed25519 key pair, and the
// self-signed X.509 certificate made from it for TLS. Peers are pinned by the raw 32-byte public
// key (never by a CA or a host name), so the certificate is only the envelope TLS needs to carry
// the key; its names and dates mean nothing and are not checked.
//
// On disk a key is a PEM "PRIVATE KEY" (PKCS#8), the format `openssl pkey` reads, in a file of
// mode 0600. Loading refuses a file that group or others may read, or that holds anything but
// one unencrypted Ed25519 key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "stoffel/result.h"

// OpenSSL types, declared so that users of this header need not include OpenSSL.
typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace stoffel::net {

using PublicKey = std::array<std::uint8_t, 32>;

// Lower-case hex of all 32 bytes, and the first 8 bytes only for log lines.
std::string key_hex(const PublicKey& key);
std::string key_short(const PublicKey& key);
// Parses 64 hex digits.
Result<PublicKey> parse_key_hex(std::string_view hex);

class Identity {
 public:
  // A fresh key from the operating system's randomness (an ephemeral identity for one run).
  static Result<Identity> generate();
  // Reads a key file written by save() (or by `openssl genpkey -algorithm ed25519`), checking
  // that it is a regular file no one but its owner can read or write.
  static Result<Identity> load(const std::string& path);

  Identity(Identity&&) noexcept;
  Identity& operator=(Identity&&) noexcept;
  ~Identity();

  // Writes the private key to a new file of mode 0600; an existing file is never overwritten.
  Result<void> save(const std::string& path) const;

  const PublicKey& public_key() const { return public_key_; }
  // A 32-byte secret for one purpose, derived from the private key: HMAC-SHA256 keyed by the
  // Ed25519 seed over "stoffel identity secret v1:" || purpose. It lets another layer key
  // something to this identity (a party's preprocessing store, docs/store.md) without ever
  // holding the private key; different purposes give independent secrets. The caller wipes it.
  Result<std::array<std::uint8_t, 32>> derive_secret(std::string_view purpose) const;
  // For the TLS layer: the key and the self-signed certificate (owned by this object).
  EVP_PKEY* pkey() const { return pkey_; }
  X509* certificate() const { return cert_; }

 private:
  Identity(EVP_PKEY* pkey, X509* cert, const PublicKey& pub)
      : pkey_(pkey), cert_(cert), public_key_(pub) {}
  static Result<Identity> from_pkey(EVP_PKEY* pkey);  // takes ownership

  EVP_PKEY* pkey_ = nullptr;
  X509* cert_ = nullptr;
  PublicKey public_key_{};
};

// The raw Ed25519 public key of a certificate; an error for any other key type.
Result<PublicKey> certificate_key(X509* cert);

}  // namespace stoffel::net
