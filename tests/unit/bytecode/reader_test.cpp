// The STFL reader: decoding of the worked examples, the normalisations it applies, and every kind
// of load error with the byte offset it must name.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bytecode/reader.h"
#include "stfl_test_util.h"

namespace stoffel::bytecode {
namespace {

using test::ByteBuilder;
using test::Bytes;
using test::hex;

// The error message of a read that must fail.
std::string read_error(const Bytes& bytes) {
  auto result = read_program(bytes);
  if (result.ok()) return "<unexpectedly read a program>";
  return result.error().message;
}

Bytes client_mul() {
  return test::read_bytes(test::fixtures_dir() / "reference/client_mul.stflb");
}

// ---------------------------------------------------------------------------------------------
// Decoding

TEST(Reader, DecodesTheWorkedMainExample) {
  const Bytes bytes = hex(test::kMainExampleHex);
  ASSERT_EQ(bytes.size(), 56u);
  auto program = read_program(bytes);
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->version, 1);
  ASSERT_EQ(program->constants.size(), 1u);
  EXPECT_EQ(program->constants[0], Constant::i64(42));
  ASSERT_EQ(program->functions.size(), 1u);
  const Function& f = program->functions[0];
  EXPECT_EQ(f.name, "main");
  EXPECT_EQ(f.register_count, 1);
  EXPECT_TRUE(f.params.empty());
  EXPECT_TRUE(f.upvalues.empty());
  EXPECT_FALSE(f.parent.has_value());
  EXPECT_TRUE(f.labels.empty());
  ASSERT_EQ(f.code.size(), 2u);
  EXPECT_EQ(f.code[0].op, Opcode::LDI);
  EXPECT_EQ(f.code[0].a, 0u);
  EXPECT_EQ(f.code[0].b, 0u);
  EXPECT_EQ(f.code[1].op, Opcode::RET);
  EXPECT_EQ(f.code[1].a, 0u);
}

TEST(Reader, DecodesTheWorkedSnippets) {
  // LD r0,[sp-1]; JMPLT "L"; CALL "print" in a function with parent "main" and label L -> 8.
  ByteBuilder b;
  b.header(0).u32(1).str16("f").u16(3).u16(0).u16(0);
  b.raw(hex("01 0400 6D61696E"));         // parent "main"
  b.u16(1).raw(hex("0100 4C 08000000"));  // label L -> 8
  b.u32(3);
  b.raw(hex("00 00000000 FFFFFFFF"));  // LD r0, [sp-1]
  b.raw(hex("15 0100 4C"));            // JMPLT "L"
  b.raw(hex("11 0500 7072696E74"));    // CALL "print"
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  const Function& f = program->functions.at(0);
  EXPECT_EQ(f.parent, std::optional<std::string>("main"));
  ASSERT_EQ(f.labels.size(), 1u);
  EXPECT_EQ(f.labels[0], (Label{"L", 8}));
  ASSERT_EQ(f.code.size(), 3u);
  EXPECT_EQ(f.code[0].op, Opcode::LD);
  EXPECT_EQ(f.code[0].a, 0u);
  EXPECT_EQ(f.code[0].offset, -1);
  EXPECT_EQ(f.code[1].op, Opcode::JMPLT);
  EXPECT_EQ(f.code[1].name, "L");
  EXPECT_EQ(f.code[2].op, Opcode::CALL);
  EXPECT_EQ(f.code[2].name, "print");
}

TEST(Reader, ClientMulSpotChecks) {
  const Bytes bytes = client_mul();
  ASSERT_EQ(bytes.size(), 235u);
  auto program = read_program(bytes);
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_EQ(program->constants.size(), 2u);
  EXPECT_EQ(program->constants[0], Constant::i64(0));
  EXPECT_EQ(program->constants[1], Constant::i64(1));
  ASSERT_EQ(program->functions.size(), 1u);
  const Function& f = program->functions[0];
  EXPECT_EQ(f.name, "main");
  EXPECT_EQ(f.register_count, 20);
  ASSERT_EQ(f.code.size(), 16u);
  EXPECT_EQ(f.code[0].op, Opcode::CALL);
  EXPECT_EQ(f.code[0].name, "ClientStore.get_number_clients");
  EXPECT_EQ(f.code[1].op, Opcode::MOV);
  EXPECT_EQ(f.code[1].a, 2u);
  EXPECT_EQ(f.code[1].b, 0u);
  EXPECT_EQ(f.code[6].name, "ClientStore.take_share");
  EXPECT_EQ(f.code[7].op, Opcode::MOV);
  EXPECT_EQ(f.code[7].a, 16u);
  EXPECT_EQ(f.code[8].op, Opcode::LDI);
  EXPECT_EQ(f.code[8].b, 1u);
  EXPECT_EQ(f.code[14].op, Opcode::MUL);
  EXPECT_EQ(f.code[14].a, 18u);
  EXPECT_EQ(f.code[14].b, 16u);
  EXPECT_EQ(f.code[14].c, 17u);
  EXPECT_EQ(f.code[15].op, Opcode::RET);
  EXPECT_EQ(f.code[15].a, 18u);

  // client_sub_order differs only at 0xD9 (SUB instead of MUL).
  const Bytes sub = test::read_bytes(test::fixtures_dir() / "reference/client_sub_order.stflb");
  ASSERT_EQ(sub.size(), bytes.size());
  EXPECT_EQ(sub[0xD9], 0x04);
  auto sub_program = read_program(sub);
  ASSERT_TRUE(sub_program.ok()) << sub_program.error().message;
  EXPECT_EQ(sub_program->functions[0].code[14].op, Opcode::SUB);
}

TEST(Reader, AcceptsVersionZeroAndKeepsIt) {
  Bytes bytes = hex(test::kMainExampleHex);
  bytes[4] = 0;
  auto program = read_program(bytes);
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->version, 0);
}

TEST(Reader, BoolPayloadNonZeroIsTrueStoredAsOne) {
  for (int payload : {0, 1, 2, 0x7F, 0x80, 0xFF}) {
    const Bytes bytes = ByteBuilder().header(1).u8(10).u8(payload).u32(0).bytes();
    auto program = read_program(bytes);
    ASSERT_TRUE(program.ok()) << program.error().message;
    EXPECT_EQ(program->constants.at(0), Constant::boolean(payload != 0)) << payload;
    EXPECT_EQ(program->constants.at(0).bits, payload != 0 ? 1u : 0u);
  }
}

TEST(Reader, HasParentOnlyExactlyOneMeansAParentFollows) {
  // For has_parent != 1 the next field is the label count; the bytes "01 00 ..." that would be a
  // parent name if the flag were honoured must be read as the label count instead.
  for (int flag : {0, 2, 0x80, 0xFF}) {
    ByteBuilder b;
    b.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(flag);
    b.u16(0).u32(0);  // no labels, no code
    auto program = read_program(b.bytes());
    ASSERT_TRUE(program.ok()) << flag << ": " << program.error().message;
    EXPECT_FALSE(program->functions[0].parent.has_value()) << flag;
  }
  ByteBuilder b;
  b.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(1).str16("").u16(0).u32(0);
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->functions[0].parent, std::optional<std::string>(""));
}

TEST(Reader, KeepsLabelsInFileOrderIncludingDuplicates) {
  ByteBuilder b;
  b.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(0);
  b.u16(4).str16("z").u32(9).str16("a").u32(1).str16("z").u32(3).str16("m").u32(0);
  b.u32(0);
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  const std::vector<Label> expected = {{"z", 9}, {"a", 1}, {"z", 3}, {"m", 0}};
  EXPECT_EQ(program->functions[0].labels, expected);
}

TEST(Reader, KeepsDuplicateFunctionsAndUnusedConstants) {
  ByteBuilder b;
  b.header(3).u8(0).u8(1).u64(7).u8(1).u64(7);  // Unit, I64 7, I64 7: nothing de-duplicated
  b.u32(2).plain_function("main", 0, 0).plain_function("main", 1, 0);
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->constants.size(), 3u);
  ASSERT_EQ(program->functions.size(), 2u);
  EXPECT_EQ(program->functions[0].name, "main");
  EXPECT_EQ(program->functions[1].name, "main");
  EXPECT_EQ(program->functions[1].register_count, 1);
}

TEST(Reader, ParamsAndUpvaluesInOrder) {
  ByteBuilder b;
  b.header(0).u32(1).str16("f").u16(2);
  b.u16(3).str16("x").str16("y").str16("");
  b.u16(1).str16("captured");
  b.u8(0).u16(0).u32(0);
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->functions[0].params, (std::vector<std::string>{"x", "y", ""}));
  EXPECT_EQ(program->functions[0].upvalues, (std::vector<std::string>{"captured"}));
}

TEST(Reader, EmptyProgramIsReadable) {
  // The CLI rejects a program without functions; the format does not.
  auto program = read_program(ByteBuilder().header(0).u32(0).bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_TRUE(program->functions.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the byte offset (decimal and hex) and what was being read.

TEST(ReaderErrors, TruncatedCount) {
  const Bytes bytes = ByteBuilder().raw("STFL").u16(1).u16(0).bytes();
  EXPECT_EQ(read_error(bytes),
            "offset 6 (0x6): truncated: need 4 bytes for the constant count, 2 remain");
}

TEST(ReaderErrors, BadMagic) {
  EXPECT_EQ(read_error(ByteBuilder().raw("STFX").u16(1).u32(0).u32(0).bytes()),
            "offset 0 (0x0): bad magic: expected \"STFL\"");
  EXPECT_EQ(read_error(hex("7F 45 4C 46 02 01")), "offset 0 (0x0): bad magic: expected \"STFL\"");
  // Too short, and already wrong.
  EXPECT_EQ(read_error(hex("00")), "offset 0 (0x0): bad magic: expected \"STFL\"");
  // Too short, but a correct prefix: that is truncation.
  EXPECT_EQ(read_error(ByteBuilder().raw("ST").bytes()),
            "offset 0 (0x0): truncated: need 4 bytes for the magic \"STFL\", 2 remain");
  EXPECT_EQ(read_error({}),
            "offset 0 (0x0): truncated: need 4 bytes for the magic \"STFL\", 0 remain");
}

TEST(ReaderErrors, UnsupportedVersion) {
  Bytes bytes = hex(test::kMainExampleHex);
  bytes[4] = 2;
  EXPECT_EQ(read_error(bytes),
            "offset 4 (0x4): unsupported version 2 (this reader supports version 1)");
  bytes[4] = 0xFF;
  bytes[5] = 0xFF;
  EXPECT_EQ(read_error(bytes),
            "offset 4 (0x4): unsupported version 65535 (this reader supports version 1)");
  EXPECT_EQ(read_error(ByteBuilder().raw("STFL").u8(1).bytes()),
            "offset 4 (0x4): truncated: need 2 bytes for the version, 1 remain");
}

TEST(ReaderErrors, UnknownValueTag) {
  EXPECT_EQ(read_error(ByteBuilder().header(1).u8(12).u32(0).bytes()),
            "offset 10 (0xa): unknown value tag 12 in constant 0");
  // The second constant, after an I32 (1 + 4 bytes).
  EXPECT_EQ(read_error(ByteBuilder().header(2).u8(2).u32(5).u8(0xFF).u32(0).bytes()),
            "offset 15 (0xf): unknown value tag 255 in constant 1");
}

TEST(ReaderErrors, UnknownOpcode) {
  Bytes bytes = client_mul();
  ASSERT_EQ(bytes[0x33], 0x11);  // CALL
  bytes[0x33] = 23;
  EXPECT_EQ(read_error(bytes),
            "offset 51 (0x33): unknown opcode 23 in function 'main', instruction 0");
  bytes = client_mul();
  ASSERT_EQ(bytes[0xD9], 0x05);  // MUL, instruction 14
  bytes[0xD9] = 0xFF;
  EXPECT_EQ(read_error(bytes),
            "offset 217 (0xd9): unknown opcode 255 in function 'main', instruction 14");
}

TEST(ReaderErrors, InvalidUtf8InFunctionName) {
  Bytes bytes = client_mul();
  ASSERT_EQ(bytes[0x22], 'm');
  bytes[0x22] = 0xFF;
  const std::string message = read_error(bytes);
  EXPECT_EQ(message.rfind("offset 32 (0x20): invalid UTF-8 in function name", 0), 0u) << message;
}

TEST(ReaderErrors, InvalidUtf8ElsewhereNamesTheField) {
  struct Case {
    Bytes bytes;
    std::string expected_prefix;
  };
  const std::string bad = "a\xC0\x80";  // overlong NUL
  ByteBuilder string_constant;
  string_constant.header(1).u8(11).str32(bad).u32(0);
  // Complete records, so that only the bad string can be the problem.
  ByteBuilder param;
  param.header(0).u32(1).str16("f").u16(1).u16(1).str16(bad).u16(0).u8(0).u16(0).u32(0);
  ByteBuilder upvalue;
  upvalue.header(0).u32(1).str16("f").u16(0).u16(0).u16(1).str16(bad).u8(0).u16(0).u32(0);
  ByteBuilder parent;
  parent.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(1).str16(bad).u16(0).u32(0);
  ByteBuilder label;
  label.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(0).u16(1).str16(bad).u32(0).u32(0);
  ByteBuilder jump;
  jump.header(0).u32(1).plain_function("f", 0, 1).u8(0x0E).str16(bad);
  ByteBuilder call;
  call.header(0).u32(1).plain_function("f", 0, 1).u8(0x11).str16(bad);
  const Case cases[] = {
      {string_constant.bytes(), "offset 11 (0xb): invalid UTF-8 in string constant 0, at byte 1"},
      {param.bytes(), "offset 21 (0x15): invalid UTF-8 in parameter name 0 of function 'f'"},
      {upvalue.bytes(), "offset 23 (0x17): invalid UTF-8 in upvalue name 0 of function 'f'"},
      {parent.bytes(), "offset 24 (0x18): invalid UTF-8 in parent name of function 'f'"},
      {label.bytes(), "offset 26 (0x1a): invalid UTF-8 in label name 0 of function 'f'"},
      {jump.bytes(),
       "offset 31 (0x1f): invalid UTF-8 in jump target of JMP in function 'f', "
       "instruction 0"},
      {call.bytes(),
       "offset 31 (0x1f): invalid UTF-8 in call target of CALL in function 'f', "
       "instruction 0"},
  };
  for (const Case& c : cases) {
    const std::string message = read_error(c.bytes);
    EXPECT_EQ(message.rfind(c.expected_prefix, 0), 0u) << message;
  }
}

TEST(ReaderErrors, TrailingBytesAreRejected) {
  Bytes bytes = hex(test::kMainExampleHex);
  bytes.insert(bytes.end(), {0, 0, 0});
  EXPECT_EQ(read_error(bytes), "offset 56 (0x38): 3 unexpected bytes after the last function");
  bytes.resize(57);
  EXPECT_EQ(read_error(bytes), "offset 56 (0x38): 1 unexpected bytes after the last function");
}

TEST(ReaderErrors, TruncationNamesTheField) {
  // A function with every kind of field; the offset of each field is recorded while building.
  // The name is long so that the outer count checks (a function takes at least 15 bytes) pass
  // for cuts inside the record and the truncation itself is what gets reported.
  const std::string name = "a_rather_long_function_name";
  ByteBuilder b;
  b.header(1);
  const size_t payload_at = b.size() + 1;
  b.u8(1).u64(42);
  const size_t fn_count_at = b.size();
  b.u32(2);
  b.str16(name);
  const size_t regs_at = b.size();
  b.u16(3);
  const size_t params_at = b.size();
  b.u16(1).str16("p");
  const size_t upvalues_at = b.size();
  b.u16(1).str16("u");
  const size_t parent_flag_at = b.size();
  b.u8(1);
  const size_t parent_at = b.size();
  b.str16("pa");
  const size_t labels_at = b.size();
  b.u16(1).str16("L");
  const size_t label_index_at = b.size();
  b.u32(0);
  const size_t code_count_at = b.size();
  b.u32(2);
  const size_t ldi_at = b.size();
  b.u8(0x01).u32(0).u32(0);
  const size_t ret_at = b.size();
  b.u8(0x12).u32(0);
  // A second function: only a later record can be cut inside its name, since for the first one
  // the function-count check (15 bytes a function) fires before.
  const std::string name2 = "second_function_name";
  const size_t name2_at = b.size();
  b.plain_function(name2, 0, 0);
  const Bytes full = b.bytes();
  ASSERT_TRUE(read_program(full).ok());

  struct Case {
    size_t length;
    size_t offset;
    std::string what;
  };
  const std::string of_fn = " of function '" + name + "'";
  const std::string in_fn = " in function '" + name + "'";
  const Case cases[] = {
      {payload_at + 3, payload_at, "need 8 bytes for the I64 payload of constant 0"},
      {fn_count_at + 2, fn_count_at, "need 4 bytes for the function count"},
      {regs_at + 1, regs_at, "need 2 bytes for the register count" + of_fn},
      {params_at + 1, params_at, "need 2 bytes for the parameter count" + of_fn},
      {upvalues_at + 1, upvalues_at, "need 2 bytes for the upvalue count" + of_fn},
      {parent_flag_at, parent_flag_at, "need 1 bytes for the has_parent flag" + of_fn},
      {parent_at + 1, parent_at, "need 2 bytes for the length of the parent name" + of_fn},
      {parent_at + 3, parent_at + 2, "need 2 bytes for the parent name" + of_fn},
      {labels_at + 1, labels_at, "need 2 bytes for the label count" + of_fn},
      {label_index_at + 3, label_index_at, "need 4 bytes for the index of label 'L'" + of_fn},
      {code_count_at + 1, code_count_at, "need 4 bytes for the instruction count" + of_fn},
      {ldi_at + 7, ldi_at + 5,
       "need 4 bytes for the constant index operand of LDI" + in_fn + ", instruction 0"},
      {ret_at, ret_at, "need 1 bytes for the opcode" + in_fn + ", instruction 1"},
      {ret_at + 3, ret_at + 1,
       "need 4 bytes for the register operand of RET" + in_fn + ", instruction 1"},
      {name2_at + 1, name2_at, "need 2 bytes for the length of the function name (function #1)"},
      {name2_at + 5, name2_at + 2, "need 20 bytes for the function name (function #1)"},
  };
  for (const Case& c : cases) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(c.length));
    const std::string expected = test::offset_text(c.offset) + "truncated: " + c.what + ", " +
                                 std::to_string(c.length - c.offset) + " remain";
    EXPECT_EQ(read_error(cut), expected) << "length " << c.length;
  }

  // Where fewer bytes remain than the items of a count need at the least, the count check at the
  // count's own offset fires before any item is read.
  EXPECT_EQ(read_error(Bytes(full.begin(), full.begin() + 10)),
            "offset 6 (0x6): constant count is 1, but that needs at least 1 bytes and only 0 "
            "remain");
  EXPECT_EQ(read_error(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(ldi_at + 5))),
            test::offset_text(code_count_at) + "instruction count" + of_fn +
                " is 2, but that needs at least 6 bytes and only 5 remain");
}

TEST(ReaderErrors, CountsThatCannotFitFailBeforeAllocating) {
  EXPECT_EQ(read_error(ByteBuilder().header(0xFFFFFFFF).u32(0).bytes()),
            "offset 6 (0x6): constant count is 4294967295, but that needs at least 4294967295 "
            "bytes and only 4 remain");
  EXPECT_EQ(read_error(ByteBuilder().header(0).u32(0xFFFFFFFF).bytes()),
            "offset 10 (0xa): function count is 4294967295, but that needs at least 64424509425 "
            "bytes and only 0 remain");
  // Sixteen bytes of padding keep the function-count check (15 bytes a function) happy.
  const Bytes pad(16, 0);
  EXPECT_EQ(
      read_error(ByteBuilder().header(0).u32(1).str16("f").u16(0).u16(0xFFFF).raw(pad).bytes()),
      "offset 19 (0x13): parameter count of function 'f' is 65535, but that needs at least "
      "131070 bytes and only 16 remain");
  EXPECT_EQ(
      read_error(
          ByteBuilder().header(0).u32(1).str16("f").u16(0).u16(0).u16(0xFFFF).raw(pad).bytes()),
      "offset 21 (0x15): upvalue count of function 'f' is 65535, but that needs at least "
      "131070 bytes and only 16 remain");
  EXPECT_EQ(read_error(ByteBuilder()
                           .header(0)
                           .u32(1)
                           .str16("f")
                           .u16(0)
                           .u16(0)
                           .u16(0)
                           .u8(0)
                           .u16(0xFFFF)
                           .raw(pad)
                           .bytes()),
            "offset 24 (0x18): label count of function 'f' is 65535, but that needs at least "
            "393210 bytes and only 16 remain");
  EXPECT_EQ(read_error(ByteBuilder().header(0).u32(1).plain_function("f", 0, 0xFFFFFFFF).bytes()),
            "offset 26 (0x1a): instruction count of function 'f' is 4294967295, but that needs at "
            "least 12884901885 bytes and only 0 remain");
  EXPECT_EQ(
      read_error(ByteBuilder().header(1).u8(11).u32(0xFFFFFFFF).raw("abc").u32(0).bytes()),
      "offset 15 (0xf): truncated: need 4294967295 bytes for the string constant 0, 7 remain");
  EXPECT_EQ(read_error(ByteBuilder().header(0).u32(1).u16(0xFFFF).raw("f").raw(pad).bytes()),
            "offset 16 (0x10): truncated: need 65535 bytes for the function name (function #0), "
            "17 remain");
}

TEST(ReaderErrors, TruncatedLabelIndex) {
  ByteBuilder b;
  b.header(0).u32(1).str16("f").u16(0).u16(0).u16(0).u8(0).u16(1).str16("LL").u16(0);
  EXPECT_EQ(read_error(b.bytes()),
            "offset 30 (0x1e): truncated: need 4 bytes for the index of label 'LL' of function "
            "'f', 2 remain");
}

// ---------------------------------------------------------------------------------------------
// UTF-8: the rules of Rust's str::from_utf8 (Unicode Table 3-7).

Result<Program> read_with_name(const std::string& name) {
  return read_program(ByteBuilder().header(0).u32(1).plain_function(name, 0, 0).bytes());
}

TEST(ReaderUtf8, AcceptsWellFormedSequences) {
  const std::string valid[] = {
      "",
      std::string(1, '\0'),
      "\x7F",
      "\xC2\x80",                                              // U+0080, smallest 2-byte
      "\xDF\xBF",                                              // U+07FF
      "\xE0\xA0\x80",                                          // U+0800, smallest 3-byte
      "\xED\x9F\xBF",                                          // U+D7FF, just below the surrogates
      "\xEE\x80\x80",                                          // U+E000, just above them
      "\xEF\xBF\xBF",                                          // U+FFFF
      "\xF0\x90\x80\x80",                                      // U+10000, smallest 4-byte
      "\xF4\x8F\xBF\xBF",                                      // U+10FFFF, the largest code point
      "gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC \xF0\x9F\x98\x80",  // "grüße € 😀"
  };
  for (const std::string& name : valid) {
    auto program = read_with_name(name);
    ASSERT_TRUE(program.ok()) << program.error().message;
    EXPECT_EQ(program->functions[0].name, name);
  }
}

TEST(ReaderUtf8, RejectsIllFormedSequences) {
  struct Case {
    std::string bytes;
    size_t bad_at;
  };
  const Case invalid[] = {
      {"\x80", 0},              // lone continuation byte
      {"ab\xBF", 2},            // lone continuation byte later on
      {"\xC0\x80", 0},          // overlong NUL
      {"\xC1\xBF", 0},          // overlong 2-byte
      {"\xE0\x80\x80", 0},      // overlong 3-byte
      {"\xE0\x9F\xBF", 0},      // overlong 3-byte (U+07FF)
      {"\xF0\x80\x80\x80", 0},  // overlong 4-byte
      {"\xF0\x8F\xBF\xBF", 0},  // overlong 4-byte (U+FFFF)
      {"\xED\xA0\x80", 0},      // U+D800, high surrogate
      {"\xED\xBF\xBF", 0},      // U+DFFF, low surrogate
      {"\xF4\x90\x80\x80", 0},  // U+110000
      {"\xF5\x80\x80\x80", 0},  // lead byte beyond F4
      {"\xFE", 0},
      {"\xFF", 0},
      {"x\xC3", 1},             // truncated 2-byte
      {"\xE2\x82", 0},          // truncated 3-byte
      {"\xF0\x9F\x98", 0},      // truncated 4-byte
      {"\xE2\x28\xA1", 0},      // bad second byte
      {"\xE2\x82\x28", 0},      // bad third byte
      {"\xF0\x9F\x98\x28", 0},  // bad fourth byte
      {"\xC3\xA9\xC3", 2},      // good then truncated
  };
  for (const Case& c : invalid) {
    auto program = read_with_name(c.bytes);
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.error().message,
              "offset 14 (0xe): invalid UTF-8 in function name (function #0), at byte " +
                  std::to_string(c.bad_at) + " of " + std::to_string(c.bytes.size()));
  }
}

// ---------------------------------------------------------------------------------------------
// read_program_file

class ReaderFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stoffel_reader_test_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write_file(const std::string& name, const Bytes& bytes) {
    const auto path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ReaderFile, ReadsAFixture) {
  auto program = read_program_file((test::fixtures_dir() / "reference/avss_keygen.stflb").string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_EQ(program->functions.size(), 1u);
  EXPECT_EQ(program->functions[0].name, "main");
  EXPECT_EQ(program->functions[0].code.size(), 7u);
}

TEST_F(ReaderFile, MissingFileNamesThePath) {
  const std::string path = (dir_ / "x").string();
  auto program = read_program_file(path);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.error().message, "cannot open '" + path + "': No such file or directory");
}

TEST_F(ReaderFile, DirectoryIsAnError) {
  auto program = read_program_file(dir_.string());
  ASSERT_FALSE(program.ok());
  EXPECT_NE(program.error().message.find(dir_.string()), std::string::npos)
      << program.error().message;
}

TEST_F(ReaderFile, ParseErrorNamesThePathAndOffset) {
  Bytes bytes = hex(test::kMainExampleHex);
  bytes[4] = 9;
  const std::string path = write_file("bad.stflb", bytes);
  auto program = read_program_file(path);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(
      program.error().message,
      "'" + path + "': offset 4 (0x4): unsupported version 9 (this reader supports version 1)");
}

TEST_F(ReaderFile, OversizedInputIsRefused) {
  // /dev/zero never ends: the reader must stop just past kMaxFileSize and say so, not grow
  // without bound (and not trust a size from stat, which is 0 here).
  ASSERT_TRUE(std::filesystem::exists("/dev/zero"));
  auto program = read_program_file("/dev/zero");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.error().message, "'/dev/zero': file is larger than 268435456 bytes");
}

TEST_F(ReaderFile, EmptyFileIsTruncated) {
  const std::string path = write_file("empty.stflb", {});
  auto program = read_program_file(path);
  ASSERT_FALSE(program.ok());
  EXPECT_NE(program.error().message.find("offset 0 (0x0): truncated"), std::string::npos)
      << program.error().message;
}

}  // namespace
}  // namespace stoffel::bytecode
