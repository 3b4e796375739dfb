#include "math/field_kind.h"

#include <cctype>
#include <string>

namespace stoffel::math {

Result<FieldKind> parse_curve_name(std::string_view name) {
  std::size_t b = 0, e = name.size();
  while (b < e && std::isspace(static_cast<unsigned char>(name[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(name[e - 1]))) --e;
  std::string lower;
  lower.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(name[i]))));
  }
  if (lower == "bls12-381" || lower == "bls12_381" || lower == "bls12381") {
    return FieldKind::Bls12_381;
  }
  if (lower == "bn254") return FieldKind::Bn254;
  if (lower == "curve25519" || lower == "curve-25519" || lower == "ed25519" ||
      lower == "ed-25519") {
    return FieldKind::Curve25519;
  }
  return make_error(ErrorKind::Usage, "unknown curve '" + std::string(name) +
                                          "' (expected bls12-381, bn254, curve25519 or ed25519)");
}

std::string_view field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::Bn254:
      return "bn254-fr";
    case FieldKind::Curve25519:
      return "curve25519-fr";
    case FieldKind::Bls12_381:
      break;
  }
  return "bls12-381-fr";
}

}  // namespace stoffel::math
