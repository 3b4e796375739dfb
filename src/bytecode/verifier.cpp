#include "bytecode/verifier.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stoffel::bytecode {
namespace {

// Register operands of an instruction, as the opcode table's format says (at most three).
struct RegisterOperands {
  uint32_t reg[3] = {0, 0, 0};
  int count = 0;
};

RegisterOperands register_operands(const Instruction& ins) {
  RegisterOperands r;
  switch (opcode_format(ins.op)) {
    case Format::RO:
    case Format::RK:
    case Format::R:
      r.reg[0] = ins.a, r.count = 1;
      break;
    case Format::RR:
      r.reg[0] = ins.a, r.reg[1] = ins.b, r.count = 2;
      break;
    case Format::RRR:
      r.reg[0] = ins.a, r.reg[1] = ins.b, r.reg[2] = ins.c, r.count = 3;
      break;
    case Format::S:
      break;
  }
  return r;
}

// Index of `function` within `program.functions` when it is one of its elements, so messages can
// tell duplicate names apart.
std::optional<size_t> index_in(const Program& program, const Function& function) {
  const Function* base = program.functions.data();
  for (size_t i = 0; i < program.functions.size(); ++i) {
    if (base + i == &function) return i;
  }
  return std::nullopt;
}

Result<void> verify_at(const Program& program, const Function& function,
                       std::optional<size_t> index) {
  // Sorted label names for binary search; a vector of views keeps this free of hash maps and
  // copies no strings.
  std::vector<std::string_view> labels;
  labels.reserve(function.labels.size());
  for (const Label& label : function.labels) labels.push_back(label.name);
  std::sort(labels.begin(), labels.end());

  for (size_t k = 0; k < function.code.size(); ++k) {
    const Instruction& ins = function.code[k];
    auto where = [&](std::string_view mnemonic) {
      std::string s = "function '" + function.name + "'";
      if (index) s += " (#" + std::to_string(*index) + ")";
      s += ", instruction " + std::to_string(k) + " (" + std::string(mnemonic) + "): ";
      return s;
    };
    const auto byte = static_cast<uint8_t>(ins.op);
    // The reader never produces an invalid opcode, but a hand-built model can.
    if (!is_valid_opcode(byte)) {
      return make_error(ErrorKind::Load, where("?") + "invalid opcode " + std::to_string(byte));
    }
    const std::string_view mnemonic = opcode_name(ins.op);

    const RegisterOperands regs = register_operands(ins);
    for (int r = 0; r < regs.count; ++r) {
      if (regs.reg[r] >= kMaxRegisters) {
        return make_error(ErrorKind::Load,
                          where(mnemonic) + "register r" + std::to_string(regs.reg[r]) +
                              " out of range (max r" + std::to_string(kMaxRegisters - 1) + ")");
      }
    }
    if (ins.op == Opcode::LDI && ins.b >= program.constants.size()) {
      return make_error(ErrorKind::Load, where(mnemonic) + "constant index " +
                                             std::to_string(ins.b) + " out of range (pool has " +
                                             std::to_string(program.constants.size()) + ")");
    }
    // Label indexes are not checked: an index at or past the end means "end of function".
    if (is_jump(ins.op) && !std::binary_search(labels.begin(), labels.end(), ins.name)) {
      return make_error(ErrorKind::Load, where(mnemonic) + "unknown label '" + ins.name + "'");
    }
  }
  return {};
}

}  // namespace

Result<void> verify_program(const Program& program) {
  for (size_t i = 0; i < program.functions.size(); ++i) {
    auto result = verify_at(program, program.functions[i], i);
    if (!result.ok()) return result;
  }
  return {};
}

Result<void> verify_function(const Program& program, const Function& function) {
  return verify_at(program, function, index_in(program, function));
}

uint32_t effective_register_count(const Function& function) {
  uint64_t needed = std::max<uint64_t>(function.register_count, function.params.size());
  for (const Instruction& ins : function.code) {
    if (!is_valid_opcode(static_cast<uint8_t>(ins.op))) continue;
    const RegisterOperands regs = register_operands(ins);
    for (int r = 0; r < regs.count; ++r) {
      needed = std::max<uint64_t>(needed, uint64_t{regs.reg[r]} + 1);
    }
  }
  // Only a verified function (every register < kMaxRegisters) has a meaningful answer; saturate
  // rather than wrap for one that is not.
  return static_cast<uint32_t>(std::min<uint64_t>(needed, std::numeric_limits<uint32_t>::max()));
}

}  // namespace stoffel::bytecode
