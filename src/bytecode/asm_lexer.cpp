#include "bytecode/asm_lexer.h"

#include <limits>

#include "bytecode/asm_text.h"

namespace stoffel::bytecode::asm_lexer {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// How a character is shown in "unexpected ..." messages.
std::string describe(char c) {
  if (c == '\0') return "end of line";
  const auto u = static_cast<unsigned char>(c);
  // Appending, not `"..." + std::string`: GCC 12 warns falsely (-Wrestrict) on the latter.
  std::string out = u < 0x20 || u >= 0x7F ? "character " : "";
  out += u < 0x20 || u >= 0x7F ? asm_text::quote_string(std::string(1, c))
                               : std::string{'\'', c, '\''};
  return out;
}

}  // namespace

size_t column_of(std::string_view line, size_t pos) {
  size_t column = 1;
  for (size_t i = 0; i < pos && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

void Cursor::fail(size_t pos, std::string message) {
  if (failed_) return;
  failed_ = true;
  error_pos_ = pos;
  error_message_ = std::move(message);
}

void Cursor::skip_space() {
  while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
}

bool Cursor::at_end() {
  skip_space();
  return pos_ >= line_.size() || line_[pos_] == ';';
}

char Cursor::peek() {
  return at_end() ? '\0' : line_[pos_];
}

bool Cursor::consume(char c) {
  if (peek() != c) return false;
  ++pos_;
  return true;
}

bool Cursor::expect(char c, std::string_view what) {
  if (consume(c)) return true;
  fail(pos_, "expected " + std::string(what) + ", found " + describe(peek()));
  return false;
}

std::string_view Cursor::word() {
  skip_space();
  const size_t start = pos_;
  while (pos_ < line_.size() && asm_text::is_word_char(line_[pos_])) ++pos_;
  return line_.substr(start, pos_ - start);
}

bool Cursor::unescape(std::string& out) {
  const size_t at = pos_;  // the backslash
  if (pos_ + 1 >= line_.size()) {
    fail(at, "unterminated escape sequence");
    return false;
  }
  const char c = line_[pos_ + 1];
  pos_ += 2;
  switch (c) {
    case '"':
      out += '"';
      return true;
    case '\\':
      out += '\\';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'r':
      out += '\r';
      return true;
    case '0':
      out += '\0';
      return true;
    case 'x': {
      const int hi = pos_ < line_.size() ? hex_value(line_[pos_]) : -1;
      const int lo = pos_ + 1 < line_.size() ? hex_value(line_[pos_ + 1]) : -1;
      if (hi < 0 || lo < 0) {
        fail(at, "\\x needs exactly two hex digits");
        return false;
      }
      out += static_cast<char>(hi * 16 + lo);
      pos_ += 2;
      return true;
    }
    case 'u': {
      if (pos_ >= line_.size() || line_[pos_] != '{') {
        fail(at, "\\u needs the form \\u{hex digits}");
        return false;
      }
      ++pos_;
      uint32_t cp = 0;
      size_t digits = 0;
      while (pos_ < line_.size() && hex_value(line_[pos_]) >= 0 && digits < 7) {
        cp = cp * 16 + static_cast<uint32_t>(hex_value(line_[pos_]));
        ++pos_;
        ++digits;
      }
      if (digits == 0 || digits > 6 || pos_ >= line_.size() || line_[pos_] != '}') {
        fail(at, "\\u needs the form \\u{hex digits} with 1 to 6 digits");
        return false;
      }
      ++pos_;
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        fail(at, "\\u{...} is not a Unicode scalar value");
        return false;
      }
      asm_text::append_utf8(out, cp);
      return true;
    }
    default:
      fail(at, "unknown escape sequence '\\" + std::string(1, c) +
                   "' (use \\\" \\\\ \\n \\t \\r \\0 \\xNN or \\u{...})");
      return false;
  }
}

std::optional<std::string> Cursor::quoted(size_t max_bytes) {
  skip_space();
  const size_t start = pos_;
  if (pos_ >= line_.size() || line_[pos_] != '"') {
    fail(pos_, "expected '\"'");
    return std::nullopt;
  }
  ++pos_;
  std::string out;
  while (true) {
    if (pos_ >= line_.size()) {
      fail(start, "unterminated string (strings end on the same line; write \\n for a newline)");
      return std::nullopt;
    }
    const char c = line_[pos_];
    if (c == '"') {
      ++pos_;
      break;
    }
    if (c == '\\') {
      if (!unescape(out)) return std::nullopt;
      continue;
    }
    out += c;
    ++pos_;
  }
  if (!asm_text::is_valid_utf8(out)) {
    fail(start, "string is not valid UTF-8 (STFL strings and names must be)");
    return std::nullopt;
  }
  if (out.size() > max_bytes) {
    fail(start, "string is " + std::to_string(out.size()) + " bytes long; at most " +
                    std::to_string(max_bytes) + " allowed here");
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> Cursor::name(std::string_view what) {
  if (peek() == '"') return quoted(asm_text::kMaxNameBytes);
  const size_t start = pos_;
  const std::string_view w = word();
  if (w.empty()) {
    fail(start, "expected " + std::string(what) + ", found " + describe(peek()));
    return std::nullopt;
  }
  return std::string(w);
}

std::optional<uint64_t> Cursor::unsigned_int(uint64_t max, std::string_view what) {
  skip_space();
  const size_t start = pos_;
  uint64_t value = 0;
  bool overflow = false;
  while (pos_ < line_.size() && is_digit(line_[pos_])) {
    const auto d = static_cast<uint64_t>(line_[pos_] - '0');
    if (value > (max - d) / 10) overflow = true;
    if (!overflow) value = value * 10 + d;
    ++pos_;
  }
  if (pos_ == start) {
    fail(start, "expected " + std::string(what) + ", found " + describe(peek()));
    return std::nullopt;
  }
  if (pos_ < line_.size() && asm_text::is_word_char(line_[pos_])) {
    fail(start, "expected " + std::string(what) + " (a decimal number)");
    return std::nullopt;
  }
  if (overflow) {
    fail(start, std::string(what) + " is out of range (0.." + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<uint32_t> Cursor::reg() {
  skip_space();
  const size_t start = pos_;
  if (pos_ >= line_.size() || line_[pos_] != 'r' || pos_ + 1 >= line_.size() ||
      !is_digit(line_[pos_ + 1])) {
    const std::string_view w = word();
    pos_ = start;
    std::string found = "expected a register such as r0, found ";
    if (w.empty()) {
      found += describe(peek());
    } else {
      found += '\'';
      found += w;
      found += '\'';
    }
    fail(start, std::move(found));
    return std::nullopt;
  }
  ++pos_;
  const auto n = unsigned_int(std::numeric_limits<uint32_t>::max(), "register number");
  if (!n) return std::nullopt;
  return static_cast<uint32_t>(*n);
}

std::optional<int32_t> Cursor::stack_offset() {
  skip_space();
  const size_t start = pos_;
  const auto bad = [&] {
    fail(start, "expected an argument-stack slot such as [sp-1], [sp] or [sp+2]");
    return std::nullopt;
  };
  if (!consume('[')) return bad();
  if (word() != "sp") return bad();
  int64_t sign = 0;
  if (consume('-')) {
    sign = -1;
  } else if (consume('+')) {
    sign = 1;
  }
  int64_t offset = 0;
  if (sign != 0) {
    const auto magnitude = unsigned_int(1ull << 40, "stack offset");
    if (!magnitude) return std::nullopt;
    offset = sign * static_cast<int64_t>(*magnitude);
    if (offset < std::numeric_limits<int32_t>::min() ||
        offset > std::numeric_limits<int32_t>::max()) {
      fail(start, "stack offset is out of range (-2147483648..2147483647)");
      return std::nullopt;
    }
  }
  if (!consume(']')) return bad();
  return static_cast<int32_t>(offset);
}

std::optional<Constant> Cursor::literal() {
  skip_space();
  const size_t start = pos_;
  if (pos_ < line_.size() && line_[pos_] == '"') {
    auto text = quoted(std::numeric_limits<uint32_t>::max());
    if (!text) return std::nullopt;
    return Constant::string(std::move(*text));
  }
  if (pos_ < line_.size() && line_[pos_] == '(') {
    ++pos_;
    if (!consume(')')) {
      fail(start, "expected '()' (the unit value)");
      return std::nullopt;
    }
    return Constant::unit();
  }
  // Everything up to a blank, a comma or a comment is one literal token.
  while (pos_ < line_.size() && !is_blank(line_[pos_]) && line_[pos_] != ',' &&
         line_[pos_] != ';') {
    ++pos_;
  }
  const std::string_view token = line_.substr(start, pos_ - start);
  if (token.empty()) {
    fail(start, "expected a constant, found " + describe(peek()));
    return std::nullopt;
  }
  std::string error;
  auto constant = asm_text::parse_literal_token(token, error);
  if (!constant) fail(start, std::move(error));
  return constant;
}

}  // namespace stoffel::bytecode::asm_lexer
