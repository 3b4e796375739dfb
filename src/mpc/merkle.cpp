#include "mpc/merkle.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <memory>

namespace stoffel::mpc::merkle {

namespace {

// SHA-256 of prefix || data. OpenSSL's implementation uses the CPU's SHA extensions where there
// are any (4x libsodium's portable code on this project's machines, docs/performance.md); should
// OpenSSL fail (it does not, short of memory exhaustion), libsodium computes the same digest.
Digest sha256(std::uint8_t prefix, std::span<const std::uint8_t> data) {
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  static const EVP_MD* md = EVP_sha256();
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  Digest d;
  unsigned int len = 0;
  if (md && ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), &prefix, 1) == 1 &&
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
      EVP_DigestFinal_ex(ctx.get(), d.data(), &len) == 1 && len == d.size()) {
    return d;
  }
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, data.data(), data.size());
  crypto_hash_sha256_final(&st, d.data());
  return d;
}

}  // namespace

Digest leaf_hash(std::span<const std::uint8_t> data) {
  return sha256(0x00, data);
}

Digest node_hash(const Digest& left, const Digest& right) {
  std::array<std::uint8_t, 64> buf;
  std::copy(left.begin(), left.end(), buf.begin());
  std::copy(right.begin(), right.end(), buf.begin() + 32);
  return sha256(0x01, buf);
}

std::size_t proof_length(std::size_t leaves) {
  std::size_t depth = 0;
  while ((std::size_t{1} << depth) < leaves) ++depth;
  return depth;
}

Tree::Tree(std::span<const Digest> leaves) {
  const std::size_t width = std::size_t{1} << proof_length(leaves.size());
  std::vector<Digest> level(width, Digest{});
  std::copy(leaves.begin(), leaves.end(), level.begin());
  levels_.push_back(std::move(level));
  while (levels_.back().size() > 1) {
    const auto& below = levels_.back();
    std::vector<Digest> up(below.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i) up[i] = node_hash(below[2 * i], below[2 * i + 1]);
    levels_.push_back(std::move(up));
  }
}

std::vector<Digest> Tree::proof(std::size_t index) const {
  std::vector<Digest> path;
  for (std::size_t l = 0; l + 1 < levels_.size(); ++l) {
    path.push_back(levels_[l][index ^ 1]);
    index >>= 1;
  }
  return path;
}

Digest root_of(std::span<const Digest> leaves) {
  return Tree(leaves).root();
}

bool verify(const Digest& root, std::size_t leaves, std::size_t index, const Digest& leaf,
            std::span<const Digest> proof) {
  if (leaves == 0 || index >= leaves || proof.size() != proof_length(leaves)) return false;
  Digest at = leaf;
  for (const Digest& sibling : proof) {
    at = (index & 1) ? node_hash(sibling, at) : node_hash(at, sibling);
    index >>= 1;
  }
  return sodium_memcmp(at.data(), root.data(), at.size()) == 0;
}

}  // namespace stoffel::mpc::merkle
