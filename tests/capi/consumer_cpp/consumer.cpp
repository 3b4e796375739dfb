// Embeds the installed Stoffel VM from C++ (docs/embedding.md, "C++"): assembles a program,
// registers a native function, runs it, and shows that secret operations need an MPC engine,
// which a plain VirtualMachine does not have.
//   consumer_cpp   ->   "consumer_cpp (<method>): main() = 42, secret: MPC engine not configured"
// Exits 0 only if both outcomes are the expected ones.
#include <cstdio>
#include <span>
#include <string>

#include "bytecode/assembler.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace vm = stoffel::vm;

int main() {
  auto program = stoffel::bytecode::assemble(R"(
.function main regs=2
    LDI r0, 21
    PUSHARG r0
    CALL "twice"
    RET r0
.end
.function secret regs=2
    LDI r0, 5
    PUSHARG r0
    CALL "Share.from_clear"
    RET r0
.end
)",
                                             "consumer");
  if (!program) {
    std::fprintf(stderr, "assemble: %s\n", program.error().message.c_str());
    return 1;
  }
  vm::VirtualMachine machine;
  machine.register_native(
      "twice",
      [](vm::VirtualMachine&, std::span<const vm::Value> args) -> stoffel::Result<vm::Value> {
        if (args.size() != 1 || args[0].type != vm::ValueType::I64) {
          return stoffel::make_error("twice expects one integer");
        }
        return vm::Value::i64(2 * args[0].i);
      });
  if (auto loaded = machine.load_program(std::move(*program)); !loaded) {
    std::fprintf(stderr, "load: %s\n", loaded.error().message.c_str());
    return 1;
  }
  auto result = machine.execute("main");
  auto secret = machine.execute("secret");
  if (!result || vm::display_string(*result) != "42" || secret) {
    std::fprintf(stderr, "unexpected outcome: %s / %s\n",
                 result ? vm::display_string(*result).c_str() : result.error().message.c_str(),
                 secret ? "secret succeeded" : secret.error().message.c_str());
    return 1;
  }
  std::printf("consumer_cpp (%s): main() = %s, secret: %s\n", CONSUMER_METHOD,
              vm::display_string(*result).c_str(), secret.error().message.c_str());
  return 0;
}
