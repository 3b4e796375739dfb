// The STFL writer: byte-exact output for the worked examples of docs/bytecode.md (built from
// hand-made models, independent of the reader), normalisations, and the errors it must give
// instead of truncating.
#include <gtest/gtest.h>

#include <string>

#include "bytecode/reader.h"
#include "bytecode/writer.h"
#include "stfl_test_util.h"

namespace stoffel::bytecode {
namespace {

using test::ByteBuilder;
using test::Bytes;
using test::hex;

Instruction op_r(Opcode op, uint32_t a) {
  return {op, a, 0, 0, 0, {}};
}
Instruction op_rr(Opcode op, uint32_t a, uint32_t b) {
  return {op, a, b, 0, 0, {}};
}
Instruction op_rrr(Opcode op, uint32_t a, uint32_t b, uint32_t c) {
  return {op, a, b, c, 0, {}};
}
Instruction op_s(Opcode op, std::string name) {
  return {op, 0, 0, 0, 0, std::move(name)};
}

Bytes write_ok(const Program& program) {
  auto bytes = write_program(program);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  return bytes.ok() ? *bytes : Bytes{};
}

std::string write_error(const Program& program) {
  auto bytes = write_program(program);
  if (bytes.ok()) return "<unexpectedly wrote the program>";
  return bytes.error().message;
}

Program one_function(Function f) {
  Program p;
  p.functions.push_back(std::move(f));
  return p;
}

TEST(Writer, WritesTheWorkedMainExample) {
  Program p;
  p.constants.push_back(Constant::i64(42));
  Function main;
  main.name = "main";
  main.register_count = 1;
  main.code = {op_rr(Opcode::LDI, 0, 0), op_r(Opcode::RET, 0)};
  p.functions.push_back(main);
  const Bytes bytes = write_ok(p);
  EXPECT_EQ(bytes.size(), 56u);
  EXPECT_EQ(bytes, hex(test::kMainExampleHex));
}

TEST(Writer, WritesTheWorkedSnippets) {
  Function f;
  f.name = "f";
  f.register_count = 3;
  f.parent = "main";
  f.labels = {{"L", 8}};
  Instruction ld{Opcode::LD, 0, 0, 0, -1, {}};
  f.code = {ld, op_s(Opcode::JMPLT, "L"), op_s(Opcode::CALL, "print")};
  ByteBuilder expected;
  expected.header(0).u32(1).str16("f").u16(3).u16(0).u16(0);
  expected.raw(hex("01 0400 6D61696E"));         // parent "main"
  expected.u16(1).raw(hex("0100 4C 08000000"));  // label L -> 8
  expected.u32(3);
  expected.raw(hex("00 00000000 FFFFFFFF"));  // LD r0, [sp-1]
  expected.raw(hex("15 0100 4C"));            // JMPLT "L"
  expected.raw(hex("11 0500 7072696E74"));    // CALL "print"
  EXPECT_EQ(write_ok(one_function(f)), expected.bytes());
}

// client_mul.stflb as described in docs/bytecode.md ("Worked example"), built as a model by hand.
Program client_mul_model() {
  Program p;
  p.constants = {Constant::i64(0), Constant::i64(1)};
  Function f;
  f.name = "main";
  f.register_count = 20;
  f.code = {
      op_s(Opcode::CALL, "ClientStore.get_number_clients"),
      op_rr(Opcode::MOV, 2, 0),
      op_rr(Opcode::LDI, 0, 0),
      op_r(Opcode::PUSHARG, 0),
      op_rr(Opcode::LDI, 1, 0),
      op_r(Opcode::PUSHARG, 1),
      op_s(Opcode::CALL, "ClientStore.take_share"),
      op_rr(Opcode::MOV, 16, 0),
      op_rr(Opcode::LDI, 0, 1),
      op_r(Opcode::PUSHARG, 0),
      op_rr(Opcode::LDI, 1, 0),
      op_r(Opcode::PUSHARG, 1),
      op_s(Opcode::CALL, "ClientStore.take_share"),
      op_rr(Opcode::MOV, 17, 0),
      op_rrr(Opcode::MUL, 18, 16, 17),
      op_r(Opcode::RET, 18),
  };
  p.functions.push_back(f);
  return p;
}

TEST(Writer, WritesClientMulByteForByte) {
  const Bytes written = write_ok(client_mul_model());
  EXPECT_EQ(written, test::read_bytes(test::fixtures_dir() / "reference/client_mul.stflb"));
  // The offsets listed in docs/bytecode.md.
  ASSERT_EQ(written.size(), 0xEBu);
  EXPECT_EQ(Bytes(written.begin(), written.begin() + 4), hex("53 54 46 4C"));
  EXPECT_EQ(Bytes(written.begin() + 0x04, written.begin() + 0x06), hex("01 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x06, written.begin() + 0x0A), hex("02 00 00 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x0A, written.begin() + 0x13), hex("01 0000000000000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x13, written.begin() + 0x1C), hex("01 0100000000000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x1C, written.begin() + 0x20), hex("01 00 00 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x20, written.begin() + 0x26), hex("04 00 6D 61 69 6E"));
  EXPECT_EQ(Bytes(written.begin() + 0x26, written.begin() + 0x28), hex("14 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x2F, written.begin() + 0x33), hex("10 00 00 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x33, written.begin() + 0x36), hex("11 1E 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x54, written.begin() + 0x5D), hex("02 02000000 00000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x5D, written.begin() + 0x66), hex("01 00000000 00000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x66, written.begin() + 0x6B), hex("13 00000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x6B, written.begin() + 0x74), hex("01 01000000 00000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x74, written.begin() + 0x79), hex("13 01000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x79, written.begin() + 0x7C), hex("11 16 00"));
  EXPECT_EQ(Bytes(written.begin() + 0x92, written.begin() + 0x9B), hex("02 10000000 00000000"));
  EXPECT_EQ(Bytes(written.begin() + 0x9B, written.begin() + 0xA4), hex("01 00000000 01000000"));
  EXPECT_EQ(Bytes(written.begin() + 0xD9, written.begin() + 0xE6),
            hex("05 12000000 10000000 11000000"));
  EXPECT_EQ(Bytes(written.begin() + 0xE6, written.begin() + 0xEB), hex("12 12000000"));
}

TEST(Writer, WritesVersionAsStored) {
  Program p;
  p.version = 0;
  EXPECT_EQ(write_ok(p), ByteBuilder().header(0, 0).u32(0).bytes());
}

TEST(Writer, WritesLabelsInModelOrder) {
  // No sorting and no hash maps: the writer's output is a pure function of the model.
  Function f;
  f.name = "f";
  f.labels = {{"z", 9}, {"a", 1}, {"z", 3}};
  ByteBuilder expected;
  expected.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(0);
  expected.u16(3).str16("z").u32(9).str16("a").u32(1).str16("z").u32(3).u32(0);
  const Bytes first = write_ok(one_function(f));
  EXPECT_EQ(first, expected.bytes());
  EXPECT_EQ(write_ok(one_function(f)), first);
}

TEST(Writer, WritesParamsUpvaluesAndAnEmptyParent) {
  Function f;
  f.name = "g";
  f.register_count = 0xFFFF;
  f.params = {"a", "b\xC3\xA9"};
  f.upvalues = {"up"};
  f.parent = "";
  ByteBuilder expected;
  expected.header(0).u32(1).str16("g").u16(0xFFFF);
  expected.u16(2).str16("a").str16("b\xC3\xA9").u16(1).str16("up");
  expected.u8(1).u16(0);  // has_parent, empty parent name
  expected.u16(0).u32(0);
  EXPECT_EQ(write_ok(one_function(f)), expected.bytes());
}

TEST(Writer, WritesBoolAsZeroOrOne) {
  Program p;
  p.constants = {Constant{ConstTag::Bool, 5, {}}, Constant{ConstTag::Bool, 0, {}},
                 Constant{ConstTag::Bool, 1ull << 40, {}}};
  EXPECT_EQ(write_ok(p), ByteBuilder().header(3).raw(hex("0A01 0A00 0A01")).u32(0).bytes());
}

TEST(Writer, TruncatesIntegerBitsToTheTagWidth) {
  Program p;
  p.constants = {Constant{ConstTag::I32, 0x123456789ull, {}}, Constant{ConstTag::I8, 0x1FF, {}},
                 Constant{ConstTag::U16, 0xABCDEF, {}}};
  EXPECT_EQ(write_ok(p),
            ByteBuilder().header(3).raw(hex("02 89674523  04 FF  06 EFCD")).u32(0).bytes());
}

TEST(Writer, IgnoresFieldsTheFormatDoesNotUse) {
  Function f;
  f.name = "f";
  f.code = {Instruction{Opcode::RET, 7, 8, 9, 10, "ignored"}};
  ByteBuilder expected;
  expected.header(0).u32(1).plain_function("f", 0, 1).raw(hex("12 07000000"));
  EXPECT_EQ(write_ok(one_function(f)), expected.bytes());
}

// ---------------------------------------------------------------------------------------------
// Errors instead of silent truncation.

TEST(WriterErrors, ShortStringLimitIs65535Bytes) {
  Function f;
  f.name = std::string(65535, 'n');
  const Bytes bytes = write_ok(one_function(f));
  auto back = read_program(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->functions[0].name, f.name);

  f.name.push_back('n');
  EXPECT_EQ(write_error(one_function(f)),
            "the name of function #0 is 65536 bytes long (at most 65535)");

  Function g;
  g.name = "g";
  g.code = {op_s(Opcode::CALL, std::string(70000, 'c'))};
  EXPECT_EQ(write_error(one_function(g)),
            "function 'g', instruction 0 (CALL): the name is 70000 bytes long (at most 65535)");

  Function h;
  h.name = "h";
  h.params = {"ok", std::string(65536, 'p')};
  EXPECT_EQ(write_error(one_function(h)),
            "parameter 1 of function 'h' is 65536 bytes long (at most 65535)");

  Function u;
  u.name = "u";
  u.upvalues = {std::string(65536, 'u')};
  EXPECT_EQ(write_error(one_function(u)),
            "upvalue 0 of function 'u' is 65536 bytes long (at most 65535)");

  Function q;
  q.name = "q";
  q.parent = std::string(65536, 'q');
  EXPECT_EQ(write_error(one_function(q)),
            "the parent name of function 'q' is 65536 bytes long (at most 65535)");

  Function l;
  l.name = "l";
  l.labels = {{std::string(65536, 'l'), 0}};
  EXPECT_EQ(write_error(one_function(l)).find("label '"), 0u);
}

TEST(WriterErrors, LongStringsMayExceedTheShortLimit) {
  Program p;
  p.constants = {Constant::string(std::string(70000, 's'))};
  auto back = read_program(write_ok(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->constants, p.constants);
}

TEST(WriterErrors, U16CountsOverflow) {
  Function f;
  f.name = "f";
  f.params.assign(65536, "p");
  EXPECT_EQ(write_error(one_function(f)),
            "too many parameters of function 'f': 65536 (at most 65535)");
  f.params.assign(65535, "");
  auto back = read_program(write_ok(one_function(f)));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->functions[0].params.size(), 65535u);

  Function g;
  g.name = "g";
  g.upvalues.assign(65536, "u");
  EXPECT_EQ(write_error(one_function(g)),
            "too many upvalues of function 'g': 65536 (at most 65535)");

  Function h;
  h.name = "h";
  h.labels.assign(65536, Label{"L", 0});
  EXPECT_EQ(write_error(one_function(h)), "too many labels of function 'h': 65536 (at most 65535)");
}

TEST(WriterErrors, InvalidUtf8IsRefused) {
  // Neither this reader nor the reference would load the result.
  Program p;
  p.constants = {Constant::string("ok"), Constant::string("\xED\xA0\x80")};
  EXPECT_EQ(write_error(p), "invalid UTF-8 in string constant 1, at byte 0");
  Function f;
  f.name = "f\xFF";
  EXPECT_EQ(write_error(one_function(f)), "invalid UTF-8 in the name of function #0, at byte 1");
  Function g;
  g.name = "g";
  g.code = {op_s(Opcode::JMP, "\xC0\xAF")};
  g.labels = {{"\xC0\xAF", 0}};
  EXPECT_EQ(write_error(one_function(g)),
            "invalid UTF-8 in label '\xC0\xAF' of function 'g', at byte 0");
}

TEST(WriterErrors, VersionAboveCurrent) {
  Program p;
  p.version = 2;
  EXPECT_EQ(write_error(p), "unsupported version 2 (this writer writes versions 0 and 1)");
}

TEST(WriterErrors, InvalidTagOrOpcodeInTheModel) {
  Program p;
  p.constants = {Constant::unit(), Constant{static_cast<ConstTag>(12), 0, {}}};
  EXPECT_EQ(write_error(p), "constant 1 has unknown tag 12");
  Function f;
  f.name = "f";
  f.code = {op_r(Opcode::RET, 0), op_r(static_cast<Opcode>(0x17), 0)};
  EXPECT_EQ(write_error(one_function(f)), "function 'f', instruction 1: invalid opcode 23");
}

}  // namespace
}  // namespace stoffel::bytecode
