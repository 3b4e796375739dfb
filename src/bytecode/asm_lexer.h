// A cursor over one line of assembly text. The format is line oriented (a statement never spans
// lines), so the assembler hands each line to a fresh cursor and reads tokens in context: what
// a token may be depends on where it stands (a name, a register, a literal, ...).
//
// Every reader either succeeds or records the line's first error with the byte position it
// refers to, and returns nullopt/false; callers then stop processing the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bytecode/program.h"

namespace stoffel::bytecode::asm_lexer {

class Cursor {
 public:
  explicit Cursor(std::string_view line) : line_(line) {}

  size_t pos() const { return pos_; }
  // Skips blanks and returns where the next token starts (for error positions).
  size_t mark() {
    skip_space();
    return pos_;
  }
  std::string_view line() const { return line_; }

  // Skips blanks; a ';' starts a comment that runs to the end of the line.
  void skip_space();
  // True at the end of the line or at a comment (blanks skipped first).
  bool at_end();
  // The next character after blanks, '\0' at the end of the line or at a comment.
  char peek();
  // Consumes `c` (after blanks) if it is next.
  bool consume(char c);
  // Consumes `c` or records "expected <what>".
  bool expect(char c, std::string_view what);

  // A run of word characters (letters, digits, '_', '.') after blanks; empty if none.
  std::string_view word();

  // `"..."` with escapes, checked to be valid UTF-8; at most `max_bytes` bytes.
  std::optional<std::string> quoted(size_t max_bytes);
  // A name: a non-empty word or a quoted string; `what` names it in errors ("label name").
  std::optional<std::string> name(std::string_view what);
  // A decimal integer in 0..max.
  std::optional<uint64_t> unsigned_int(uint64_t max, std::string_view what);
  // `rN` with N in 0..2^32-1 (the verifier enforces the VM's smaller limit).
  std::optional<uint32_t> reg();
  // `[sp]`, `[sp+N]` or `[sp-N]` with the offset in i32 range.
  std::optional<int32_t> stack_offset();
  // Any constant literal: number, float, true/false, (), string, exact-bits form.
  std::optional<Constant> literal();

  bool failed() const { return failed_; }
  size_t error_pos() const { return error_pos_; }
  const std::string& error_message() const { return error_message_; }
  // Records an error at byte `pos` unless the line already has one.
  void fail(size_t pos, std::string message);

 private:
  bool unescape(std::string& out);

  std::string_view line_;
  size_t pos_ = 0;
  bool failed_ = false;
  size_t error_pos_ = 0;
  std::string error_message_;
};

// 1-based column of byte `pos` in `line`, counting UTF-8 code points (so a name with accents
// before the error does not shift the column an editor shows).
size_t column_of(std::string_view line, size_t pos);

}  // namespace stoffel::bytecode::asm_lexer
