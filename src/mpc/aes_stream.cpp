#include "mpc/aes_stream.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace stoffel::mpc {

namespace {
EVP_CIPHER_CTX* ctx_of(void* p) { return static_cast<EVP_CIPHER_CTX*>(p); }
}  // namespace

Result<std::unique_ptr<AesCtrStream>> AesCtrStream::create(std::span<const std::uint8_t, 32> key,
                                                           std::span<const std::uint8_t, 16> iv) {
  std::unique_ptr<AesCtrStream> s(new AesCtrStream());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return make_error("AES-256-CTR: cannot allocate a cipher context");
  s->ctx_ = ctx;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) != 1) {
    return make_error("AES-256-CTR: OpenSSL refused to set up the cipher");
  }
  return s;
}

AesCtrStream::~AesCtrStream() {
  EVP_CIPHER_CTX_free(ctx_of(ctx_));
  math::secure_wipe(buffer_.data(), buffer_.size());
}

void AesCtrStream::refill() {
  std::fill(buffer_.begin(), buffer_.end(), std::uint8_t{0});
  int len = 0;
  if (EVP_EncryptUpdate(ctx_of(ctx_), buffer_.data(), &len, buffer_.data(),
                        static_cast<int>(buffer_.size())) != 1 ||
      static_cast<std::size_t>(len) != buffer_.size()) {
    // Counter mode encrypts any length once set up; failing here means OpenSSL is broken, and a
    // stream that silently repeated or stopped would give this party wrong shares.
    std::abort();
  }
  used_ = 0;
}

void AesCtrStream::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  // What is left in the buffer first, in order.
  if (used_ < buffer_.size()) {
    const std::size_t k = std::min(out.size(), buffer_.size() - used_);
    std::memcpy(out.data(), buffer_.data() + used_, k);
    math::secure_wipe(buffer_.data() + used_, k);  // bytes handed out are not kept
    used_ += k;
    done = k;
  }
  // The buffer is used up: the cipher's position is the stream's, so a large rest is encrypted
  // in place in `out` (zeros encrypted), without passing through the buffer.
  if (out.size() - done >= kBufferSize) {
    constexpr std::size_t kMaxPiece = std::size_t{1} << 30;  // EVP takes int lengths
    while (done < out.size()) {
      const std::size_t piece = std::min(out.size() - done, kMaxPiece);
      std::memset(out.data() + done, 0, piece);
      int len = 0;
      if (EVP_EncryptUpdate(ctx_of(ctx_), out.data() + done, &len, out.data() + done,
                            static_cast<int>(piece)) != 1 ||
          static_cast<std::size_t>(len) != piece) {
        std::abort();  // as in refill
      }
      done += piece;
    }
    return;
  }
  while (done < out.size()) {
    if (used_ == buffer_.size()) refill();
    const std::size_t k = std::min(out.size() - done, buffer_.size() - used_);
    std::memcpy(out.data() + done, buffer_.data() + used_, k);
    math::secure_wipe(buffer_.data() + used_, k);
    used_ += k;
    done += k;
  }
}

}  // namespace stoffel::mpc
