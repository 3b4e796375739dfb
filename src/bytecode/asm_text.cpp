#include "bytecode/asm_text.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace stoffel::bytecode::asm_text {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

struct IntegerKind {
  ConstTag tag;
  std::string_view suffix;
  unsigned bits;
  bool is_signed;
};

// "" (no suffix) means I64; an explicit "i64" is accepted too.
constexpr std::array<IntegerKind, 9> kIntegerKinds = {{
    {ConstTag::I64, "", 64, true},
    {ConstTag::I64, "i64", 64, true},
    {ConstTag::I32, "i32", 32, true},
    {ConstTag::I16, "i16", 16, true},
    {ConstTag::I8, "i8", 8, true},
    {ConstTag::U8, "u8", 8, false},
    {ConstTag::U16, "u16", 16, false},
    {ConstTag::U32, "u32", 32, false},
    {ConstTag::U64, "u64", 64, false},
}};

uint64_t width_mask(unsigned bits) {
  return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

void append_hex_byte(std::string& out, uint8_t byte) {
  out += "\\x";
  out += kHexDigits[byte >> 4];
  out += kHexDigits[byte & 0xF];
}

// Decodes one UTF-8 sequence at `pos`; returns its length, or 0 when the bytes there are not
// valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
size_t utf8_sequence(std::string_view s, size_t pos, uint32_t& code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  size_t length = 0;
  uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (pos + length > s.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(pos + i) & 0x3F);
  }
  if (code_point < min || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

// Code points that would make a listing misleading if printed raw: C1 controls, zero-width and
// direction-changing marks, line/paragraph separators, the byte-order mark.
bool is_invisible(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool parse_hex_u64(std::string_view digits, uint64_t& value) {
  if (digits.empty() || digits.size() > 16) return false;
  value = 0;
  for (char c : digits) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    value = (value << 4) | d;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` — the decimal part of a float literal. Stricter than
// from_chars on purpose: "nan", "infinity", "1." or ".5" are not accepted.
bool is_decimal_float(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::optional<Constant> parse_float(std::string_view token, std::string& error) {
  const std::string_view number = token.substr(0, token.size() - 3);
  if (!is_decimal_float(number)) {
    error = "invalid float literal '" + std::string(token) +
            "' (expected e.g. 1.5f64, -0f64, 2.5e-3f64, inff64, NaNf64 or f64:0x<bits>)";
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) {
    error = "float literal '" + std::string(token) +
            "' is out of range (write inff64, 0f64 or the exact-bits form f64:0x<bits>)";
    return std::nullopt;
  }
  return Constant::f64(value);
}

std::optional<Constant> parse_exact_bits(std::string_view token, size_t colon, std::string& error) {
  const std::string_view kind = token.substr(0, colon);
  const std::string_view rest = token.substr(colon + 1);
  uint64_t bits = 0;
  if (rest.size() < 3 || (rest.substr(0, 2) != "0x" && rest.substr(0, 2) != "0X") ||
      !parse_hex_u64(rest.substr(2), bits)) {
    error = "invalid exact-bits literal '" + std::string(token) +
            "' (expected 1 to 16 hex digits after '0x')";
    return std::nullopt;
  }
  if (kind == "f64") return Constant{ConstTag::Float, bits, {}};
  if (kind == "bool") {
    if (bits > 0xFF) {
      error = "exact-bits bool literal '" + std::string(token) + "' does not fit in one byte";
      return std::nullopt;
    }
    return Constant{ConstTag::Bool, bits, {}};
  }
  error = "unknown exact-bits literal kind '" + std::string(kind) + "' (only f64: and bool:)";
  return std::nullopt;
}

std::optional<Constant> parse_integer(std::string_view token, std::string& error) {
  std::string_view body = token;
  const bool negative = !body.empty() && body.front() == '-';
  if (negative) body.remove_prefix(1);

  uint64_t magnitude = 0;
  std::string_view suffix;
  bool overflow = false;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    size_t i = 2;
    while (i < body.size() && std::isxdigit(static_cast<unsigned char>(body[i]))) ++i;
    if (i == 2) {
      error = "invalid hexadecimal literal '" + std::string(token) + "'";
      return std::nullopt;
    }
    const std::string_view digits = body.substr(2, i - 2);
    size_t significant = digits.find_first_not_of('0');
    if (significant == std::string_view::npos) significant = digits.size();
    overflow = !parse_hex_u64(digits.substr(significant).empty() ? "0" : digits.substr(significant),
                              magnitude);
    suffix = body.substr(i);
  } else {
    size_t i = 0;
    while (i < body.size() && is_digit(body[i])) {
      const uint64_t d = static_cast<uint64_t>(body[i] - '0');
      if (magnitude > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
      magnitude = magnitude * 10 + d;
      ++i;
    }
    if (i == 0) {
      error = "invalid literal '" + std::string(token) +
              "' (expected a number, string, true, false or ())";
      return std::nullopt;
    }
    suffix = body.substr(i);
    if (!suffix.empty() && (suffix[0] == '.' || suffix[0] == 'e' || suffix[0] == 'E')) {
      error = "float literals need the f64 suffix, e.g. '" + std::string(token) + "f64'";
      return std::nullopt;
    }
  }

  const IntegerKind* kind = nullptr;
  for (const auto& k : kIntegerKinds) {
    if (k.suffix == suffix) kind = &k;
  }
  if (kind == nullptr) {
    error = "unknown literal suffix '" + std::string(suffix) +
            "' (use i8, i16, i32, i64, u8, u16, u32, u64 or f64)";
    return std::nullopt;
  }
  const std::string type_name = kind->suffix.empty() ? "i64" : std::string(kind->suffix);
  if (!kind->is_signed && negative) {
    error = "unsigned literal '" + std::string(token) + "' cannot be negative";
    return std::nullopt;
  }
  // Signed range is -2^(w-1) .. 2^(w-1)-1; unsigned range is 0 .. 2^w-1.
  const uint64_t limit =
      kind->is_signed ? (1ull << (kind->bits - 1)) - (negative ? 0 : 1) : width_mask(kind->bits);
  if (overflow || magnitude > limit) {
    error = "integer literal '" + std::string(token) + "' is out of range for " + type_name;
    return std::nullopt;
  }
  const uint64_t value = negative ? (0 - magnitude) : magnitude;
  return Constant{kind->tag, value & width_mask(kind->bits), {}};
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  uint32_t cp = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    const size_t n = utf8_sequence(bytes, pos, cp);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

bool is_bare_name(std::string_view name) {
  if (name.empty()) return false;
  const char first = name.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return false;
  }
  for (char c : name) {
    if (!is_word_char(c)) return false;
  }
  return true;
}

std::string format_name(std::string_view name) {
  return is_bare_name(name) ? std::string(name) : quote_string(name);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string quote_string(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 2);
  out += '"';
  for (size_t pos = 0; pos < bytes.size();) {
    const char c = bytes[pos];
    const auto u = static_cast<uint8_t>(c);
    if (u >= 0x80) {
      uint32_t cp = 0;
      const size_t n = utf8_sequence(bytes, pos, cp);
      if (n == 0) {
        // Only a hand-built model can hold invalid UTF-8 (the reader rejects it); show the byte
        // so the problem is visible. The assembler refuses the result, as the format demands.
        append_hex_byte(out, u);
        ++pos;
      } else if (is_invisible(cp)) {
        out += "\\u{";
        char buf[8];
        const auto r = std::to_chars(buf, buf + sizeof buf, cp, 16);
        out.append(buf, r.ptr);
        out += '}';
        pos += n;
      } else {
        out.append(bytes.substr(pos, n));
        pos += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          append_hex_byte(out, u);
        } else {
          out += c;
        }
    }
    ++pos;
  }
  out += '"';
  return out;
}

std::optional<std::string_view> integer_suffix(ConstTag tag) {
  for (const auto& k : kIntegerKinds) {
    // Skip the explicit "i64" spelling: I64 prints without a suffix.
    if (k.tag == tag && !(tag == ConstTag::I64 && !k.suffix.empty())) return k.suffix;
  }
  return std::nullopt;
}

std::string format_float_bits(uint64_t bits) {
  if (bits == kCanonicalNaNBits) return "NaNf64";
  if (bits == kPosInfBits) return "inff64";
  if (bits == kNegInfBits) return "-inff64";
  const auto exact = [bits] {
    std::string out = "f64:0x";
    for (int shift = 60; shift >= 0; shift -= 4) out += kHexDigits[(bits >> shift) & 0xF];
    return out;
  };
  double value;
  std::memcpy(&value, &bits, sizeof value);
  if (value != value) return exact();  // a NaN with another payload or sign
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  std::string text(buf, r.ptr);
  // to_chars promises the shortest form that reads back exactly; checking costs little and
  // guarantees the round trip even on a library that gets a corner case wrong.
  double back = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), back);
  uint64_t back_bits;
  std::memcpy(&back_bits, &back, sizeof back_bits);
  if (parsed.ec != std::errc() || back_bits != bits) return exact();
  return text + "f64";
}

std::string format_constant(const Constant& constant) {
  switch (constant.tag) {
    case ConstTag::Unit:
      return "()";
    case ConstTag::Bool:
      if (constant.bits <= 1) return constant.bits != 0 ? "true" : "false";
      return "bool:0x" + std::string(1, kHexDigits[(constant.bits >> 4) & 0xF]) +
             kHexDigits[constant.bits & 0xF];
    case ConstTag::Float:
      return format_float_bits(constant.bits);
    case ConstTag::String:
      return quote_string(constant.str);
    default:
      break;
  }
  for (const auto& k : kIntegerKinds) {
    if (k.tag != constant.tag) continue;
    const uint64_t bits = constant.bits & width_mask(k.bits);
    const bool negative = k.is_signed && (bits >> (k.bits - 1)) != 0;
    // Magnitude of a negative value at width w is 2^w - bits, computed without overflow.
    const uint64_t magnitude = negative ? ((0 - bits) & width_mask(k.bits)) : bits;
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, magnitude);
    std::string out = negative ? "-" : "";
    out.append(buf, r.ptr);
    out += *integer_suffix(constant.tag);
    return out;
  }
  // No reader produces another tag; print something the assembler rejects rather than guess.
  return "<invalid constant tag " + std::to_string(static_cast<unsigned>(constant.tag)) + ">";
}

std::string constant_key(const Constant& c) {
  std::string key(1 + sizeof c.bits, '\0');
  key[0] = static_cast<char>(c.tag);
  for (size_t i = 0; i < sizeof c.bits; ++i) key[1 + i] = static_cast<char>(c.bits >> (8 * i));
  key += c.str;
  return key;
}

std::optional<Constant> parse_literal_token(std::string_view token, std::string& error) {
  if (token == "true") return Constant::boolean(true);
  if (token == "false") return Constant::boolean(false);
  if (token == "()") return Constant::unit();
  if (token == "NaNf64") return Constant{ConstTag::Float, kCanonicalNaNBits, {}};
  if (token == "inff64") return Constant{ConstTag::Float, kPosInfBits, {}};
  if (token == "-inff64") return Constant{ConstTag::Float, kNegInfBits, {}};
  if (const size_t colon = token.find(':'); colon != std::string_view::npos) {
    return parse_exact_bits(token, colon, error);
  }
  std::string_view body = token;
  if (!body.empty() && body.front() == '-') body.remove_prefix(1);
  const bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  if (!hex && token.size() > 3 && token.ends_with("f64")) return parse_float(token, error);
  return parse_integer(token, error);
}

}  // namespace stoffel::bytecode::asm_text
