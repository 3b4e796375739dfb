// Program -> text. The output is meant to be read by people and to assemble back to exactly the
// same Program: whatever the default rules of the assembler would not reproduce (a constant pool
// that is not the canonical one, a label order that is not sorted, jumps to labels that do not
// exist) is written out explicitly, and only then.
#include <algorithm>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bytecode/asm_text.h"
#include "bytecode/assembler.h"

namespace stoffel::bytecode {
namespace {

constexpr size_t kCommentColumn = 40;  // where the instruction-index comments start
constexpr size_t kMaxLineWidth = 100;  // for wrapping .label_order lists

// How each LDI is written: as its literal when the assembler would map that literal back to the
// same pool index, else as `#index`. Also says whether the pool must be spelled out.
struct ConstantPlan {
  std::vector<std::vector<bool>> literal;  // [function][instruction], meaningful for LDI only
  bool explicit_pool = false;
};

ConstantPlan plan_constants(const Program& program) {
  std::unordered_map<std::string, uint32_t> first_index;
  for (uint32_t i = 0; i < program.constants.size(); ++i) {
    first_index.try_emplace(asm_text::constant_key(program.constants[i]), i);
  }
  ConstantPlan plan;
  // The pool the assembler builds without a .constants block: literals in first-appearance
  // order, de-duplicated.
  std::vector<const Constant*> canonical;
  std::unordered_set<std::string> seen;
  for (const auto& fn : program.functions) {
    auto& flags = plan.literal.emplace_back(fn.code.size(), false);
    for (size_t i = 0; i < fn.code.size(); ++i) {
      const auto& ins = fn.code[i];
      if (ins.op != Opcode::LDI || ins.b >= program.constants.size()) continue;
      const Constant& c = program.constants[ins.b];
      std::string key = asm_text::constant_key(c);
      if (first_index.at(key) != ins.b) continue;
      flags[i] = true;
      if (seen.insert(std::move(key)).second) canonical.push_back(&c);
    }
  }
  plan.explicit_pool = canonical.size() != program.constants.size();
  for (size_t i = 0; !plan.explicit_pool && i < canonical.size(); ++i) {
    plan.explicit_pool = !(*canonical[i] == program.constants[i]);
  }
  return plan;
}

// Code points, so the comment column stays aligned after non-ASCII names and strings.
size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out = "(";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += asm_text::format_name(names[i]);
  }
  return out + ")";
}

// Built by appending: GCC 12 warns falsely (-Wrestrict) on `"r" + std::to_string(n)`.
std::string reg(uint32_t r) {
  std::string out(1, 'r');
  out += std::to_string(r);
  return out;
}

std::string constant_index(uint32_t index) {
  std::string out(1, '#');
  out += std::to_string(index);
  return out;
}

std::string format_instruction(const Program& program, const Instruction& ins, bool ldi_literal,
                               const std::unordered_set<std::string_view>& label_names) {
  // Only a hand-built model can hold an opcode outside the table; show it rather than guess
  // (the assembler rejects the line, so the problem cannot go unnoticed).
  if (!is_valid_opcode(static_cast<uint8_t>(ins.op))) {
    return "<invalid opcode " + std::to_string(static_cast<unsigned>(ins.op)) + ">";
  }
  std::string out(opcode_name(ins.op));
  out += ' ';
  switch (opcode_format(ins.op)) {
    case Format::RO:
      out += reg(ins.a) + ", [sp" + (ins.offset < 0 ? "" : "+") + std::to_string(ins.offset) + "]";
      break;
    case Format::RK:
      out += reg(ins.a) + ", ";
      out +=
          ldi_literal ? asm_text::format_constant(program.constants[ins.b]) : constant_index(ins.b);
      break;
    case Format::RR:
      out += reg(ins.a) + ", " + reg(ins.b);
      break;
    case Format::RRR:
      out += reg(ins.a) + ", " + reg(ins.b) + ", " + reg(ins.c);
      break;
    case Format::R:
      out += reg(ins.a);
      break;
    case Format::S:
      if (!is_jump(ins.op)) {
        out += asm_text::quote_string(ins.name);
      } else {
        // A jump to a label the function does not define is legal in a file (the verifier
        // rejects it at load time); `!` tells the assembler it is meant.
        if (!label_names.contains(ins.name)) out += '!';
        out += asm_text::format_name(ins.name);
      }
      break;
  }
  return out;
}

void write_function(std::string& out, const Program& program, const Function& fn,
                    const std::vector<bool>& ldi_literal) {
  out +=
      ".function " + asm_text::format_name(fn.name) + " regs=" + std::to_string(fn.register_count);
  if (!fn.params.empty()) out += " params=" + name_list(fn.params);
  if (!fn.upvalues.empty()) out += " upvalues=" + name_list(fn.upvalues);
  if (fn.parent) out += " parent=" + asm_text::format_name(*fn.parent);
  out += '\n';

  std::vector<Label> sorted = fn.labels;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Label& x, const Label& y) {
    return std::tie(x.index, x.name) < std::tie(y.index, y.name);
  });
  if (sorted != fn.labels) {
    // The file keeps its labels in another order than the assembler's default (docs/decisions.md,
    // B1); say which, so the bytes come back the same.
    std::string line = "    .label_order ";
    bool first = true;
    for (const auto& l : fn.labels) {
      const std::string entry = asm_text::format_name(l.name) + "@" + std::to_string(l.index);
      if (!first && line.size() + 2 + entry.size() > kMaxLineWidth) {
        out += line + '\n';
        line = "    .label_order " + entry;
      } else {
        line += (first ? "" : ", ") + entry;
      }
      first = false;
    }
    out += line + '\n';
  }

  std::unordered_set<std::string_view> label_names;
  for (const auto& l : fn.labels) label_names.insert(l.name);
  size_t next_label = 0;
  const auto labels_at = [&](uint64_t index) {
    while (next_label < sorted.size() && sorted[next_label].index == index) {
      out += asm_text::format_name(sorted[next_label].name) + ":\n";
      ++next_label;
    }
  };
  for (size_t i = 0; i < fn.code.size(); ++i) {
    labels_at(i);
    std::string line =
        "    " + format_instruction(program, fn.code[i], ldi_literal[i], label_names);
    const size_t width = display_width(line);
    line.append(width < kCommentColumn ? kCommentColumn - width : 2, ' ');
    out += line + "; " + std::to_string(i) + '\n';
  }
  labels_at(fn.code.size());
  for (; next_label < sorted.size(); ++next_label) {
    // Past the end: any index > instruction count also means "end of function".
    out += "    .label " + asm_text::format_name(sorted[next_label].name) + " @" +
           std::to_string(sorted[next_label].index) + '\n';
  }
  out += ".end\n";
}

}  // namespace

std::string instruction_text(const Program& program, const Instruction& ins) {
  // Every label counts as defined: the verifier has checked the jumps of a loaded program, and a
  // `!` would only clutter a trace.
  if (is_valid_opcode(static_cast<uint8_t>(ins.op)) && is_jump(ins.op)) {
    return std::string(opcode_name(ins.op)) + " " + asm_text::format_name(ins.name);
  }
  const bool literal = ins.op == Opcode::LDI && ins.b < program.constants.size();
  return format_instruction(program, ins, literal, {});
}

std::string disassemble(const Program& program) {
  const ConstantPlan plan = plan_constants(program);
  const auto count = [](size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
  };
  std::string out = "; STFL v" + std::to_string(program.version) +
                    " program: " + count(program.constants.size(), "constant") + ", " +
                    count(program.functions.size(), "function") + "\n";
  if (program.version != kCurrentVersion) {
    out += ".version " + std::to_string(program.version) + '\n';
  }
  if (plan.explicit_pool) {
    // The pool is not what the literals below would build (order, duplicates, unused
    // entries), so it is given as is; LDI literals then refer into it.
    out += "\n.constants\n";
    for (size_t i = 0; i < program.constants.size(); ++i) {
      out += "    ";
      out += constant_index(static_cast<uint32_t>(i));
      out += " = ";
      out += asm_text::format_constant(program.constants[i]);
      out += '\n';
    }
    out += ".end\n";
  }
  for (size_t f = 0; f < program.functions.size(); ++f) {
    out += '\n';
    write_function(out, program, program.functions[f], plan.literal[f]);
  }
  return out;
}

}  // namespace stoffel::bytecode
