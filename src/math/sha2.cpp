#include "math/sha2.h"

#include <sodium.h>

namespace stoffel::math {

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

std::array<std::uint8_t, 64> sha512(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 64> out{};
  crypto_hash_sha512(out.data(), data.data(), data.size());
  return out;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> a,
                                    std::span<const std::uint8_t> b) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, a.data(), a.size());
  crypto_hash_sha256_update(&st, b.data(), b.size());
  std::array<std::uint8_t, 32> out{};
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

}  // namespace stoffel::math
