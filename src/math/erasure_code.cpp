#include "math/erasure_code.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace stoffel::math {

namespace gf256 {

namespace {

// Log/exp tables for the generator 2 of 0x11D, the full 256 x 256 product table for the scalar
// kernel, and per constant the products with the 16 low and 16 high nibbles for the byte-shuffle
// kernel (c * x = c * (x & 15) ^ c * (x & 0xF0)). 73 KiB in all, built once.
struct Tables {
  std::array<std::uint8_t, 512> exp{};
  std::array<int, 256> log{};
  std::array<std::array<std::uint8_t, 256>, 256> product{};
  std::array<std::array<std::uint8_t, 16>, 256> low{}, high{};

  Tables() {
    unsigned x = 1;
    for (int i = 0; i < 255; ++i) {
      exp[i] = static_cast<std::uint8_t>(x);
      log[x] = i;
      x <<= 1;
      if (x & 0x100) x ^= 0x11D;
    }
    for (int i = 255; i < 512; ++i) exp[i] = exp[i - 255];
    for (unsigned a = 0; a < 256; ++a) {
      for (unsigned b = 0; b < 256; ++b) {
        product[a][b] = (a == 0 || b == 0) ? 0 : exp[log[a] + log[b]];
      }
      for (unsigned v = 0; v < 16; ++v) {
        low[a][v] = product[a][v];
        high[a][v] = product[a][v << 4];
      }
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

void mul_add_scalar(const std::uint8_t* row, const std::uint8_t* x, std::uint8_t* y,
                    std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) y[i] ^= row[x[i]];
}

#if defined(__x86_64__)
// 32 bytes per step: two table lookups by byte shuffle (the nibble tables fit one register each).
__attribute__((target("avx2"))) void mul_add_avx2(const std::uint8_t* low, const std::uint8_t* high,
                                                  const std::uint8_t* row, const std::uint8_t* x,
                                                  std::uint8_t* y, std::size_t size) {
  const __m256i tl =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(low)));
  const __m256i th =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(high)));
  const __m256i mask = _mm256_set1_epi8(0x0F);
  std::size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i lo = _mm256_and_si256(v, mask);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi64(v, 4), mask);
    const __m256i p = _mm256_xor_si256(_mm256_shuffle_epi8(tl, lo), _mm256_shuffle_epi8(th, hi));
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm256_xor_si256(w, p));
  }
  mul_add_scalar(row, x + i, y + i, size - i);
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") != 0;
  return yes;
}
#endif

}  // namespace

std::uint8_t mul(std::uint8_t a, std::uint8_t b) {
  return tables().product[a][b];
}

std::uint8_t inv(std::uint8_t a) {
  if (a == 0) return 0;
  const Tables& t = tables();
  return t.exp[255 - t.log[a]];
}

void mul_add(std::uint8_t c, const std::uint8_t* x, std::uint8_t* y, std::size_t size) {
  if (c == 0 || size == 0) return;
  if (c == 1) {
    for (std::size_t i = 0; i < size; ++i) y[i] ^= x[i];  // vectorized by the compiler
    return;
  }
  const Tables& t = tables();
#if defined(__x86_64__)
  if (have_avx2()) {
    mul_add_avx2(t.low[c].data(), t.high[c].data(), t.product[c].data(), x, y, size);
    return;
  }
#endif
  mul_add_scalar(t.product[c].data(), x, y, size);
}

}  // namespace gf256

Result<ErasureCode> ErasureCode::create(std::size_t data_shards, std::size_t total_shards) {
  if (data_shards < 1 || data_shards > total_shards || total_shards > kMaxShards) {
    return make_error("erasure code: need 1 <= k <= n <= 256, got k = " +
                      std::to_string(data_shards) + ", n = " + std::to_string(total_shards));
  }
  return ErasureCode(data_shards, total_shards);
}

Result<void> ErasureCode::fill(std::span<std::uint8_t> shards, std::size_t shard_size,
                               std::span<const std::uint8_t> present) const {
  if (present.size() != n_ || shards.size() != n_ * shard_size) {
    return make_error("erasure code: expected " + std::to_string(n_) + " shards of " +
                      std::to_string(shard_size) + " bytes");
  }
  std::vector<std::size_t> basis, targets;
  for (std::size_t i = 0; i < n_; ++i) {
    if (present[i] && basis.size() < k_) {
      basis.push_back(i);
    } else if (!present[i]) {
      targets.push_back(i);
    }
  }
  if (basis.size() < k_) {
    return make_error("erasure code: " + std::to_string(basis.size()) + " shards present, " +
                      std::to_string(k_) + " needed");
  }
  if (targets.empty() || shard_size == 0) return {};
  // Lagrange coefficients over the basis points (addition and subtraction are XOR):
  // f(m) = sum_s f(s) * prod_{j != s} (m - j) / (s - j)
  //      = sum_s f(s) * P(m) / ((m - s) * w_s), P(m) = prod_j (m - j), w_s = prod_{j != s} (s - j).
  std::vector<std::uint8_t> w(k_, 1);
  for (std::size_t a = 0; a < k_; ++a) {
    for (std::size_t b = 0; b < k_; ++b) {
      if (a != b) w[a] = gf256::mul(w[a], static_cast<std::uint8_t>(basis[a] ^ basis[b]));
    }
  }
  std::vector<std::uint8_t> coef(targets.size() * k_);
  for (std::size_t m = 0; m < targets.size(); ++m) {
    const auto x = static_cast<std::uint8_t>(targets[m]);
    std::uint8_t p = 1;
    for (std::size_t j : basis) p = gf256::mul(p, static_cast<std::uint8_t>(x ^ j));
    for (std::size_t s = 0; s < k_; ++s) {
      const std::uint8_t d = gf256::mul(static_cast<std::uint8_t>(x ^ basis[s]), w[s]);
      coef[m * k_ + s] = gf256::mul(p, gf256::inv(d));
    }
  }
  // Blocked so that the output block stays in the L1 cache while the k inputs stream past.
  constexpr std::size_t kBlock = 8192;
  for (std::size_t at = 0; at < shard_size; at += kBlock) {
    const std::size_t len = std::min(kBlock, shard_size - at);
    for (std::size_t m = 0; m < targets.size(); ++m) {
      std::uint8_t* y = shards.data() + targets[m] * shard_size + at;
      std::fill(y, y + len, std::uint8_t{0});
      for (std::size_t s = 0; s < k_; ++s) {
        gf256::mul_add(coef[m * k_ + s], shards.data() + basis[s] * shard_size + at, y, len);
      }
    }
  }
  return {};
}

Result<void> ErasureCode::encode(std::span<std::uint8_t> shards, std::size_t shard_size) const {
  std::vector<std::uint8_t> present(n_, 0);
  std::fill(present.begin(), present.begin() + static_cast<std::ptrdiff_t>(k_), std::uint8_t{1});
  return fill(shards, shard_size, present);
}

}  // namespace stoffel::math
