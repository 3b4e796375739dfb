// The GF(2^8) Reed-Solomon erasure code of AVID broadcast, against an independent reference
// written here: bitwise carry-less multiplication reduced by 0x11D (no tables) and plain
// Lagrange interpolation through the data shards, evaluated at every shard's point.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "math/erasure_code.h"

namespace stoffel::math {
namespace {

std::uint8_t ref_mul(std::uint8_t a, std::uint8_t b) {
  unsigned r = 0, x = a;
  for (int i = 0; i < 8; ++i) {
    if (b & (1u << i)) r ^= x << i;
  }
  for (int bit = 14; bit >= 8; --bit) {
    if (r & (1u << bit)) r ^= 0x11Du << (bit - 8);
  }
  return static_cast<std::uint8_t>(r);
}

// By search, once per element.
std::uint8_t ref_inv(std::uint8_t a) {
  static const std::vector<std::uint8_t> table = [] {
    std::vector<std::uint8_t> t(256, 0);
    for (unsigned x = 1; x < 256; ++x) {
      for (unsigned b = 1; b < 256; ++b) {
        if (ref_mul(static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(b)) == 1) {
          t[x] = static_cast<std::uint8_t>(b);
        }
      }
    }
    return t;
  }();
  return table[a];
}

// Lagrange weights L_s(x) of the polynomial through the points 0..k-1, evaluated at x.
std::vector<std::uint8_t> ref_weights(std::size_t k, std::uint8_t x) {
  std::vector<std::uint8_t> w(k);
  for (std::size_t s = 0; s < k; ++s) {
    std::uint8_t num = 1, den = 1;
    for (std::size_t j = 0; j < k; ++j) {
      if (j == s) continue;
      num = ref_mul(num, static_cast<std::uint8_t>(x ^ j));
      den = ref_mul(den, static_cast<std::uint8_t>(s ^ j));
    }
    w[s] = ref_mul(num, ref_inv(den));
  }
  return w;
}

TEST(Gf256, MultiplicationAndInverseMatchBitwiseReference) {
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      ASSERT_EQ(gf256::mul(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)),
                ref_mul(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)))
          << a << " * " << b;
    }
    if (a != 0) {
      EXPECT_EQ(ref_mul(static_cast<std::uint8_t>(a), gf256::inv(static_cast<std::uint8_t>(a))), 1);
    }
  }
}

// Every length around the 32-byte vector width, every constant: the vector kernel and the
// scalar tail agree with the bitwise reference.
TEST(Gf256, MulAddEveryConstantAndLength) {
  std::mt19937_64 rng(3);
  for (unsigned c = 0; c < 256; ++c) {
    const std::size_t len = 1 + rng() % 100;
    std::vector<std::uint8_t> x(len), y(len), want(len);
    for (std::size_t i = 0; i < len; ++i) {
      x[i] = static_cast<std::uint8_t>(rng());
      y[i] = static_cast<std::uint8_t>(rng());
      want[i] = y[i] ^ ref_mul(static_cast<std::uint8_t>(c), x[i]);
    }
    gf256::mul_add(static_cast<std::uint8_t>(c), x.data(), y.data(), len);
    ASSERT_EQ(y, want) << "c = " << c << ", length " << len;
  }
}

struct Shape {
  std::size_t k, n, size;
};

class ErasureCodeTest : public ::testing::TestWithParam<Shape> {};

TEST_P(ErasureCodeTest, EncodeMatchesReferenceAndAnyKShardsDecode) {
  const Shape s = GetParam();
  auto code = ErasureCode::create(s.k, s.n);
  ASSERT_TRUE(code.ok()) << code.error().message;
  std::mt19937_64 rng(s.k * 1000 + s.n);
  std::vector<std::uint8_t> shards(s.n * s.size, 0);
  for (std::size_t i = 0; i < s.k * s.size; ++i) shards[i] = static_cast<std::uint8_t>(rng());
  ASSERT_TRUE(code->encode(shards, s.size).ok());
  // Systematic, and every byte position of every parity shard is f(i) = sum_s L_s(i) d_s.
  for (std::size_t i = s.k; i < s.n; ++i) {
    const auto w = ref_weights(s.k, static_cast<std::uint8_t>(i));
    for (std::size_t pos = 0; pos < s.size; ++pos) {
      std::uint8_t want = 0;
      for (std::size_t j = 0; j < s.k; ++j) want ^= ref_mul(w[j], shards[j * s.size + pos]);
      ASSERT_EQ(shards[i * s.size + pos], want) << "shard " << i << " byte " << pos;
    }
  }
  // Random subsets of exactly k shards (and all of them for small n) give back every shard.
  const std::size_t trials = s.n <= 8 ? 64 : 24;
  for (std::size_t trial = 0; trial < trials; ++trial) {
    std::vector<std::size_t> order(s.n);
    for (std::size_t i = 0; i < s.n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::uint8_t> present(s.n, 0);
    std::vector<std::uint8_t> work(s.n * s.size, 0xEE);  // garbage where shards are missing
    for (std::size_t j = 0; j < s.k; ++j) {
      present[order[j]] = 1;
      std::copy(shards.begin() + order[j] * s.size, shards.begin() + (order[j] + 1) * s.size,
                work.begin() + order[j] * s.size);
    }
    ASSERT_TRUE(code->fill(work, s.size, present).ok());
    ASSERT_EQ(work, shards) << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ErasureCodeTest,
                         ::testing::Values(Shape{1, 1, 5}, Shape{1, 4, 33}, Shape{2, 4, 64},
                                           Shape{2, 5, 1}, Shape{3, 7, 100}, Shape{4, 10, 257},
                                           Shape{6, 16, 1000}, Shape{85, 255, 40},
                                           Shape{100, 256, 31}));

TEST(ErasureCode, Errors) {
  EXPECT_FALSE(ErasureCode::create(0, 4).ok());
  EXPECT_FALSE(ErasureCode::create(5, 4).ok());
  EXPECT_FALSE(ErasureCode::create(2, 257).ok());
  auto code = ErasureCode::create(2, 4);
  ASSERT_TRUE(code.ok());
  std::vector<std::uint8_t> shards(4 * 8, 0);
  std::vector<std::uint8_t> one = {1, 0, 0, 0};
  EXPECT_FALSE(code->fill(shards, 8, one).ok());  // fewer than k present
  std::vector<std::uint8_t> three = {1, 1, 0};
  EXPECT_FALSE(code->fill(shards, 8, three).ok());                  // wrong number of flags
  EXPECT_FALSE(code->encode(std::span(shards).first(31), 8).ok());  // wrong buffer size
}

}  // namespace
}  // namespace stoffel::math
