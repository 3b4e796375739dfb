// The text -> Program direction: every literal form, every opcode, every directive, and every
// kind of error with the line and column it must point at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bytecode/assembler.h"

namespace stoffel::bytecode {
namespace {

::testing::AssertionResult starts_with(const std::string& text, const std::string& prefix) {
  if (text.starts_with(prefix)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\n  text:     " << text << "\n  expected: " << prefix << "...";
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  text:    " << text << "\n  lacks:   " << part;
}

Program assemble_ok(std::string_view text) {
  auto p = assemble(text, "t.stfa");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message) << "\n--- text:\n" << text;
  return p.ok() ? std::move(p).value() : Program{};
}

// The full error text (all errors, one per line); fails the test if assembly succeeded.
std::string assemble_error(std::string_view text) {
  auto p = assemble(text, "t.stfa");
  EXPECT_FALSE(p.ok()) << "assembled unexpectedly:\n" << text;
  return p.ok() ? std::string() : p.error().message;
}

// `.function f` around one `LDI r0, <literal>` (the literal starts at line 2, column 13).
std::string ldi_program(std::string_view literal) {
  return ".function f\n    LDI r0, " + std::string(literal) + "\n.end\n";
}

Constant literal(std::string_view text) {
  const Program p = assemble_ok(ldi_program(text));
  if (p.constants.size() != 1) {
    ADD_FAILURE() << "expected one constant for " << text;
    return {};
  }
  return p.constants[0];
}

uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

TEST(AssemblerLiterals, Integers) {
  EXPECT_EQ(literal("42"), Constant::i64(42));
  EXPECT_EQ(literal("-7"), Constant::i64(-7));
  EXPECT_EQ(literal("0"), Constant::i64(0));
  EXPECT_EQ(literal("-0"), Constant::i64(0));
  EXPECT_EQ(literal("42i64"), Constant::i64(42));
  EXPECT_EQ(literal("9223372036854775807"), Constant::i64(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(literal("-9223372036854775808"), Constant::i64(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(literal("5i32"), Constant::i32(5));
  EXPECT_EQ(literal("-1i32"), Constant::i32(-1));
  EXPECT_EQ(literal("-1i32").bits, 0xFFFFFFFFu);  // zero-extended from its width
  EXPECT_EQ(literal("-2147483648i32"), Constant::i32(std::numeric_limits<int32_t>::min()));
  EXPECT_EQ(literal("7i16"), Constant::i16(7));
  EXPECT_EQ(literal("-32768i16"), Constant::i16(-32768));
  EXPECT_EQ(literal("-3i8"), Constant::i8(-3));
  EXPECT_EQ(literal("127i8"), Constant::i8(127));
  EXPECT_EQ(literal("-128i8"), Constant::i8(-128));
  EXPECT_EQ(literal("4u8"), Constant::u8(4));
  EXPECT_EQ(literal("255u8"), Constant::u8(255));
  EXPECT_EQ(literal("7u16"), Constant::u16(7));
  EXPECT_EQ(literal("65535u16"), Constant::u16(65535));
  EXPECT_EQ(literal("9u32"), Constant::u32(9));
  EXPECT_EQ(literal("4294967295u32"), Constant::u32(4294967295u));
  EXPECT_EQ(literal("10u64"), Constant::u64(10));
  EXPECT_EQ(literal("18446744073709551615u64"), Constant::u64(~0ull));
  EXPECT_EQ(literal("0x2A"), Constant::i64(42));
  EXPECT_EQ(literal("-0x80i8"), Constant::i8(-128));
  EXPECT_EQ(literal("0xFFu8"), Constant::u8(255));
  EXPECT_EQ(literal("0x0000000000000000001u8"), Constant::u8(1));  // leading zeros are fine
}

TEST(AssemblerLiterals, Floats) {
  EXPECT_EQ(literal("1.5f64"), Constant::f64(1.5));
  EXPECT_EQ(literal("1f64"), Constant::f64(1.0));
  EXPECT_EQ(literal("-2.25f64"), Constant::f64(-2.25));
  EXPECT_EQ(literal("0f64").bits, 0u);
  EXPECT_EQ(literal("-0f64").bits, 0x8000000000000000ull);
  EXPECT_EQ(literal("inff64").bits, 0x7ff0000000000000ull);
  EXPECT_EQ(literal("-inff64").bits, 0xfff0000000000000ull);
  EXPECT_EQ(literal("NaNf64").bits, 0x7ff8000000000000ull);
  EXPECT_EQ(literal("0.30000000000000004f64"), Constant::f64(0.1 + 0.2));
  EXPECT_EQ(literal("1e+21f64"), Constant::f64(1e21));
  EXPECT_EQ(literal("2.5E-3f64"), Constant::f64(2.5e-3));
  EXPECT_EQ(literal("5.1877e-319f64").bits, bits_of(5.1877e-319));  // a denormal
  EXPECT_EQ(literal("4.9406564584124654e-324f64").bits, 1u);        // the smallest one
  EXPECT_EQ(literal("f64:0x7ff8000000000001").bits, 0x7ff8000000000001ull);
  EXPECT_EQ(literal("f64:0xFFF8000000000000").bits, 0xfff8000000000000ull);
  EXPECT_EQ(literal("f64:0x1").bits, 1u);
  EXPECT_EQ(literal("f64:0x1").tag, ConstTag::Float);
}

TEST(AssemblerLiterals, BoolUnitString) {
  EXPECT_EQ(literal("true"), Constant::boolean(true));
  EXPECT_EQ(literal("false"), Constant::boolean(false));
  EXPECT_EQ(literal("bool:0x02"), (Constant{ConstTag::Bool, 2, {}}));
  EXPECT_EQ(literal("()"), Constant::unit());
  EXPECT_EQ(literal("\"text\""), Constant::string("text"));
  EXPECT_EQ(literal("\"\""), Constant::string(""));
  EXPECT_EQ(literal(R"("a\"b\\c\nd\te\rf\0g")"),
            Constant::string(std::string("a\"b\\c\nd\te\rf\0g", 13)));
  EXPECT_EQ(literal(R"("\x41\x7f\x01")"), Constant::string("A\x7f\x01"));
  EXPECT_EQ(literal(R"("\xc3\xa9")"), Constant::string("\xc3\xa9"));  // bytes forming valid UTF-8
  EXPECT_EQ(literal(R"("\u{e9}\u{1F600}\u{41}")"), Constant::string("\xc3\xa9\xf0\x9f\x98\x80"
                                                                    "A"));
  EXPECT_EQ(literal("\"h\xc3\xa9llo ; not a comment, nor a separator\""),
            Constant::string("h\xc3\xa9llo ; not a comment, nor a separator"));
}

struct LiteralError {
  const char* literal;
  const char* message;
  const char* where = "t.stfa:2:13: ";  // escape errors point at their backslash instead
};

TEST(AssemblerLiterals, ErrorsPointAtTheLiteral) {
  const LiteralError cases[] = {
      {"128i8", "integer literal '128i8' is out of range for i8"},
      {"-129i8", "out of range for i8"},
      {"32768i16", "out of range for i16"},
      {"2147483648i32", "out of range for i32"},
      {"9223372036854775808", "out of range for i64"},
      {"-9223372036854775809", "out of range for i64"},
      {"99999999999999999999999", "out of range for i64"},
      {"256u8", "out of range for u8"},
      {"65536u16", "out of range for u16"},
      {"4294967296u32", "out of range for u32"},
      {"18446744073709551616u64", "out of range for u64"},
      {"0x1FFu8", "out of range for u8"},
      {"0x10000000000000000", "out of range for i64"},
      {"-1u8", "unsigned literal '-1u8' cannot be negative"},
      {"1.5", "float literals need the f64 suffix"},
      {"1e5", "float literals need the f64 suffix"},
      {"5i7", "unknown literal suffix 'i7'"},
      {"12abc", "unknown literal suffix 'abc'"},
      {"abc", "invalid literal 'abc'"},
      {"nanf64", "invalid float literal"},
      {"infinityf64", "invalid float literal"},
      {"1.f64", "invalid float literal"},
      {".5f64", "invalid float literal"},
      {"1e400f64", "out of range"},
      {"1e-400f64", "out of range"},
      {"f64:0x", "invalid exact-bits literal"},
      {"f64:0x10000000000000000", "invalid exact-bits literal"},
      {"f64:12", "invalid exact-bits literal"},
      {"f32:0x1", "unknown exact-bits literal kind 'f32'"},
      {"bool:0x100", "does not fit in one byte"},
      {"(", "expected '()'"},
      {"\"abc", "unterminated string"},
      {"\"\\q\"", "unknown escape sequence '\\q'", "t.stfa:2:14: "},
      {"\"\\x4\"", "\\x needs exactly two hex digits", "t.stfa:2:14: "},
      {"\"\\u41\"", "\\u needs the form", "t.stfa:2:14: "},
      {"\"\\u{}\"", "\\u needs the form", "t.stfa:2:14: "},
      {"\"\\u{1234567}\"", "\\u needs the form", "t.stfa:2:14: "},
      {"\"\\u{D800}\"", "not a Unicode scalar value", "t.stfa:2:14: "},
      {"\"\\u{110000}\"", "not a Unicode scalar value", "t.stfa:2:14: "},
      {"\"\\xff\"", "not valid UTF-8"},
      {"\"\xc3\"", "not valid UTF-8"},
      {"\"\xed\xa0\x80\"", "not valid UTF-8"},  // an encoded surrogate
      {"\"\xc0\xaf\"", "not valid UTF-8"},      // an overlong form
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.literal);
    const std::string error = assemble_error(ldi_program(c.literal));
    EXPECT_TRUE(starts_with(error, c.where));
    EXPECT_TRUE(contains(error, c.message));
  }
  // An escape error points at the backslash, not at the string.
  EXPECT_TRUE(starts_with(assemble_error(ldi_program("\"ab\\q\"")), "t.stfa:2:16: unknown escape"));
  EXPECT_TRUE(starts_with(assemble_error(ldi_program("")), "t.stfa:2:13: expected a constant"));
  EXPECT_TRUE(starts_with(assemble_error(ldi_program("1 2")), "t.stfa:2:15: unexpected text"));
}

// Operand text for every format, and the instruction it must produce.
struct Sample {
  std::string operands;
  Instruction expected;
};

Sample sample_for(const OpcodeInfo& info) {
  Instruction ins;
  ins.op = info.op;
  switch (info.format) {
    case Format::RO:
      ins.a = 7, ins.offset = -3;
      return {"r7, [sp-3]", ins};
    case Format::RK:
      ins.a = 65535, ins.b = 0;
      return {"r65535, 5i32", ins};
    case Format::RR:
      ins.a = 1, ins.b = 16;
      return {"r1, r16", ins};
    case Format::RRR:
      ins.a = 0, ins.b = 1, ins.c = 4294967295u;
      return {"r0, r1, r4294967295", ins};
    case Format::R:
      ins.a = 3;
      return {"r3", ins};
    case Format::S:
      ins.name = is_jump(info.op) ? "target" : "Share.open";
      return {is_jump(info.op) ? "target" : "\"Share.open\"", ins};
  }
  return {};
}

TEST(AssemblerOpcodes, EveryOpcodeFromTheTable) {
  std::string text = ".function f regs=4\ntarget:\n";
  std::vector<Instruction> expected;
  for (const auto& info : kOpcodeInfo) {
    const Sample s = sample_for(info);
    text += "    " + std::string(info.name) + " " + s.operands + "\n";
    expected.push_back(s.expected);
  }
  text += ".end\n";
  const Program p = assemble_ok(text);
  ASSERT_EQ(p.functions.size(), 1u);
  EXPECT_EQ(p.functions[0].code, expected);
  EXPECT_EQ(p.constants, std::vector<Constant>{Constant::i32(5)});
  EXPECT_EQ(p.functions[0].code.size(), static_cast<size_t>(kOpcodeCount));
}

TEST(AssemblerOpcodes, OperandForms) {
  const Program p = assemble_ok(
      ".function f\n"
      "  LD r0, [sp]\n"
      "  LD r0, [sp+0]\n"
      "  LD r0, [ sp + 12 ]\n"
      "  LD r0, [sp-2147483648]\n"
      "  LD r0, [sp+2147483647]\n"
      "  LDI r1, #4294967295\n"
      "  CALL bare_name.ok\n"
      "  CALL \"quoted name\"\n"
      "  JMP !nowhere\n"
      "  JMPEQ !\"no where\"\n"
      ".end\n");
  const auto& code = p.functions.at(0).code;
  ASSERT_EQ(code.size(), 10u);
  EXPECT_EQ(code[0].offset, 0);
  EXPECT_EQ(code[1].offset, 0);
  EXPECT_EQ(code[2].offset, 12);
  EXPECT_EQ(code[3].offset, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(code[4].offset, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(code[5].b, 4294967295u);  // out of range: the verifier's business, not ours
  EXPECT_TRUE(p.constants.empty());
  EXPECT_EQ(code[6].name, "bare_name.ok");
  EXPECT_EQ(code[7].name, "quoted name");
  EXPECT_EQ(code[8].name, "nowhere");
  EXPECT_EQ(code[9].name, "no where");
}

TEST(AssemblerProgram, ConstantPoolIsFirstAppearanceOrderDeduplicatedByBits) {
  const Program p = assemble_ok(
      ".function a\n"
      "  LDI r0, 1\n"
      "  LDI r0, 1i32\n"
      "  LDI r0, 0f64\n"
      "  LDI r0, -0f64\n"
      "  LDI r0, 1\n"
      "  LDI r0, \"s\"\n"
      ".end\n"
      ".function b\n"
      "  LDI r0, \"s\"\n"
      "  LDI r0, NaNf64\n"
      "  LDI r0, f64:0x7ff8000000000001\n"
      "  LDI r0, -0f64\n"
      "  LDI r0, ()\n"
      ".end\n");
  const std::vector<Constant> pool = {Constant::i64(1),
                                      Constant::i32(1),
                                      Constant::f64(0.0),
                                      Constant::f64(-0.0),
                                      Constant::string("s"),
                                      Constant{ConstTag::Float, 0x7ff8000000000000ull, {}},
                                      Constant{ConstTag::Float, 0x7ff8000000000001ull, {}},
                                      Constant::unit()};
  EXPECT_EQ(p.constants, pool);
  std::vector<uint32_t> a, b;
  for (const auto& i : p.functions[0].code) a.push_back(i.b);
  for (const auto& i : p.functions[1].code) b.push_back(i.b);
  EXPECT_EQ(a, (std::vector<uint32_t>{0, 1, 2, 3, 0, 4}));
  EXPECT_EQ(b, (std::vector<uint32_t>{4, 5, 6, 3, 7}));
}

TEST(AssemblerProgram, ExplicitConstantsBlock) {
  const Program p = assemble_ok(
      ".constants\n"
      "    #0 = 7\n"
      "    \"unused\"\n"
      "    #2 = 7 ; a duplicate\n"
      ".end\n"
      ".function f\n"
      "  LDI r0, 7\n"
      "  LDI r0, #2\n"
      "  LDI r0, 8\n"
      "  LDI r0, #99\n"
      ".end\n");
  EXPECT_EQ(p.constants, (std::vector<Constant>{Constant::i64(7), Constant::string("unused"),
                                                Constant::i64(7), Constant::i64(8)}));
  std::vector<uint32_t> idx;
  for (const auto& i : p.functions[0].code) idx.push_back(i.b);
  // A literal maps to its first entry; one missing from the block is appended.
  EXPECT_EQ(idx, (std::vector<uint32_t>{0, 2, 3, 99}));
}

TEST(AssemblerProgram, FunctionHeaders) {
  const Program p = assemble_ok(
      ".version 0\n"
      ".function main regs=3\n.end\n"
      ".function \"odd name\" regs=65535 params=(a, \"b c\", d.e) upvalues=(x) parent=main\n.end\n"
      ".function main params=() upvalues=() parent=\"\"\n.end\n"
      ".function inferred params=(p0, p1)\n  ADD r5, r0, r1\n.end\n"
      ".function inferred2 params=(p0, p1, p2)\n  MOV r0, r1\n.end\n");
  EXPECT_EQ(p.version, 0);
  ASSERT_EQ(p.functions.size(), 5u);
  EXPECT_EQ(p.functions[0].name, "main");
  EXPECT_EQ(p.functions[0].register_count, 3);
  EXPECT_FALSE(p.functions[0].parent.has_value());
  const Function& odd = p.functions[1];
  EXPECT_EQ(odd.name, "odd name");
  EXPECT_EQ(odd.register_count, 65535);
  EXPECT_EQ(odd.params, (std::vector<std::string>{"a", "b c", "d.e"}));
  EXPECT_EQ(odd.upvalues, (std::vector<std::string>{"x"}));
  EXPECT_EQ(odd.parent, std::optional<std::string>("main"));
  EXPECT_EQ(p.functions[2].name, "main");  // duplicate names are legal and keep file order
  EXPECT_EQ(p.functions[2].parent, std::optional<std::string>(""));
  EXPECT_EQ(p.functions[2].register_count, 0);
  // Without regs=: highest register referenced + 1, at least the parameter count.
  EXPECT_EQ(p.functions[3].register_count, 6);
  EXPECT_EQ(p.functions[4].register_count, 3);
}

TEST(AssemblerProgram, LabelsSortedByIndexThenName) {
  const Program p = assemble_ok(
      ".function f\n"
      "  .label zz @7\n"
      "b:\n"
      "a:  JMP a\n"
      "\"q q\": c: JMP b\n"
      "end:\n"
      "end:\n"
      "  .label after\n"
      ".end\n");
  const std::vector<Label> expected = {{"a", 0},     {"b", 0},   {"c", 1},   {"q q", 1},
                                       {"after", 2}, {"end", 2}, {"end", 2}, {"zz", 7}};
  EXPECT_EQ(p.functions.at(0).labels, expected);
}

TEST(AssemblerProgram, LabelOrderDirective) {
  const Program p = assemble_ok(
      ".function f\n"
      "  .label_order end@2, a@0, \"x y\"@1\n"
      "  .label_order a@0 , end@2\n"
      "a:\n"
      "a:  JMP end\n"
      "\"x y\": RET r0\n"
      "end:\n"
      "end:\n"
      ".end\n");
  const std::vector<Label> expected = {{"end", 2}, {"a", 0}, {"x y", 1}, {"a", 0}, {"end", 2}};
  EXPECT_EQ(p.functions.at(0).labels, expected);
}

TEST(AssemblerProgram, LayoutFreedom) {
  // CRLF line endings, tabs, comments everywhere, blank lines, an empty program.
  const Program p = assemble_ok(
      "; comment\r\n\r\n.function\tf ; c\r\n\tLDI\tr0,42;c\r\nx:;c\r\n\tRET r0\r\n.end ; done\r\n");
  EXPECT_EQ(p.functions.at(0).code.size(), 2u);
  EXPECT_EQ(p.functions.at(0).labels, (std::vector<Label>{{"x", 1}}));
  EXPECT_EQ(assemble_ok("").functions.size(), 0u);
  EXPECT_EQ(assemble_ok("; nothing\n\n").functions.size(), 0u);
}

struct ErrorCase {
  const char* text;
  const char* where;  // "t.stfa:<line>:<col>: "
  const char* message;
};

TEST(AssemblerErrors, EveryKindWithLineAndColumn) {
  const ErrorCase cases[] = {
      {"LDI r0, 1\n", "t.stfa:1:1: ", "instructions and labels belong inside"},
      {".function f\n  ldi r0, 1\n.end\n",
       "t.stfa:2:3: ", "unknown instruction 'ldi' (mnemonics are upper case: LDI)"},
      {".function f\n  FOO r0\n.end\n", "t.stfa:2:3: ", "unknown instruction 'FOO'"},
      {".function f\n  MOV r0 r1\n.end\n", "t.stfa:2:10: ", "expected ',' between operands"},
      {".function f\n  MOV r0, x1\n.end\n",
       "t.stfa:2:11: ", "expected a register such as r0, found 'x1'"},
      {".function f\n  RET r\n.end\n", "t.stfa:2:7: ", "expected a register"},
      {".function f\n  RET r4294967296\n.end\n", "t.stfa:2:8: ", "out of range"},
      {".function f\n  RET r1x\n.end\n", "t.stfa:2:8: ", "a decimal number"},
      {".function f\n  RET r1, r2\n.end\n", "t.stfa:2:9: ", "unexpected text after the operands"},
      {".function f\n  ADD r1, r2\n.end\n", "t.stfa:2:13: ", "expected ',' between operands"},
      {".function f\n  LD r1, sp-1\n.end\n", "t.stfa:2:10: ", "expected an argument-stack slot"},
      {".function f\n  LD r1, [sp+2147483648]\n.end\n", "t.stfa:2:10: ", "out of range"},
      {".function f\n  LD r1, [sp-2147483649]\n.end\n",
       "t.stfa:2:10: ", "stack offset is out of range (-2147483648..2147483647)"},
      {".function f\n  LDI r1, #x\n.end\n", "t.stfa:2:12: ", "expected constant index"},
      {".function f\n  CALL\n.end\n", "t.stfa:2:7: ", "expected a function name"},
      {".function f\n  JMP\n.end\n", "t.stfa:2:6: ", "expected a label name"},
      {".function f\n  JMP a\n  JMPNEQ missing\na:\n.end\n",
       "t.stfa:3:10: ", "jump to undefined label missing in function f"},
      {".function f\n  JMPGT \"no such\"\n.end\n",
       "t.stfa:2:9: ", "jump to undefined label \"no such\""},
      {".function f\n  \"lbl\" RET r0\n.end\n", "t.stfa:2:9: ", "expected ':' after the quoted"},
      {".function f\n  #1\n.end\n", "t.stfa:2:3: ", "expected an instruction or a label"},
      {".end\n", "t.stfa:1:1: ", "'.end' without an open .function"},
      {".bogus\n", "t.stfa:1:1: ", "unknown directive '.bogus'"},
      {".function f\n.end extra\n", "t.stfa:2:6: ", "unexpected text after '.end'"},
      {".version 1\n.version 1\n", "t.stfa:2:1: ", "'.version' given twice"},
      {".version 65536\n", "t.stfa:1:10: ", "version is out of range (0..65535)"},
      {".version\n", "t.stfa:1:9: ", "expected version"},
      {".function f\n.end\n.version 1\n", "t.stfa:3:1: ", "must come before the first .function"},
      {".function f\n.version 1\n.end\n", "t.stfa:2:1: ", "only allowed at the top level"},
      {".function f\n.end\n.constants\n.end\n",
       "t.stfa:3:1: ", "'.constants' must come before the first .function"},
      {".constants\n.end\n.constants\n.end\n", "t.stfa:3:1: ", "only one '.constants' block"},
      {".constants\n  #1 = 5\n.end\n", "t.stfa:2:3: ", "constant #1 stands at position #0"},
      {".constants\n  #0 5\n.end\n", "t.stfa:2:6: ", "expected '=' after the constant index"},
      {".constants\n  5 6\n.end\n", "t.stfa:2:5: ", "unexpected text after the constant"},
      {".constants\n  LDI r0, 5\n.end\n", "t.stfa:2:3: ", "invalid literal 'LDI'"},
      {".constants\n", "t.stfa:1:1: ", "'.constants' is not closed by '.end'"},
      {".function main\n  RET r0\n", "t.stfa:1:1: ", "'function main' is not closed by '.end'"},
      {".function f\n.function g\n.end\n", "t.stfa:2:1: ", "missing '.end' before '.function'"},
      {".function\n.end\n", "t.stfa:1:10: ", "expected a function name"},
      {".function f regs=65536\n.end\n", "t.stfa:1:18: ", "regs is out of range (0..65535)"},
      {".function f regs=1 regs=2\n.end\n", "t.stfa:1:20: ", "'regs=' given twice"},
      {".function f size=1\n.end\n", "t.stfa:1:13: ", "unknown function attribute 'size'"},
      {".function f regs 1\n.end\n", "t.stfa:1:18: ", "expected '=' after 'regs'"},
      {".function f params=a\n.end\n", "t.stfa:1:20: ", "expected '(' to start the list"},
      {".function f params=(a b)\n.end\n", "t.stfa:1:23: ", "expected ',' or ')' in the list"},
      {".function f params=(a,)\n.end\n", "t.stfa:1:23: ", "expected a parameter name"},
      {".function f parent=\n.end\n", "t.stfa:1:20: ", "expected a parent function name"},
      {".function f\n  RET r70000\n.end\n", "t.stfa:1:1: ", "needs 70001 registers"},
      {".label x @1\n", "t.stfa:1:1: ", "only allowed inside a .function block"},
      {".function f\n  .label x @\n.end\n", "t.stfa:2:13: ", "expected label index"},
      {".function f\n  .label_order a@0, b\n.end\n",
       "t.stfa:2:22: ", "expected '@' and the label's instruction index"},
      {".function f\n  .label_order a@0, b@1\na:\n.end\n", "t.stfa:2:21: ",
       "'.label_order' lists b@1, but the function defines no (further) label like that"},
      {".function f\n  .label_order a@0\na:\nb:\n.end\n",
       "t.stfa:2:3: ", "label b@0 (defined at line 4) is missing from '.label_order'"},
      {".function f\n  .label_order a@0, a@0\na:\n.end\n",
       "t.stfa:2:21: ", "lists a@0, but the function defines no (further) label like that"},
      {".function f\n  CALL \"\xff\"\n.end\n", "t.stfa:2:8: ", "not valid UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string error = assemble_error(c.text);
    EXPECT_TRUE(starts_with(error, c.where));
    EXPECT_TRUE(contains(error.substr(0, error.find('\n')), c.message));
  }
}

TEST(AssemblerErrors, NamesLongerThanAShortStringAreRejected) {
  const std::string ok(65535, 'n');
  const std::string too_long(65536, 'n');
  EXPECT_EQ(assemble_ok(".function \"" + ok + "\"\n.end\n").functions.at(0).name, ok);
  EXPECT_TRUE(starts_with(assemble_error(".function \"" + too_long + "\"\n.end\n"),
                          "t.stfa:1:11: string is 65536 bytes long; at most 65535 allowed here"));
}

TEST(AssemblerErrors, ColumnsCountCodePoints) {
  // "é" is two bytes but one column.
  EXPECT_TRUE(starts_with(assemble_error(".function \"\xc3\xa9\" regs=x\n.end\n"),
                          "t.stfa:1:20: expected regs"));
}

TEST(AssemblerErrors, AllErrorsAreReportedInLineOrder) {
  const std::string error = assemble_error(
      ".function f\n"
      "  JMP nowhere\n"  // reported when the function closes, but sorted into place
      "  BAD r0\n"
      "  LDI r0, 300u8\n"
      ".end\n"
      ".bogus\n");
  EXPECT_EQ(error,
            "t.stfa:2:7: jump to undefined label nowhere in function f (write !nowhere to keep "
            "an unresolved target on purpose)\n"
            "t.stfa:3:3: unknown instruction 'BAD'\n"
            "t.stfa:4:11: integer literal '300u8' is out of range for u8\n"
            "t.stfa:6:1: unknown directive '.bogus' (expected .version, .constants, .function, "
            ".label, .label_order or .end)");
}

TEST(AssemblerErrors, ManyErrorsAreCapped) {
  std::string text = ".function f\n";
  for (int i = 0; i < 80; ++i) text += "  BAD\n";
  text += ".end\n";
  const std::string error = assemble_error(text);
  EXPECT_TRUE(contains(error, "t.stfa:51:3: unknown instruction 'BAD'"));
  EXPECT_FALSE(contains(error, "t.stfa:52:3:"));
  EXPECT_TRUE(contains(error, "t.stfa: 30 more errors not shown"));
}

TEST(AssemblerErrors, SourceNameIsUsed) {
  const auto p = assemble("BAD", "dir/my file.stfa");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(starts_with(p.error().message, "dir/my file.stfa:1:1: "));
  const auto q = assemble("BAD");
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(starts_with(q.error().message, "<input>:1:1: "));
}

TEST(AssemblerRobustness, MutatedTextNeverCrashesAndErrorsAlwaysHaveAPosition) {
  const std::string seed_text =
      ".version 1\n"
      ".constants\n    #0 = 7\n    \"s\\n\\u{e9}\"\n.end\n"
      ".function main regs=3 params=(a, \"b c\") upvalues=(u) parent=p\n"
      "    .label_order z@1, far@99, a@0\n"
      "a:\n    LDI r0, -0f64 ; comment\n"
      "z:  LD r1, [sp-1]\n    JMPEQ a\n    JMP !gone\n    CALL \"print\"\n"
      "    LDI r2, f64:0x7ff8000000000001\n    ADD r0, r1, r2\n    .label far @99\n.end\n";
  ASSERT_TRUE(assemble(seed_text).ok());
  const std::string alphabet = " \t\n\r;:,.@#!\"\\()[]=+-_rxfi0123456789aAzZ\xc3\xa9\xff";
  std::mt19937_64 rng(7);
  int failures = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed_text;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(pos, 1, c);
          break;
        case 1:
          if (pos < text.size()) text.erase(pos, 1);
          break;
        default:
          if (pos < text.size()) text[pos] = c;
          break;
      }
    }
    const auto result = assemble(text, "t.stfa");
    if (result.ok()) continue;
    ++failures;
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    const std::string& message = result.error().message;
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      const std::string line = message.substr(start, end - start);
      // "t.stfa:<line>:<column>: <message>", or the final "t.stfa: N more errors not shown".
      // (Parsed by hand: std::regex trips GCC 12's -Wmaybe-uninitialized under ASan.)
      size_t line_no = 0, column = 0;
      int consumed = 0;
      const bool located =
          std::sscanf(line.c_str(), "t.stfa:%zu:%zu: %n", &line_no, &column, &consumed) == 2 &&
          consumed > 0 && static_cast<size_t>(consumed) < line.size();
      const bool summary = line.starts_with("t.stfa: ") && line.ends_with(" more errors not shown");
      ASSERT_TRUE(located || summary) << line << "\n--- text:\n" << text;
      if (located) {
        EXPECT_GE(line_no, 1u);
        EXPECT_LE(line_no, lines) << line;
        EXPECT_GE(column, 1u);
      }
      start = end + 1;
    }
  }
  EXPECT_GT(failures, 1000);  // most edits must break something, or this checks little
}

}  // namespace
}  // namespace stoffel::bytecode
