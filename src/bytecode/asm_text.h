// Lexical rules of the text assembly format (docs/assembly.md) shared by the assembler and the
// disassembler: how names, strings and constants are spelled. Keeping the printing and the
// parsing rules next to each other is what makes assemble(disassemble(p)) == p easy to check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bytecode/program.h"

namespace stoffel::bytecode::asm_text {

// The one NaN spelled `NaNf64`; every other NaN payload is written in the exact-bits form.
inline constexpr uint64_t kCanonicalNaNBits = 0x7ff8000000000000ull;
inline constexpr uint64_t kPosInfBits = 0x7ff0000000000000ull;
inline constexpr uint64_t kNegInfBits = 0xfff0000000000000ull;

// Names up to this many bytes fit a short string (u16 length).
inline constexpr size_t kMaxNameBytes = 65535;

bool is_valid_utf8(std::string_view bytes);

// True for the characters of a bare (unquoted) name or mnemonic: ASCII letters, digits, '_', '.'.
constexpr bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

// A name prints bare when it is made of word characters and starts with a letter or '_' (so it
// cannot be mistaken for a number or a directive); otherwise it is quoted.
bool is_bare_name(std::string_view name);
std::string format_name(std::string_view name);

// `"..."` with `\"`, `\\`, `\n`, `\t`, `\r`, `\0`, `\xNN` for other control bytes and bytes that
// are not valid UTF-8, and `\u{...}` for invisible or direction-changing code points.
std::string quote_string(std::string_view bytes);

// The literal spelling of a constant: `42`, `-3i8`, `1.5f64`, `NaNf64`, `f64:0x...`, `true`,
// `()`, `"text"`. Integer payloads are taken at their encoded width.
std::string format_constant(const Constant& constant);
std::string format_float_bits(uint64_t bits);

// The literal suffix of an integer tag ("" for I64, "i32", ..., "u64"); nullopt for other tags.
std::optional<std::string_view> integer_suffix(ConstTag tag);

// Parses a literal token that is not a string (those are handled by the lexer since they may
// contain spaces). On failure returns nullopt and sets `error` to a message without position.
std::optional<Constant> parse_literal_token(std::string_view token, std::string& error);

// The identity of a pool entry: tag and bit pattern (docs/decisions.md, B5: -0.0 and 0.0 differ),
// string bytes. Both the assembler's de-duplication and the disassembler's plan use it.
std::string constant_key(const Constant& constant);

// Appends the UTF-8 encoding of a Unicode scalar value.
void append_utf8(std::string& out, uint32_t code_point);

}  // namespace stoffel::bytecode::asm_text
