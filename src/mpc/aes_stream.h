// A deterministic key stream from AES-256 in counter mode (OpenSSL, with the CPU's AES
// instructions): what pseudo-random secret sharing expands its keys with (decision P17).
//
// Why not math::SeededRng (ChaCha20, libsodium): every double sharing of a product takes
// C(n - 1, t)(t + 1) field elements of key stream at every party (8 at n = 5), and ChaCha20 was
// 9.5 % of the CPU of a run of products; AES-CTR with AES-NI is several times faster. The math
// layer depends on libsodium only, so this stream lives here and reaches math::Prss as a factory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "math/rng.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

class AesCtrStream final : public math::Rng {
 public:
  // The stream of AES-256-CTR under `key` from the 16-byte big-endian counter block `iv`
  // (zero by default): the encryption of zeros. Two instances with the same key and iv produce
  // the same bytes everywhere. Error only if OpenSSL cannot set up the cipher.
  static Result<std::unique_ptr<AesCtrStream>> create(
      std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> iv = kZeroIv);
  ~AesCtrStream() override;
  AesCtrStream(const AesCtrStream&) = delete;
  AesCtrStream& operator=(const AesCtrStream&) = delete;

  void fill(std::span<std::uint8_t> out) override;

 private:
  static constexpr std::array<std::uint8_t, 16> kZeroIv{};
  static constexpr std::size_t kBufferSize = 4096;
  AesCtrStream() = default;
  void refill();

  void* ctx_ = nullptr;  // EVP_CIPHER_CTX (its free clears the expanded key)
  std::array<std::uint8_t, kBufferSize> buffer_{};
  std::size_t used_ = kBufferSize;
};

}  // namespace stoffel::mpc
