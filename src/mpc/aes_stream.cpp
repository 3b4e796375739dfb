#include "mpc/aes_stream.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace stoffel::mpc {

namespace {
EVP_CIPHER_CTX* ctx_of(void* p) { return static_cast<EVP_CIPHER_CTX*>(p); }

// The next n bytes of the key stream into p (zeros encrypted in place), in pieces EVP's int
// lengths can take.
void encrypt_zeros(void* ctx, std::uint8_t* p, std::size_t n) {
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
  for (std::size_t done = 0; done < n;) {
    const std::size_t piece = std::min(n - done, kMaxPiece);
    std::memset(p + done, 0, piece);
    int len = 0;
    if (EVP_EncryptUpdate(ctx_of(ctx), p + done, &len, p + done, static_cast<int>(piece)) != 1 ||
        static_cast<std::size_t>(len) != piece) {
      // Counter mode encrypts any length once set up; failing here means OpenSSL is broken, and
      // a stream that silently repeated or stopped would give this party wrong shares.
      std::abort();
    }
    done += piece;
  }
}
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
  encrypt_zeros(ctx_, buffer_.data(), buffer_.size());
  used_ = 0;
}

void AesCtrStream::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (used_ == buffer_.size()) {
      // The buffer is used up, so the cipher's position is the stream's: a large rest is
      // encrypted in place in `out`, without passing through the buffer.
      if (out.size() - done >= kBufferSize) {
        encrypt_zeros(ctx_, out.data() + done, out.size() - done);
        return;
      }
      refill();
    }
    const std::size_t k = std::min(out.size() - done, buffer_.size() - used_);
    std::memcpy(out.data() + done, buffer_.data() + used_, k);
    math::secure_wipe(buffer_.data() + used_, k);  // bytes handed out are not kept
    used_ += k;
    done += k;
  }
}

}  // namespace stoffel::mpc
