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
};
inline constexpr int kIOpCount = static_cast<int>(IOp::END) + 1;

// 12 bytes. Registers fit 16 bits because the verifier bounds them by kMaxRegisters (65536).
struct Instr {
  IOp op;
  uint8_t unused = 0;
  uint16_t a = 0;
  uint16_t b = 0;
  uint16_t c = 0;
  int32_t x = 0;  // jump target index, constant index, LD offset, or call slot
};
static_assert(sizeof(Instr) == 12);

struct StringObj;
struct LoadedProgram;

struct FunctionProto {
  std::string name;
  StringObj* name_string = nullptr;     // pinned; used by hooks and closures
  uint32_t register_count = 0;          // effective count (decision B4)
  uint32_t param_count = 0;
  std::vector<StringObj*> param_names;  // pinned
  std::vector<StringObj*> upvalue_names;
  std::vector<Instr> code;              // source instruction count + 1 (END)
  const Value* constants = nullptr;     // the owning program's pool
  const bytecode::Function* source = nullptr;  // original instructions, for hooks and traces
  const LoadedProgram* program = nullptr;

  uint32_t instruction_count() const { return static_cast<uint32_t>(code.size() - 1); }
  // Registers plus the saved call-time parameter values (the frame's `locals`).
  uint32_t frame_size() const { return register_count + param_count; }
};

// A program loaded into a VM: the file's model, its constants as Values, its functions.
struct LoadedProgram {
  bytecode::Program source;
  std::vector<Value> constants;
  std::vector<std::unique_ptr<FunctionProto>> functions;
};

}  // namespace stoffel::vm
