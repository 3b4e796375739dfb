#include "math/rng.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace stoffel::math {

void secure_wipe(void* data, std::size_t size) {
  sodium_memzero(data, size);
}

std::uint64_t Rng::next_u64() {
  std::array<std::uint8_t, 8> bytes{};
  fill(bytes);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  secure_wipe(bytes.data(), bytes.size());
  return v;
}

// sodium_init selects the fastest implementation of each primitive and seeds randombytes; it is
// idempotent and thread-safe. A negative return means the library cannot be used at all; fill()
// would then still work through the portable implementations, so it is not treated as fatal.
SystemRng::SystemRng() {
  if (sodium_init() < 0) { /* portable fallbacks still work */
  }
}

void SystemRng::fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

SeededRng::SeededRng(std::span<const std::uint8_t, 32> seed) {
  if (sodium_init() < 0) { /* portable fallbacks still work */
  }
  std::copy(seed.begin(), seed.end(), key_.begin());
}

SeededRng::SeededRng(std::uint64_t seed) {
  if (sodium_init() < 0) { /* portable fallbacks still work */
  }
  for (std::size_t i = 0; i < 8; ++i) key_[i] = static_cast<std::uint8_t>(seed >> (8 * i));
}

SeededRng::~SeededRng() {
  secure_wipe(key_.data(), key_.size());
  secure_wipe(buffer_.data(), buffer_.size());
}

void SeededRng::refill() {
  std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
  static_assert(crypto_stream_chacha20_NONCEBYTES == 8);
  for (std::size_t i = 0; i < 8; ++i) nonce[i] = static_cast<std::uint8_t>(nonce_ >> (8 * i));
  ++nonce_;
  crypto_stream_chacha20(buffer_.data(), buffer_.size(), nonce.data(), key_.data());
  used_ = 0;
}

void SeededRng::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (used_ == kBufferSize) refill();
    const std::size_t take = std::min(out.size() - done, kBufferSize - used_);
    std::memcpy(out.data() + done, buffer_.data() + used_, take);
    // Bytes handed out are erased from the buffer so a later memory disclosure cannot recover them.
    sodium_memzero(buffer_.data() + used_, take);
    used_ += take;
    done += take;
  }
}

}  // namespace stoffel::math
