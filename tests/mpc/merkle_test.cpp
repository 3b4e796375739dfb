// The Merkle tree of AVID broadcast against an independent implementation of the documented
// layout (merkle.h) on libsodium's SHA-256 (the tree uses OpenSSL's): leaves
// SHA-256(0x00 || data), nodes SHA-256(0x01 || left || right), zero padding leaves to a power of
// two.
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <vector>

#include "mpc/merkle.h"

namespace stoffel::mpc::merkle {
namespace {

Digest sodium_sha256(const std::vector<std::uint8_t>& bytes) {
  Digest d;
  crypto_hash_sha256(d.data(), bytes.data(), bytes.size());
  return d;
}

Digest ref_leaf(const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> b = {0x00};
  b.insert(b.end(), data.begin(), data.end());
  return sodium_sha256(b);
}

Digest ref_root(std::vector<Digest> level) {
  std::size_t width = 1;
  while (width < level.size()) width *= 2;
  level.resize(width, Digest{});
  while (level.size() > 1) {
    std::vector<Digest> up;
    for (std::size_t i = 0; i < level.size(); i += 2) {
      std::vector<std::uint8_t> b = {0x01};
      b.insert(b.end(), level[i].begin(), level[i].end());
      b.insert(b.end(), level[i + 1].begin(), level[i + 1].end());
      up.push_back(sodium_sha256(b));
    }
    level = std::move(up);
  }
  return level[0];
}

TEST(Merkle, RootsAndProofsMatchIndependentImplementation) {
  std::mt19937_64 rng(11);
  for (std::size_t n : {1, 2, 3, 4, 5, 7, 8, 10, 16, 31, 255}) {
    std::vector<Digest> leaves;
    std::vector<std::vector<std::uint8_t>> data(n);
    for (std::size_t i = 0; i < n; ++i) {
      data[i].resize(rng() % 70);
      for (auto& b : data[i]) b = static_cast<std::uint8_t>(rng());
      ASSERT_EQ(leaf_hash(data[i]), ref_leaf(data[i]));
      leaves.push_back(leaf_hash(data[i]));
    }
    const Tree tree(leaves);
    ASSERT_EQ(tree.root(), ref_root(leaves)) << "n = " << n;
    ASSERT_EQ(root_of(leaves), tree.root());
    for (std::size_t i = 0; i < n; ++i) {
      const auto proof = tree.proof(i);
      ASSERT_EQ(proof.size(), proof_length(n));
      EXPECT_TRUE(verify(tree.root(), n, i, leaves[i], proof)) << "n = " << n << ", leaf " << i;
      // The same leaf at another index, a changed sibling, a short or long proof, an index out
      // of range and another leaf count are all rejected.
      if (n > 1) {
        EXPECT_FALSE(verify(tree.root(), n, (i + 1) % n, leaves[i], proof));
        auto bad = proof;
        bad[rng() % bad.size()][rng() % 32] ^= 1;
        EXPECT_FALSE(verify(tree.root(), n, i, leaves[i], bad));
        EXPECT_FALSE(verify(tree.root(), n, i, leaves[i],
                            std::span<const Digest>(proof).first(proof.size() - 1)));
      }
      auto longer = proof;
      longer.push_back(Digest{});
      EXPECT_FALSE(verify(tree.root(), n, i, leaves[i], longer));
      EXPECT_FALSE(verify(tree.root(), n, n, leaves[i], proof));
      Digest other = leaves[i];
      other[0] ^= 0x80;
      EXPECT_FALSE(verify(tree.root(), n, i, other, proof));
    }
  }
  EXPECT_FALSE(verify(Digest{}, 0, 0, Digest{}, {}));
}

}  // namespace
}  // namespace stoffel::mpc::merkle
