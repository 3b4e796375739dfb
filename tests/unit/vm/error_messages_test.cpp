// Error messages name what they saw (issue 20, "Guidance a user expects"): the reference's text
// stays in front (docs/decisions.md, E5: scripts match it), followed by the operand types, the
// argument count or the value that was refused, and for MOV into a secret register the rule that
// made the MOV share its value.
#include <gtest/gtest.h>

#include <string>

#include "fake_backend.h"
#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::FakeBackend;
using testing::vm_from_asm;

std::string run(VirtualMachine& vm, const char* entry = "main") {
  auto r = vm.execute(entry);
  return r ? display_string(*r) : "error: " + r.error().message;
}

// Runs `body` as the function main (20 registers) on a fake engine.
std::string run_body(const std::string& body) {
  auto vm = vm_from_asm(".function main regs=20\n" + body + "\n.end\n");
  FakeBackend e;
  vm->set_engine(&e);
  return run(*vm);
}

TEST(ErrorMessages, ArithmeticTypeErrorsNameBothOperandTypes) {
  EXPECT_EQ(run_body(" LDI r1, 5\n LDI r2, \"abc\"\n SUB r0, r1, r2\n RET r0"),
            "error: Type error in SUB operation: I64 and String");
  EXPECT_EQ(run_body(" LDI r1, ()\n LDI r2, 1.5f64\n MUL r0, r1, r2\n RET r0"),
            "error: Type error in MUL operation: Unit and Float");
  EXPECT_EQ(run_body(" LDI r1, 1\n LDI r2, 2i32\n ADD r0, r1, r2\n RET r0"),
            "error: Type error in ADD operation: I64 and I32 (integers of different types are "
            "never converted)");
  EXPECT_EQ(run_body(" LDI r1, 3u8\n LDI r2, 1.5f64\n DIV r0, r1, r2\n RET r0"),
            "error: Type error in DIV operation: U8 and Float");
  EXPECT_EQ(run_body(" LDI r1, 1i32\n LDI r2, 2i32\n AND r0, r1, r2\n RET r0"),
            "error: Type error in AND operation: I32 and I32 (AND takes two I64 or two Bool)");
  EXPECT_EQ(run_body(" LDI r1, 1.5f64\n LDI r2, 2\n SHR r0, r1, r2\n RET r0"),
            "error: Type error in SHR operation: Float and I64 (SHR takes two I64)");
  EXPECT_EQ(run_body(" LDI r1, \"x\"\n NOT r0, r1\n RET r0"),
            "error: Type error in NOT operation: String");
}

TEST(ErrorMessages, ShareOperandErrorsNameTypesAndTheRule) {
  EXPECT_EQ(run_body(" LDI r0, 1\n MOV r16, r0\n LDI r0, 1.5f64\n MOV r17, r0\n"
                     " SUB r18, r16, r17\n RET r0"),
            "error: Share type mismatch in SUB operation: SecretInt(64) and "
            "SecretFixedPoint(64, 16)");
  EXPECT_EQ(run_body(" LDI r0, 1\n MOV r16, r0\n LDI r1, \"s\"\n MUL r18, r1, r16\n RET r0"),
            "error: Type error in MUL operation: String and Share (a share's clear operand must "
            "be an I64)");
  EXPECT_EQ(run_body(" LDI r0, 1\n MOV r16, r0\n LDI r1, 6\n DIV r18, r1, r16\n RET r0"),
            "error: Type error in DIV operation: I64 and Share (a share can be divided by an I64, "
            "not the reverse)");
}

TEST(ErrorMessages, MovIntoASecretRegisterStatesTheRule) {
  // An object moved into r17 by mistake: the message says why the MOV tried to share it.
  const std::string body = " CALL \"create_object\"\n MOV r1, r0\n MOV r17, r1\n RET r0";
  EXPECT_EQ(run_body(body),
            "error: Only primitive types (Int, Float, Bool) can be converted to shares, got "
            "Object(1) (MOV r17, r1: registers r16 and above are secret, and a value moved into "
            "one is secret-shared; keep other values in r0..r15)");
  {
    // The hooked loop (any hook registered) names the same registers.
    auto vm = vm_from_asm(".function main regs=20\n" + body + "\n.end\n");
    FakeBackend e;
    vm->set_engine(&e);
    vm->register_hook([](const HookEvent&) { return false; },
                      [](const HookEvent&, const VirtualMachine&) -> Result<void> { return {}; },
                      0);
    EXPECT_EQ(run(*vm),
              "error: Only primitive types (Int, Float, Bool) can be converted to shares, got "
              "Object(1) (MOV r17, r1: registers r16 and above are secret, and a value moved "
              "into one is secret-shared; keep other values in r0..r15)");
  }
  // Without an engine the rule is just as much the explanation.
  auto vm = vm_from_asm(".function main regs=20\n" + body + "\n.end\n");
  EXPECT_EQ(run(*vm),
            "error: MPC engine not configured (MOV r17, r1: registers r16 and above are secret, "
            "and a value moved into one is secret-shared; keep other values in r0..r15)");
  // Share.from_clear refuses the same value without talking about registers.
  EXPECT_EQ(run_body(" CALL \"create_array\"\n PUSHARG r0\n CALL \"Share.from_clear\"\n RET r0"),
            "error: Only primitive types (Int, Float, Bool) can be converted to shares, got "
            "Array(1)");
}

TEST(ErrorMessages, ArityErrorsSayHowManyArgumentsCame) {
  EXPECT_EQ(run_body(" LDI r1, 1\n PUSHARG r1\n PUSHARG r1\n PUSHARG r1\n CALL \"Share.mul\"\n"
                     " RET r0"),
            "error: Share.mul expects 2 arguments but got 3");
  EXPECT_EQ(run_body(" LDI r1, 1\n PUSHARG r1\n PUSHARG r1\n CALL \"type\"\n RET r0"),
            "error: type expects 1 argument but got 2");
  EXPECT_EQ(run_body(" CALL \"create_object\"\n PUSHARG r0\n CALL \"get_field\"\n RET r0"),
            "error: get_field expects at least 2 arguments but got 1");
  EXPECT_EQ(run_body(" CALL \"ClientStore.take_share\"\n RET r0"),
            "error: ClientStore.take_share expects 2 arguments but got 0");
  EXPECT_EQ(run_body(" CALL \"Mpc.rand_int\"\n RET r0"),
            "error: Mpc.rand_int expects 1 argument but got 0");
  EXPECT_EQ(run_body(" LDI r1, 12\n PUSHARG r1\n CALL \"Mpc.rand_int\"\n RET r0"),
            "error: Mpc.rand_int expects a bit width (8, 16, 32 or 64), got 12");
  // A program function's arity error already said both counts (the reference's text).
  auto vm = vm_from_asm(
      ".function main regs=2\n LDI r1, 1\n PUSHARG r1\n CALL \"f\"\n RET r0\n.end\n"
      ".function f regs=2 params=(a, b)\n RET r0\n.end\n");
  EXPECT_EQ(run(*vm), "error: Function f expects 2 arguments but got 1");
}

TEST(ErrorMessages, ShareBuiltinsNameTheTypesThatDiffer) {
  const std::string make_two =
      " LDI r1, 3\n PUSHARG r1\n CALL \"Share.from_clear\"\n MOV r2, r0\n"
      " LDI r1, 1.5f64\n PUSHARG r1\n CALL \"Share.from_clear\"\n MOV r3, r0\n";
  EXPECT_EQ(run_body(make_two + " PUSHARG r2\n PUSHARG r3\n CALL \"Share.mul\"\n RET r0"),
            "error: Share.mul: share types differ: SecretInt(64) and SecretFixedPoint(64, 16)");
  EXPECT_EQ(run_body(make_two + " LDI r1, 8\n PUSHARG r1\n PUSHARG r1\n CALL "
                                "\"Share.from_clear_int\"\n PUSHARG r0\n PUSHARG r2\n"
                                " CALL \"Share.add\"\n RET r0"),
            "error: Share.add: share types differ: SecretInt(8) and SecretInt(64)");
  // Arrays of shares: which elements disagree.
  const std::string arrays = make_two +
                             " LDI r1, 0\n PUSHARG r1\n CALL \"create_array\"\n MOV r4, r0\n"
                             " PUSHARG r4\n PUSHARG r2\n PUSHARG r2\n PUSHARG r3\n"
                             " CALL \"array_push\"\n"
                             " PUSHARG r1\n CALL \"create_array\"\n MOV r5, r0\n"
                             " PUSHARG r5\n PUSHARG r2\n PUSHARG r2\n CALL \"array_push\"\n";
  EXPECT_EQ(run_body(arrays + " PUSHARG r4\n CALL \"Share.batch_open\"\n RET r0"),
            "error: Share.batch_open: all shares must have the same type: element 0 is "
            "SecretInt(64), element 2 is SecretFixedPoint(64, 16)");
  EXPECT_EQ(run_body(arrays + " PUSHARG r4\n PUSHARG r5\n CALL \"Share.batch_mul\"\n RET r0"),
            "error: Share.batch_mul: arrays differ in length (3 and 2)");
  EXPECT_EQ(run_body(arrays + " PUSHARG r5\n PUSHARG r2\n"
                              " CALL \"array_push\"\n PUSHARG r5\n PUSHARG r4\n"
                              " CALL \"Share.batch_mul\"\n RET r0"),
            "error: Share.batch_mul: all shares must have the same type: a[0] is SecretInt(64), "
            "b[2] is SecretFixedPoint(64, 16)");
  EXPECT_EQ(run_body(" LDI r1, 5\n PUSHARG r1\n PUSHARG r1\n CALL \"Share.mul_scalar\"\n RET r0"),
            "error: Share.mul_scalar: expected a share, got 5");
  EXPECT_EQ(run_body(make_two + " LDI r1, 2.5f64\n PUSHARG r2\n PUSHARG r1\n"
                                " CALL \"Share.mul_scalar\"\n RET r0"),
            "error: Share.mul_scalar: scalar must be a signed integer, got 2.5f64");
}

TEST(ErrorMessages, BuiltinArgumentErrorsShowTheArgument) {
  EXPECT_EQ(run_body(" LDI r1, 7\n PUSHARG r1\n CALL \"array_length\"\n RET r0"),
            "error: First argument must be an array, but got 7");
  EXPECT_EQ(run_body(" CALL \"array_push\"\n RET r0"),
            "error: First argument must be an array, but got nothing");
  EXPECT_EQ(run_body(" LDI r1, 7\n PUSHARG r1\n CALL \"get_upvalue\"\n RET r0"),
            "error: First argument must be a string, but got 7");
  EXPECT_EQ(run_body(" LDI r1, 7\n PUSHARG r1\n PUSHARG r1\n PUSHARG r1\n CALL \"set_field\"\n"
                     " RET r0"),
            "error: Expected object or array, got 7");
  EXPECT_EQ(run_body(" LDI r1, -1\n PUSHARG r1\n PUSHARG r1\n CALL \"ClientStore.take_share\"\n"
                     " RET r0"),
            "error: client_index must be a non-negative integer, but got -1");
  EXPECT_EQ(run_body(" LDI r1, 1\n PUSHARG r1\n LD r2, [sp+0]\n LD r3, [sp-1]\n RET r0"),
            "error: Stack address [sp+-1] out of bounds (1 argument pushed)");
}

TEST(ErrorMessages, UnknownFunctionsAreQuotedEverywhere) {
  auto vm = vm_from_asm(
      ".function main regs=2\n LDI r1, \"ghost\"\n PUSHARG r1\n CALL \"create_closure\"\n"
      " PUSHARG r0\n CALL \"call_closure\"\n RET r0\n.end\n"
      ".function call_missing regs=1\n CALL \"nope\"\n RET r0\n.end\n");
  EXPECT_EQ(run(*vm, "no_such_entry"), "error: Function 'no_such_entry' not found");
  EXPECT_EQ(run(*vm, "call_missing"), "error: Function 'nope' not found");
  EXPECT_EQ(run(*vm), "error: Function 'ghost' not found");
  const Value none[] = {Value::i64(1)};
  auto r = vm->execute_with_args("absent", none);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Function 'absent' not found");
}

}  // namespace
}  // namespace stoffel::vm
