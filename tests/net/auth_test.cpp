// The token proof (net/auth.h), checked against libsodium's HMAC-SHA256 over the transcript as
// the header documents it: an independent implementation, not our code checking itself.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "net/auth.h"

namespace stoffel::net {
namespace {

std::array<std::uint8_t, 32> sodium_hmac(const std::uint8_t* key, std::size_t key_len,
                                         const std::vector<std::uint8_t>& msg) {
  crypto_auth_hmacsha256_state st;
  std::array<std::uint8_t, 32> out{};
  crypto_auth_hmacsha256_init(&st, key, key_len);
  crypto_auth_hmacsha256_update(&st, msg.data(), msg.size());
  crypto_auth_hmacsha256_final(&st, out.data());
  return out;
}

AuthTranscript sample() {
  AuthTranscript t;
  for (std::size_t i = 0; i < 32; ++i) {
    t.binding[i] = static_cast<std::uint8_t>(i);
    t.responder_key[i] = static_cast<std::uint8_t>(0x40 + i);
    t.initiator_key[i] = static_cast<std::uint8_t>(0x80 + i);
    t.responder_nonce[i] = static_cast<std::uint8_t>(0xc0 + i);
    t.initiator_nonce[i] = static_cast<std::uint8_t>(0xe0 ^ i);
  }
  for (std::size_t i = 0; i < 16; ++i) t.session[i] = static_cast<std::uint8_t>(0x11 * i);
  return t;
}

TEST(Auth, ProofIsTheDocumentedHmac) {
  ASSERT_GE(sodium_init(), 0);
  const std::string token = "correct horse battery staple";
  const std::string label = "stoffel-auth-key-v1";
  const auto key = sodium_hmac(reinterpret_cast<const std::uint8_t*>(token.data()), token.size(),
                               std::vector<std::uint8_t>(label.begin(), label.end()));
  const AuthTranscript t = sample();
  for (AuthRole role : {AuthRole::kInitiator, AuthRole::kResponder}) {
    const std::string head =
        std::string("stoffel-auth-v1") + (role == AuthRole::kInitiator ? "initiator" : "responder");
    std::vector<std::uint8_t> msg(head.begin(), head.end());
    for (const auto* part : {&t.binding, &t.responder_key, &t.initiator_key}) {
      msg.insert(msg.end(), part->begin(), part->end());
    }
    msg.insert(msg.end(), t.session.begin(), t.session.end());
    msg.insert(msg.end(), t.responder_nonce.begin(), t.responder_nonce.end());
    msg.insert(msg.end(), t.initiator_nonce.begin(), t.initiator_nonce.end());
    auto k = AuthKey::from_token(token);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(auth_proof(*k, role, t), sodium_hmac(key.data(), key.size(), msg));
  }
}

TEST(Auth, EveryFieldMatters) {
  auto k = AuthKey::from_token("secret");
  auto other = AuthKey::from_token("secreT");
  ASSERT_TRUE(k.ok() && other.ok());
  const AuthTranscript t = sample();
  const Mac p = auth_proof(*k, AuthRole::kInitiator, t);
  EXPECT_TRUE(auth_verify(*k, AuthRole::kInitiator, t, p));
  EXPECT_FALSE(auth_verify(*other, AuthRole::kInitiator, t, p));
  // A proof is never valid for the other role (no reflection).
  EXPECT_FALSE(auth_verify(*k, AuthRole::kResponder, t, p));
  auto flip = [&](auto mutate) {
    AuthTranscript u = t;
    mutate(u);
    return auth_verify(*k, AuthRole::kInitiator, u, p);
  };
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.binding[31] ^= 1; }));
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.responder_key[0] ^= 1; }));
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.initiator_key[5] ^= 1; }));
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.session[15] ^= 1; }));
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.responder_nonce[7] ^= 1; }));
  EXPECT_FALSE(flip([](AuthTranscript& u) { u.initiator_nonce[9] ^= 1; }));
  // Swapping the keys is not the same transcript.
  EXPECT_FALSE(flip([](AuthTranscript& u) { std::swap(u.responder_key, u.initiator_key); }));
}

TEST(Auth, TokenIsTrimmedAndMustNotBeEmpty) {
  EXPECT_FALSE(AuthKey::from_token("").ok());
  EXPECT_FALSE(AuthKey::from_token(" \t\n").ok());
  auto a = AuthKey::from_token("tok"), b = AuthKey::from_token("  tok\n");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes(), b->bytes());
}

TEST(Auth, RandomBytesDiffer) {
  Nonce a{}, b{};
  ASSERT_TRUE(random_bytes(a.data(), a.size()).ok());
  ASSERT_TRUE(random_bytes(b.data(), b.size()).ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace stoffel::net
