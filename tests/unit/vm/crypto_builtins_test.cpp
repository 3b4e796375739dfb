// Crypto.* and Bytes.* builtins: known answers from FIPS 180-4 / NIST's example vectors (SHA-2),
// the reduction mod r computed by hand-checked big integers (hash_to_field), the published
// behaviour of hash_to_g1 (its cross-check against @noble/curves is in
// tests/unit/math/curve_oracle_test.cpp, which recomputes it in JavaScript), and argument errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vm/builtins.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {
namespace {

std::string hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

class CryptoBuiltins : public ::testing::Test {
 protected:
  CryptoBuiltins() { register_crypto_builtins(vm); }
  VirtualMachine vm;
  Value bytes(std::string_view s) {
    Value a = vm.make_array(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      (void)vm.set_field(a, Value::i64(static_cast<int64_t>(i)),
                         Value::u8(static_cast<uint8_t>(s[i])));
    }
    return a;
  }
  Value raw(const std::vector<uint8_t>& b) {
    return bytes(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  std::vector<uint8_t> out(const Value& a) {
    std::vector<uint8_t> r;
    EXPECT_EQ(a.type, ValueType::Array);
    for (int64_t i = 0; i < vm.array_length(a); ++i) {
      Value v = vm.get_field(a, Value::i64(i));
      EXPECT_EQ(v.type, ValueType::U8);
      r.push_back(static_cast<uint8_t>(v.u));
    }
    return r;
  }
  std::string call_hex(std::string_view fn, std::vector<Value> args) {
    auto r = vm.execute_with_args(fn, args);
    if (!r) return "error: " + r.error().message;
    return hex(out(*r));
  }
  std::string call_error(std::string_view fn, std::vector<Value> args) {
    auto r = vm.execute_with_args(fn, args);
    return r ? "ok" : r.error().message;
  }
};

TEST_F(CryptoBuiltins, Sha256KnownAnswers) {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc" and the 448-bit message; empty input.
  EXPECT_EQ(call_hex("Crypto.sha256", {bytes("abc")}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(call_hex("Crypto.sha256",
                     {bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")}),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(call_hex("Crypto.sha256", {bytes("")}),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(CryptoBuiltins, Sha512KnownAnswers) {
  EXPECT_EQ(call_hex("Crypto.sha512", {bytes("abc")}),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(call_hex("Crypto.sha512", {bytes("")}),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

TEST_F(CryptoBuiltins, HashToFieldReducesModOrder) {
  // 32 bytes 0xff: 2^256 - 1 mod r, computed independently with Python's big integers
  // ((2**256-1) % r).to_bytes(32, "little").hex(), the builtin's output being little-endian.
  std::vector<uint8_t> ff(32, 0xff);
  EXPECT_EQ(call_hex("Crypto.hash_to_field", {raw(ff), vm.make_string("bls12-381")}),
            "fdffffff0100000002480300fab78458f54fbcecef4f8c996f05c5ac59b12418");
  EXPECT_EQ(call_hex("Crypto.hash_to_field", {raw(ff), vm.make_string("bn254")}),
            "faffff4f1c3496ac29cd609f9576fc362e4679786fa36e662fdf079ac1770a0e");
  // Small values: big-endian 0x..01 02 is 258 for bls12-381; little-endian 01 02 is 513 for
  // ed25519; both below r, so unchanged.
  std::vector<uint8_t> small{1, 2};
  EXPECT_EQ(call_hex("Crypto.hash_to_field", {raw(small), vm.make_string("BLS12_381")}),
            "0201000000000000000000000000000000000000000000000000000000000000");
  EXPECT_EQ(call_hex("Crypto.hash_to_field", {raw(small), vm.make_string("ed25519")}),
            "0102000000000000000000000000000000000000000000000000000000000000");
  // 64 bytes (an Ed25519 SHA-512 challenge) reduce mod l like RFC 8032's sc_reduce; Python:
  // ((2**512-1) % l).to_bytes(32, "little").hex().
  std::vector<uint8_t> ff64(64, 0xff);
  EXPECT_EQ(call_hex("Crypto.hash_to_field", {raw(ff64), vm.make_string("curve25519")}),
            "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903");
  EXPECT_NE(call_error("Crypto.hash_to_field", {raw(small), vm.make_string("secp256k1")}), "ok");
}

TEST_F(CryptoBuiltins, HashToG1) {
  // A compressed BLS12-381 G1 point (48 bytes, compression flag set), deterministic, and
  // different for different messages.
  const std::string a = call_hex("Crypto.hash_to_g1", {bytes("hello")});
  ASSERT_EQ(a.size(), 96u) << a;
  EXPECT_TRUE(a[0] >= '8') << a;  // 0x80 flag
  EXPECT_EQ(a, call_hex("Crypto.hash_to_g1", {bytes("hello")}));
  EXPECT_NE(a, call_hex("Crypto.hash_to_g1", {bytes("hellp")}));
}

TEST_F(CryptoBuiltins, Bytes) {
  EXPECT_EQ(call_hex("Bytes.from_string", {vm.make_string("Hi!")}), "486921");
  EXPECT_EQ(call_hex("Bytes.from_string", {vm.make_string("")}), "");
  EXPECT_EQ(call_hex("Bytes.concat", {bytes("ab"), bytes("c")}), "616263");
  EXPECT_EQ(call_hex("Bytes.concat", {bytes(""), bytes("")}), "");
  // The concatenation hashes like the whole message.
  EXPECT_EQ(
      call_hex("Crypto.sha256", {*vm.execute_with_args(
                                    "Bytes.concat", std::vector<Value>{bytes("a"), bytes("bc")})}),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(CryptoBuiltins, ArgumentErrors) {
  EXPECT_NE(call_error("Crypto.sha256", {}), "ok");
  EXPECT_NE(call_error("Crypto.sha256", {vm.make_string("abc")}).find("byte array"),
            std::string::npos);
  Value mixed = vm.make_array(2);
  (void)vm.set_field(mixed, Value::i64(0), Value::u8(1));
  (void)vm.set_field(mixed, Value::i64(1), Value::i64(2));
  EXPECT_NE(call_error("Crypto.sha512", {mixed}).find("index 1"), std::string::npos);
  EXPECT_NE(call_error("Bytes.from_string", {Value::i64(1)}), "ok");
  EXPECT_NE(call_error("Bytes.concat", {bytes("a")}), "ok");
  EXPECT_NE(call_error("Crypto.hash_to_field", {bytes("a"), Value::i64(1)}), "ok");
}

}  // namespace
}  // namespace stoffel::vm
