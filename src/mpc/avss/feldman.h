// Feldman commitments (reference-mpc.md §1.4): a degree-t sharing f(x) = a_0 + a_1 x + ... +
// a_t x^t is committed to by C_j = a_j·G (G the generator of the field's commitment group,
// groups.h); C_0 = secret·G is the public key of a DKG'd secret. Party p's share s_p = f(x_p) is
// valid iff s_p·G = sum_j x_p^j C_j. Linear operations act on the commitments too, so a linear
// combination of committed sharings is a committed sharing.
//
// Encoding (what the VM keeps after a share's 32-byte field element, and what
// Share.get_commitment reads): u64 LE count, then `count` encoded points (§1.4's layout after
// the Shamir share).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mpc/groups.h"

namespace stoffel::mpc::feldman {

template <typename G>
std::vector<std::uint8_t> encode(std::span<const G> c) {
  std::vector<std::uint8_t> out(8);
  const std::uint64_t count = c.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(count >> (8 * i));
  const auto points = encode_points<G>(c);
  out.insert(out.end(), points.begin(), points.end());
  return out;
}

// nullopt unless the bytes are exactly `count` valid points behind their count.
template <typename G>
std::optional<std::vector<G>> decode(std::span<const std::uint8_t> bytes, std::size_t count) {
  if (bytes.size() < 8) return std::nullopt;
  std::uint64_t c = 0;
  for (int i = 0; i < 8; ++i) c |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  if (c != count) return std::nullopt;
  return decode_points<G>(bytes.subspan(8), count);
}

// sum_j x^j C_j: the commitment of the share at evaluation point x (public data).
template <typename G>
G evaluate(std::span<const G> c, const typename G::Scalar& x) {
  using F = typename G::Scalar;
  std::vector<F> powers(c.size());
  F p = F::one();
  for (auto& q : powers) {
    q = p;
    p = p * x;
  }
  return G::msm(c, powers);
}

// The commitments of a secret's sharing, from its coefficients (secret: constant time).
template <typename G>
std::vector<G> commit(std::span<const typename G::Scalar> coefficients) {
  std::vector<G> out;
  out.reserve(coefficients.size());
  for (const auto& a : coefficients) out.push_back(G::generator().mul(a));
  return out;
}

}  // namespace stoffel::mpc::feldman
