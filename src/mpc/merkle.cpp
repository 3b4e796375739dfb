#include "mpc/merkle.h"

#include <sodium.h>

namespace stoffel::mpc::merkle {

Digest leaf_hash(std::span<const std::uint8_t> data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const std::uint8_t tag = 0x00;
  crypto_hash_sha256_update(&st, &tag, 1);
  crypto_hash_sha256_update(&st, data.data(), data.size());
  Digest d;
  crypto_hash_sha256_final(&st, d.data());
  return d;
}

Digest node_hash(const Digest& left, const Digest& right) {
  std::array<std::uint8_t, 65> buf;
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf.begin() + 1);
  std::copy(right.begin(), right.end(), buf.begin() + 33);
  Digest d;
  crypto_hash_sha256(d.data(), buf.data(), buf.size());
  return d;
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
