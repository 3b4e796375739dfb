// Embedding the VM in C++: build "hello world" from instructions, register it, run it.
//
//   build/<preset>/bin/embed_hello     ->   Hello, world!
//                                            main returned 42
#include <cstdio>

#include "bytecode/program.h"
#include "vm/value_format.h"
#include "vm/vm.h"

int main() {
  using stoffel::bytecode::Constant;
  using stoffel::bytecode::Function;
  using stoffel::bytecode::Instruction;
  using stoffel::bytecode::Opcode;

  // main() { print("Hello, world!"); return 42; }   -- constants are indexed by LDI.
  std::vector<Constant> constants = {Constant::string("Hello, world!"), Constant::i64(42)};
  Function main_fn;
  main_fn.name = "main";
  main_fn.register_count = 1;
  main_fn.code = {
      Instruction{Opcode::LDI, 0, 0, 0, 0, {}},        // r0 := "Hello, world!"
      Instruction{Opcode::PUSHARG, 0, 0, 0, 0, {}},    // push r0
      Instruction{Opcode::CALL, 0, 0, 0, 0, "print"},  // print(r0)
      Instruction{Opcode::LDI, 0, 1, 0, 0, {}},        // r0 := 42
      Instruction{Opcode::RET, 0, 0, 0, 0, {}},        // return r0
  };

  stoffel::vm::VirtualMachine vm;  // the standard builtins (print, ...) are registered
  if (auto r = vm.register_function(std::move(main_fn), std::move(constants)); !r) {
    std::fprintf(stderr, "cannot register main: %s\n", r.error().message.c_str());
    return 1;
  }
  auto result = vm.execute("main");
  if (!result) {
    std::fprintf(stderr, "execution failed: %s\n", result.error().message.c_str());
    return 1;
  }
  std::printf("main returned %s\n", stoffel::vm::debug_string(*result).c_str());
  return 0;
}
