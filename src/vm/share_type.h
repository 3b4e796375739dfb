// The types of secret shares (docs/semantics.md, "Values"): what a share's field element means when
// it is opened. Shared by the heap (ShareObj), the MPC backend interface (outputs to clients carry
// their type) and the client store (inputs carry the type the client gave them).
#pragma once

#include <cstdint>
#include <string>

namespace stoffel::vm {

struct ShareType {
  enum class Kind : uint8_t { SecretInt, SecretFixedPoint };
  Kind kind = Kind::SecretInt;
  uint32_t bit_length = 64;  // SecretInt
  uint32_t k = 64, f = 16;   // SecretFixedPoint
  static ShareType secret_int(uint32_t bits) { return {Kind::SecretInt, bits, 64, 16}; }
  static ShareType fixed_point(uint32_t k_, uint32_t f_) {
    return {Kind::SecretFixedPoint, 64, k_, f_};
  }
  friend bool operator==(const ShareType& a, const ShareType& b) {
    if (a.kind != b.kind) return false;
    return a.kind == Kind::SecretInt ? a.bit_length == b.bit_length : (a.k == b.k && a.f == b.f);
  }
  // "SecretInt(64)", "SecretFixedPoint(64, 16)": for error messages.
  std::string to_string() const {
    if (kind == Kind::SecretInt) return "SecretInt(" + std::to_string(bit_length) + ")";
    return "SecretFixedPoint(" + std::to_string(k) + ", " + std::to_string(f) + ")";
  }
};

}  // namespace stoffel::vm
