// Proof of knowledge of the session's shared secret, STOFFEL_AUTH_TOKEN (decision N1), bound to
// one TLS connection. The token itself never crosses the wire: each side sends an HMAC-SHA256
// over a transcript both can compute, keyed by a key derived from the token.
//
//   key        = HMAC-SHA256(key = token, "stoffel-auth-key-v1")
//   transcript = "stoffel-auth-v1" ‖ role ‖ binding[32] ‖ responder key[32] ‖ initiator key[32]
//                ‖ session[16] ‖ responder nonce[32] ‖ initiator nonce[32]
//   proof      = HMAC-SHA256(key, transcript)
//
// * role ("initiator" / "responder") differs between the two proofs, so one side's proof can
//   never be reflected back as the other's.
// * binding is the TLS exporter value of the connection (Link::channel_binding), and both TLS
//   public keys are in: a proof is worthless on any other connection, so a man in the middle
//   who terminates TLS on both sides cannot relay it.
// * session is the responder's session id and the nonces are fresh random values from both
//   sides: a recorded proof is never valid again.
// The initiator proves first; the responder answers only after checking that proof, so a
// stranger who connects to a bootnode learns nothing it could test token guesses against.
// (A man in the middle who impersonates the responder can still obtain one proof and test
// guesses offline: the token must be a high-entropy secret, e.g. `openssl rand -hex 32`.)
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "net/identity.h"
#include "stoffel/result.h"

namespace stoffel::net {

using Nonce = std::array<std::uint8_t, 32>;
using SessionId = std::array<std::uint8_t, 16>;
using Mac = std::array<std::uint8_t, 32>;

// The key derived from the token (wiped when destroyed; never logged).
class AuthKey {
 public:
  // Error for an empty token (after trimming whitespace, as the reference does).
  static Result<AuthKey> from_token(std::string_view token);
  AuthKey(const AuthKey&) = default;
  AuthKey& operator=(const AuthKey&) = default;
  ~AuthKey();
  const std::array<std::uint8_t, 32>& bytes() const { return key_; }

 private:
  AuthKey() = default;
  std::array<std::uint8_t, 32> key_{};
};

enum class AuthRole : std::uint8_t { kInitiator, kResponder };

struct AuthTranscript {
  std::array<std::uint8_t, 32> binding{};
  PublicKey responder_key{};
  PublicKey initiator_key{};
  SessionId session{};
  Nonce responder_nonce{};
  Nonce initiator_nonce{};
};

Mac auth_proof(const AuthKey& key, AuthRole role, const AuthTranscript& t);
// Constant-time comparison with the expected proof.
bool auth_verify(const AuthKey& key, AuthRole role, const AuthTranscript& t, const Mac& proof);

// Fresh random bytes from OpenSSL's CSPRNG (nonces, session ids, instance ids).
Result<void> random_bytes(std::uint8_t* out, std::size_t n);

}  // namespace stoffel::net
