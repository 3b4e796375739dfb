// The elliptic-curve groups a share can be opened in (Share.open_exp; reference-mpc.md §3, §4)
// and the group of each field's Feldman commitments (§1.1): the §4 names, and a dispatch from a
// run-time group to the math type, restricted to the groups whose scalar field is the session's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "math/bls12_381.h"
#include "math/bn254.h"
#include "math/ed25519.h"
#include "math/fields.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

enum class GroupKind : std::uint8_t { kBls12_381_G1, kBls12_381_G2, kBn254_G1, kEdwards25519 };

// "bls12-381-g1", "bls12-381-g2", "bn254-g1", "curve25519-edwards" and "ed25519-edwards" (the
// same group), case-insensitively after trimming. Anything else is an error listing the names.
Result<GroupKind> parse_group_name(std::string_view name);
std::string_view group_name(GroupKind kind);

template <typename G>
struct GroupTag {
  using type = G;
};

// The group of Feldman commitments (and of open_exp without a base) for each scalar field.
template <typename F>
struct CommitmentGroup;
template <>
struct CommitmentGroup<math::Bls12_381_Fr> {
  using type = math::Bls12_381_G1;
  static constexpr GroupKind kKind = GroupKind::kBls12_381_G1;
};
template <>
struct CommitmentGroup<math::Bn254_Fr> {
  using type = math::Bn254_G1;
  static constexpr GroupKind kKind = GroupKind::kBn254_G1;
};
template <>
struct CommitmentGroup<math::Curve25519_Fr> {
  using type = math::Ed25519Point;
  static constexpr GroupKind kKind = GroupKind::kEdwards25519;
};

// Calls fn(GroupTag<G>{}) (returning Result<R>) for `kind` when G's scalar field is F; an error
// naming both otherwise (a bn254 session cannot open in BLS12-381 G2).
template <typename F, typename R, typename Fn>
Result<R> visit_group(GroupKind kind, Fn&& fn) {
  if constexpr (std::is_same_v<F, math::Bls12_381_Fr>) {
    if (kind == GroupKind::kBls12_381_G1) return fn(GroupTag<math::Bls12_381_G1>{});
    if (kind == GroupKind::kBls12_381_G2) return fn(GroupTag<math::Bls12_381_G2>{});
  } else if constexpr (std::is_same_v<F, math::Bn254_Fr>) {
    if (kind == GroupKind::kBn254_G1) return fn(GroupTag<math::Bn254_G1>{});
  } else {
    if (kind == GroupKind::kEdwards25519) return fn(GroupTag<math::Ed25519Point>{});
  }
  return make_error("the group " + std::string(group_name(kind)) +
                    " does not belong to this session's field " + F::name());
}

// The group of a caller-supplied base of `bytes` bytes (Share.open_exp_custom): the commitment
// group, or for BLS12-381 G2 when the base has G2's 96 bytes.
template <typename F>
GroupKind base_group(std::size_t bytes) {
  if constexpr (std::is_same_v<F, math::Bls12_381_Fr>) {
    if (bytes == math::Bls12_381_G2::kEncodedBytes) return GroupKind::kBls12_381_G2;
  }
  return CommitmentGroup<F>::kKind;
}

// Points of G concatenated (public data, so variable-time decoding is fine).
template <typename G>
std::vector<std::uint8_t> encode_points(std::span<const G> points) {
  std::vector<std::uint8_t> out;
  out.reserve(points.size() * G::kEncodedBytes);
  for (const G& p : points) {
    const auto b = p.to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

// Exactly `count` points; nullopt if the length is wrong or any point fails decoding (off the
// curve, non-canonical, outside the prime-order subgroup).
template <typename G>
std::optional<std::vector<G>> decode_points(std::span<const std::uint8_t> bytes,
                                            std::size_t count) {
  if (bytes.size() != count * G::kEncodedBytes) return std::nullopt;
  std::vector<G> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto p = G::from_bytes(bytes.subspan(i * G::kEncodedBytes, G::kEncodedBytes));
    if (!p) return std::nullopt;
    out.push_back(*p);
  }
  return out;
}

}  // namespace stoffel::mpc
