// Hooks (docs/semantics.md, "Hooks"): observers of execution events, registered with a predicate, a
// callback and a priority. Matching enabled hooks run in descending priority (ties in
// registration order). A callback error aborts execution with exactly its message.
//
// Cost when unused: the interpreter has two instantiations of its loop; the one without hooks
// contains no event code at all, and the VM switches between them when the first hook is
// registered or the last one removed, even in the middle of a run (docs/decisions.md, E9).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "stoffel/result.h"
#include "vm/value.h"

namespace stoffel::vm {

class VirtualMachine;
struct FunctionProto;

enum class HookEventKind : uint8_t {
  BeforeInstructionExecute,
  AfterInstructionExecute,
  RegisterRead,
  RegisterWrite,
  StackPush,
  StackPop,
  BeforeFunctionCall,
  AfterFunctionCall,
  UpvalueRead,
  UpvalueWrite,
  ObjectFieldRead,
  ObjectFieldWrite,
  ArrayElementRead,
  ArrayElementWrite,
  ClosureCreated,
};

std::string_view hook_event_name(HookEventKind k);

struct HookEvent {
  explicit HookEvent(HookEventKind k) : kind(k) {}
  HookEventKind kind;
  // Instruction events: the function and instruction index (see
  // VirtualMachine::format_instruction).
  const FunctionProto* function = nullptr;
  uint32_t instruction_index = 0;
  // Register events: index; old/new values. Stack events: value in `value`.
  uint32_t reg = 0;
  Value old_value;
  Value value;
  // Function-call events: the callee (a Closure value, or a String such as
  // "<foreign function print>" / "<function dbl>") and the arguments (BeforeFunctionCall).
  Value callee;
  std::span<const Value> args;
  // Upvalue events: the name; field events: container id and key.
  std::string_view name;
  uint64_t container_id = 0;
  Value key;
};

using HookPredicate = std::function<bool(const HookEvent&)>;
using HookCallback = std::function<Result<void>(const HookEvent&, const VirtualMachine&)>;

struct Hook {
  uint64_t id;
  HookPredicate predicate;
  HookCallback callback;
  int32_t priority;
  bool enabled;
};

class HookRegistry {
 public:
  uint64_t add(HookPredicate predicate, HookCallback callback, int32_t priority);
  bool remove(uint64_t id);
  bool set_enabled(uint64_t id, bool enabled);
  // True while at least one hook is registered (enabled or not, as the reference counts them).
  bool any() const { return !hooks_.empty(); }
  Result<void> fire(const HookEvent& event, const VirtualMachine& vm);

 private:
  std::vector<Hook> hooks_;  // kept sorted: priority descending, then id ascending
  uint64_t next_id_ = 1;
};

}  // namespace stoffel::vm
