#include "vm/trace.h"

#include <memory>
#include <string>

#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

// Built with append rather than operator+ chains (which also trip a GCC 12 -Wrestrict false
// positive at -O3).
std::string prefix(std::string_view kind, const VirtualMachine& vm, bool with_function) {
  std::string s;
  s.append("[").append(kind).append("][depth ").append(std::to_string(vm.call_depth())).append("]");
  if (with_function) s.append("[").append(vm.current_function_name()).append("]");
  return s;
}

}  // namespace

void install_trace_hooks(VirtualMachine& vm, TraceOptions options,
                         std::function<void(std::string_view)> sink) {
  auto out = std::make_shared<std::function<void(std::string_view)>>(std::move(sink));
  if (options.instructions) {
    vm.register_hook(
        [](const HookEvent& e) {
          return e.kind == HookEventKind::BeforeInstructionExecute ||
                 e.kind == HookEventKind::AfterInstructionExecute;
        },
        [out](const HookEvent& e, const VirtualMachine& m) -> Result<void> {
          std::string line = prefix("instr", m, true);
          line.append("[pc ").append(std::to_string(m.current_instruction())).append("] ");
          line.append(e.kind == HookEventKind::BeforeInstructionExecute ? "BEFORE " : "AFTER  ");
          line.append(m.format_instruction(*e.function, e.instruction_index));
          (*out)(line);
          return {};
        },
        0);
  }
  if (options.registers) {
    vm.register_hook(
        [](const HookEvent& e) {
          return e.kind == HookEventKind::RegisterRead || e.kind == HookEventKind::RegisterWrite;
        },
        [out](const HookEvent& e, const VirtualMachine& m) -> Result<void> {
          std::string line = prefix("regs", m, true);
          line.append(" R").append(std::to_string(e.reg));
          if (e.kind == HookEventKind::RegisterRead) {
            line.append(" -> ").append(debug_string(e.value));
          } else {
            line.append(": ")
                .append(debug_string(e.old_value))
                .append(" -> ")
                .append(debug_string(e.value));
          }
          (*out)(line);
          return {};
        },
        0);
  }
  if (options.stack) {
    vm.register_hook(
        [](const HookEvent& e) {
          return e.kind == HookEventKind::BeforeFunctionCall ||
                 e.kind == HookEventKind::AfterFunctionCall || e.kind == HookEventKind::StackPush ||
                 e.kind == HookEventKind::StackPop;
        },
        [out](const HookEvent& e, const VirtualMachine& m) -> Result<void> {
          std::string line;
          switch (e.kind) {
            case HookEventKind::BeforeFunctionCall: {
              line = prefix("stack", m, false);
              line.append(" CALL ").append(debug_string(e.callee)).append(" with [");
              for (size_t i = 0; i < e.args.size(); ++i) {
                if (i > 0) line += ", ";
                line += debug_string(e.args[i]);
              }
              line += "]";
              break;
            }
            case HookEventKind::AfterFunctionCall:
              line = prefix("stack", m, false);
              line.append(" RET  ")
                  .append(debug_string(e.callee))
                  .append(" => ")
                  .append(debug_string(e.value));
              break;
            case HookEventKind::StackPush:
              line = prefix("stack", m, true);
              line.append(" PUSH ").append(debug_string(e.value));
              break;
            default:
              line = prefix("stack", m, true);
              line.append(" POP  ").append(debug_string(e.value));
              break;
          }
          (*out)(line);
          return {};
        },
        0);
  }
}

}  // namespace stoffel::vm
