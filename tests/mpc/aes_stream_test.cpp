// The AES-256-CTR key stream of pseudo-random secret sharing (mpc/aes_stream.h, decision P17):
// NIST SP 800-38A's CTR-AES256 example (F.5.5) as a known answer, and the same bytes however the
// stream is drawn (across its 4,096-byte buffer).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mpc/aes_stream.h"

namespace stoffel::mpc {
namespace {

std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(AesCtrStream, NistSp800_38aCtrAes256) {
  const auto key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const auto iv = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const auto plain = hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const auto cipher = hex(
      "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
      "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
  auto s = AesCtrStream::create(std::span<const std::uint8_t, 32>(key.data(), 32),
                                std::span<const std::uint8_t, 16>(iv.data(), 16));
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::vector<std::uint8_t> stream(plain.size());
  (*s)->fill(stream);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i] ^ stream[i], cipher[i]) << "byte " << i;
  }
}

TEST(AesCtrStream, SameBytesHoweverDrawn) {
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(7 * i + 1);
  auto a = AesCtrStream::create(key);
  auto b = AesCtrStream::create(key);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<std::uint8_t> whole(10000), parts(10000);
  (*a)->fill(whole);
  std::size_t at = 0;
  for (std::size_t len : {1u, 31u, 4064u, 1u, 4096u, 1807u}) {
    (*b)->fill(std::span<std::uint8_t>(parts.data() + at, len));
    at += len;
  }
  ASSERT_EQ(at, parts.size());
  EXPECT_EQ(whole, parts);
  // Large draws are encrypted in place once the buffer is used up (fill): after a partly used
  // buffer, and buffered draws after them, the same stream.
  auto d = AesCtrStream::create(key);
  ASSERT_TRUE(d.ok());
  std::vector<std::uint8_t> mixed(10000);
  at = 0;
  for (std::size_t len : {100u, 9000u, 900u}) {
    (*d)->fill(std::span<std::uint8_t>(mixed.data() + at, len));
    at += len;
  }
  EXPECT_EQ(whole, mixed);
  // Another key, another stream.
  key[0] ^= 1;
  auto c = AesCtrStream::create(key);
  ASSERT_TRUE(c.ok());
  std::vector<std::uint8_t> other(10000);
  (*c)->fill(other);
  EXPECT_NE(whole, other);
}

}  // namespace
}  // namespace stoffel::mpc
