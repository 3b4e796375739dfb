// Interpreter micro-benchmarks (Google Benchmark). Each runs a small program through the
// embedding API; items/s is "loop iterations" (or calls) per second.
//
//   build/release/bin/vm_bench
//
// BM_Loop vs BM_LoopAfterHookRemoved shows that hooks cost nothing once none is registered
// (the hook-free loop has no event code at all); BM_LoopWithIdleHook shows the price of the
// hooked loop when a hook is registered (even one that matches no event).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bytecode/assembler.h"
#include "vm/vm.h"

namespace {

using stoffel::vm::Value;
using stoffel::vm::VirtualMachine;

std::unique_ptr<VirtualMachine> make_vm(const char* text) {
  auto vm = std::make_unique<VirtualMachine>();
  auto program = stoffel::bytecode::assemble(text, "bench");
  if (!program.ok() || !vm->load_program(std::move(program.value())).ok()) std::abort();
  return vm;
}

constexpr const char* kLoop = R"(
.function loop regs=5 params=(n)
    MOV r2, r0
    LDI r0, 0
    LDI r1, 1
head:
    CMP r1, r2
    JMPGT done
    ADD r0, r0, r1
    LDI r3, 1
    ADD r1, r1, r3
    JMP head
done:
    RET r0
.end)";

void run_loop(benchmark::State& state, VirtualMachine& vm) {
  const Value n[] = {Value::i64(state.range(0))};
  for (auto _ : state) {
    auto r = vm.execute_with_args("loop", n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Loop(benchmark::State& state) {
  auto vm = make_vm(kLoop);
  run_loop(state, *vm);
}
BENCHMARK(BM_Loop)->Arg(1'000'000);

void BM_LoopAfterHookRemoved(benchmark::State& state) {
  auto vm = make_vm(kLoop);
  auto id = vm->register_hook([](const auto&) { return true; },
                              [](const auto&, const auto&) -> stoffel::Result<void> { return {}; });
  vm->unregister_hook(id);
  run_loop(state, *vm);
}
BENCHMARK(BM_LoopAfterHookRemoved)->Arg(1'000'000);

void BM_LoopWithIdleHook(benchmark::State& state) {
  auto vm = make_vm(kLoop);
  vm->register_hook([](const auto&) { return false; },
                    [](const auto&, const auto&) -> stoffel::Result<void> { return {}; });
  run_loop(state, *vm);
}
BENCHMARK(BM_LoopWithIdleHook)->Arg(1'000'000);

void BM_CallReturn(benchmark::State& state) {
  auto vm = make_vm(R"(
.function fib regs=4 params=(n)
    MOV r3, r0
    LDI r1, 2
    CMP r3, r1
    JMPLT base
    LDI r1, 1
    SUB r2, r3, r1
    PUSHARG r2
    CALL "fib"
    MOV r2, r0
    LDI r1, 2
    SUB r1, r3, r1
    PUSHARG r1
    CALL "fib"
    ADD r0, r2, r0
    RET r0
base:
    RET r3
.end)");
  const Value n[] = {Value::i64(20)};
  for (auto _ : state) {
    auto r = vm->execute_with_args("fib", n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 21891);  // calls made by fib(20)
}
BENCHMARK(BM_CallReturn);

void BM_BuiltinCall(benchmark::State& state) {
  auto vm = make_vm(R"(
.function calls regs=5 params=(n)
    MOV r2, r0
    LDI r1, 0
    LDI r4, 7
head:
    CMP r1, r2
    JMPEQ done
    PUSHARG r4
    CALL "type"
    LDI r3, 1
    ADD r1, r1, r3
    JMP head
done:
    RET r1
.end)");
  const Value n[] = {Value::i64(state.range(0))};
  for (auto _ : state) {
    auto r = vm->execute_with_args("calls", n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuiltinCall)->Arg(100'000);

void BM_ObjectGetSet(benchmark::State& state) {
  auto vm = make_vm(R"(
.function objects regs=6 params=(n)
    MOV r2, r0
    CALL "create_object"
    MOV r4, r0
    LDI r5, "x"
    LDI r1, 0
    PUSHARG r4
    PUSHARG r5
    PUSHARG r1
    CALL "set_field"
head:
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
    JMP head
done:
    RET r1
.end)");
  const Value n[] = {Value::i64(state.range(0))};
  for (auto _ : state) {
    auto r = vm->execute_with_args("objects", n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ObjectGetSet)->Arg(1'000'000);

}  // namespace

BENCHMARK_MAIN();
