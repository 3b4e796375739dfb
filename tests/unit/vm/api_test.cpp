#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::vm_from_asm;

TEST(Api, ExecuteWithArgumentsChecksArity) {
  auto vm = vm_from_asm(R"(
.function add regs=3 params=(a, b)
    ADD r2, r0, r1
    RET r2
.end)");
  const Value args[] = {Value::i64(40), Value::i64(2)};
  auto r = vm->execute_with_args("add", args);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "42");
  auto bad = vm->execute_with_args("add", std::span<const Value>(args, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "Function add expects 2 arguments but got 1");
}

TEST(Api, ExecuteUnknownAndNativeEntries) {
  VirtualMachine vm;
  auto r = vm.execute("nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Function 'nope' not found");
  auto n = vm.execute("print");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message, "Cannot execute foreign function print as main");
  // execute_with_args calls a native directly.
  const Value arg[] = {Value::i64(3)};
  auto t = vm.execute_with_args("type", arg);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(debug_string(*t), "\"int64\"");
}

TEST(Api, EachExecuteStartsFromAnEmptyStack) {
  // Reference defect D2 (docs/compatibility.md): this returned 1, 2, 1, 1 on repeated execution.
  // Decision E1 (docs/decisions.md): always 1.
  auto vm = vm_from_asm(R"(
.function main regs=1
    LDI r0, 1
    RET r0
    LDI r0, 2
    RET r0
.end)");
  for (int i = 0; i < 4; ++i) {
    auto r = vm->execute("main");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(debug_string(*r), "1");
    EXPECT_EQ(vm->call_depth(), 0u);
  }
}

TEST(Api, ErrorsUnwindAndRecordTheLocation) {
  auto vm = vm_from_asm(R"(
.function main regs=1
    CALL "f"
    RET r0
.end
.function f regs=2
    LDI r0, 1
    LDI r1, 0
    DIV r0, r0, r1
    RET r0
.end)");
  auto r = vm->execute("main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Division by zero");
  EXPECT_EQ(vm->call_depth(), 0u);
  const auto& where = vm->last_error_location();
  EXPECT_TRUE(where.valid);
  EXPECT_EQ(where.function, "f");
  EXPECT_EQ(where.instruction_index, 2u);
  EXPECT_EQ(where.opcode, "DIV");
}

TEST(Api, NativeFunctionsReceiveArgumentsAndReturnIntoR0) {
  auto vm = vm_from_asm(R"(
.function main regs=2
    LDI r0, 20
    LDI r1, 22
    PUSHARG r0
    PUSHARG r1
    CALL "native_add"
    RET r0
.end)");
  vm->register_native("native_add", [](VirtualMachine&, std::span<const Value> a) -> Result<Value> {
    if (a.size() != 2) return make_error("want 2");
    return Value::i64(a[0].i + a[1].i);
  });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "42");
}

TEST(Api, NativeErrorAbortsExecution) {
  auto vm = vm_from_asm(".function main regs=1\n CALL \"boom\"\n RET r0\n.end\n");
  vm->register_native("boom", [](VirtualMachine&, std::span<const Value>) -> Result<Value> {
    return make_error("native failure: disk on fire");
  });
  auto r = vm->execute("main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "native failure: disk on fire");
}

TEST(Api, ProgramFunctionsShadowBuiltinsAndLaterRegistrationsWin) {
  auto vm = vm_from_asm(R"(
.function main regs=1
    CALL "type"
    RET r0
.end
.function type regs=1
    LDI r0, "mine"
    RET r0
.end)");
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "\"mine\"");
  // Re-registering a native under the same name re-points the already-resolved call.
  vm->register_native("type", [](VirtualMachine& m, std::span<const Value>) -> Result<Value> {
    return m.make_string("native again");
  });
  auto again = vm->execute("main");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(debug_string(*again), "\"native again\"");
}

TEST(Api, CallClosureFromNativeCode) {
  auto vm = vm_from_asm(R"(
.function main regs=3
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
.end)");
  vm->register_native("apply_twice",
                      [](VirtualMachine& m, std::span<const Value> a) -> Result<Value> {
                        Value closure = a[0];
                        const Value one[] = {Value::i64(5)};
                        auto first = m.call_value(closure, one);
                        if (!first) return first.error();
                        const Value two[] = {*first};
                        return m.call_value(closure, two);
                      });
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "7");
}

struct Counter {
  int hits = 0;
};
struct Other {};

TEST(Api, ForeignObjectsAreTypeChecked) {
  VirtualMachine vm;
  auto counter = std::make_shared<Counter>();
  Value handle = vm.register_foreign(counter);
  EXPECT_EQ(handle.type, ValueType::Foreign);
  EXPECT_EQ(debug_string(handle), "Foreign(1)");
  auto back = vm.get_foreign<Counter>(handle);
  ASSERT_NE(back, nullptr);
  back->hits = 3;
  EXPECT_EQ(counter->hits, 3);
  EXPECT_EQ(vm.get_foreign<Other>(handle), nullptr);
  EXPECT_EQ(vm.get_foreign<Counter>(Value::i64(1)), nullptr);
  EXPECT_EQ(vm.get_foreign<Counter>(Value::foreign(99)), nullptr);
}

TEST(Api, StackOverflowIsACleanError) {
  VmOptions options;
  options.max_call_depth = 1000;
  auto vm = vm_from_asm(R"(
.function main regs=1
    CALL "main"
    RET r0
.end)",
                        options);
  auto r = vm->execute("main");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("stack overflow"), std::string::npos);
  EXPECT_EQ(vm->call_depth(), 0u);
}

TEST(Api, DeepRecursionToAMillionFrames) {
  // count(n) = n == 0 ? 0 : 1 + count(n - 1), with the default bound of 1,000,000 frames.
  auto vm = vm_from_asm(R"(
.function count regs=3 params=(n)
    MOV r2, r0
    LDI r1, 0
    CMP r2, r1
    JMPEQ done
    LDI r1, 1
    SUB r1, r2, r1
    PUSHARG r1
    CALL "count"
    LDI r1, 1
    ADD r0, r0, r1
    RET r0
done:
    LDI r0, 0
    RET r0
.end)");
  const Value arg[] = {Value::i64(999'999)};
  auto r = vm->execute_with_args("count", arg);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "999999");
  const Value too_deep[] = {Value::i64(1'000'000)};
  auto over = vm->execute_with_args("count", too_deep);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("stack overflow"), std::string::npos);
}

TEST(Gc, TenMillionShortLivedObjectsStayBounded) {
  auto vm = vm_from_asm(R"(
.function main regs=6
    LDI r1, 0
    LDI r2, 10000000
    LDI r3, 1
    LDI r4, "k"
loop:
    CMP r1, r2
    JMPEQ done
    CALL "create_object"
    PUSHARG r0
    PUSHARG r4
    PUSHARG r1
    CALL "set_field"
    ADD r1, r1, r3
    JMP loop
done:
    RET r1
.end)");
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(debug_string(*r), "10000000");
  EXPECT_GT(vm->heap().collections(), 0u);
  // Live data is a handful of objects; the heap never held more than a few collections' worth.
  vm->collect_garbage();
  EXPECT_LT(vm->heap().live_bytes(), 1u << 20);
}

TEST(Gc, ReachableValuesSurviveCollection) {
  auto vm = vm_from_asm(R"(
.function main regs=6
    LDI r0, 0
    PUSHARG r0
    CALL "create_array"
    MOV r5, r0
    LDI r1, 0
    LDI r2, 100000
    LDI r3, 1
loop:
    CMP r1, r2
    JMPEQ done
    CALL "create_object"
    PUSHARG r5
    PUSHARG r0
    CALL "array_push"
    ADD r1, r1, r3
    JMP loop
done:
    PUSHARG r5
    CALL "array_length"
    RET r0
.end)");
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(debug_string(*r), "100000");
}

TEST(Gc, PinnedHostValuesSurvive) {
  VirtualMachine vm;
  Value s = vm.make_string("kept");
  vm.pin(s);
  for (int i = 0; i < 1000; ++i) vm.make_string(std::string(10000, 'x'));
  vm.collect_garbage();
  EXPECT_EQ(debug_string(s), "\"kept\"");
  vm.unpin(s);
}

// Deep recursion of a function with a huge register file hits the bound on the registers of all
// frames (256 MiB) long before max_call_depth: a clean error, not a failed allocation.
TEST(Api, RegistersOfAllFramesAreBounded) {
  auto vm = vm_from_asm(R"(
.function big regs=65535
    LDI r65534, 1
    CALL "big"
    RET r0
.end)");
  auto r = vm->execute("big");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "stack overflow: the nested calls need more than 16777216 registers");
  EXPECT_EQ(vm->last_error_location().opcode, "CALL");
  EXPECT_EQ(vm->call_depth(), 0u);
  // The VM is still usable afterwards.
  auto again = vm->execute("big");
  EXPECT_FALSE(again.ok());
}

}  // namespace
}  // namespace stoffel::vm
