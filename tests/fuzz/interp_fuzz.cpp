// Fuzz target: the interpreter, differentially. The input is an STFL program; its first
// function is the entry. Two VMs run it:
//   A  with an instruction budget (VmOptions::max_steps, which runs the plain loop, the one
//      that also serves hooks) and memory and output bounds (a hook that stops the run once the
//      heap holds more than kMemoryBound bytes or the run printed more than kOutputBound);
//   B  with neither: the hook-free, directly threaded loop with its superinstructions.
// B runs only when A finished within both bounds, so B terminates too unless the two loops
// disagree (which libFuzzer then reports as a timeout). Properties: nothing crashes, and both
// runs agree exactly: value or error message, error location, printed output. That makes every
// superinstruction, its deopt paths and the load-time translation answer to the plain
// instructions on arbitrary programs. A fake MPC backend (one party, the share is the value)
// lets secret registers and the MPC builtins run too.
// Seeds: every function of the golden cases and fixtures, as the first function of a program
// with what it calls (scripts/fuzz-seeds).
#include <algorithm>
#include <span>
#include <string>

#include "bytecode/reader.h"
#include "fake_backend.h"
#include "fuzz_util.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace {

using namespace stoffel;

constexpr uint64_t kStepBudget = 5'000;
constexpr size_t kMemoryBound = 64u << 20;
// Bound on what run A prints (one print shows at most 16 MiB per value, so a loop of prints
// could otherwise print gigabytes within the budget).
constexpr size_t kOutputBound = 64u << 20;
// Deep recursion grows the value stack by allocating, zeroing and copying it, which under ASan
// and coverage was most of this target's time (depth 1,000 and frames of up to 65,535 registers:
// up to a GiB per input; with 20,000 steps, about 1,200 executions/s). The depth bound is
// kMaxCallDepth, shrunk so that that many frames of the program's widest function stay within
// kStackValues values (1 MiB), and never below 8: the depth limit is still reached and compared.
// With a 5,000-step budget: about 4,100 executions/s.
constexpr uint32_t kMaxCallDepth = 64;
constexpr uint64_t kStackValues = 1u << 16;
constexpr const char* kMemoryError = "fuzz memory or output bound exceeded";

struct Outcome {
  bool loaded = false;
  bool ok = false;
  std::string value;  // display form, when ok
  std::string error;
  vm::ErrorLocation where;
  std::string output;
  bool engine_needed = false;
};

Outcome run(const bytecode::Program& program, bool bounded) {
  Outcome o;
  vm::VmOptions options;
  uint64_t widest = 1;
  for (const auto& f : program.functions) widest = std::max<uint64_t>(widest, f.register_count);
  options.max_call_depth =
      static_cast<uint32_t>(std::clamp<uint64_t>(kStackValues / widest, 8, kMaxCallDepth));
  options.max_steps = bounded ? kStepBudget : 0;
  vm::VirtualMachine machine(options);
  vm::testing::FakeBackend backend;
  machine.set_engine(&backend);
  machine.set_output([&o](std::string_view text) {
    // Bounded in run A by kOutputBound (checked before each instruction, so at most one
    // instruction's output beyond it); run B prints what A printed.
    o.output.append(text);
  });
  if (auto r = machine.load_program(program); !r) {
    o.error = r.error().message;
    return o;
  }
  o.loaded = true;
  if (bounded) {
    vm::VirtualMachine* vm = &machine;
    machine.register_hook(
        [](const vm::HookEvent& e) {
          return e.kind == vm::HookEventKind::BeforeInstructionExecute;
        },
        [vm, &o](const vm::HookEvent&, const vm::VirtualMachine&) -> Result<void> {
          if (vm->heap().live_bytes() > kMemoryBound || o.output.size() > kOutputBound) {
            return make_error(kMemoryError);
          }
          return {};
        });
  }
  auto r = machine.execute(program.functions[0].name);
  o.engine_needed = machine.engine_was_needed();
  if (r) {
    o.ok = true;
    o.value = vm::display_string(*r);
  } else {
    o.error = r.error().message;
    o.where = machine.last_error_location();
  }
  return o;
}

std::string describe(const Outcome& o) {
  std::string s = o.ok ? "returned " + o.value : "error: " + o.error;
  if (o.where.valid) {
    s += " at function '" + o.where.function + "', instruction " +
         std::to_string(o.where.instruction_index) + " (" + o.where.opcode + ")";
  }
  return s + "; printed " + std::to_string(o.output.size()) + " bytes";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto program = bytecode::read_program(std::span<const uint8_t>(data, size));
  if (!program || program->functions.empty()) return 0;

  const Outcome a = run(*program, true);
  if (!a.loaded) {
    fuzz::check(!a.error.empty(), "load error without a message");
    return 0;
  }
  if (!a.ok && (a.error.rfind("step limit of ", 0) == 0 || a.error == kMemoryError)) return 0;
  // Reaching the bound on the registers of all frames takes 256 MiB of value stack and about
  // a second under ASan; the second run would double that for a path (push_frame) both loops
  // share. The depth bound (max_call_depth, at most kMaxCallDepth here) is cheap and stays compared.
  if (!a.ok && a.error.rfind("stack overflow: the nested calls need more than", 0) == 0) return 0;

  const Outcome b = run(*program, false);
  const bool same = a.ok == b.ok && a.value == b.value && a.error == b.error &&
                    a.where.valid == b.where.valid && a.where.function == b.where.function &&
                    a.where.instruction_index == b.where.instruction_index &&
                    a.where.opcode == b.where.opcode && a.output == b.output &&
                    a.engine_needed == b.engine_needed;
  fuzz::check(same, "the plain and the hook-free loop disagree",
              "plain: " + describe(a) + "\n  hook-free: " + describe(b));
  return 0;
}
