// Runtime selection of the field for the MPC layer (`--mpc-curve`).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "math/fields.h"
#include "stoffel/result.h"

namespace stoffel::math {

// curve25519 and ed25519 share one scalar field, so they share one kind (docs/math.md).
enum class FieldKind : std::uint8_t { Bls12_381 = 0, Bn254 = 1, Curve25519 = 2 };

// Accepts, case-insensitively after trimming whitespace: bls12-381 | bls12_381 | bls12381,
// bn254, curve25519 | curve-25519, ed25519 | ed-25519. Anything else is an error.
Result<FieldKind> parse_curve_name(std::string_view name);

// "bls12-381-fr", "bn254-fr", "curve25519-fr".
std::string_view field_kind_name(FieldKind kind);

// Storage tag 0, 1, 2, as the reference tags stored material (docs/math.md).
constexpr std::uint8_t storage_tag(FieldKind kind) {
  return static_cast<std::uint8_t>(kind);
}

template <typename F>
struct FieldTag {
  using type = F;
};

// Calls fn(FieldTag<F>{}) with the element type of `kind`, so generic code can be instantiated
// once per field and chosen at run time.
template <typename Fn>
decltype(auto) visit_field(FieldKind kind, Fn&& fn) {
  switch (kind) {
    case FieldKind::Bn254:
      return std::forward<Fn>(fn)(FieldTag<Bn254_Fr>{});
    case FieldKind::Curve25519:
      return std::forward<Fn>(fn)(FieldTag<Curve25519_Fr>{});
    case FieldKind::Bls12_381:
      break;
  }
  return std::forward<Fn>(fn)(FieldTag<Bls12_381_Fr>{});
}

}  // namespace stoffel::math
