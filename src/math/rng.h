// Randomness for the math layer: one interface, two sources.
//   SystemRng  - libsodium's randombytes_buf (the OS CSPRNG); use it for anything secret.
//   SeededRng  - a ChaCha20 key stream (libsodium crypto_stream_chacha20) from a 32-byte seed;
//                deterministic, for reproducible tests and for protocols that expand a shared seed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace stoffel::math {

// Overwrites memory in a way the compiler may not elide (sodium_memzero). Used to wipe secret
// temporaries: random bytes, sharing polynomials, exponentiation tables.
void secure_wipe(void* data, std::size_t size);

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with uniformly random bytes.
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::uint64_t next_u64();
};

// The operating system's CSPRNG through libsodium. Stateless, so safe to share between threads.
class SystemRng final : public Rng {
 public:
  SystemRng();
  void fill(std::span<std::uint8_t> out) override;
};

// A deterministic stream: ChaCha20 keyed by the seed, nonce = refill counter. Two instances with
// the same seed produce the same bytes on every platform. Not thread-safe. The key and the
// buffered key stream are wiped on destruction.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::span<const std::uint8_t, 32> seed);
  // Convenience for tests: the seed is the 8 bytes of `seed` (little-endian) followed by zeros.
  explicit SeededRng(std::uint64_t seed);
  ~SeededRng() override;
  SeededRng(const SeededRng&) = delete;
  SeededRng& operator=(const SeededRng&) = delete;

  void fill(std::span<std::uint8_t> out) override;

 private:
  void refill();

  static constexpr std::size_t kBufferSize = 1024;
  std::array<std::uint8_t, 32> key_{};
  std::array<std::uint8_t, kBufferSize> buffer_{};
  std::size_t used_ = kBufferSize;  // bytes of buffer_ already handed out
  std::uint64_t nonce_ = 0;
};

}  // namespace stoffel::math
