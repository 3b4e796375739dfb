// The Program -> text direction, and the round trip: assemble(disassemble(p)) == p for every
// fixture and for thousands of random programs built to hit the hard cases (non-canonical pools,
// unsorted and duplicate labels, odd names, NaN payloads, out-of-range constant indexes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "bytecode/asm_text.h"
#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"

namespace stoffel::bytecode {
namespace {

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  text:\n" << text << "\n  lacks: " << part;
}

// assemble(disassemble(p)) == p, and the text is stable under a second trip.
::testing::AssertionResult round_trips(const Program& p) {
  const std::string text = disassemble(p);
  auto back = assemble(text, "disassembly");
  if (!back.ok()) {
    return ::testing::AssertionFailure() << back.error().message << "\n--- text:\n" << text;
  }
  if (!(*back == p)) return ::testing::AssertionFailure() << "model differs\n--- text:\n" << text;
  if (disassemble(*back) != text) return ::testing::AssertionFailure() << "text not stable";
  return ::testing::AssertionSuccess();
}

Program one_ldi(Constant c) {
  Program p;
  p.constants.push_back(std::move(c));
  Function f;
  f.name = "f";
  f.code.push_back({Opcode::LDI, 0, 0, 0, 0, {}});
  p.functions.push_back(std::move(f));
  return p;
}

// The literal the disassembler writes for one constant (taken from the LDI line).
std::string literal_text(Constant c) {
  const std::string text = disassemble(one_ldi(std::move(c)));
  const size_t start = text.find("LDI r0, ");
  if (start == std::string::npos) return "<no LDI line>";
  const size_t end = text.find("  ", start);  // the padding before the index comment
  return text.substr(start + 8, end - start - 8);
}

Constant float_bits(uint64_t bits) {
  return {ConstTag::Float, bits, {}};
}

TEST(Disassembler, GoldenListing) {
  Program p;
  p.constants = {Constant::string("Hello, world!"), Constant::i64(42)};
  Function main;
  main.name = "main";
  main.register_count = 1;
  main.labels = {{"done", 4}};
  main.code = {{Opcode::LDI, 0, 0, 0, 0, {}},
               {Opcode::PUSHARG, 0, 0, 0, 0, {}},
               {Opcode::CALL, 0, 0, 0, 0, "print"},
               {Opcode::LDI, 0, 1, 0, 0, {}},
               {Opcode::RET, 0, 0, 0, 0, {}}};
  Function helper;
  helper.name = "helper";
  helper.register_count = 3;
  helper.params = {"x", "y z"};
  helper.upvalues = {"up"};
  helper.parent = "main";
  helper.labels = {{"top", 0}};
  helper.code = {{Opcode::LD, 2, 0, 0, -1, {}}, {Opcode::JMP, 0, 0, 0, 0, "top"}};
  p.functions = {main, helper};
  EXPECT_EQ(disassemble(p),
            "; STFL v1 program: 2 constants, 2 functions\n"
            "\n"
            ".function main regs=1\n"
            "    LDI r0, \"Hello, world!\"             ; 0\n"
            "    PUSHARG r0                          ; 1\n"
            "    CALL \"print\"                        ; 2\n"
            "    LDI r0, 42                          ; 3\n"
            "done:\n"
            "    RET r0                              ; 4\n"
            ".end\n"
            "\n"
            ".function helper regs=3 params=(x, \"y z\") upvalues=(up) parent=main\n"
            "top:\n"
            "    LD r2, [sp-1]                       ; 0\n"
            "    JMP top                             ; 1\n"
            ".end\n");
  EXPECT_TRUE(round_trips(p));
}

TEST(Disassembler, LiteralSpellings) {
  EXPECT_EQ(literal_text(Constant::i64(42)), "42");
  EXPECT_EQ(literal_text(Constant::i64(-7)), "-7");
  EXPECT_EQ(literal_text(Constant::i64(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(literal_text(Constant::i32(5)), "5i32");
  EXPECT_EQ(literal_text(Constant::i32(std::numeric_limits<int32_t>::min())), "-2147483648i32");
  EXPECT_EQ(literal_text(Constant::i16(7)), "7i16");
  EXPECT_EQ(literal_text(Constant::i8(-3)), "-3i8");
  EXPECT_EQ(literal_text(Constant::i8(-128)), "-128i8");
  EXPECT_EQ(literal_text(Constant::u8(4)), "4u8");
  EXPECT_EQ(literal_text(Constant::u16(7)), "7u16");
  EXPECT_EQ(literal_text(Constant::u32(9)), "9u32");
  EXPECT_EQ(literal_text(Constant::u64(~0ull)), "18446744073709551615u64");
  EXPECT_EQ(literal_text(Constant::f64(1.5)), "1.5f64");
  EXPECT_EQ(literal_text(Constant::f64(1.0)), "1f64");
  EXPECT_EQ(literal_text(Constant::f64(-0.0)), "-0f64");
  EXPECT_EQ(literal_text(Constant::f64(0.1 + 0.2)), "0.30000000000000004f64");
  EXPECT_EQ(literal_text(Constant::f64(1e21)), "1e+21f64");
  EXPECT_EQ(literal_text(Constant::f64(5.1877e-319)), "5.1877e-319f64");
  EXPECT_EQ(literal_text(float_bits(0x7ff0000000000000ull)), "inff64");
  EXPECT_EQ(literal_text(float_bits(0xfff0000000000000ull)), "-inff64");
  EXPECT_EQ(literal_text(float_bits(0x7ff8000000000000ull)), "NaNf64");
  EXPECT_EQ(literal_text(float_bits(0x7ff8000000000001ull)), "f64:0x7ff8000000000001");
  EXPECT_EQ(literal_text(float_bits(0xfff8000000000000ull)), "f64:0xfff8000000000000");
  EXPECT_EQ(literal_text(float_bits(0x7ff0000000000001ull)), "f64:0x7ff0000000000001");
  EXPECT_EQ(literal_text(Constant::boolean(true)), "true");
  EXPECT_EQ(literal_text(Constant::boolean(false)), "false");
  EXPECT_EQ(literal_text({ConstTag::Bool, 7, {}}), "bool:0x07");
  EXPECT_EQ(literal_text(Constant::unit()), "()");
  EXPECT_EQ(literal_text(Constant::string("text")), "\"text\"");
  EXPECT_EQ(literal_text(Constant::string(std::string("q\"b\\n\nt\tr\rz\0c\x01\x7f", 15))),
            "\"q\\\"b\\\\n\\nt\\tr\\rz\\0c\\x01\\x7f\"");
  // Readable UTF-8 stays as it is; invisible and direction-changing code points are escaped.
  EXPECT_EQ(literal_text(Constant::string("h\xc3\xa9 \xf0\x9f\x98\x80")),
            "\"h\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(literal_text(Constant::string("a\xe2\x80\x8b"
                                          "b\xe2\x80\xae\xc2\x85")),
            "\"a\\u{200b}b\\u{202e}\\u{85}\"");
}

TEST(Disassembler, EveryOpcodeFromTheTable) {
  for (const auto& info : kOpcodeInfo) {
    SCOPED_TRACE(std::string(info.name));
    Program p = one_ldi(Constant::u8(1));
    Instruction ins;
    ins.op = info.op;
    std::string expected(info.name);
    switch (info.format) {
      case Format::RO:
        ins.a = 1, ins.offset = 5, expected += " r1, [sp+5]";
        break;
      case Format::RK:
        ins.a = 2, expected += " r2, 1u8";
        break;
      case Format::RR:
        ins.a = 3, ins.b = 4, expected += " r3, r4";
        break;
      case Format::RRR:
        ins.a = 5, ins.b = 6, ins.c = 7, expected += " r5, r6, r7";
        break;
      case Format::R:
        ins.a = 8, expected += " r8";
        break;
      case Format::S:
        ins.name = "L";
        expected += is_jump(info.op) ? " L" : " \"L\"";
        p.functions[0].labels.push_back({"L", 0});
        break;
    }
    p.functions[0].code.push_back(ins);
    EXPECT_TRUE(contains(disassemble(p), "\n    " + expected + " "));
    EXPECT_TRUE(round_trips(p));
  }
}

TEST(Disassembler, NamesAreBareOnlyWhenUnambiguous) {
  for (const char* bare : {"main", "_x", "a.b_c9", "Share.open", "r0", "true", "LDI"}) {
    EXPECT_EQ(asm_text::format_name(bare), bare);
  }
  EXPECT_EQ(asm_text::format_name(""), "\"\"");
  EXPECT_EQ(asm_text::format_name("a b"), "\"a b\"");
  EXPECT_EQ(asm_text::format_name("5x"), "\"5x\"");
  EXPECT_EQ(asm_text::format_name(".end"), "\".end\"");
  EXPECT_EQ(asm_text::format_name("a-b"), "\"a-b\"");
  EXPECT_EQ(asm_text::format_name("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(asm_text::format_name("x\"y"), "\"x\\\"y\"");
}

TEST(Disassembler, ExplicitFormsOnlyWhenNeeded) {
  // Canonical pool, sorted labels, version 1: none of the explicit directives.
  Program plain = one_ldi(Constant::i64(1));
  plain.functions[0].labels = {{"a", 0}, {"b", 0}, {"c", 1}};
  std::string text = disassemble(plain);
  EXPECT_FALSE(contains(text, ".constants"));
  EXPECT_FALSE(contains(text, ".label_order"));
  EXPECT_FALSE(contains(text, ".version"));
  EXPECT_FALSE(contains(text, ".label "));
  EXPECT_TRUE(contains(text, "a:\nb:\n    LDI r0, 1 "));
  EXPECT_TRUE(contains(text, "; 0\nc:\n.end\n"));
  EXPECT_TRUE(round_trips(plain));

  Program odd = plain;
  odd.version = 0;
  odd.constants = {Constant::i64(1), Constant::i64(1), Constant::unit()};
  odd.functions[0].code.push_back({Opcode::LDI, 1, 1, 0, 0, {}});   // the duplicate entry
  odd.functions[0].code.push_back({Opcode::LDI, 1, 77, 0, 0, {}});  // out of range
  odd.functions[0].code.push_back({Opcode::JMP, 0, 0, 0, 0, "gone"});
  odd.functions[0].labels = {{"c", 1}, {"a", 0}, {"far", 1000}, {"a", 0}};
  text = disassemble(odd);
  EXPECT_TRUE(contains(text, ".version 0\n"));
  EXPECT_TRUE(contains(text, ".constants\n    #0 = 1\n    #1 = 1\n    #2 = ()\n.end\n"));
  EXPECT_TRUE(contains(text, "LDI r0, 1 "));
  EXPECT_TRUE(contains(text, "LDI r1, #1 "));
  EXPECT_TRUE(contains(text, "LDI r1, #77 "));
  EXPECT_TRUE(contains(text, "JMP !gone "));
  EXPECT_TRUE(contains(text, "    .label_order c@1, a@0, far@1000, a@0\n"));
  EXPECT_TRUE(contains(text, "    .label far @1000\n.end\n"));
  EXPECT_TRUE(round_trips(odd));
}

TEST(Disassembler, PoolInAnotherOrderIsSpelledOut) {
  Program p = one_ldi(Constant::i64(2));
  p.constants.insert(p.constants.begin(), Constant::i64(1));  // pool [1, 2], code uses #1 only
  p.functions[0].code[0].b = 1;
  EXPECT_TRUE(contains(disassemble(p), ".constants\n    #0 = 1\n    #1 = 2\n.end\n"));
  EXPECT_TRUE(round_trips(p));
}

TEST(Disassembler, LongLabelOrdersWrap) {
  Program p = one_ldi(Constant::i64(1));
  for (int i = 40; i > 0; --i) p.functions[0].labels.push_back({"label_" + std::to_string(i), 0});
  const std::string text = disassemble(p);
  size_t lines = 0;
  for (size_t pos = 0; (pos = text.find(".label_order", pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_GT(lines, 1u);
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    EXPECT_LE(end - start, 100u) << text.substr(start, end - start);
    start = end + 1;
  }
  EXPECT_TRUE(round_trips(p));
}

TEST(Disassembler, InvalidModelsDoNotCrashAndDoNotAssemble) {
  // No reader produces these, but disassemble() must survive them, and the assembler must not
  // silently accept the result.
  Program bad_opcode = one_ldi(Constant::i64(1));
  bad_opcode.functions[0].code[0].op = static_cast<Opcode>(0x42);
  EXPECT_FALSE(assemble(disassemble(bad_opcode)).ok());
  Program bad_tag = one_ldi({static_cast<ConstTag>(99), 0, {}});
  EXPECT_FALSE(assemble(disassemble(bad_tag)).ok());
  Program bad_utf8 = one_ldi(Constant::string("\xff"));
  EXPECT_TRUE(contains(disassemble(bad_utf8), "\"\\xff\""));
  EXPECT_FALSE(assemble(disassemble(bad_utf8)).ok());
}

std::vector<std::filesystem::path> fixture_files() {
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"lang", "reference"}) {
    const auto dir = std::filesystem::path(STOFFEL_FIXTURES_DIR) / sub;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".stflb") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(DisassemblerFixtures, EveryFixtureRoundTripsToTheSameBytes) {
  const auto files = fixture_files();
  ASSERT_GE(files.size(), 20u) << "fixtures missing under " << STOFFEL_FIXTURES_DIR;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                     std::istreambuf_iterator<char>()};
    const auto program = read_program(bytes);
    ASSERT_TRUE(program.ok()) << program.error().message;
    EXPECT_TRUE(round_trips(*program));
    const auto back = assemble(disassemble(*program), path.string());
    ASSERT_TRUE(back.ok()) << back.error().message;
    const auto written = write_program(*back);
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_TRUE(*written == bytes) << "bytes differ after the text round trip";
  }
}

TEST(DisassemblerFixtures, ExamplesAssembleVerifyAndRoundTrip) {
  for (const char* name : {"hello.stfa", "fib.stfa"}) {
    SCOPED_TRACE(name);
    std::ifstream in(std::filesystem::path(STOFFEL_SOURCE_DIR) / "examples" / name);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ASSERT_FALSE(text.empty());
    const auto p = assemble(text, name);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_TRUE(verify_program(*p).ok());
    EXPECT_TRUE(round_trips(*p));
  }
}

// Random programs aimed at the corners of the format.
class RandomProgram {
 public:
  explicit RandomProgram(uint64_t seed) : rng_(seed) {}

  Program make() {
    Program p;
    if (chance(10)) p.version = static_cast<uint16_t>(uniform(0, 65535));
    const size_t constants = uniform(0, 10);
    for (size_t i = 0; i < constants; ++i) {
      // Duplicates of earlier entries, in any order, keep the pool non-canonical.
      if (!p.constants.empty() && chance(20)) {
        p.constants.push_back(p.constants[uniform(0, p.constants.size() - 1)]);
      } else {
        p.constants.push_back(constant());
      }
    }
    const size_t functions = uniform(0, 4);
    for (size_t i = 0; i < functions; ++i) p.functions.push_back(function(p));
    return p;
  }

 private:
  bool chance(int percent) { return uniform(0, 99) < static_cast<uint64_t>(percent); }
  uint64_t uniform(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  uint64_t bits() { return rng_(); }

  std::string utf8_string() {
    std::string s;
    const size_t length = uniform(0, 8);
    for (size_t i = 0; i < length; ++i) {
      uint32_t cp = 0;
      switch (uniform(0, 5)) {
        case 0:
          cp = static_cast<uint32_t>(uniform(0, 0x1F));
          break;  // controls, NUL included
        case 1:
          cp = static_cast<uint32_t>(uniform(0x80, 0x7FF));
          break;
        case 2:
          do {
            cp = static_cast<uint32_t>(uniform(0x800, 0xFFFF));
          } while (cp >= 0xD800 && cp <= 0xDFFF);
          break;
        case 3:
          cp = static_cast<uint32_t>(uniform(0x10000, 0x10FFFF));
          break;
        default:
          cp = static_cast<uint32_t>(uniform(0x20, 0x7F));
          break;
      }
      asm_text::append_utf8(s, cp);
    }
    return s;
  }

  std::string name() {
    static const std::vector<std::string> odd = {"",
                                                 "main",
                                                 "a",
                                                 "r0",
                                                 "r99",
                                                 "true",
                                                 "()",
                                                 "#1",
                                                 "-5",
                                                 "5",
                                                 "1.5f64",
                                                 "f64:0x1",
                                                 ".end",
                                                 ".function",
                                                 "a b",
                                                 "quote\"d",
                                                 "back\\slash",
                                                 "tab\t",
                                                 "semi;colon",
                                                 "comma,",
                                                 "at@",
                                                 "colon:",
                                                 "[sp-1]",
                                                 "!bang",
                                                 "a.b.c",
                                                 "_",
                                                 "LDI",
                                                 "JMP",
                                                 std::string("nul\0x", 5),
                                                 "\x7f",
                                                 "\xc2\x85",
                                                 "\xe2\x80\x8b",
                                                 "\xc3\xbc"
                                                 "mlaut",
                                                 "\xe6\x97\xa5\xe6\x9c\xac",
                                                 "emoji\xf0\x9f\x98\x80",
                                                 std::string(300, 'L')};
    if (chance(30)) return utf8_string();
    return odd[uniform(0, odd.size() - 1)];
  }

  Constant constant() {
    switch (uniform(0, 11)) {
      case 0:
        return Constant::unit();
      case 1:
        return Constant::i64(static_cast<int64_t>(chance(50) ? bits() : uniform(0, 20)));
      case 2:
        return Constant::i32(static_cast<int32_t>(bits()));
      case 3:
        return Constant::i16(static_cast<int16_t>(bits()));
      case 4:
        return Constant::i8(static_cast<int8_t>(bits()));
      case 5:
        return Constant::u8(static_cast<uint8_t>(bits()));
      case 6:
        return Constant::u16(static_cast<uint16_t>(bits()));
      case 7:
        return Constant::u32(static_cast<uint32_t>(bits()));
      case 8:
        return Constant::u64(bits());
      case 9: {
        static const uint64_t special[] = {0,
                                           0x8000000000000000ull,
                                           0x7ff8000000000000ull,
                                           0xfff8000000000000ull,
                                           0x7ff8000000000001ull,
                                           0x7ff0000000000000ull,
                                           0xfff0000000000000ull,
                                           1,
                                           0x000fffffffffffffull,
                                           0x3ff8000000000000ull};
        if (chance(40)) return float_bits(special[uniform(0, std::size(special) - 1)]);
        if (chance(30)) {
          // Exponent all ones: infinities and NaNs with random payloads and signs.
          return float_bits(bits() | 0x7ff0000000000000ull);
        }
        return float_bits(bits());
      }
      case 10:
        return Constant::boolean(chance(50));
      default:
        return Constant::string(chance(70) ? utf8_string() : name());
    }
  }

  uint32_t reg() {
    if (chance(90)) return static_cast<uint32_t>(uniform(0, 20));
    return static_cast<uint32_t>(chance(50) ? uniform(0, 65535) : bits());
  }

  Function function(const Program& p) {
    Function f;
    f.name = name();
    f.register_count = static_cast<uint16_t>(chance(80) ? uniform(0, 32) : uniform(0, 65535));
    for (size_t i = uniform(0, 3); i > 0; --i) f.params.push_back(name());
    if (chance(30)) {
      for (size_t i = uniform(0, 3); i > 0; --i) f.upvalues.push_back(name());
    }
    if (chance(30)) f.parent = name();

    const size_t length = uniform(0, 24);
    std::vector<std::string> label_names;
    for (size_t i = uniform(0, 6); i > 0; --i) label_names.push_back(name());
    for (const auto& n : label_names) {
      uint32_t index = static_cast<uint32_t>(uniform(0, length + 2));
      if (chance(5)) index = static_cast<uint32_t>(bits());
      f.labels.push_back({n, index});
      if (chance(15)) f.labels.push_back({n, chance(50) ? index : index / 2});  // duplicates
    }
    if (chance(50)) {
      std::sort(f.labels.begin(), f.labels.end(), [](const Label& a, const Label& b) {
        return std::tie(a.index, a.name) < std::tie(b.index, b.name);
      });
    } else {
      std::shuffle(f.labels.begin(), f.labels.end(), rng_);
    }

    for (size_t i = 0; i < length; ++i) {
      Instruction ins;
      ins.op = static_cast<Opcode>(uniform(0, kOpcodeCount - 1));
      switch (opcode_format(ins.op)) {
        case Format::RO: {
          static const int32_t edge[] = {0, -1, 1, std::numeric_limits<int32_t>::min(),
                                         std::numeric_limits<int32_t>::max()};
          ins.a = reg();
          ins.offset = chance(50) ? edge[uniform(0, 4)] : static_cast<int32_t>(bits());
          break;
        }
        case Format::RK:
          ins.a = reg();
          if (!p.constants.empty() && chance(85)) {
            ins.b = static_cast<uint32_t>(uniform(0, p.constants.size() - 1));
          } else {
            ins.b = chance(50) ? static_cast<uint32_t>(p.constants.size() + uniform(0, 3))
                               : static_cast<uint32_t>(bits());
          }
          break;
        case Format::RR:
          ins.a = reg(), ins.b = reg();
          break;
        case Format::RRR:
          ins.a = reg(), ins.b = reg(), ins.c = reg();
          break;
        case Format::R:
          ins.a = reg();
          break;
        case Format::S:
          if (is_jump(ins.op) && !label_names.empty() && chance(80)) {
            ins.name = label_names[uniform(0, label_names.size() - 1)];
          } else {
            ins.name = name();
          }
          break;
      }
      f.code.push_back(std::move(ins));
    }
    return f;
  }

  std::mt19937_64 rng_;
};

TEST(DisassemblerRandom, ThousandsOfProgramsRoundTrip) {
  RandomProgram gen(0x5701FE1ull);
  size_t explicit_pools = 0, label_orders = 0, unchecked_jumps = 0, exact_floats = 0;
  for (int i = 0; i < 3000; ++i) {
    const Program p = gen.make();
    const std::string text = disassemble(p);
    explicit_pools += text.find("\n.constants\n") != std::string::npos;
    label_orders += text.find(".label_order") != std::string::npos;
    unchecked_jumps += text.find(" !") != std::string::npos;
    exact_floats += text.find("f64:0x") != std::string::npos;
    ASSERT_TRUE(round_trips(p)) << "program #" << i;
  }
  // The generator must actually reach the hard cases, or this test proves little.
  EXPECT_GT(explicit_pools, 300u);
  EXPECT_GT(label_orders, 300u);
  EXPECT_GT(unchecked_jumps, 300u);
  EXPECT_GT(exact_floats, 100u);
}

TEST(DisassemblerRandom, RandomProgramsSurviveTheBinaryFormatToo) {
  // The text round trip composed with the writer and reader: the same bytes come back.
  RandomProgram gen(42);
  for (int i = 0; i < 300; ++i) {
    Program p = gen.make();
    p.version = kCurrentVersion;  // the reader refuses newer versions
    const auto bytes = write_program(p);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    const auto read = read_program(*bytes);
    ASSERT_TRUE(read.ok()) << read.error().message;
    const auto back = assemble(disassemble(*read));
    ASSERT_TRUE(back.ok()) << back.error().message;
    const auto rewritten = write_program(*back);
    ASSERT_TRUE(rewritten.ok());
    EXPECT_TRUE(*rewritten == *bytes) << "program #" << i;
  }
}

TEST(DisassemblerText, AssembledTextIsStable) {
  const char* text =
      ".function main\n"
      "  LDI r0, 1.5f64 ; c\n"
      "b: a: JMP a\n"
      "  CALL odd\n"
      ".end\n";
  const auto p = assemble(text);
  ASSERT_TRUE(p.ok()) << p.error().message;
  const std::string once = disassemble(*p);
  const auto again = assemble(once);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(disassemble(*again), once);
  EXPECT_TRUE(contains(once, "CALL \"odd\""));
  EXPECT_TRUE(contains(once, "a:\nb:\n    JMP a"));
}

}  // namespace
}  // namespace stoffel::bytecode
