// The `--trace-instr`, `--trace-regs` and `--trace-stack` output of stoffel-run
// (docs/cli.md), built on hooks at priority 0.
#pragma once

#include <functional>
#include <string_view>

namespace stoffel::vm {

class VirtualMachine;

struct TraceOptions {
  bool instructions = false;
  bool registers = false;
  bool stack = false;
};

// Registers the trace hooks; each line (without newline) goes to `sink`.
void install_trace_hooks(VirtualMachine& vm, TraceOptions options,
                         std::function<void(std::string_view)> sink);

}  // namespace stoffel::vm
