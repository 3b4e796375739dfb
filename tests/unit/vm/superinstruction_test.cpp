// The hook-free loop's superinstructions (translate.cpp superinstructions(), the table in iop.h)
// must behave exactly like the instructions they replace. The golden suite checks that on whole
// programs (plain and traced runs agree); these tests aim at the assumptions the fused forms
// make instead of checking at run time: the call slot still means the builtin it meant at load
// time, no arguments are pending when a PUSHARG+CALL run starts, and nothing lands in the
// operand slots of a loop back-edge.
#include <gtest/gtest.h>

#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::vm_from_asm;

// o.x = o.x + 1, ten times, through the fused forms (PUSHARG+CALL in registers).
constexpr const char* kFieldLoop = R"(
.function main regs=6
    CALL "create_object"
    MOV r4, r0
    LDI r5, "x"
    LDI r1, 0
    PUSHARG r4
    PUSHARG r5
    PUSHARG r1
    CALL "set_field"
    LDI r1, 0
    LDI r2, 10
loop:
    CMP r1, r2
    JMPEQ done
    PUSHARG r4
    PUSHARG r5
    CALL "get_field"
    LDI r3, 1
    ADD r3, r0, r3
    PUSHARG r4
    PUSHARG r5
    PUSHARG r3
    CALL "set_field"
    LDI r3, 1
    ADD r1, r1, r3
    JMP loop
done:
    PUSHARG r4
    PUSHARG r5
    CALL "get_field"
    RET r0
.end)";

TEST(Superinstructions, RebindingAnInlinedBuiltinReachesTheNewFunction) {
  auto vm = vm_from_asm(kFieldLoop);
  auto first = vm->execute("main");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(debug_string(*first), "10");
  // After loading, "get_field" becomes a native that always answers 100: every get_field call,
  // fused or not, must now reach it, so o.x ends at 101 and the final read is 100.
  int calls = 0;
  vm->register_native("get_field", [&calls](VirtualMachine&, std::span<const Value>) {
    ++calls;
    return Result<Value>(Value::i64(100));
  });
  auto second = vm->execute("main");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(debug_string(*second), "100");
  EXPECT_EQ(calls, 11);
}

TEST(Superinstructions, RebindingWhileTheLoopRunsTakesEffectAtTheNextCall) {
  // The native "switch" re-binds set_field in the middle of the loop; from the next iteration
  // on, set_field is a native that counts and stores nothing.
  auto vm = vm_from_asm(R"(
.function main regs=6
    CALL "create_object"
    MOV r4, r0
    LDI r5, "x"
    LDI r1, 0
    LDI r2, 10
loop:
    CMP r1, r2
    JMPEQ done
    PUSHARG r4
    PUSHARG r5
    PUSHARG r1
    CALL "set_field"
    LDI r3, 4
    CMP r1, r3
    JMPNEQ skip
    CALL "switch"
skip:
    LDI r3, 1
    ADD r1, r1, r3
    JMP loop
done:
    PUSHARG r4
    PUSHARG r5
    CALL "get_field"
    RET r0
.end)");
  int replaced_calls = 0;
  vm->register_native("switch", [&replaced_calls](VirtualMachine& m, std::span<const Value>) {
    m.register_native("set_field", [&replaced_calls](VirtualMachine&, std::span<const Value>) {
      ++replaced_calls;
      return Result<Value>(Value::unit());
    });
    return Result<Value>(Value::unit());
  });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "4");  // the last store by the real set_field was i = 4
  EXPECT_EQ(replaced_calls, 5);      // i = 5..9
}

TEST(Superinstructions, PendingArgumentsFromAnotherPathAreNotLost) {
  // The PUSHARG+PUSHARG+CALL at `call` is reached once with nothing pending and once with one
  // argument pushed before the jump, so the call receives 2 and then 3 arguments. The fused
  // form would silently drop the extra argument; the counting native sees the difference.
  auto vm = vm_from_asm(R"(
.function main regs=4
    LDI r0, 1
    LDI r1, 2
    LDI r2, 3
    LDI r3, 0
    JMP call
again:
    LDI r3, 1
    PUSHARG r2
call:
    PUSHARG r0
    PUSHARG r1
    CALL "count_args"
    MOV r2, r0
    LDI r0, 1
    CMP r3, r0
    JMPNEQ again
    ADD r0, r2, r3
    RET r0
.end)");
  std::vector<size_t> seen;
  vm->register_native("count_args", [&seen](VirtualMachine&, std::span<const Value> a) {
    seen.push_back(a.size());
    return Result<Value>(Value::i64(static_cast<int64_t>(a.size())));
  });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], 2u);
  EXPECT_EQ(seen[1], 3u);
  EXPECT_EQ(debug_string(*r), "4");
}

TEST(Superinstructions, JumpingIntoTheOperandSlotsOfALoopEdgeRunsThePlainInstructions) {
  // LDI r3, 1; ADD r1, r1, r3; JMP loop is fused into one instruction whose operands occupy the
  // ADD's and the JMP's slots. `mid` jumps straight to the ADD (r3 = 5 there), and `tail` to
  // the JMP: both must behave as written.
  auto vm = vm_from_asm(R"(
.function main regs=5
    LDI r0, 0
    LDI r1, 0
    LDI r2, 20
    LDI r3, 5
    LDI r4, 0
    JMP mid
loop:
    CMP r1, r2
    JMPGT done
    ADD r0, r0, r1
    LDI r3, 1
mid:
    ADD r1, r1, r3
tail:
    JMP loop
done:
    RET r0
.end)");
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  // i: 5, then 5..20 summed: 5+6+...+20 = 200.
  EXPECT_EQ(debug_string(*r), "200");
}

TEST(Superinstructions, LoopEdgeComparingAnotherRegisterWithALargeConstant) {
  // The back-edge adds a constant that does not fit the fused form's 32-bit slot (so only ADD +
  // JMP are fused) and the loop head compares i, not the sum just computed.
  auto vm = vm_from_asm(R"(
.function main regs=5
    LDI r0, 0
    LDI r1, 0
    LDI r2, 4
loop:
    CMP r1, r2
    JMPEQ done
    LDI r4, 1
    ADD r1, r1, r4
    LDI r3, 3000000000
    ADD r0, r0, r3
    JMP loop
done:
    RET r0
.end)");
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "12000000000");
}

TEST(Superinstructions, LoopEdgeWhoseBoundIsNotAnIntegerUsesCmpsOwnRules) {
  // The bound is a string: the fused back-edge does the ADD, then must leave the compare to
  // CMP, whose error (and location) is the plain instruction's.
  auto vm = vm_from_asm(R"(
.function main regs=4
    LDI r1, 0
    LDI r2, 10
loop:
    CMP r1, r2
    JMPGT done
    LDI r2, "ten"
    LDI r3, 1
    ADD r1, r1, r3
    JMP loop
done:
    RET r1
.end)");
  auto plain = vm_from_asm(R"(
.function main regs=4
    LDI r1, 1
    LDI r2, "ten"
    CMP r1, r2
    RET r1
.end)");
  auto r = vm->execute("main");
  auto expected = plain->execute("main");
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(expected.ok());
  EXPECT_EQ(r.error().message, expected.error().message);
  EXPECT_EQ(vm->last_error_location().opcode, "CMP");
}

}  // namespace
}  // namespace stoffel::vm
