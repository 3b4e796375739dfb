// Load-time translation: a verified STFL program becomes the VM's internal form (FunctionProto,
// function.h; the instruction set is src/vm/iop.h), once, so the interpreter never looks at a
// label, a call name or the file's encoding (decision V1 in docs/decisions.md).
//
// For each function it builds three arrays of the same length, with the same meaning per index:
//   code        the 1:1 translation (instruction i of the file is code[i]) plus the END sentinel;
//               the hooked loop runs it, so every hook event stays exact;
//   fast_code   code with superinstructions at the start of the compiler's common patterns; the
//               hook-free loop runs it;
//   fast_plain  code again, for the hook-free loop to fall back on when a superinstruction deopts.
// The two hook-free arrays carry each instruction's handler offset (direct threading, decision
// V2), register operands pre-doubled and jump targets as byte offsets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bytecode/program.h"
#include "stoffel/result.h"
#include "vm/function.h"

namespace stoffel::vm {

class VirtualMachine;

class Translator {
 public:
  // The hook-free loop addresses registers as pre-doubled 16-bit operands: a function with more
  // registers runs in the plain loop (LoadedProgram::needs_plain_loop).
  static constexpr uint32_t kMaxFastRegisters = 32768;

  explicit Translator(VirtualMachine& vm) : vm_(vm) {}

  // Verifies `program` (decisions B3, B4) and translates it for this VM: constants become Values
  // on its heap, call names become its call slots (created on first use), and the hook-free
  // arrays get its loop's handler offsets. It registers nothing: load_program does that.
  Result<std::unique_ptr<LoadedProgram>> translate(bytecode::Program program);

 private:
  Instr translate_instruction(const bytecode::Instruction& in,
                              const std::unordered_map<std::string, uint32_t>& labels);
  std::vector<Instr> superinstructions(const std::vector<Instr>& code, const Value* constants,
                                       const std::unordered_set<std::string>& program_functions);

  VirtualMachine& vm_;
};

}  // namespace stoffel::vm
