// Every fixture: read -> write gives the same bytes, and the verifier accepts it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"
#include "stfl_test_util.h"

namespace stoffel::bytecode {
namespace {

using test::Bytes;
using test::hex;

TEST(FixtureList, FindsTheSharedFixtures) {
  // Guards the parameterized tests below against passing vacuously on an empty folder.
  const auto files = test::fixture_files();
  EXPECT_GE(files.size(), 26u) << "fixtures dir: " << test::fixtures_dir();
}

class FixtureRoundTrip : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(FixtureRoundTrip, ReadWriteGivesIdenticalBytes) {
  const Bytes bytes = test::read_bytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  auto program = read_program(bytes);
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto written = write_program(*program);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, bytes);
}

TEST_P(FixtureRoundTrip, VerifierAccepts) {
  auto program = read_program_file(GetParam().string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto verified = verify_program(*program);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  for (const Function& f : program->functions) {
    EXPECT_TRUE(verify_function(*program, f).ok()) << f.name;
    EXPECT_GE(effective_register_count(f), f.register_count);
  }
}

TEST_P(FixtureRoundTrip, ReadingTheWrittenBytesGivesTheSameModel) {
  auto program = read_program_file(GetParam().string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto written = write_program(*program);
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto again = read_program(*written);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *program);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureRoundTrip, ::testing::ValuesIn(test::fixture_files()),
                         [](const auto& param_info) {
                           return test::fixture_test_name(param_info.param);
                         });

// ---------------------------------------------------------------------------------------------
// One test per value tag: encoding, decoding and round trip, with edge values.

// The bytes of a program holding just `c`, without the 10-byte header and the function count.
Bytes encode_constant(const Constant& c) {
  Program p;
  p.constants.push_back(c);
  auto bytes = write_program(p);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  if (!bytes.ok() || bytes->size() < 14) return {};
  return Bytes(bytes->begin() + 10, bytes->end() - 4);
}

// Reads one encoded constant back, through a whole program.
Constant decode_constant(const Bytes& encoded) {
  const Bytes file = test::ByteBuilder().header(1).raw(encoded).u32(0).bytes();
  auto program = read_program(file);
  EXPECT_TRUE(program.ok()) << program.error().message;
  if (!program.ok() || program->constants.size() != 1) return Constant{};
  return program->constants[0];
}

// Encode -> expected bytes, decode -> the same constant.
void expect_constant(const Constant& c, std::string_view expected_hex) {
  const Bytes encoded = encode_constant(c);
  EXPECT_EQ(encoded, hex(expected_hex));
  const Constant decoded = decode_constant(encoded);
  EXPECT_EQ(decoded, c);
  EXPECT_EQ(decoded.bits, c.bits);
}

TEST(ValueTag, Unit0) {
  expect_constant(Constant::unit(), "00");
  EXPECT_EQ(decode_constant(hex("00")).tag, ConstTag::Unit);
}

TEST(ValueTag, I64_1) {
  expect_constant(Constant::i64(42), "01 2A00000000000000");
  expect_constant(Constant::i64(-1), "01 FFFFFFFFFFFFFFFF");
  expect_constant(Constant::i64(INT64_MIN), "01 0000000000000080");
  expect_constant(Constant::i64(INT64_MAX), "01 FFFFFFFFFFFFFF7F");
  EXPECT_EQ(decode_constant(hex("01 0000000000000080")).as_i64(), INT64_MIN);
}

TEST(ValueTag, I32_2) {
  expect_constant(Constant::i32(-1), "02 FFFFFFFF");
  expect_constant(Constant::i32(INT32_MIN), "02 00000080");
  expect_constant(Constant::i32(INT32_MAX), "02 FFFFFF7F");
  const Constant c = decode_constant(hex("02 FEFFFFFF"));
  EXPECT_EQ(c.bits, 0xFFFFFFFEu);  // zero-extended in the model
  EXPECT_EQ(c.as_i64(), -2);       // sign-extended on use
}

TEST(ValueTag, I16_3) {
  expect_constant(Constant::i16(INT16_MIN), "03 0080");
  expect_constant(Constant::i16(INT16_MAX), "03 FF7F");
  expect_constant(Constant::i16(-1), "03 FFFF");
  EXPECT_EQ(decode_constant(hex("03 0080")).as_i64(), INT16_MIN);
}

TEST(ValueTag, I8_4) {
  expect_constant(Constant::i8(INT8_MIN), "04 80");
  expect_constant(Constant::i8(INT8_MAX), "04 7F");
  expect_constant(Constant::i8(0), "04 00");
  EXPECT_EQ(decode_constant(hex("04 FF")).as_i64(), -1);
}

TEST(ValueTag, U8_5) {
  expect_constant(Constant::u8(0), "05 00");
  expect_constant(Constant::u8(UINT8_MAX), "05 FF");
  EXPECT_EQ(decode_constant(hex("05 FF")).as_i64(), 255);
}

TEST(ValueTag, U16_6) {
  expect_constant(Constant::u16(UINT16_MAX), "06 FFFF");
  expect_constant(Constant::u16(0x1234), "06 3412");
  EXPECT_EQ(decode_constant(hex("06 FFFF")).as_i64(), 65535);
}

TEST(ValueTag, U32_7) {
  expect_constant(Constant::u32(UINT32_MAX), "07 FFFFFFFF");
  expect_constant(Constant::u32(0x80000000u), "07 00000080");
  EXPECT_EQ(decode_constant(hex("07 FFFFFFFF")).as_i64(), 4294967295);
}

TEST(ValueTag, U64_8) {
  expect_constant(Constant::u64(UINT64_MAX), "08 FFFFFFFFFFFFFFFF");
  expect_constant(Constant::u64(0), "08 0000000000000000");
  expect_constant(Constant::u64(1ull << 63), "08 0000000000000080");
  EXPECT_EQ(decode_constant(hex("08 FFFFFFFFFFFFFFFF")).bits, UINT64_MAX);
}

TEST(ValueTag, Float9) {
  expect_constant(Constant::f64(1.5), "09 000000000000F83F");
  expect_constant(Constant::f64(0.0), "09 0000000000000000");
  // -0.0 keeps its sign bit and stays a different constant from +0.0 (docs/decisions.md, B5).
  expect_constant(Constant::f64(-0.0), "09 0000000000000080");
  EXPECT_NE(Constant::f64(-0.0), Constant::f64(0.0));
  expect_constant(Constant::f64(std::numeric_limits<double>::infinity()), "09 000000000000F07F");
  // NaNs keep their payload bits, quiet or signalling.
  const Constant quiet{ConstTag::Float, 0x7FF8000000000123u, {}};
  expect_constant(quiet, "09 23 01 00 00 00 00 F8 7F");
  EXPECT_TRUE(std::isnan(quiet.as_f64()));
  const Constant signalling{ConstTag::Float, 0xFFF0000000000001u, {}};  // negative, signalling
  expect_constant(signalling, "09 01 00 00 00 00 00 F0 FF");
  EXPECT_TRUE(std::isnan(signalling.as_f64()));
  expect_constant(Constant::f64(std::numeric_limits<double>::denorm_min()), "09 0100000000000000");
}

TEST(ValueTag, Bool10) {
  expect_constant(Constant::boolean(true), "0A 01");
  expect_constant(Constant::boolean(false), "0A 00");
  // Any non-zero byte reads as true, stored as 1 (so it is written back as 01).
  const Constant c = decode_constant(hex("0A 80"));
  EXPECT_EQ(c, Constant::boolean(true));
  EXPECT_EQ(encode_constant(c), hex("0A 01"));
}

TEST(ValueTag, String11) {
  expect_constant(Constant::string(""), "0B 00000000");
  expect_constant(Constant::string("hi"), "0B 02000000 6869");
  // Multibyte UTF-8: length counts bytes, not characters ("é€😀" is 2 + 3 + 4 bytes).
  expect_constant(Constant::string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
                  "0B 09000000 C3A9 E282AC F09F9880");
  // An embedded NUL is just a byte.
  expect_constant(Constant::string(std::string("a\0b", 3)), "0B 03000000 610062");
  // Longer than a short string can hold: the long-string u32 length.
  const Constant big = Constant::string(std::string(70000, 'x'));
  const Bytes encoded = encode_constant(big);
  ASSERT_EQ(encoded.size(), 1u + 4u + 70000u);
  EXPECT_EQ(Bytes(encoded.begin(), encoded.begin() + 5), hex("0B 70110100"));
  EXPECT_EQ(decode_constant(encoded), big);
}

TEST(ValueTag, DuplicatesAndOrderKept) {
  // The pool is the model's: duplicates by value, +0.0/-0.0 and unused entries all stay.
  Program p;
  p.constants = {Constant::i64(1),    Constant::i32(1),      Constant::i64(1), Constant::f64(0.0),
                 Constant::f64(-0.0), Constant::string("s"), Constant::unit()};
  auto bytes = write_program(p);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto back = read_program(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->constants, p.constants);
}

// ---------------------------------------------------------------------------------------------
// One test per opcode: encoding from the table, size, and decoding back.

// Encoded size of each opcode with an empty name, written out from the table in docs/bytecode.md
// rather than derived from the opcode table, so a wrong table entry fails here.
size_t spec_size(std::string_view mnemonic) {
  static const std::pair<std::string_view, size_t> kSizes[] = {
      {"LD", 9},   {"LDI", 9},     {"MOV", 9},  {"ADD", 13},  {"SUB", 13},   {"MUL", 13},
      {"DIV", 13}, {"MOD", 13},    {"AND", 13}, {"OR", 13},   {"XOR", 13},   {"NOT", 9},
      {"SHL", 13}, {"SHR", 13},    {"JMP", 3},  {"JMPEQ", 3}, {"JMPNEQ", 3}, {"CALL", 3},
      {"RET", 5},  {"PUSHARG", 5}, {"CMP", 9},  {"JMPLT", 3}, {"JMPGT", 3},
  };
  for (const auto& [name, size] : kSizes) {
    if (name == mnemonic) return size;
  }
  return 0;
}

class OpcodeEncoding : public ::testing::TestWithParam<uint8_t> {};

TEST_P(OpcodeEncoding, EncodesDecodesAndHasTheSpecSize) {
  const uint8_t byte = GetParam();
  ASSERT_TRUE(is_valid_opcode(byte));
  const Opcode op = static_cast<Opcode>(byte);
  const std::string_view mnemonic = opcode_name(op);
  ASSERT_EQ(static_cast<uint8_t>(opcode_info(op).op), byte);

  // Distinct operand values so a swapped field shows; only the fields the format uses are set,
  // because the others are not stored.
  Instruction ins;
  ins.op = op;
  test::ByteBuilder expected;
  expected.u8(byte);
  const std::string name = "lbl\xE2\x82\xAC";  // 6 bytes
  switch (opcode_format(op)) {
    case Format::RO:
      ins.a = 0x11223344, ins.offset = -2;
      expected.u32(0x11223344).u32(0xFFFFFFFE);
      break;
    case Format::RK:
    case Format::RR:
      ins.a = 0x11223344, ins.b = 0x55667788;
      expected.u32(0x11223344).u32(0x55667788);
      break;
    case Format::RRR:
      ins.a = 0x11223344, ins.b = 0x55667788, ins.c = 0x99AABBCC;
      expected.u32(0x11223344).u32(0x55667788).u32(0x99AABBCC);
      break;
    case Format::R:
      ins.a = 0xDEADBEEF;
      expected.u32(0xDEADBEEF);
      break;
    case Format::S:
      ins.name = name;
      expected.str16(name);
      break;
  }
  const size_t size = spec_size(mnemonic);
  ASSERT_NE(size, 0u) << mnemonic;
  EXPECT_EQ(expected.size(), size + (opcode_format(op) == Format::S ? name.size() : 0)) << mnemonic;

  Program p;
  Function f;
  f.name = "f";
  f.code = {ins};
  p.functions.push_back(f);
  auto bytes = write_program(p);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  const Bytes prefix = test::ByteBuilder().header(0).u32(1).plain_function("f", 0, 1).bytes();
  ASSERT_EQ(bytes->size(), prefix.size() + expected.size());
  EXPECT_EQ(Bytes(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(prefix.size())),
            prefix);
  EXPECT_EQ(Bytes(bytes->begin() + static_cast<std::ptrdiff_t>(prefix.size()), bytes->end()),
            expected.bytes())
      << mnemonic;

  auto back = read_program(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->functions.at(0).code.size(), 1u);
  EXPECT_EQ(back->functions[0].code[0], ins) << mnemonic;
}

INSTANTIATE_TEST_SUITE_P(AllOpcodes, OpcodeEncoding, ::testing::Range<uint8_t>(0, kOpcodeCount),
                         [](const auto& param_info) {
                           return std::string(opcode_name(static_cast<Opcode>(param_info.param)));
                         });

TEST(OpcodeTable, HasTheSpecBytes) {
  // Spot checks of the byte values against the table in docs/bytecode.md.
  EXPECT_EQ(static_cast<uint8_t>(Opcode::LD), 0x00);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::NOT), 0x0B);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::JMP), 0x0E);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::CALL), 0x11);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::RET), 0x12);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::CMP), 0x14);
  EXPECT_EQ(static_cast<uint8_t>(Opcode::JMPGT), 0x16);
  EXPECT_EQ(kOpcodeCount, 23);
  EXPECT_FALSE(is_valid_opcode(0x17));
}

}  // namespace
}  // namespace stoffel::bytecode
