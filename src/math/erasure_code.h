// Systematic Reed-Solomon erasure code over GF(2^8), for AVID reliable broadcast (docs/mpc.md,
// "Reliable broadcast"): k data shards and n - k parity shards; any k of the n shards give back
// all of them.
//
// The field is GF(2^8) = GF(2)[x] / (x^8 + x^4 + x^3 + x^2 + 1) (0x11D, generator x = 2), bytes
// being polynomials with bit i the coefficient of x^i. It was chosen over the MPC's prime field
// because a payload of arbitrary bytes maps onto it with no expansion and no reduction, and one
// multiply-add of a whole shard by a constant is a table lookup per byte (a byte shuffle per 32
// bytes with AVX2).
//
// Shard i (0 <= i < n <= 256) holds, at each byte position, f(i), where f is the polynomial of
// degree < k with f(j) = byte of data shard j for j < k (the points are the field elements
// 0, 1, ..., n - 1, i.e. the bytes 0..n-1). So shards 0..k-1 are the data itself, the others are
// parity, and every k shards determine f, hence every shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stoffel/result.h"

namespace stoffel::math {

namespace gf256 {

// Product in GF(2^8).
std::uint8_t mul(std::uint8_t a, std::uint8_t b);
// Inverse of a non-zero element (inv(0) is 0).
std::uint8_t inv(std::uint8_t a);
// y[i] ^= c * x[i] for i < size (the kernel of encoding and decoding).
void mul_add(std::uint8_t c, const std::uint8_t* x, std::uint8_t* y, std::size_t size);

}  // namespace gf256

class ErasureCode {
 public:
  static constexpr std::size_t kMaxShards = 256;

  // 1 <= data_shards <= total_shards <= 256.
  static Result<ErasureCode> create(std::size_t data_shards, std::size_t total_shards);

  std::size_t data_shards() const { return k_; }
  std::size_t total_shards() const { return n_; }

  // `shards` holds the n shards back to back, `shard_size` bytes each. present[i] != 0 says that
  // shard i holds its value. Computes every shard that is not present from the k lowest present
  // ones (the others present are left as they are, so a caller can compare them). Error if fewer
  // than k are present or the sizes do not match.
  Result<void> fill(std::span<std::uint8_t> shards, std::size_t shard_size,
                    std::span<const std::uint8_t> present) const;

  // Encoding: the data shards 0..k-1 are present, the parity shards are computed.
  Result<void> encode(std::span<std::uint8_t> shards, std::size_t shard_size) const;

 private:
  ErasureCode(std::size_t k, std::size_t n) : k_(k), n_(n) {}

  std::size_t k_ = 1;
  std::size_t n_ = 1;
};

}  // namespace stoffel::math
