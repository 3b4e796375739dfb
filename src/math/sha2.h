// SHA-256 and SHA-512 (libsodium's crypto_hash_*), for Crypto.sha256/sha512 and hash_to_g1.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace stoffel::math {

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);
std::array<std::uint8_t, 64> sha512(std::span<const std::uint8_t> data);
// SHA-256 of the concatenation a || b, without building it.
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> a,
                                    std::span<const std::uint8_t> b);

}  // namespace stoffel::math
