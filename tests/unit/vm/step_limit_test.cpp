// The instruction budget (VmOptions::max_steps, stoffel-run --max-steps): where it stops, what
// counts as an instruction, that each run from the host gets the whole budget, and that a run
// within the budget gives exactly the unlimited result.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::vm_from_asm;

// sum(1..10), in the loop shape the translator fuses into superinstructions for the hook-free
// loop (the budget is counted in plain instructions all the same).
constexpr const char* kSum = R"(
.function sum regs=4
    LDI r0, 0
    LDI r1, 1
loop:
    ADD r0, r0, r1
    LDI r2, 1
    ADD r1, r1, r2
    LDI r3, 10
    CMP r1, r3
    JMPGT done
    JMP loop
done:
    RET r0
.end)";

VmOptions budget(uint64_t steps) {
  VmOptions o;
  o.max_steps = steps;
  return o;
}

// The loop above, counted exactly: 2 + 10 x 7 (ADD, LDI, ADD, LDI, CMP, JMPGT; JMP on all but
// the last iteration) - 1 + RET.
constexpr uint64_t kSumSteps = 2 + 10 * 7 - 1 + 1;

TEST(StepLimit, UnlimitedByDefault) {
  auto vm = vm_from_asm(kSum);
  auto r = vm->execute("sum");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "55");
}

TEST(StepLimit, ExactlyEnoughStepsSucceed) {
  auto vm = vm_from_asm(kSum, budget(kSumSteps));
  auto r = vm->execute("sum");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "55");
}

TEST(StepLimit, OneStepTooFewStopsAtTheLastInstruction) {
  auto vm = vm_from_asm(kSum, budget(kSumSteps - 1));
  auto r = vm->execute("sum");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "step limit of " + std::to_string(kSumSteps - 1) + " instructions exceeded");
  const ErrorLocation& where = vm->last_error_location();
  ASSERT_TRUE(where.valid);
  EXPECT_EQ(where.function, "sum");
  EXPECT_EQ(where.instruction_index, 9u);  // the RET
  EXPECT_EQ(where.opcode, "RET");
  EXPECT_EQ(vm->call_depth(), 0u);
}

TEST(StepLimit, StopsAnEndlessLoop) {
  auto vm = vm_from_asm(R"(
.function spin regs=1
top:
    JMP top
.end)",
                        budget(1000));
  auto r = vm->execute("spin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "step limit of 1000 instructions exceeded");
  EXPECT_EQ(vm->last_error_location().instruction_index, 0u);
}

// Calls and returns count in the callee's instructions; the implicit return at the end of a
// function (no RET) is free.
TEST(StepLimit, CalleesCountAndTheImplicitReturnIsFree) {
  constexpr const char* kCalls = R"(
.function main regs=2
    LDI r1, 20
    PUSHARG r1
    CALL "twice"
    RET r0
.end
.function twice regs=2 params=(x)
    ADD r0, r0, r0
.end)";
  // main: LDI, PUSHARG, CALL, RET; twice: ADD (then the implicit return).
  auto ok = vm_from_asm(kCalls, budget(5));
  auto r = ok->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "40");

  auto short_of_one = vm_from_asm(kCalls, budget(4));
  auto e = short_of_one->execute("main");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(short_of_one->last_error_location().function, "main");
  EXPECT_EQ(short_of_one->last_error_location().opcode, "RET");
}

// Each run from the host starts with the whole budget.
TEST(StepLimit, EveryExecuteGetsTheWholeBudget) {
  auto vm = vm_from_asm(kSum, budget(kSumSteps));
  for (int i = 0; i < 3; ++i) {
    auto r = vm->execute("sum");
    ASSERT_TRUE(r.ok()) << "run " << i << ": " << r.error().message;
  }
}

// A native that re-enters the VM (call_value) runs inside the budget of the run that called it.
TEST(StepLimit, ReentryFromANativeSharesTheBudget) {
  constexpr const char* kProgram = R"(
.function main regs=2
    LDI r1, "inc"
    PUSHARG r1
    CALL "create_closure"
    PUSHARG r0
    CALL "apply_twice"
    RET r0
.end
.function inc regs=2 params=(x)
    LDI r1, 1
    ADD r0, r0, r1
    RET r0
.end)";
  auto apply_twice = [](VirtualMachine& m, std::span<const Value> a) -> Result<Value> {
    const Value one[] = {Value::i64(5)};
    auto first = m.call_value(a[0], one);
    if (!first) return first.error();
    const Value two[] = {*first};
    return m.call_value(a[0], two);
  };
  // main: 6 instructions; each call of inc: 3.
  auto enough = vm_from_asm(kProgram, budget(6 + 2 * 3));
  enough->register_native("apply_twice", apply_twice);
  auto r = enough->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "7");

  auto short_of_one = vm_from_asm(kProgram, budget(6 + 2 * 3 - 1));
  short_of_one->register_native("apply_twice", apply_twice);
  auto e = short_of_one->execute("main");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "step limit of 11 instructions exceeded");
}

// With hooks, the same budget and the same place.
TEST(StepLimit, CountsTheSameWithHooks) {
  auto vm = vm_from_asm(kSum, budget(kSumSteps - 1));
  int before = 0;
  vm->register_hook(
      [](const HookEvent& e) { return e.kind == HookEventKind::BeforeInstructionExecute; },
      [&before](const HookEvent&, const VirtualMachine&) -> Result<void> {
        ++before;
        return {};
      });
  auto r = vm->execute("sum");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(vm->last_error_location().instruction_index, 9u);
  EXPECT_EQ(static_cast<uint64_t>(before), kSumSteps - 1);  // the refused RET never started
}

}  // namespace
}  // namespace stoffel::vm
