// The one table of the file format's opcodes. The enum, the mnemonics and the operand formats are
// generated from STOFFEL_OPCODES, and the STFL reader and writer, the verifier and the
// assembler/disassembler take every opcode's name and format from it, so adding or changing an
// opcode happens in one place. The VM has its own instruction set, generated the same way from
// STOFFEL_IOPS (src/vm/iop.h), which contains each file opcode under the same name: the mapping
// is generated from this table, so an opcode added here does not compile until the VM has it.
//
// Operand formats (STFL v1 encodings, all little-endian):
//   R   = u32 register          K = u32 constant-pool index
//   O   = i32 argument-stack offset     S = u16-length UTF-8 name (label or function)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace stoffel::bytecode {

// Operand layouts; the number after the letters is the encoded size in bytes (opcode included).
enum class Format : uint8_t {
  RO,   // dst, offset                 9 bytes
  RK,   // dst, constant               9 bytes
  RR,   // dst/a, src/b                9 bytes
  RRR,  // dst, a, b                  13 bytes
  R,    // one register                5 bytes
  S,    // name (label or function)    3 + len bytes
};

//  X(name, byte, format, meaning)
#define STOFFEL_OPCODES(X)                                                         \
  X(LD, 0x00, RO, "R[A] := argstack[len + off - 1] of the current frame")          \
  X(LDI, 0x01, RK, "R[A] := K[k] (a copy, never converted)")                       \
  X(MOV, 0x02, RR, "R[A] := R[B]; crossing r16 shares (clear->secret) or reveals") \
  X(ADD, 0x03, RRR, "R[A] := R[B] + R[C]")                                         \
  X(SUB, 0x04, RRR, "R[A] := R[B] - R[C]")                                         \
  X(MUL, 0x05, RRR, "R[A] := R[B] * R[C]")                                         \
  X(DIV, 0x06, RRR, "R[A] := R[B] / R[C]")                                         \
  X(MOD, 0x07, RRR, "R[A] := R[B] % R[C]")                                         \
  X(AND, 0x08, RRR, "R[A] := R[B] & R[C] (I64 bitwise, Bool logical)")             \
  X(OR, 0x09, RRR, "R[A] := R[B] | R[C]")                                          \
  X(XOR, 0x0A, RRR, "R[A] := R[B] ^ R[C]")                                         \
  X(NOT, 0x0B, RR, "R[A] := ~R[B] (I64 complement, Bool negation)")                \
  X(SHL, 0x0C, RRR, "R[A] := R[B] << (R[C] mod 64)")                               \
  X(SHR, 0x0D, RRR, "R[A] := R[B] >> (R[C] mod 64), arithmetic")                   \
  X(JMP, 0x0E, S, "pc := label")                                                   \
  X(JMPEQ, 0x0F, S, "if flag == 0 then pc := label")                               \
  X(JMPNEQ, 0x10, S, "if flag != 0 then pc := label")                              \
  X(CALL, 0x11, S, "call function or builtin with the whole argument stack")       \
  X(RET, 0x12, R, "return R[A] into the caller's r0")                              \
  X(PUSHARG, 0x13, R, "push R[A] on the current frame's argument stack")           \
  X(CMP, 0x14, RR, "flag := -1 / 0 / +1 as R[A] <, ==, > R[B]")                    \
  X(JMPLT, 0x15, S, "if flag == -1 then pc := label")                              \
  X(JMPGT, 0x16, S, "if flag == +1 then pc := label")

enum class Opcode : uint8_t {
#define STOFFEL_X(name, byte, fmt, meaning) name = byte,
  STOFFEL_OPCODES(STOFFEL_X)
#undef STOFFEL_X
};

inline constexpr int kOpcodeCount = 0
#define STOFFEL_X(name, byte, fmt, meaning) +1
    STOFFEL_OPCODES(STOFFEL_X)
#undef STOFFEL_X
    ;

struct OpcodeInfo {
  std::string_view name;
  Opcode op;
  Format format;
  std::string_view meaning;
};

// Indexed by opcode byte (the bytes are dense, 0x00..0x16).
inline constexpr OpcodeInfo kOpcodeInfo[] = {
#define STOFFEL_X(name, byte, fmt, meaning) {#name, Opcode::name, Format::fmt, meaning},
    STOFFEL_OPCODES(STOFFEL_X)
#undef STOFFEL_X
};
static_assert(sizeof(kOpcodeInfo) / sizeof(kOpcodeInfo[0]) == kOpcodeCount);

constexpr bool is_valid_opcode(uint8_t byte) {
  return byte < kOpcodeCount;
}
constexpr const OpcodeInfo& opcode_info(Opcode op) {
  return kOpcodeInfo[static_cast<uint8_t>(op)];
}
constexpr std::string_view opcode_name(Opcode op) {
  return opcode_info(op).name;
}
constexpr Format opcode_format(Opcode op) {
  return opcode_info(op).format;
}

// Jumps carry a label name; CALL carries a function name. Both use Format::S.
constexpr bool is_jump(Opcode op) {
  return op == Opcode::JMP || op == Opcode::JMPEQ || op == Opcode::JMPNEQ || op == Opcode::JMPLT ||
         op == Opcode::JMPGT;
}

// Case-sensitive lookup by mnemonic (used by the assembler).
constexpr std::optional<Opcode> opcode_from_name(std::string_view name) {
  for (const auto& info : kOpcodeInfo) {
    if (info.name == name) return info.op;
  }
  return std::nullopt;
}

}  // namespace stoffel::bytecode
