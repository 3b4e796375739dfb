// The interpreter loop and the frame operations it shares with builtins (call_closure) and the
// embedding API (call_value).
#pragma once

#include <cstddef>
#include <span>

#include "stoffel/result.h"
#include "vm/vm.h"

namespace stoffel::vm {

class Interpreter {
 public:
  // Runs until the frame at index `stop_depth` returns; its value is the result. On error, every
  // frame above stop_depth is unwound (docs/decisions.md, E1) and the error carries its location.
  static Result<Value> run(VirtualMachine& vm, size_t stop_depth);

  // Instr::handler for each IOp (indexed by op): where the hook-free loop's handler is.
  static const int32_t* handler_offsets(VirtualMachine& vm);

  // Pushes a frame for `fn` with `args` in r0.. (arity already checked by the caller).
  static Result<void> push_frame(VirtualMachine& vm, const FunctionProto* fn,
                                 std::span<const Value> args, CellListObj* upvalues);
  // Resolves the closure's function, checks arity, pushes its frame.
  static Result<void> push_closure_frame(VirtualMachine& vm, ClosureObj* closure,
                                         std::span<const Value> args);

  // Finds the cell of variable `name` as the reference's dynamic search does: from the top frame
  // down, each frame's parameters (a cell is created on first capture and then shared), then the
  // frame's own upvalues. Null if none.
  static CellObj* find_variable_cell(VirtualMachine& vm, StringObj* name);

  // For builtins: the upvalues of the frame that executed the CALL (null if none).
  static CellListObj* current_upvalues(const VirtualMachine& vm);
  // For call_closure: push the closure's frame and tell the running loop to continue there.
  static Result<void> enter_closure_from_native(VirtualMachine& vm, ClosureObj* closure,
                                                std::span<const Value> args);
};

}  // namespace stoffel::vm
