#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::vm_from_asm;

constexpr const char* kDoubleProgram = R"(
.function m regs=2
    LDI r0, 2
    PUSHARG r0
    CALL "dbl"
    MOV r1, r0
    RET r1
.end
.function dbl regs=2 params=(x)
    ADD r1, r0, r0
    RET r1
.end
)";

std::string args_string(std::span<const Value> args) {
  std::string s = "[";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) s += ", ";
    s += debug_string(args[i]);
  }
  return s + "]";
}

// Renders an event the way docs/semantics.md ("Hooks") writes the event sequence.
std::string render(const HookEvent& e, const VirtualMachine& vm) {
  std::string d = "d" + std::to_string(vm.call_depth()) + " ";
  switch (e.kind) {
    case HookEventKind::BeforeInstructionExecute:
      return d + "Before " + vm.format_instruction(*e.function, e.instruction_index);
    case HookEventKind::AfterInstructionExecute:
      return d + "After " + vm.format_instruction(*e.function, e.instruction_index);
    case HookEventKind::RegisterRead:
      return d + "RegisterRead(" + std::to_string(e.reg) + ", " + debug_string(e.value) + ")";
    case HookEventKind::RegisterWrite:
      return d + "RegisterWrite(" + std::to_string(e.reg) + ", " + debug_string(e.old_value) +
             ", " + debug_string(e.value) + ")";
    case HookEventKind::StackPush:
      return d + "StackPush(" + debug_string(e.value) + ")";
    case HookEventKind::StackPop:
      return d + "StackPop(" + debug_string(e.value) + ")";
    case HookEventKind::BeforeFunctionCall:
      return d + "BeforeFunctionCall(" + debug_string(e.callee) + ", " + args_string(e.args) + ")";
    case HookEventKind::AfterFunctionCall:
      return d + "AfterFunctionCall(" + debug_string(e.callee) + ", " + debug_string(e.value) + ")";
    default:
      return d + std::string(hook_event_name(e.kind));
  }
}

TEST(Hooks, GoldenSequenceOfReferenceSection5) {
  auto vm = vm_from_asm(kDoubleProgram);
  std::vector<std::string> log;
  vm->register_hook([](const HookEvent&) { return true; },
                    [&](const HookEvent& e, const VirtualMachine& m) -> Result<void> {
                      log.push_back(render(e, m));
                      return {};
                    });
  auto r = vm->execute("m");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "4");
  const std::vector<std::string> expected = {
      "d1 Before LDI r0, 2",
      "d1 RegisterWrite(0, (), 2)",
      "d1 After LDI r0, 2",
      "d1 Before PUSHARG r0",
      "d1 StackPush(2)",
      "d1 After PUSHARG r0",
      "d1 Before CALL \"dbl\"",
      "d1 StackPop(2)",
      "d1 BeforeFunctionCall(Function(dbl), [2])",
      "d2 After CALL \"dbl\"",
      "d2 Before ADD r1, r0, r0",
      "d2 RegisterWrite(1, (), 4)",
      "d2 After ADD r1, r0, r0",
      "d2 Before RET r1",
      "d1 RegisterWrite(0, 2, 4)",
      "d1 AfterFunctionCall(\"<function dbl>\", 4)",
      "d1 After RET r1",
      "d1 Before MOV r1, r0",
      "d1 RegisterRead(0, 4)",
      "d1 RegisterWrite(1, (), 4)",
      "d1 After MOV r1, r0",
      "d1 Before RET r1",
      "d1 After RET r1",
  };
  EXPECT_EQ(log, expected);
}

TEST(Hooks, FourBeforeEventsForFourInstructions) {
  auto vm = vm_from_asm(R"(
.function main regs=3
    LDI r0, 10
    LDI r1, 20
    ADD r2, r0, r1
    RET r2
.end)");
  int before = 0;
  std::vector<std::pair<uint32_t, std::string>> writes;
  vm->register_hook([](const HookEvent&) { return true; },
                    [&](const HookEvent& e, const VirtualMachine&) -> Result<void> {
                      if (e.kind == HookEventKind::BeforeInstructionExecute) ++before;
                      if (e.kind == HookEventKind::RegisterWrite) {
                        writes.emplace_back(e.reg, debug_string(e.value));
                      }
                      return {};
                    });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(before, 4);
  const std::vector<std::pair<uint32_t, std::string>> expected = {{0, "10"}, {1, "20"}, {2, "30"}};
  EXPECT_EQ(writes, expected);
}

TEST(Hooks, StackEventsPushAndPopInLifoOrder) {
  auto vm = vm_from_asm(R"(
.function main regs=2
    LDI r0, 10
    LDI r1, 20
    PUSHARG r0
    PUSHARG r1
    CALL "add"
    RET r0
.end
.function add regs=3 params=(a, b)
    ADD r2, r0, r1
    RET r2
.end)");
  std::vector<std::string> ops;
  vm->register_hook(
      [](const HookEvent& e) {
        return e.kind == HookEventKind::StackPush || e.kind == HookEventKind::StackPop;
      },
      [&](const HookEvent& e, const VirtualMachine&) -> Result<void> {
        ops.push_back((e.kind == HookEventKind::StackPush ? "push " : "pop ") +
                      debug_string(e.value));
        return {};
      });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "30");
  EXPECT_EQ(ops, (std::vector<std::string>{"push 10", "push 20", "pop 20", "pop 10"}));
}

TEST(Hooks, DescendingPriorityTiesInRegistrationOrder) {
  auto vm = vm_from_asm(".function main regs=1\n LDI r0, 1\n RET r0\n.end\n");
  std::vector<std::string> order;
  auto only_first = [](const HookEvent& e) {
    return e.kind == HookEventKind::BeforeInstructionExecute && e.instruction_index == 0;
  };
  auto tag = [&](std::string name) {
    return [&order, name](const HookEvent&, const VirtualMachine&) -> Result<void> {
      order.push_back(name);
      return {};
    };
  };
  vm->register_hook(only_first, tag("low-a"), -5);
  vm->register_hook(only_first, tag("high"), 10);
  vm->register_hook(only_first, tag("low-b"), -5);
  vm->register_hook(only_first, tag("mid"), 0);
  ASSERT_TRUE(vm->execute("main").ok());
  EXPECT_EQ(order, (std::vector<std::string>{"high", "mid", "low-a", "low-b"}));
}

TEST(Hooks, CallbackErrorAbortsWithExactlyItsMessage) {
  auto vm = vm_from_asm(R"(
.function main regs=1
    LDI r0, 1
    LDI r0, 2
    RET r0
.end)");
  int later_hook_calls = 0;
  vm->register_hook([](const HookEvent& e) { return e.kind == HookEventKind::RegisterWrite; },
                    [](const HookEvent& e, const VirtualMachine&) -> Result<void> {
                      if (e.value.i == 2) return make_error("no twos allowed");
                      return {};
                    },
                    5);
  vm->register_hook([](const HookEvent& e) { return e.kind == HookEventKind::RegisterWrite; },
                    [&](const HookEvent&, const VirtualMachine&) -> Result<void> {
                      ++later_hook_calls;
                      return {};
                    },
                    1);
  auto r = vm->execute("main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no twos allowed");
  EXPECT_EQ(later_hook_calls, 1);  // the lower-priority hook is skipped for the failing event
  // The VM is usable again afterwards and starts from an empty stack (docs/decisions.md, E1).
  EXPECT_EQ(vm->call_depth(), 0u);
}

TEST(Hooks, UnregisterEnableDisableReportWhetherFound) {
  auto vm = vm_from_asm(".function main regs=1\n LDI r0, 1\n RET r0\n.end\n");
  int calls = 0;
  uint64_t id = vm->register_hook([](const HookEvent&) { return true; },
                                  [&](const HookEvent&, const VirtualMachine&) -> Result<void> {
                                    ++calls;
                                    return {};
                                  });
  EXPECT_TRUE(vm->disable_hook(id));
  ASSERT_TRUE(vm->execute("main").ok());
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(vm->enable_hook(id));
  ASSERT_TRUE(vm->execute("main").ok());
  EXPECT_GT(calls, 0);
  EXPECT_TRUE(vm->unregister_hook(id));
  EXPECT_FALSE(vm->unregister_hook(id));
  EXPECT_FALSE(vm->enable_hook(id));
  EXPECT_FALSE(vm->disable_hook(999));
}

TEST(Hooks, HookRegisteredDuringExecutionTakesEffectAtOnce) {
  // A native function registers a hook mid-run (E9); the very next instruction is seen.
  auto vm = vm_from_asm(R"(
.function main regs=2
    CALL "install"
    LDI r1, 7
    RET r1
.end)");
  std::vector<std::string> seen;
  vm->register_native("install", [&](VirtualMachine& m, std::span<const Value>) -> Result<Value> {
    m.register_hook(
        [](const HookEvent& e) { return e.kind == HookEventKind::BeforeInstructionExecute; },
        [&](const HookEvent& e, const VirtualMachine& mm) -> Result<void> {
          seen.push_back(mm.format_instruction(*e.function, e.instruction_index));
          return {};
        });
    return Value::unit();
  });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "7");
  EXPECT_EQ(seen, (std::vector<std::string>{"LDI r1, 7", "RET r1"}));
}

TEST(Hooks, RemovingTheLastHookMidRunReturnsToTheFastLoop) {
  auto vm = vm_from_asm(R"(
.function main regs=2
    LDI r0, 1
    LDI r1, 2
    ADD r0, r0, r1
    ADD r0, r0, r1
    RET r0
.end)");
  int count = 0;
  uint64_t id = 0;
  // The hook removes itself on its second event; the run continues (in the hook-free loop)
  // and sees no further events.
  id = vm->register_hook(
      [](const HookEvent& e) { return e.kind == HookEventKind::BeforeInstructionExecute; },
      [&](const HookEvent&, const VirtualMachine&) -> Result<void> {
        if (++count == 2) {
          // A const VM is what callbacks get; unregistering needs the owner, which we have.
          vm->unregister_hook(id);
        }
        return {};
      });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "5");
  EXPECT_EQ(count, 2);
  EXPECT_FALSE(vm->hooks_active());
}

TEST(Hooks, BuiltinEventsForFieldsUpvaluesAndClosures) {
  auto vm = vm_from_asm(R"(
.function main regs=4
    CALL "create_object"
    MOV r1, r0
    LDI r2, "k"
    LDI r3, 5
    PUSHARG r1
    PUSHARG r2
    PUSHARG r3
    CALL "set_field"
    PUSHARG r1
    PUSHARG r2
    CALL "get_field"
    RET r0
.end)");
  std::vector<std::string> kinds;
  vm->register_hook(
      [](const HookEvent& e) {
        return e.kind == HookEventKind::ObjectFieldRead ||
               e.kind == HookEventKind::ObjectFieldWrite;
      },
      [&](const HookEvent& e, const VirtualMachine&) -> Result<void> {
        kinds.push_back(std::string(hook_event_name(e.kind)) + " " + debug_string(e.key) + " " +
                        debug_string(e.old_value) + " " + debug_string(e.value));
        return {};
      });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "5");
  EXPECT_EQ(kinds, (std::vector<std::string>{"ObjectFieldWrite \"k\" () 5",
                                             "ObjectFieldRead \"k\" () 5"}));
}

}  // namespace
}  // namespace stoffel::vm
