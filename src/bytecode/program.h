// In-memory model of an STFL v1 program: exactly what the file holds, nothing resolved.
// The reader produces it, the writer serializes it, the verifier checks it, the assembler builds
// it and the VM translates it into its own internal form at load time.
//
// The model keeps everything needed to write a file back byte-for-byte: the constant pool in file
// order (duplicates and unused entries included), labels in file order, the version number.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/opcodes.h"

namespace stoffel::bytecode {

// Value tags of the STFL constant encoding (docs/bytecode.md, "Constant").
enum class ConstTag : uint8_t {
  Unit = 0,
  I64 = 1,
  I32 = 2,
  I16 = 3,
  I8 = 4,
  U8 = 5,
  U16 = 6,
  U32 = 7,
  U64 = 8,
  Float = 9,
  Bool = 10,
  String = 11,
};
inline constexpr uint8_t kMaxConstTag = 11;

// A constant-pool entry. `bits` holds the payload: integers zero-extended from their encoded
// width (so I32 -1 is 0xFFFFFFFF), Float its IEEE-754 bit pattern, Bool 0/1. Equality is by tag
// and bit pattern (docs/decisions.md, B5), so -0.0 and +0.0 stay distinct constants.
struct Constant {
  ConstTag tag = ConstTag::Unit;
  uint64_t bits = 0;
  std::string str;  // String payload only

  static Constant unit() { return {}; }
  static Constant i64(int64_t v) { return {ConstTag::I64, static_cast<uint64_t>(v), {}}; }
  static Constant i32(int32_t v) { return {ConstTag::I32, static_cast<uint32_t>(v), {}}; }
  static Constant i16(int16_t v) { return {ConstTag::I16, static_cast<uint16_t>(v), {}}; }
  static Constant i8(int8_t v) { return {ConstTag::I8, static_cast<uint8_t>(v), {}}; }
  static Constant u8(uint8_t v) { return {ConstTag::U8, v, {}}; }
  static Constant u16(uint16_t v) { return {ConstTag::U16, v, {}}; }
  static Constant u32(uint32_t v) { return {ConstTag::U32, v, {}}; }
  static Constant u64(uint64_t v) { return {ConstTag::U64, v, {}}; }
  static Constant boolean(bool v) { return {ConstTag::Bool, v ? 1u : 0u, {}}; }
  static Constant string(std::string s) { return {ConstTag::String, 0, std::move(s)}; }
  static Constant f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return {ConstTag::Float, b, {}};
  }

  // Sign-extended integer value for signed tags, zero-extended for unsigned ones.
  int64_t as_i64() const {
    switch (tag) {
      case ConstTag::I32:
        return static_cast<int32_t>(static_cast<uint32_t>(bits));
      case ConstTag::I16:
        return static_cast<int16_t>(static_cast<uint16_t>(bits));
      case ConstTag::I8:
        return static_cast<int8_t>(static_cast<uint8_t>(bits));
      default:
        return static_cast<int64_t>(bits);
    }
  }
  double as_f64() const {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  friend bool operator==(const Constant&, const Constant&) = default;
};

// One instruction as stored. Which fields mean something depends on the opcode's Format:
//   RO: a = dst, offset      RK: a = dst, b = constant index      RR: a, b
//   RRR: a = dst, b, c        R: a                                 S: name (label or function)
struct Instruction {
  Opcode op = Opcode::RET;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t c = 0;
  int32_t offset = 0;
  std::string name;

  friend bool operator==(const Instruction&, const Instruction&) = default;
};

// A jump label: a name and the 0-based instruction index it stands for. An index equal to or
// past the instruction count means "end of function".
struct Label {
  std::string name;
  uint32_t index = 0;

  friend bool operator==(const Label&, const Label&) = default;
};

struct Function {
  std::string name;
  uint16_t register_count = 0;
  std::vector<std::string> params;    // parameter i arrives in register i
  std::vector<std::string> upvalues;  // captured variable names
  std::optional<std::string> parent;  // metadata only
  std::vector<Label> labels;          // in file order; a later duplicate name wins at run time
  std::vector<Instruction> code;

  friend bool operator==(const Function&, const Function&) = default;
};

struct Program {
  uint16_t version = 1;
  std::vector<Constant> constants;
  std::vector<Function> functions;  // duplicate names are legal; the last one registered wins

  friend bool operator==(const Program&, const Program&) = default;
};

inline constexpr uint16_t kCurrentVersion = 1;

}  // namespace stoffel::bytecode
