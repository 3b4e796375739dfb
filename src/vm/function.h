// The VM's internal, load-time translated form of a function (translate.cpp; translating once at
// load is decision V1 in docs/decisions.md). The STFL form is for storage; this one is for running:
//  * jump targets are instruction indexes (no label lookup at run time);
//  * call targets are slots in the VM's call table, resolved by name once at load, and re-pointed
//    when a function is (re)registered, so a CALL is an array index plus a pointer test;
//  * MOV is split by the secret boundary at load time (plain / share / reveal), so the common
//    register copy has no r16 test;
//  * constants are ready-made Values;
//  * every function ends with an END sentinel (implicit `RET r0`, decision E2), so falling off
//    the end, or jumping past it, needs no bounds check in the loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "vm/iop.h"
#include "vm/value.h"

namespace stoffel::vm {

// Standard builtins the interpreter knows how to run inline (see the CALL_* superinstructions).
enum class BuiltinId : uint8_t {
  None,
  GetField,
  SetField,
  GetUpvalue,
  SetUpvalue,
  CallClosure,
  ArrayLength,
  ArrayPush,
};

// 16 bytes, a power of two: the loop turns instruction pointers into indexes (saving pc) and
// back (jumps, skips) on every call, and with 16 bytes that is a shift rather than a multiply.
// Registers fit 16 bits because the verifier bounds them by kMaxRegisters (65536).
struct Instr {
  IOp op;
  uint8_t unused = 0;  // superinstructions: number of fused PUSHARGs, or a taken mask
  uint16_t a = 0;
  uint16_t b = 0;
  uint16_t c = 0;
  int32_t x = 0;  // jump target index, constant index, LD offset, or call slot
  // Direct threading: in fast_code and fast_plain, the distance from the hook-free loop's first
  // handler to this instruction's handler (Interpreter::handler_offsets), so dispatch is one
  // load from the instruction itself instead of a second load from a table indexed by op.
  int32_t handler = 0;
};
static_assert(sizeof(Instr) == 16);

struct StringObj;
struct LoadedProgram;

struct FunctionProto {
  std::string name;
  StringObj* name_string = nullptr;  // pinned; used by hooks and closures
  uint32_t register_count = 0;       // effective count (decision B4)
  uint32_t param_count = 0;
  std::vector<StringObj*> param_names;  // pinned
  std::vector<StringObj*> upvalue_names;
  // `code` is the 1:1 translation (instruction i of the file is code[i]) and is what the hooked
  // loop runs, so every event stays exact. `fast_code` has the same length and the same
  // instructions, except that where a pattern starts at index i, fast_code[i] is a
  // superinstruction doing the work of code[i], code[i+1] (, code[i+2]) and then skipping them.
  // The instructions it covers stay in place (or, for loop back-edges, their slots hold the
  // superinstruction's extra operands marked EXT_*, which run the plain instruction of that
  // index when reached), so a jump into the middle of a pattern still runs the plain instruction
  // there, and indexes mean the same thing in both arrays (the hook-free and hooked loops can
  // switch at any instruction boundary).
  std::vector<Instr> code;  // source instruction count + 1 (END)
  std::vector<Instr> fast_code;
  // The hook-free loop's copy of `code` (no superinstructions), run when a superinstruction
  // deopts. fast_code and fast_plain hold register operands pre-doubled (see REG in
  // interpreter.cpp) and each instruction's handler offset (Instr::handler); `code` holds plain
  // indexes and is dispatched by opcode.
  std::vector<Instr> fast_plain;
  const Value* constants = nullptr;            // the owning program's pool
  const bytecode::Function* source = nullptr;  // original instructions, for hooks and traces
  const LoadedProgram* program = nullptr;

  uint32_t instruction_count() const { return static_cast<uint32_t>(code.size() - 1); }
  // Registers plus the saved call-time parameter values (the frame's `locals`).
  uint32_t frame_size() const { return frame_slots; }
  // Set at load from the fields above, so the call path reads one field instead of two (or a
  // vector's two pointers).
  uint32_t frame_slots = 0;
  bool has_upvalue_names = false;
};

// A program loaded into a VM: the file's model, its constants as Values, its functions.
struct LoadedProgram {
  bytecode::Program source;
  std::vector<Value> constants;
  std::vector<std::unique_ptr<FunctionProto>> functions;
  // A function has more registers than the hook-free loop's operands can address
  // (Translator::kMaxFastRegisters): everything runs in the plain loop.
  bool needs_plain_loop = false;
};

}  // namespace stoffel::vm
