// SHA-256 Merkle tree over the shards of an AVID broadcast (docs/mpc.md, "Reliable broadcast").
//
// Leaves are SHA-256(0x00 || shard), inner nodes SHA-256(0x01 || left || right): the prefixes
// keep a leaf from being passed off as an inner node (second preimages). A tree over n leaves is
// completed to the next power of two P with all-zero padding leaves; a proof is the ceil(log2 n)
// sibling digests from the leaf up, and the leaf's index gives the side at each level. Hashing is
// OpenSSL's SHA-256 (hardware SHA extensions where the CPU has them; see merkle.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace stoffel::mpc::merkle {

using Digest = std::array<std::uint8_t, 32>;

Digest leaf_hash(std::span<const std::uint8_t> data);
Digest node_hash(const Digest& left, const Digest& right);

// Number of digests in a proof for a tree of `leaves` leaves: ceil(log2(leaves)), 0 for 1 leaf.
std::size_t proof_length(std::size_t leaves);

class Tree {
 public:
  // leaves.size() >= 1 leaf hashes.
  explicit Tree(std::span<const Digest> leaves);

  const Digest& root() const { return levels_.back()[0]; }
  // The sibling path of leaf `index` (< leaves), proof_length(leaves) digests, bottom up.
  std::vector<Digest> proof(std::size_t index) const;

 private:
  std::vector<std::vector<Digest>> levels_;  // levels_[0]: the P padded leaves; back(): the root
};

// Root of the tree over `leaves` (the same as Tree(leaves).root()).
Digest root_of(std::span<const Digest> leaves);

// Whether `leaf` is leaf `index` of a tree of `leaves` leaves with this root. Checks the index
// and the proof length; never reads past `proof`.
bool verify(const Digest& root, std::size_t leaves, std::size_t index, const Digest& leaf,
            std::span<const Digest> proof);

}  // namespace stoffel::mpc::merkle
