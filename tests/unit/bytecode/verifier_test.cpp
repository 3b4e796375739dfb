// The load-time verifier (docs/decisions.md, B3 and B4): labels, constant indexes, register
// indexes, and the effective register count.
#include <gtest/gtest.h>

#include <string>

#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "stfl_test_util.h"

namespace stoffel::bytecode {
namespace {

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

// A program whose first function has 8 instructions; tests replace one to make it wrong.
Program base_program() {
  Program p;
  p.constants = {Constant::i64(0),   Constant::i64(1),      Constant::boolean(true),
                 Constant::f64(0.5), Constant::string("s"), Constant::unit()};
  Function main;
  main.name = "main";
  main.register_count = 4;
  main.labels = {{"loop", 1}, {"done", 7}};
  main.code = {
      op_rr(Opcode::LDI, 0, 0),  op_rr(Opcode::LDI, 1, 1), op_rrr(Opcode::ADD, 0, 0, 1),
      op_rr(Opcode::LDI, 2, 5),  op_rr(Opcode::CMP, 0, 2), op_s(Opcode::JMPLT, "loop"),
      op_s(Opcode::JMP, "done"), op_r(Opcode::RET, 0),
  };
  p.functions.push_back(main);
  return p;
}

std::string verify_error(const Program& p) {
  auto result = verify_program(p);
  if (result.ok()) return "<unexpectedly verified>";
  return result.error().message;
}

TEST(Verifier, AcceptsAWellFormedProgram) {
  const Program p = base_program();
  auto result = verify_program(p);
  EXPECT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(verify_function(p, p.functions[0]).ok());
}

TEST(Verifier, UnknownLabel) {
  Program p = base_program();
  p.functions[0].code.push_back(op_s(Opcode::JMP, "loop_end"));
  EXPECT_EQ(verify_error(p), "function 'main' (#0), instruction 8 (JMP): unknown label 'loop_end'");
  // Every jump opcode is checked.
  for (Opcode op : {Opcode::JMP, Opcode::JMPEQ, Opcode::JMPNEQ, Opcode::JMPLT, Opcode::JMPGT}) {
    Program q = base_program();
    q.functions[0].code[6] = op_s(op, "nowhere");
    EXPECT_EQ(verify_error(q), "function 'main' (#0), instruction 6 (" +
                                   std::string(opcode_name(op)) + "): unknown label 'nowhere'");
  }
}

TEST(Verifier, ExampleFromTheBrief) {
  Program p = base_program();
  p.functions[0].code[7] = op_s(Opcode::JMP, "loop_end");
  EXPECT_EQ(verify_error(p), "function 'main' (#0), instruction 7 (JMP): unknown label 'loop_end'");
  p = base_program();
  p.functions[0].code[3] = op_rr(Opcode::LDI, 2, 9);
  EXPECT_EQ(
      verify_error(p),
      "function 'main' (#0), instruction 3 (LDI): constant index 9 out of range (pool has 6)");
  p = base_program();
  p.functions[0].code[2] = op_rrr(Opcode::ADD, 0, 70000, 1);
  EXPECT_EQ(verify_error(p),
            "function 'main' (#0), instruction 2 (ADD): register r70000 out of range (max r65535)");
}

TEST(Verifier, LabelOfAnotherFunctionDoesNotCount) {
  Program p = base_program();
  Function other;
  other.name = "other";
  other.labels = {{"mine", 0}};
  other.code = {op_s(Opcode::JMP, "loop")};
  p.functions.push_back(other);
  EXPECT_EQ(verify_error(p), "function 'other' (#1), instruction 0 (JMP): unknown label 'loop'");
}

TEST(Verifier, LabelsAreCaseSensitiveAndExact) {
  Program p = base_program();
  p.functions[0].code[6] = op_s(Opcode::JMP, "Done");
  EXPECT_EQ(verify_error(p), "function 'main' (#0), instruction 6 (JMP): unknown label 'Done'");
  p.functions[0].code[6] = op_s(Opcode::JMP, "done ");
  EXPECT_FALSE(verify_program(p).ok());
}

TEST(Verifier, LabelPastTheEndIsAllowed) {
  // An index at or past the instruction count means "end of function".
  Program p = base_program();
  p.functions[0].labels = {{"loop", 1}, {"done", 8}, {"far", 0xFFFFFFFF}};
  p.functions[0].code.push_back(op_s(Opcode::JMPGT, "far"));
  auto result = verify_program(p);
  EXPECT_TRUE(result.ok()) << result.error().message;
}

TEST(Verifier, DuplicateLabelsAreAllowed) {
  Program p = base_program();
  p.functions[0].labels.push_back({"loop", 3});
  EXPECT_TRUE(verify_program(p).ok());
}

TEST(Verifier, ConstantIndex) {
  Program p = base_program();
  p.functions[0].code[3] = op_rr(Opcode::LDI, 2, 6);  // one past the end
  EXPECT_EQ(
      verify_error(p),
      "function 'main' (#0), instruction 3 (LDI): constant index 6 out of range (pool has 6)");
  p.functions[0].code[3] = op_rr(Opcode::LDI, 2, 5);  // the last one
  EXPECT_TRUE(verify_program(p).ok());
  p.constants.clear();
  EXPECT_EQ(
      verify_error(p),
      "function 'main' (#0), instruction 0 (LDI): constant index 0 out of range (pool has 0)");
}

TEST(Verifier, EveryRegisterOperandIsChecked) {
  struct Case {
    Instruction ins;
    std::string mnemonic;
  };
  const uint32_t bad = kMaxRegisters;  // r65536
  const Case cases[] = {
      {Instruction{Opcode::LD, bad, 0, 0, -1, {}}, "LD"},
      {op_rr(Opcode::LDI, bad, 0), "LDI"},
      {op_rr(Opcode::MOV, bad, 0), "MOV"},
      {op_rr(Opcode::MOV, 0, bad), "MOV"},
      {op_rrr(Opcode::SUB, bad, 0, 0), "SUB"},
      {op_rrr(Opcode::MUL, 0, bad, 0), "MUL"},
      {op_rrr(Opcode::SHR, 0, 0, bad), "SHR"},
      {op_rr(Opcode::NOT, 0, bad), "NOT"},
      {op_rr(Opcode::CMP, bad, 0), "CMP"},
      {op_r(Opcode::RET, bad), "RET"},
      {op_r(Opcode::PUSHARG, bad), "PUSHARG"},
  };
  for (const Case& c : cases) {
    Program p = base_program();
    p.functions[0].code[4] = c.ins;
    EXPECT_EQ(verify_error(p), "function 'main' (#0), instruction 4 (" + c.mnemonic +
                                   "): register r65536 out of range (max r65535)");
  }
  Program p = base_program();
  p.functions[0].code[4] = op_r(Opcode::RET, 0xFFFFFFFF);
  EXPECT_EQ(verify_error(p),
            "function 'main' (#0), instruction 4 (RET): register r4294967295 out of range (max "
            "r65535)");
}

TEST(Verifier, HighestRegisterIsAllowed) {
  Program p = base_program();
  p.functions[0].code[7] = op_r(Opcode::RET, kMaxRegisters - 1);
  EXPECT_TRUE(verify_program(p).ok());
  EXPECT_EQ(effective_register_count(p.functions[0]), kMaxRegisters);
}

TEST(Verifier, DoesNotLookAtCallTargetsOrLdOffsets) {
  // An unknown function is a run-time error ("Function 'x' not found"); LD's offset is checked
  // against the argument stack at run time.
  Program p = base_program();
  p.functions[0].code[4] = op_s(Opcode::CALL, "no_such_function");
  p.functions[0].code[5] = Instruction{Opcode::LD, 0, 0, 0, INT32_MIN, {}};
  auto result = verify_program(p);
  EXPECT_TRUE(result.ok()) << result.error().message;
}

TEST(Verifier, InvalidOpcodeInAHandBuiltModel) {
  Program p = base_program();
  p.functions[0].code[1].op = static_cast<Opcode>(0x40);
  EXPECT_EQ(verify_error(p), "function 'main' (#0), instruction 1 (?): invalid opcode 64");
  EXPECT_EQ(effective_register_count(p.functions[0]), 4u);  // skipped, no crash
}

TEST(Verifier, VerifyFunctionNamesTheIndexWhenItCan) {
  Program p = base_program();
  p.functions.push_back(p.functions[0]);
  p.functions[1].code[6] = op_s(Opcode::JMP, "x");
  auto in_program = verify_function(p, p.functions[1]);
  ASSERT_FALSE(in_program.ok());
  EXPECT_EQ(in_program.error().message,
            "function 'main' (#1), instruction 6 (JMP): unknown label 'x'");
  // A function that is not one of the program's (a copy) has no index.
  const Function copy = p.functions[1];
  auto alone = verify_function(p, copy);
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().message, "function 'main', instruction 6 (JMP): unknown label 'x'");
  // verify_program stops at the first bad function and names it.
  EXPECT_EQ(verify_error(p), "function 'main' (#1), instruction 6 (JMP): unknown label 'x'");
}

TEST(EffectiveRegisterCount, IsTheMaxOfDeclaredParamsAndUsed) {
  Function f;
  f.name = "f";
  EXPECT_EQ(effective_register_count(f), 0u);
  f.register_count = 3;
  EXPECT_EQ(effective_register_count(f), 3u);
  f.params = {"a", "b", "c", "d", "e"};
  EXPECT_EQ(effective_register_count(f), 5u);
  f.code = {op_rrr(Opcode::ADD, 1, 2, 9)};
  EXPECT_EQ(effective_register_count(f), 10u);
  f.code.push_back(op_s(Opcode::JMP, "x"));                     // names are not registers
  f.code.push_back(Instruction{Opcode::LD, 4, 0, 0, 100, {}});  // nor is LD's offset
  f.code.push_back(op_rr(Opcode::LDI, 2, 500));                 // nor a constant index
  EXPECT_EQ(effective_register_count(f), 10u);
  f.code.push_back(op_rr(Opcode::CMP, 0, 16));
  EXPECT_EQ(effective_register_count(f), 17u);
}

TEST(EffectiveRegisterCount, MatrixFixtureUsesR17With11Declared) {
  // Decision B4: the fixture declares 11 registers for federated_average_2x3 and uses r16/r17.
  for (const char* file :
       {"reference/matrix_average_fixed_point.stflb", "lang/matrix_average_fixed_point.stflb",
        "reference/lang_matrix_average_fixed_point.stflb"}) {
    auto program = read_program_file((test::fixtures_dir() / file).string());
    ASSERT_TRUE(program.ok()) << program.error().message;
    auto verified = verify_program(*program);
    EXPECT_TRUE(verified.ok()) << verified.error().message;
    int found = 0;
    for (const Function& f : program->functions) {
      if (f.name != "federated_average_2x3") continue;
      ++found;
      EXPECT_EQ(f.register_count, 11) << file;
      EXPECT_EQ(effective_register_count(f), 18u) << file;
    }
    EXPECT_EQ(found, 1) << file;
  }
}

TEST(EffectiveRegisterCount, ClientMulNeedsNoMoreThanDeclared) {
  auto program = read_program_file((test::fixtures_dir() / "reference/client_mul.stflb").string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  // 20 declared, r18 the highest used.
  EXPECT_EQ(effective_register_count(program->functions.at(0)), 20u);
}

// Every way a program can be unusable is a Load error, whichever step finds it: the reader
// (malformed bytes, a missing file) or the verifier. The CLI exits 3 for exactly this kind.
TEST(Verifier, UnusableProgramsAreLoadErrors) {
  Program p = base_program();
  p.functions[0].code.push_back(op_s(Opcode::JMP, "loop_end"));
  auto verified = verify_program(p);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().kind, ErrorKind::Load);
  const std::vector<uint8_t> garbage{'S', 'T', 'F', 'L', 1};
  auto read = read_program(garbage);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, ErrorKind::Load);
  auto missing = read_program_file("/nonexistent/dir/program.stflb");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::Load);
}

}  // namespace
}  // namespace stoffel::bytecode
