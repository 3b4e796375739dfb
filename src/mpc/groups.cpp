#include "mpc/groups.h"

#include <algorithm>
#include <cctype>

namespace stoffel::mpc {

Result<GroupKind> parse_group_name(std::string_view name) {
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
    name.remove_prefix(1);
  }
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
    name.remove_suffix(1);
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "bls12-381-g1") return GroupKind::kBls12_381_G1;
  if (lower == "bls12-381-g2") return GroupKind::kBls12_381_G2;
  if (lower == "bn254-g1") return GroupKind::kBn254_G1;
  if (lower == "curve25519-edwards" || lower == "ed25519-edwards") {
    return GroupKind::kEdwards25519;
  }
  return make_error("unknown group '" + std::string(name) +
                    "' (bls12-381-g1, bls12-381-g2, bn254-g1, curve25519-edwards, "
                    "ed25519-edwards)");
}

std::string_view group_name(GroupKind kind) {
  switch (kind) {
    case GroupKind::kBls12_381_G1:
      return "bls12-381-g1";
    case GroupKind::kBls12_381_G2:
      return "bls12-381-g2";
    case GroupKind::kBn254_G1:
      return "bn254-g1";
    case GroupKind::kEdwards25519:
      break;
  }
  return "ed25519-edwards";
}

}  // namespace stoffel::mpc
