// The VM's internal, load-time translated form of a function (style.md: "translate once at
// load"). The STFL form is for storage; this one is for running:
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
#include "vm/value.h"

namespace stoffel::vm {

// Internal opcodes: the 23 STFL ones (same meaning) plus forms specialised at load time.
enum class IOp : uint8_t {
  LD,
  LDI,
  MOV,         // both registers on the same side of r16: a plain copy
  MOV_SHARE,   // clear -> secret (dst >= 16 > src): secret-share the value
  MOV_REVEAL,  // secret -> clear (src >= 16 > dst): reveal (batched)
  ADD,
  SUB,
  MUL,
  DIV,
  MOD,
  AND,
  OR,
  XOR,
  NOT,
  SHL,
  SHR,
  JMP,
  JMPEQ,
  JMPNEQ,
  JMPLT,
  JMPGT,
  CALL,
  RET,
  PUSHARG,
  CMP,
  END,  // implicit RET r0 after the last instruction; fires no instruction hooks

  // --- Superinstructions, only in FunctionProto::fast_code (see there). -----------------------
  // CMP a, b followed by a conditional jump: sets the flag and jumps (x = target) or skips the
  // jump instruction that follows.
  CMPJ_EQ,
  CMPJ_NEQ,
  CMPJ_LT,
  CMPJ_GT,
  // LDI c, K[b]; CMP a, c; conditional jump to x. Covers `if x < 2` and the compiler's
  // `LDI r, false; CMP r0, r; JMPEQ`. Skips two instructions when it does not jump.
  LDI_CMPJ_EQ,
  LDI_CMPJ_NEQ,
  LDI_CMPJ_LT,
  LDI_CMPJ_GT,
  // LDI c, K; ADD/SUB a, b, c: `i = i + 1` as the compiler writes it. K is an I64 constant that
  // fits in 32 bits and is stored in x itself (an immediate, as Lua's ADDI), not its index.
  LDI_ADD,
  LDI_SUB,
  // A CALL whose slot was bound to one of these standard builtins at load time: the common case
  // is done inline; if the slot was re-bound since, or the arguments are unusual, it runs as a
  // plain CALL (so results and error texts are the builtin's own).
  CALL_GET_FIELD,
  CALL_SET_FIELD,
  CALL_GET_UPVALUE,
  CALL_SET_UPVALUE,
  CALL_CALL_CLOSURE,
  CALL_ARRAY_LENGTH,
  CALL_ARRAY_PUSH,
  // The PUSHARGs that feed a call, fused with it: the arguments come straight from registers
  // (a, b, c) instead of through the argument stack. Only valid when the argument stack is empty
  // at the first PUSHARG (otherwise the call would receive the earlier pushes too): the handler
  // checks and deopts. `unused` holds the number of PUSHARGs fused (1..3); x is the call slot.
  // LDI n, "name"; PUSHARG n; CALL "get_upvalue": how the compiler reads a captured variable.
  // a = n, b = the constant's index (a String, checked when fusing), x = the call slot.
  LDI_R_GET_UPVALUE,
  R_GET_FIELD,     // PUSHARG t; PUSHARG k; CALL "get_field"
  R_SET_FIELD,     // PUSHARG t; PUSHARG k; PUSHARG v; CALL "set_field"
  R_GET_UPVALUE,   // PUSHARG name; CALL "get_upvalue"
  R_SET_UPVALUE,   // PUSHARG name; PUSHARG v; CALL "set_upvalue"
  R_CALL_CLOSURE,  // PUSHARG c; CALL "call_closure"
  R_CALL,          // PUSHARG a (; PUSHARG b (; PUSHARG c)); CALL <program function>
  // JMP to a CMPJ_*: does the compare and branch in place. x = taken target, c = fall-through
  // target (the index after the jump that follows the CMP).
  JMP_CMPJ_EQ,
  JMP_CMPJ_NEQ,
  JMP_CMPJ_LT,
  JMP_CMPJ_GT,
  // Loop back-edges, the equivalent of Lua's FORLOOP:
  //   ADD a, b, c; JMP L            where L starts CMP p, q + conditional jump   (ADD_JCMP)
  //   LDI c, K; ADD a, b, c; JMP L  with K an I64 constant that fits in x      (LDI_ADD_JCMP)
  // (and the same with SUB). The operands that do not fit one Instr live in the slots of the
  // instructions the pattern covers (see EXT_*): fast_code[i+1] holds p, q, the taken mask and
  // the taken target; the fall-through target is in x (ADD_JCMP) or in fast_code[i+2].x
  // (LDI_ADD_JCMP, whose x is the constant K). So the handler reads nothing but the instruction
  // stream, which is already in cache and needs no extra pointer in a register.
  // The *_SELF forms are for p == a (the loop variable just computed is compared, as in every
  // compiler-made loop): they compare the sum they hold instead of reloading the register they
  // just stored. A separate opcode rather than a flag, so the common handler has no branch on it.
  ADD_JCMP,
  SUB_JCMP,
  LDI_ADD_JCMP,
  LDI_SUB_JCMP,
  ADD_JCMP_SELF,
  SUB_JCMP_SELF,
  LDI_ADD_JCMP_SELF,
  LDI_SUB_JCMP_SELF,
  // Operand slots: a covered instruction's place in fast_code reused for the operands of the
  // superinstruction before it. Reaching one any other way (a jump into the middle of the
  // pattern, a switch from the hooked loop) runs the plain instruction of that index, like every
  // deopt, so covered instructions still behave exactly as written.
  EXT_CMP,     // a = p, b = q (registers), unused = taken mask, x = taken target
  EXT_TARGET,  // x = a jump target
};
inline constexpr int kIOpCount = static_cast<int>(IOp::EXT_TARGET) + 1;

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
};

}  // namespace stoffel::vm
