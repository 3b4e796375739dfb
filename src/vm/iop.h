// The VM's internal instruction set, in one table. The enum IOp, the interpreter's dispatch table
// (interpreter.cpp), the names in error locations (iop_name), the translation of file opcodes
// (translate.cpp) and every question of the kind "which field of this instruction is a register"
// or "is this an inline builtin" are generated from STOFFEL_IOPS, so adding an instruction happens
// in one place and a handler without a row, or a row without a handler, does not compile.
//
// Three kinds of instructions share the table (see FunctionProto in function.h):
//  * plain ones (kPlain): the 23 file opcodes of src/bytecode/opcodes.h under the same names, plus
//    the forms translation specialises (MOV split at the r16 secret boundary, END). They make up
//    FunctionProto::code, which the hooked loop runs, and fast_plain;
//  * superinstructions (kFused), only in FunctionProto::fast_code, for the patterns the
//    Stoffel-Lang compiler emits most (made by translate.cpp, decision V3 in docs/decisions.md).
//    Each does the work of the pattern written in its row and skips the instructions it covers;
//    anything unusual "deopts" to the plain instruction at the same index, so results and error
//    locations stay those of the plain instructions;
//  * operand slots (kOperands): where a loop back-edge covers three instructions, the covered
//    slots hold its extra operands. Reaching one any other way (a jump into the middle of the
//    pattern) runs the plain instruction of that index, like every deopt.
//
// Operands: an Instr has four fields, a, b, c (16 bits) and x (32 bits). The operand format of a
// row gives the role of each, in the order a b c x:
//   R  register. In fast_code and fast_plain, register operands are pre-doubled (see REG in
//      interpreter.cpp), so only fields marked R are scaled at load time;
//   K  constant-pool index          O  argument-stack offset (LD)
//   J  jump target: an instruction index in `code`, a byte offset in the hook-free loop's arrays
//   I  instruction index, never scaled          S  call slot (VirtualMachine's call table)
//   V  an I64 immediate that fits 32 bits (Lua's ADDI idea: no constant-pool load)
//   -  unused, always 0
//
// The meaning column is in the style of Lua's lopcodes.h (the operands are in the format column):
// what a plain instruction does, or the plain sequence a superinstruction stands for. flag is the
// frame's compare flag (-1, 0 or +1, set by CMP); "head" is the compare and branch a loop
// back-edge jumps to, whose operands sit in the EXT_CMP slot after it; "else pc := y" is where
// execution goes when a branch is not taken. Instr::unused holds the number of fused PUSHARGs
// (R_*) or the taken mask of EXT_CMP (bit flag + 1 set: the branch is taken).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bytecode/opcodes.h"

namespace stoffel::vm {

// Flags of a row. Exactly one of kPlain, kFused, kOperands.
enum IOpFlag : uint8_t {
  kPlain = 1 << 0,     // in `code` (and fast_plain): runs in both loops
  kFused = 1 << 1,     // a superinstruction: only in fast_code, run by the hook-free loop
  kOperands = 1 << 2,  // an operand slot of the superinstruction before it (fast_code only)
  kWritesA = 1 << 3,   // A is the destination: written, not read
  kReturns = 1 << 4,   // returns from the frame (RET, END): pending reveals are flushed first
  // Made for the standard builtin a call slot was bound to at load time; turned back into the
  // plain instruction when the slot is re-bound (VirtualMachine::unfuse_builtin_calls).
  kBuiltin = 1 << 5,
};

// What the superinstructions assume, proven once at load time instead of checked per instruction:
//  * LDI_CMPJ_*: the CMP compares another register with the constant just loaded (a != c); the
//    constant is an I64 or a Bool at a pool index below 65536 (it lives in b). It covers `if x < 2`
//    and the compiler's `LDI r, false; CMP r0, r; JMPEQ`.
//  * LDI_ADD/LDI_SUB and LDI_*_JCMP*: the constant is an I64 that fits 32 bits, kept in x.
//  * CALL_* and R_* (kBuiltin): the call slot is bound to that builtin; the common case runs
//    inline, anything unusual runs as a plain CALL (so results and error texts are the builtin's
//    own). If the slot is re-bound, VirtualMachine::unfuse_builtin_calls undoes them in place.
//  * R_* and LDI_R_GET_UPVALUE: the argument stack is empty at the first PUSHARG on every path
//    that reaches it (pending_arguments in translate.cpp); otherwise the call would receive the
//    earlier pushes too. R_CALL re-checks the callee's binding and arity when it runs.
//  * JMP_CMPJ_*: the JMP's target starts a CMPJ_*; c is the index after its conditional jump.
//  * Loop back-edges, the equivalent of Lua's FORLOOP:
//      ADD a, b, c; JMP L            where L starts CMP p, q + conditional jump    (ADD_JCMP)
//      LDI c, K; ADD a, b, c; JMP L  with K an I64 constant that fits in x       (LDI_ADD_JCMP)
//    (and the same with SUB). The operands that do not fit one Instr live in the slots of the
//    instructions the pattern covers: EXT_CMP (in fast_code[i+1]) holds p, q, the taken mask and
//    the taken target; the fall-through target is in x (ADD_JCMP) or in the EXT_TARGET at
//    fast_code[i+2] (LDI_ADD_JCMP, whose x is K). So the handler reads nothing but the
//    instruction stream, which is already in cache and needs no extra pointer in a register.
//    The *_SELF forms are for p == a (the loop variable just computed is compared, as in every
//    compiler-made loop): they compare the sum they hold instead of reloading the register they
//    just stored. A separate opcode rather than a flag, so the common handler has no branch on it.
//
//  X(name, shown, operands, flags, meaning)
//  `shown` is the file mnemonic that error locations report (SUPER for the fast-only rows, which
//  are never reported: a failing superinstruction is reported at the plain instruction of its
//  index).
// clang-format off
#define STOFFEL_IOPS(X)                                                                           \
  /* Plain instructions: the file opcodes and their load-time forms. */                           \
  X(LD,                LD,      "R--O", kPlain | kWritesA, "R[A] := argstack[len + x - 1]")       \
  X(LDI,               LDI,     "R--K", kPlain | kWritesA, "R[A] := K[x]")                        \
  X(MOV,               MOV,     "RR--", kPlain | kWritesA,                                        \
    "R[A] := R[B]  (A, B same side of r16)")                                                      \
  X(MOV_SHARE,         MOV,     "RR--", kPlain | kWritesA, "R[A] := share(R[B])  (A >= 16 > B)")  \
  X(MOV_REVEAL,        MOV,     "RR--", kPlain | kWritesA, "R[A] := reveal(R[B])  (B >= 16 > A)") \
  X(ADD,               ADD,     "RRR-", kPlain | kWritesA, "R[A] := R[B] + R[C]")                 \
  X(SUB,               SUB,     "RRR-", kPlain | kWritesA, "R[A] := R[B] - R[C]")                 \
  X(MUL,               MUL,     "RRR-", kPlain | kWritesA, "R[A] := R[B] * R[C]")                 \
  X(DIV,               DIV,     "RRR-", kPlain | kWritesA, "R[A] := R[B] / R[C]")                 \
  X(MOD,               MOD,     "RRR-", kPlain | kWritesA, "R[A] := R[B] % R[C]")                 \
  X(AND,               AND,     "RRR-", kPlain | kWritesA, "R[A] := R[B] & R[C]")                 \
  X(OR,                OR,      "RRR-", kPlain | kWritesA, "R[A] := R[B] | R[C]")                 \
  X(XOR,               XOR,     "RRR-", kPlain | kWritesA, "R[A] := R[B] ^ R[C]")                 \
  X(NOT,               NOT,     "RR--", kPlain | kWritesA, "R[A] := ~R[B]")                       \
  X(SHL,               SHL,     "RRR-", kPlain | kWritesA, "R[A] := R[B] << (R[C] mod 64)")       \
  X(SHR,               SHR,     "RRR-", kPlain | kWritesA, "R[A] := R[B] >> (R[C] mod 64)")       \
  X(JMP,               JMP,     "---J", kPlain,            "pc := x")                             \
  X(JMPEQ,             JMPEQ,   "---J", kPlain,            "if flag == 0 then pc := x")           \
  X(JMPNEQ,            JMPNEQ,  "---J", kPlain,            "if flag != 0 then pc := x")           \
  X(JMPLT,             JMPLT,   "---J", kPlain,            "if flag < 0 then pc := x")            \
  X(JMPGT,             JMPGT,   "---J", kPlain,            "if flag > 0 then pc := x")            \
  X(CALL,              CALL,    "---S", kPlain,            "R[0] := call slot x (argstack)")      \
  X(RET,               RET,     "R---", kPlain | kReturns, "return R[A] into the caller's R[0]")  \
  X(PUSHARG,           PUSHARG, "R---", kPlain,            "push R[A] on the argstack")           \
  X(CMP,               CMP,     "RR--", kPlain,            "flag := compare(R[A], R[B])")         \
  X(END,               RET,     "R---", kPlain | kReturns, "RET r0 after the last instruction")   \
  /* Superinstructions: compare and branch. */                                                    \
  X(CMPJ_EQ,           SUPER,   "RR-J", kFused,            "CMP A B; JMPEQ x")                    \
  X(CMPJ_NEQ,          SUPER,   "RR-J", kFused,            "CMP A B; JMPNEQ x")                   \
  X(CMPJ_LT,           SUPER,   "RR-J", kFused,            "CMP A B; JMPLT x")                    \
  X(CMPJ_GT,           SUPER,   "RR-J", kFused,            "CMP A B; JMPGT x")                    \
  X(LDI_CMPJ_EQ,       SUPER,   "RKRJ", kFused,            "LDI C K[B]; CMP A C; JMPEQ x")        \
  X(LDI_CMPJ_NEQ,      SUPER,   "RKRJ", kFused,            "LDI C K[B]; CMP A C; JMPNEQ x")       \
  X(LDI_CMPJ_LT,       SUPER,   "RKRJ", kFused,            "LDI C K[B]; CMP A C; JMPLT x")        \
  X(LDI_CMPJ_GT,       SUPER,   "RKRJ", kFused,            "LDI C K[B]; CMP A C; JMPGT x")        \
  /* Superinstructions: arithmetic with an immediate. */                                          \
  X(LDI_ADD,           SUPER,   "RRRV", kFused,            "LDI C x; ADD A B C")                  \
  X(LDI_SUB,           SUPER,   "RRRV", kFused,            "LDI C x; SUB A B C")                  \
  /* Superinstructions: standard builtins run inline, arguments on the argstack. */               \
  X(CALL_GET_FIELD,    SUPER,   "---S", kFused | kBuiltin, "CALL x = get_field")                  \
  X(CALL_SET_FIELD,    SUPER,   "---S", kFused | kBuiltin, "CALL x = set_field")                  \
  X(CALL_GET_UPVALUE,  SUPER,   "---S", kFused | kBuiltin, "CALL x = get_upvalue")                \
  X(CALL_SET_UPVALUE,  SUPER,   "---S", kFused | kBuiltin, "CALL x = set_upvalue")                \
  X(CALL_CALL_CLOSURE, SUPER,   "---S", kFused | kBuiltin, "CALL x = call_closure")               \
  X(CALL_ARRAY_LENGTH, SUPER,   "---S", kFused | kBuiltin, "CALL x = array_length")               \
  X(CALL_ARRAY_PUSH,   SUPER,   "---S", kFused | kBuiltin, "CALL x = array_push")                 \
  /* Superinstructions: PUSHARGs and their CALL, arguments straight from registers. */            \
  X(LDI_R_GET_UPVALUE, SUPER,   "RK-S", kFused | kBuiltin,                                        \
    "LDI A K[B]; PUSHARG A; CALL x = get_upvalue")                                                \
  X(R_GET_FIELD,       SUPER,   "RR-S", kFused | kBuiltin,                                        \
    "PUSHARG A; PUSHARG B; CALL x = get_field")                                                   \
  X(R_SET_FIELD,       SUPER,   "RRRS", kFused | kBuiltin,                                        \
    "PUSHARG A; PUSHARG B; PUSHARG C; CALL x = set_field")                                        \
  X(R_GET_UPVALUE,     SUPER,   "R--S", kFused | kBuiltin, "PUSHARG A; CALL x = get_upvalue")     \
  X(R_SET_UPVALUE,     SUPER,   "RR-S", kFused | kBuiltin,                                        \
    "PUSHARG A; PUSHARG B; CALL x = set_upvalue")                                                 \
  X(R_CALL_CLOSURE,    SUPER,   "R--S", kFused | kBuiltin, "PUSHARG A; CALL x = call_closure")    \
  X(R_CALL,            SUPER,   "RRRS", kFused,            "PUSHARG A[, B[, C]]; CALL x")         \
  /* Superinstructions: a JMP to a compare and branch does it in place. */                        \
  X(JMP_CMPJ_EQ,       SUPER,   "RRIJ", kFused,            "JMP; CMP A B; JMPEQ x; else pc := C") \
  X(JMP_CMPJ_NEQ,      SUPER,   "RRIJ", kFused,                                                   \
    "JMP; CMP A B; JMPNEQ x; else pc := C")                                                       \
  X(JMP_CMPJ_LT,       SUPER,   "RRIJ", kFused,            "JMP; CMP A B; JMPLT x; else pc := C") \
  X(JMP_CMPJ_GT,       SUPER,   "RRIJ", kFused,            "JMP; CMP A B; JMPGT x; else pc := C") \
  /* Superinstructions: loop back-edges (the loop head's compare is in the next slot). */         \
  X(ADD_JCMP,          SUPER,   "RRRJ", kFused,            "ADD A B C; JMP head; else pc := x")   \
  X(SUB_JCMP,          SUPER,   "RRRJ", kFused,            "SUB A B C; JMP head; else pc := x")   \
  X(LDI_ADD_JCMP,      SUPER,   "RRRV", kFused,            "LDI C x; ADD A B C; JMP head")        \
  X(LDI_SUB_JCMP,      SUPER,   "RRRV", kFused,            "LDI C x; SUB A B C; JMP head")        \
  X(ADD_JCMP_SELF,     SUPER,   "RRRJ", kFused,            "ADD_JCMP, head compares R[A]")        \
  X(SUB_JCMP_SELF,     SUPER,   "RRRJ", kFused,            "SUB_JCMP, head compares R[A]")        \
  X(LDI_ADD_JCMP_SELF, SUPER,   "RRRV", kFused,            "LDI_ADD_JCMP, head compares R[A]")    \
  X(LDI_SUB_JCMP_SELF, SUPER,   "RRRV", kFused,            "LDI_SUB_JCMP, head compares R[A]")    \
  /* Operand slots of the loop back-edges. */                                                     \
  X(EXT_CMP,           SUPER,   "RR-J", kOperands,         "head's CMP A B; mask; taken pc := x") \
  X(EXT_TARGET,        SUPER,   "---J", kOperands,         "LDI_*_JCMP*: else pc := x")

// clang-format on

enum class IOp : uint8_t {
#define STOFFEL_X(name, shown, operands, flags, meaning) name,
  STOFFEL_IOPS(STOFFEL_X)
#undef STOFFEL_X
};

inline constexpr int kIOpCount = 0
#define STOFFEL_X(name, shown, operands, flags, meaning) +1
    STOFFEL_IOPS(STOFFEL_X)
#undef STOFFEL_X
    ;
// Instr::op is a byte and the dispatch tables are indexed by it.
static_assert(kIOpCount <= 256);

struct IOpInfo {
  std::string_view name;
  std::string_view shown;
  std::string_view operands;  // roles of a, b, c, x
  uint8_t flags;
  std::string_view meaning;
};

// Indexed by IOp.
inline constexpr IOpInfo kIOpInfo[] = {
#define STOFFEL_X(name, shown, operands, flags, meaning) {#name, #shown, operands, flags, meaning},
    STOFFEL_IOPS(STOFFEL_X)
#undef STOFFEL_X
};
static_assert(sizeof(kIOpInfo) / sizeof(kIOpInfo[0]) == kIOpCount);

constexpr const IOpInfo& iop_info(IOp op) {
  return kIOpInfo[static_cast<uint8_t>(op)];
}
constexpr bool iop_has(IOp op, IOpFlag flag) {
  return (iop_info(op).flags & flag) != 0;
}
// The mnemonic an error location reports for an instruction of `code`: the file opcode it was
// translated from (MOV for MOV_SHARE and MOV_REVEAL, RET for END).
constexpr std::string_view iop_name(IOp op) {
  return iop_info(op).shown;
}

// The fields of an Instr, in the order of the operand format.
enum class Field : uint8_t { A, B, C, X };
constexpr char operand_role(IOp op, Field field) {
  return iop_info(op).operands[static_cast<size_t>(field)];
}

// The internal opcode of each file opcode (indexed by its byte): the plain row of the same name.
// A file opcode without an internal one does not compile.
inline constexpr IOp kIOpOfOpcode[] = {
#define STOFFEL_X(name, byte, fmt, meaning) IOp::name,
    STOFFEL_OPCODES(STOFFEL_X)
#undef STOFFEL_X
};
static_assert(sizeof(kIOpOfOpcode) / sizeof(kIOpOfOpcode[0]) == bytecode::kOpcodeCount);

constexpr IOp iop_of(bytecode::Opcode op) {
  return kIOpOfOpcode[static_cast<uint8_t>(op)];
}

namespace detail {

constexpr bool role_in(char role, std::string_view allowed) {
  return allowed.find(role) != std::string_view::npos;
}

// The table's own consistency, checked when compiling.
constexpr bool iop_table_is_consistent() {
  for (int i = 0; i < kIOpCount; ++i) {
    const IOpInfo& row = kIOpInfo[i];
    const std::string_view f = row.operands;
    // a, b, c are 16-bit fields and x the 32-bit one: each role fits its field.
    if (f.size() != 4 || !role_in(f[0], "R-") || !role_in(f[1], "RK-") || !role_in(f[2], "RI-") ||
        !role_in(f[3], "OKJSV-")) {
      return false;
    }
    const int kinds =
        ((row.flags & kPlain) != 0) + ((row.flags & kFused) != 0) + ((row.flags & kOperands) != 0);
    if (kinds != 1) return false;
    // A plain row reports a file mnemonic; only fast-only rows report SUPER.
    const bool plain = (row.flags & kPlain) != 0;
    if (plain != bytecode::opcode_from_name(row.shown).has_value()) return false;
    if (!plain && row.shown != "SUPER") return false;
    if ((row.flags & kWritesA) != 0 && f[0] != 'R') return false;
  }
  // Each file opcode maps to a plain row that reports it (kIOpOfOpcode is indexed by the byte,
  // so the file table's rows must be in byte order).
  for (int b = 0; b < bytecode::kOpcodeCount; ++b) {
    if (static_cast<int>(bytecode::kOpcodeInfo[b].op) != b) return false;
    const IOpInfo& row = iop_info(kIOpOfOpcode[b]);
    if ((row.flags & kPlain) == 0 || row.shown != bytecode::kOpcodeInfo[b].name) return false;
  }
  return true;
}
static_assert(iop_table_is_consistent(), "STOFFEL_IOPS: see the rules in iop_table_is_consistent");

}  // namespace detail

}  // namespace stoffel::vm
