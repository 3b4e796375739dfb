// Randomness for the math layer: one interface, three sources.
//   SystemRng  - libsodium's randombytes_buf (the OS CSPRNG): a system call per use.
//   SecureRng  - the OS CSPRNG expanded in user space (ChaCha20 with fast key erasure); what a
//                party draws its secret randomness from (docs/decisions.md F8).
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

// A ChaCha20 key stream keyed with 32 bytes of the OS CSPRNG, refilled with fast key erasure:
// every refill computes kBufferSize + 32 bytes of key stream under the current key (nonce 0)
// and replaces the key with the first 32 of them, so neither the state nor anything after it
// reveals bytes already handed out (handed-out bytes are also erased from the buffer). The key
// is drawn again from the OS every kReseedBytes. Not thread-safe: one per party.
// Why (decision F8): a party draws several random field elements per product; the OS CSPRNG
// costs a system call per 256 bytes, several per cent of a multiplication's CPU.
class SecureRng final : public Rng {
 public:
  SecureRng();
  // Tests only: the first key given instead of drawn from the OS (a known-answer test).
  explicit SecureRng(std::span<const std::uint8_t, 32> first_key);
  ~SecureRng() override;
  SecureRng(const SecureRng&) = delete;
  SecureRng& operator=(const SecureRng&) = delete;

  void fill(std::span<std::uint8_t> out) override;

  static constexpr std::size_t kBufferSize = 4096;
  static constexpr std::size_t kReseedBytes = std::size_t{1} << 20;

 private:
  void refill();

  bool from_os_;
  std::array<std::uint8_t, 32> key_{};
  std::array<std::uint8_t, 32 + kBufferSize> buffer_{};  // next key, then the bytes handed out
  std::size_t used_ = kBufferSize;                       // bytes of the output part handed out
  std::size_t since_reseed_ = 0;
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
