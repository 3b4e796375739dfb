// SecureRng (decision F8): the OS CSPRNG expanded with ChaCha20 and fast key erasure. The
// known-answer test recomputes the construction with libsodium's ChaCha20 directly.
#include "math/rng.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace stoffel::math {
namespace {

// The bytes SecureRng(key) hands out, computed block by block from the definition: each block is
// 32 + kBufferSize bytes of ChaCha20 (nonce 0) under the current key; its first 32 bytes are the
// next key, the rest is output.
std::vector<std::uint8_t> expected_stream(std::array<std::uint8_t, 32> key, std::size_t blocks) {
  constexpr std::size_t kBuf = SecureRng::kBufferSize;
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> block(32 + kBuf);
  const std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
  for (std::size_t b = 0; b < blocks; ++b) {
    crypto_stream_chacha20(block.data(), block.size(), nonce.data(), key.data());
    std::copy_n(block.begin(), 32, key.begin());
    out.insert(out.end(), block.begin() + 32, block.end());
  }
  return out;
}

TEST(SecureRng, KnownAnswerWithFastKeyErasure) {
  ASSERT_GE(sodium_init(), 0);
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(3 * i + 1);
  const std::vector<std::uint8_t> want = expected_stream(key, 3);
  SecureRng rng{std::span<const std::uint8_t, 32>(key)};
  // Odd-sized fills across the block boundaries give the same stream as one fill.
  std::vector<std::uint8_t> got(want.size());
  std::size_t off = 0, step = 1;
  while (off < got.size()) {
    const std::size_t take = std::min(step, got.size() - off);
    rng.fill(std::span<std::uint8_t>(got.data() + off, take));
    off += take;
    step = step * 3 + 7;
  }
  EXPECT_EQ(got, want);
  // The first block's key stream does not reappear: the key changed after every block.
  EXPECT_FALSE(std::equal(want.begin(), want.begin() + 64, want.begin() + SecureRng::kBufferSize));
}

TEST(SecureRng, OsKeyedInstancesDiffer) {
  SecureRng a, b;
  std::array<std::uint8_t, 64> x{}, y{};
  a.fill(x);
  b.fill(y);
  EXPECT_NE(x, y);
  EXPECT_NE(x, (std::array<std::uint8_t, 64>{}));
}

}  // namespace
}  // namespace stoffel::math
