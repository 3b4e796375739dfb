// The C++ embedding examples of docs/embedding.md, compiled and run. Each test is one section of
// the document; the code between "// [doc]" and "// [/doc]" is what the document shows.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "bytecode/assembler.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace {

namespace vm = stoffel::vm;
using stoffel::Result;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Embedding, LoadAndRun) {
  const std::string path = std::string(STOFFEL_FIXTURES_DIR) + "/lang/fibonacci_recursive.stflb";
  // [doc] load and run
  vm::VirtualMachine machine;  // all standard builtins registered
  std::vector<uint8_t> bytes = read_file(path);
  if (auto loaded = machine.load_bytecode(bytes); !loaded) {
    FAIL() << "cannot load: " << loaded.error().message;  // byte offset, function, instruction
  }
  Result<vm::Value> result = machine.execute("main");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(vm::display_string(*result), "55");

  const vm::Value args[] = {vm::Value::i64(20)};
  Result<vm::Value> fib20 = machine.execute_with_args("fib", args);  // arity-checked
  ASSERT_TRUE(fib20.ok());
  EXPECT_EQ(fib20->i, 6765);
  // [/doc]
}

TEST(Embedding, NativeFunctionsAndForeignObjects) {
  // [doc] natives
  struct Account {
    int64_t balance = 0;
  };
  auto program = stoffel::bytecode::assemble(R"(
.function main regs=2 params=(account)
    LDI r1, 70
    PUSHARG r0
    PUSHARG r1
    CALL "deposit"
    RET r0
.end)");
  ASSERT_TRUE(program.ok()) << program.error().message;
  vm::VirtualMachine machine;
  ASSERT_TRUE(machine.load_program(std::move(*program)).ok());

  // A native function: gets the VM and the arguments, returns a value or an error (which stops
  // the program with that message).
  machine.register_native(
      "deposit", [](vm::VirtualMachine& m, std::span<const vm::Value> args) -> Result<vm::Value> {
        if (args.size() != 2 || args[1].type != vm::ValueType::I64) {
          return stoffel::make_error("deposit expects (account, amount)");
        }
        std::shared_ptr<Account> account = m.get_foreign<Account>(args[0]);  // type-checked
        if (account == nullptr) return stoffel::make_error("deposit: not an account");
        account->balance += args[1].i;
        return vm::Value::i64(account->balance);
      });

  // A foreign object: a host object the program can hold (as Foreign(id)) and pass around.
  auto account = std::make_shared<Account>();
  account->balance = 30;
  const vm::Value handle = machine.register_foreign(account);
  const vm::Value args[] = {handle};
  auto r = machine.execute_with_args("main", args);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->i, 100);
  EXPECT_EQ(account->balance, 100);
  // [/doc]
  const vm::Value not_an_account[] = {vm::Value::i64(1)};
  auto bad = machine.execute_with_args("main", not_an_account);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "deposit: not an account");
}

TEST(Embedding, CallAClosureFromNativeCode) {
  // [doc] closures
  auto program = stoffel::bytecode::assemble(R"(
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
.end)");
  ASSERT_TRUE(program.ok()) << program.error().message;
  vm::VirtualMachine machine;
  ASSERT_TRUE(machine.load_program(std::move(*program)).ok());
  machine.register_native(
      "apply_twice", [](vm::VirtualMachine& m, std::span<const vm::Value> a) -> Result<vm::Value> {
        // call_value re-enters the interpreter. `a` stays rooted for the
        // whole call; a value made here and held across call_value must be
        // pinned (see "GC and pinning").
        const vm::Value first_arg[] = {vm::Value::i64(5)};
        auto first = m.call_value(a[0], first_arg);
        if (!first) return first.error();
        const vm::Value second_arg[] = {*first};
        return m.call_value(a[0], second_arg);
      });
  auto r = machine.execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->i, 7);
  // [/doc]
}

TEST(Embedding, Hooks) {
  auto program = stoffel::bytecode::assemble(R"(
.function main regs=2
    LDI r0, 1
    LDI r1, 2
    ADD r0, r0, r1
    RET r0
.end)");
  ASSERT_TRUE(program.ok());
  vm::VirtualMachine machine;
  ASSERT_TRUE(machine.load_program(std::move(*program)).ok());
  // [doc] hooks
  std::vector<std::string> writes;
  const uint64_t id = machine.register_hook(
      [](const vm::HookEvent& e) { return e.kind == vm::HookEventKind::RegisterWrite; },
      [&writes](const vm::HookEvent& e, const vm::VirtualMachine&) -> Result<void> {
        writes.push_back("r" + std::to_string(e.reg) + " = " + vm::debug_string(e.value));
        return {};  // an error here would stop the program with its message
      },
      /*priority=*/10);
  ASSERT_TRUE(machine.execute("main").ok());
  EXPECT_EQ(writes, (std::vector<std::string>{"r0 = 1", "r1 = 2", "r0 = 3"}));
  machine.unregister_hook(id);  // with no hooks left, the interpreter runs its hook-free loop
  // [/doc]
}

TEST(Embedding, GcAndPinning) {
  vm::VirtualMachine machine;
  // [doc] pinning
  // A heap value (string, object, array, closure) held by the host across an execute must be
  // pinned: the collector only sees the VM's own roots.
  vm::Value config = machine.make_object();
  machine.pin(config);
  ASSERT_TRUE(machine.set_field(config, machine.make_string("mode"), vm::Value::i64(2)).ok());
  for (int i = 0; i < 1000; ++i) machine.make_string(std::string(10000, 'x'));  // garbage
  machine.collect_garbage();  // (normally the interpreter decides when)
  EXPECT_EQ(vm::debug_string(machine.get_field(config, machine.make_string("mode"))), "2");
  machine.unpin(config);  // now collectable once nothing else refers to it
  // [/doc]
}

}  // namespace
