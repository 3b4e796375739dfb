// The threshold-signature examples (examples/threshold_*.stfa) on the embedded engine with the
// AVSS backend, checked by verifiers that share no code with the signer:
//   - EdDSA: libsodium's crypto_sign_verify_detached (RFC 8032);
//   - Schnorr: s·B = R + e·pk recomputed with libsodium's Ed25519 primitives and SHA-256;
//   - BLS: the pairing equation with @noble/curves (tests/oracle/bls_verify.js, run by node; the
//     test fails if node or the packages are missing: run scripts/install-deps).
// run_embedded requires every honest party to return the same value (the signature bytes). Each
// is run at n = 4, 5, 7, and once with a party corrupting all its messages: the signature still
// verifies and the party is named in a warning.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bytecode/assembler.h"
#include "embed/embedded_run.h"

namespace stoffel::embed {
namespace {

// Sanitizer builds run BLS12-381 arithmetic 100x slower or more: BLS at n = 4 only there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::vector<uint8_t> unhex(const std::string& s) {
  std::vector<uint8_t> out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(s.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}
std::string hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

struct Signed {
  std::vector<uint8_t> pk, sig;
  std::vector<std::string> warnings;
};

// The bytes printed after `label` ("public key: byte[N] 0x...").
std::vector<uint8_t> printed(const std::string& out, const std::string& label) {
  const auto at = out.find(label + " byte[");
  if (at == std::string::npos) return {};
  const auto x = out.find("0x", at);
  const auto end = out.find('\n', x);
  return unhex(out.substr(x + 2, end - x - 2));
}

Signed run_example(const std::string& name, math::FieldKind field, size_t n,
                   std::vector<size_t> corrupt = {}) {
  std::ifstream in(std::string(STOFFEL_SOURCE_DIR) + "/examples/" + name + ".stfa");
  std::stringstream text;
  text << in.rdbuf();
  auto program = bytecode::assemble(text.str(), name);
  EXPECT_TRUE(program.ok()) << (program.ok() ? "" : program.error().message);
  if (!program.ok()) return {};
  EmbeddedOptions o;
  o.session.n = n;
  o.session.t = (n - 1) / 3;
  o.session.field = field;
  o.session.avss = true;
  o.corrupt_parties = std::move(corrupt);
  std::string printed_text;
  RunSinks sinks;
  sinks.output = [&](std::string_view piece) { printed_text.append(piece); };
  auto outcome = run_embedded(*program, "main", o, sinks);
  EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
  if (!outcome.ok()) return {};
  EXPECT_TRUE(outcome->ok) << outcome->error.message;
  Signed s;
  s.pk = printed(printed_text, "public key:");
  s.sig = printed(printed_text, "signature:");
  s.warnings = outcome->warnings;
  // The returned value (the same at every honest party) is the printed signature.
  EXPECT_EQ(outcome->result, "byte[" + std::to_string(s.sig.size()) + "] 0x" + hex(s.sig));
  return s;
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(ThresholdSignatures, EdDsaVerifiesWithLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  const auto msg = bytes_of("Stoffel threshold EdDSA");
  for (size_t n : {4u, 5u, 7u}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    const Signed s = run_example("threshold_eddsa", math::FieldKind::Curve25519, n);
    ASSERT_EQ(s.pk.size(), 32u);
    ASSERT_EQ(s.sig.size(), 64u);
    EXPECT_EQ(crypto_sign_verify_detached(s.sig.data(), msg.data(), msg.size(), s.pk.data()), 0);
    auto other = msg;
    other[0] ^= 1;  // the verifier really checks: another message fails
    EXPECT_NE(crypto_sign_verify_detached(s.sig.data(), other.data(), other.size(), s.pk.data()),
              0);
  }
}

TEST(ThresholdSignatures, EdDsaWithACorruptingParty) {
  ASSERT_GE(sodium_init(), 0);
  const auto msg = bytes_of("Stoffel threshold EdDSA");
  const Signed s = run_example("threshold_eddsa", math::FieldKind::Curve25519, 5, {3});
  ASSERT_EQ(s.sig.size(), 64u);
  EXPECT_EQ(crypto_sign_verify_detached(s.sig.data(), msg.data(), msg.size(), s.pk.data()), 0);
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_NE(s.warnings[0].find("party 3"), std::string::npos) << s.warnings[0];
}

// s·B == R + e·pk with e = SHA-256(R || m) read little-endian mod l, all with libsodium.
bool schnorr_valid(const Signed& s, const std::vector<uint8_t>& msg) {
  if (s.pk.size() != 32 || s.sig.size() != 64) return false;
  std::vector<uint8_t> hashed(s.sig.begin(), s.sig.begin() + 32);
  hashed.insert(hashed.end(), msg.begin(), msg.end());
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, hashed.data(), hashed.size());
  uint8_t wide[64] = {}, e[32], sb[32], epk[32], rhs[32];
  std::copy(digest, digest + 32, wide);
  crypto_core_ed25519_scalar_reduce(e, wide);
  if (crypto_scalarmult_ed25519_base_noclamp(sb, s.sig.data() + 32) != 0) return false;
  if (crypto_scalarmult_ed25519_noclamp(epk, e, s.pk.data()) != 0) return false;
  if (crypto_core_ed25519_add(rhs, s.sig.data(), epk) != 0) return false;
  return sodium_memcmp(sb, rhs, 32) == 0;
}

TEST(ThresholdSignatures, SchnorrVerifiesWithLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  const auto msg = bytes_of("Stoffel threshold Schnorr");
  for (size_t n : {4u, 5u, 7u}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    const Signed s = run_example("threshold_schnorr", math::FieldKind::Curve25519, n);
    EXPECT_TRUE(schnorr_valid(s, msg));
    EXPECT_FALSE(schnorr_valid(s, bytes_of("another message")));
  }
}

std::string node_verify(const Signed& s, const std::vector<uint8_t>& msg) {
  const char* node_env = std::getenv("STOFFEL_NODE");
  const std::string node = node_env ? node_env : "node";
  const std::string cmd = "cd '" + std::string(STOFFEL_SOURCE_DIR) + "/tests/oracle' && '" + node +
                          "' bls_verify.js " + hex(s.pk) + " " + hex(s.sig) + " " + hex(msg) +
                          " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, got);
  const int status = pclose(f);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "oracle failed: " + out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(ThresholdSignatures, BlsVerifiesWithNoblePairing) {
  const auto msg = bytes_of("Stoffel threshold BLS");
  for (size_t n : kSanitized ? std::vector<size_t>{4} : std::vector<size_t>{4, 5, 7}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    const Signed s = run_example("threshold_bls", math::FieldKind::Bls12_381, n);
    ASSERT_EQ(s.pk.size(), 96u);
    ASSERT_EQ(s.sig.size(), 48u);
    EXPECT_EQ(node_verify(s, msg), "valid");
    if (n == 4) {
      EXPECT_EQ(node_verify(s, bytes_of("another message")), "invalid");
    }
  }
  const Signed faulty = run_example("threshold_bls", math::FieldKind::Bls12_381, 4, {1});
  EXPECT_EQ(node_verify(faulty, msg), "valid");
  ASSERT_FALSE(faulty.warnings.empty());
  EXPECT_NE(faulty.warnings[0].find("party 1"), std::string::npos) << faulty.warnings[0];
}

}  // namespace
}  // namespace stoffel::embed
