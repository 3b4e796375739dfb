// Private helpers shared by the STFL reader and writer: little-endian integer coding, strict
// UTF-8 validation and the "offset N (0xH): ..." error prefix. Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stoffel::bytecode::detail {

// Decodes `n` (1..8) little-endian bytes. The caller has checked that they exist.
inline uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Appends the low `n` (1..8) bytes of `v`, least significant first.
inline void append_le(std::vector<uint8_t>& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>((v >> (8 * i)) & 0xFF));
}

// Index of the first byte of the first ill-formed sequence, or nullopt when `s` is well-formed
// UTF-8. The rules are Unicode's (Table 3-7), which is exactly what Rust's str::from_utf8 (the
// reference's check) accepts: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF, no truncated sequences.
inline std::optional<size_t> utf8_error_position(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b0 = p[i];
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    // Allowed range of the second byte; later bytes are always 0x80..0xBF.
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 == 0xE0) {
      len = 3, lo = 0xA0;  // excludes overlong 3-byte forms
    } else if (b0 == 0xED) {
      len = 3, hi = 0x9F;  // excludes surrogates
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
      len = 3;
    } else if (b0 == 0xF0) {
      len = 4, lo = 0x90;  // excludes overlong 4-byte forms
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      len = 4;
    } else if (b0 == 0xF4) {
      len = 4, hi = 0x8F;  // excludes code points above U+10FFFF
    } else {
      return i;  // continuation byte without a lead, C0/C1 (overlong), or F5..FF
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::nullopt;
}

// "offset 51 (0x33): " -- every reader error starts like this so a user can find the byte.
inline std::string offset_prefix(size_t offset) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  size_t v = offset;
  do {
    hex.insert(hex.begin(), kHex[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "offset " + std::to_string(offset) + " (0x" + hex + "): ";
}

// Quoted name for messages.
inline std::string quoted(std::string_view name) {
  std::string out = "'";
  out.append(name);
  out.push_back('\'');
  return out;
}

}  // namespace stoffel::bytecode::detail
