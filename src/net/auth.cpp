#include "net/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>
#include <vector>

namespace stoffel::net {

namespace {

Mac hmac_sha256(const std::uint8_t* key, std::size_t key_len, const std::uint8_t* data,
                std::size_t len) {
  Mac out{};
  std::size_t out_len = 0;
  // EVP_Q_mac fails only on allocation failure; an all-zero MAC then never verifies against a
  // peer's real one.
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key, key_len, data, len, out.data(),
                out.size(), &out_len) == nullptr ||
      out_len != out.size()) {
    out.fill(0);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::uint8_t> transcript_bytes(AuthRole role, const AuthTranscript& t) {
  static constexpr std::string_view kLabel = "stoffel-auth-v1";
  const std::string_view r = role == AuthRole::kInitiator ? "initiator" : "responder";
  std::vector<std::uint8_t> b;
  b.reserve(kLabel.size() + r.size() + 32 * 5 + 16);
  b.insert(b.end(), kLabel.begin(), kLabel.end());
  b.insert(b.end(), r.begin(), r.end());
  b.insert(b.end(), t.binding.begin(), t.binding.end());
  b.insert(b.end(), t.responder_key.begin(), t.responder_key.end());
  b.insert(b.end(), t.initiator_key.begin(), t.initiator_key.end());
  b.insert(b.end(), t.session.begin(), t.session.end());
  b.insert(b.end(), t.responder_nonce.begin(), t.responder_nonce.end());
  b.insert(b.end(), t.initiator_nonce.begin(), t.initiator_nonce.end());
  return b;
}

}  // namespace

Result<AuthKey> AuthKey::from_token(std::string_view token) {
  const std::string_view t = trim(token);
  if (t.empty()) return make_error(ErrorKind::Usage, "STOFFEL_AUTH_TOKEN is empty");
  static constexpr std::string_view kLabel = "stoffel-auth-key-v1";
  AuthKey k;
  k.key_ = hmac_sha256(reinterpret_cast<const std::uint8_t*>(t.data()), t.size(),
                       reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size());
  return k;
}

AuthKey::~AuthKey() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

Mac auth_proof(const AuthKey& key, AuthRole role, const AuthTranscript& t) {
  const auto b = transcript_bytes(role, t);
  return hmac_sha256(key.bytes().data(), key.bytes().size(), b.data(), b.size());
}

bool auth_verify(const AuthKey& key, AuthRole role, const AuthTranscript& t, const Mac& proof) {
  const Mac expected = auth_proof(key, role, t);
  return CRYPTO_memcmp(expected.data(), proof.data(), expected.size()) == 0;
}

Result<void> random_bytes(std::uint8_t* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    return make_error(ErrorKind::Usage, "no randomness available");
  return {};
}

}  // namespace stoffel::net
