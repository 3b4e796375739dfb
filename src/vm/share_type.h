// The types of secret shares (docs/semantics.md, "Values"): what a share's field element means when
// it is opened. Shared by the heap (ShareObj), the MPC backend interface (outputs to clients carry
// their type) and the client store (inputs carry the type the client gave them).
#pragma once

#include <cstdint>
#include <optional>
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
  // The type as the label of an output to a client (mpc::Party::send_output), so the client
  // reads the value as the program meant it: 1 << 24 | bit_length for SecretInt, 2 << 24 |
  // k << 12 | f for SecretFixedPoint; 0 (no type) if a field does not fit in 12 bits.
  uint32_t output_label() const {
    if (kind == Kind::SecretInt) return bit_length < 4096 ? (1u << 24) | bit_length : 0;
    return k < 4096 && f < 4096 ? (2u << 24) | (k << 12) | f : 0;
  }
  // The type a label names, or nothing (0, or not a label output_label makes).
  static std::optional<ShareType> from_output_label(uint32_t label) {
    const uint32_t kind = label >> 24, hi = (label >> 12) & 0xfff, lo = label & 0xfff;
    if (kind == 1 && hi == 0 && lo > 0) return secret_int(lo);
    if (kind == 2 && hi > 0) return fixed_point(hi, lo);
    return std::nullopt;
  }
  // "SecretInt(64)", "SecretFixedPoint(64, 16)": for error messages.
  std::string to_string() const {
    if (kind == Kind::SecretInt) return "SecretInt(" + std::to_string(bit_length) + ")";
    return "SecretFixedPoint(" + std::to_string(k) + ", " + std::to_string(f) + ")";
  }
};

}  // namespace stoffel::vm
