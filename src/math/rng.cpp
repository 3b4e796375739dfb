#include "math/rng.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace stoffel::math {

void secure_wipe(void* data, std::size_t size) {
  sodium_memzero(data, size);
}

namespace {

// Hands out the unused bytes of a buffered key stream (`used` of `buffer` already gone), calling
// `refill` whenever the buffer is used up (it must reset `used` to 0). Bytes handed out are
// erased from the buffer so a later memory disclosure cannot recover them.
template <typename Refill>
void drain(std::span<std::uint8_t> buffer, std::size_t& used, std::span<std::uint8_t> out,
           Refill&& refill) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (used == buffer.size()) refill();
    const std::size_t take = std::min(out.size() - done, buffer.size() - used);
    std::memcpy(out.data() + done, buffer.data() + used, take);
    sodium_memzero(buffer.data() + used, take);
    used += take;
    done += take;
  }
}

}  // namespace

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

SecureRng::SecureRng() : from_os_(true) {
  if (sodium_init() < 0) { /* portable fallbacks still work */
  }
  randombytes_buf(key_.data(), key_.size());
}

SecureRng::SecureRng(std::span<const std::uint8_t, 32> first_key) : from_os_(false) {
  if (sodium_init() < 0) { /* portable fallbacks still work */
  }
  std::copy(first_key.begin(), first_key.end(), key_.begin());
}

SecureRng::~SecureRng() {
  secure_wipe(key_.data(), key_.size());
  secure_wipe(buffer_.data(), buffer_.size());
}

void SecureRng::refill() {
  if (from_os_ && since_reseed_ >= kReseedBytes) {
    randombytes_buf(key_.data(), key_.size());
    since_reseed_ = 0;
  }
  static constexpr std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> kNonce{};
  crypto_stream_chacha20(buffer_.data(), buffer_.size(), kNonce.data(), key_.data());
  std::memcpy(key_.data(), buffer_.data(), key_.size());  // fast key erasure
  sodium_memzero(buffer_.data(), key_.size());
  used_ = 0;
  since_reseed_ += kBufferSize;
}

void SecureRng::fill(std::span<std::uint8_t> out) {
  drain(std::span<std::uint8_t>(buffer_).subspan(32), used_, out, [this] { refill(); });
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
  drain(buffer_, used_, out, [this] { refill(); });
}

}  // namespace stoffel::math
