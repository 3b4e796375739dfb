// Text -> Program. The format is line oriented: every line is blank, a comment, a directive, a
// label definition or an instruction, so the assembler reads line by line, reports an error for
// a bad line and carries on with the next one, and returns every error it found at once.
#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bytecode/asm_lexer.h"
#include "bytecode/asm_text.h"
#include "bytecode/assembler.h"

namespace stoffel::bytecode {
namespace {

using asm_lexer::Cursor;

constexpr uint32_t kMaxU32 = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxReportedErrors = 50;

struct Location {
  size_t line = 0;
  size_t column = 0;
};

struct Diagnostic {
  Location at;
  std::string message;
};

struct LabelDef {
  Label label;
  Location at;
};

struct JumpRef {
  std::string target;
  Location at;
};

// A function while its block is open. Labels and jumps are checked when the block closes,
// because a jump may name a label defined further down.
struct FunctionBuilder {
  Function fn;
  Location header;
  bool regs_given = false;
  uint64_t registers_used = 0;  // highest register referenced + 1
  std::vector<LabelDef> labels;
  std::vector<JumpRef> jumps;
  std::vector<LabelDef> order;  // from .label_order, in the order written
  std::optional<Location> order_at;
};

enum class Block { None, Constants, Function };

std::string quote_for_message(std::string_view name) {
  return asm_text::format_name(name);
}

class Assembler {
 public:
  explicit Assembler(std::string_view source_name) : source_name_(source_name) {}

  Result<Program> run(std::string_view text);

 private:
  void process_line(Cursor& cur);
  void directive(Cursor& cur);
  void constant_line(Cursor& cur);
  void function_line(Cursor& cur);
  void instruction(Cursor& cur, size_t start, std::string_view mnemonic);
  void function_header(Cursor& cur, const Location& here);
  void label_directive(Cursor& cur);
  void label_order_directive(Cursor& cur, const Location& here);
  bool name_list(Cursor& cur, std::vector<std::string>& out, std::string_view what);
  void close_block();
  void finish_function();
  uint32_t constant_index(const Constant& c);
  void add_to_pool(Constant c);
  // Complains about anything left on the line after a complete statement.
  void end_of_statement(Cursor& cur, std::string_view statement);

  Location at(const Cursor& cur, size_t pos) const {
    return {line_no_, asm_lexer::column_of(cur.line(), pos)};
  }
  void error(const Location& where, std::string message) {
    diagnostics_.push_back({where, std::move(message)});
  }

  std::string_view source_name_;
  Program program_;
  std::unordered_map<std::string, uint32_t> pool_index_;  // first index of each constant
  std::vector<Diagnostic> diagnostics_;
  size_t line_no_ = 0;
  Block block_ = Block::None;
  Location block_start_;
  FunctionBuilder current_;
  bool seen_function_ = false;
  bool seen_version_ = false;
  bool seen_constants_ = false;
};

Result<Program> Assembler::run(std::string_view text) {
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line_no_;
    Cursor cur(text.substr(begin, end - begin));
    process_line(cur);
    if (cur.failed()) error(at(cur, cur.error_pos()), cur.error_message());
    begin = end + 1;
  }
  if (block_ != Block::None) {
    const std::string what = block_ == Block::Function
                                 ? "function " + quote_for_message(current_.fn.name)
                                 : std::string(".constants");
    error(block_start_, "'" + what + "' is not closed by '.end'");
    close_block();
  }
  if (diagnostics_.empty()) return std::move(program_);

  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
  });
  std::string message;
  const size_t shown = std::min(diagnostics_.size(), kMaxReportedErrors);
  for (size_t i = 0; i < shown; ++i) {
    const auto& d = diagnostics_[i];
    if (i > 0) message += '\n';
    message += std::string(source_name_) + ":" + std::to_string(d.at.line) + ":" +
               std::to_string(d.at.column) + ": " + d.message;
  }
  if (diagnostics_.size() > shown) {
    message += "\n" + std::string(source_name_) + ": " +
               std::to_string(diagnostics_.size() - shown) + " more errors not shown";
  }
  return make_error(ErrorKind::Load, std::move(message));
}

void Assembler::process_line(Cursor& cur) {
  if (cur.at_end()) return;
  if (cur.peek() == '.') {
    directive(cur);
  } else if (block_ == Block::Constants) {
    constant_line(cur);
  } else if (block_ == Block::Function) {
    function_line(cur);
  } else {
    cur.fail(cur.pos(),
             "expected a directive (.function, .constants, .version); "
             "instructions and labels belong inside '.function ... .end'");
  }
}

void Assembler::end_of_statement(Cursor& cur, std::string_view statement) {
  if (cur.failed() || cur.at_end()) return;
  cur.fail(cur.pos(), "unexpected text after " + std::string(statement));
}

void Assembler::directive(Cursor& cur) {
  const size_t start = cur.mark();
  const std::string d(cur.word());
  const Location here = at(cur, start);
  if (d == ".end") {
    if (block_ == Block::None) {
      cur.fail(start, "'.end' without an open .function or .constants block");
      return;
    }
    close_block();
    end_of_statement(cur, "'.end'");
  } else if (d == ".function") {
    if (block_ != Block::None) {
      // Report, close the open block and still read this header, so later lines make sense.
      error(here, "missing '.end' before '.function' (block opened at line " +
                      std::to_string(block_start_.line) + ")");
      close_block();
    }
    function_header(cur, here);
  } else if (d == ".constants") {
    if (block_ != Block::None) {
      cur.fail(start, "'.constants' is only allowed at the top level");
      return;
    }
    if (seen_function_) cur.fail(start, "'.constants' must come before the first .function");
    if (seen_constants_) cur.fail(start, "only one '.constants' block is allowed");
    seen_constants_ = true;
    block_ = Block::Constants;
    block_start_ = here;
    end_of_statement(cur, "'.constants'");
  } else if (d == ".version") {
    if (block_ != Block::None) {
      cur.fail(start, "'.version' is only allowed at the top level");
      return;
    }
    if (seen_function_) cur.fail(start, "'.version' must come before the first .function");
    if (seen_version_) cur.fail(start, "'.version' given twice");
    seen_version_ = true;
    const auto version = cur.unsigned_int(std::numeric_limits<uint16_t>::max(), "version");
    if (version) program_.version = static_cast<uint16_t>(*version);
    end_of_statement(cur, "'.version N'");
  } else if (d == ".label" || d == ".label_order") {
    if (block_ != Block::Function) {
      cur.fail(start, "'" + d + "' is only allowed inside a .function block");
      return;
    }
    if (d == ".label") {
      label_directive(cur);
    } else {
      label_order_directive(cur, here);
    }
  } else {
    cur.fail(start, "unknown directive '" + d +
                        "' (expected .version, .constants, .function, .label, .label_order "
                        "or .end)");
  }
}

void Assembler::constant_line(Cursor& cur) {
  const size_t start = cur.mark();
  if (cur.consume('#')) {
    const auto index = cur.unsigned_int(kMaxU32, "constant index");
    if (!index) return;
    if (*index != program_.constants.size()) {
      cur.fail(start, "constant #" + std::to_string(*index) + " stands at position #" +
                          std::to_string(program_.constants.size()) +
                          " (constants are numbered in order from #0)");
      return;
    }
    if (!cur.expect('=', "'=' after the constant index")) return;
  }
  auto constant = cur.literal();
  if (!constant) return;
  end_of_statement(cur, "the constant");
  add_to_pool(std::move(*constant));
}

void Assembler::add_to_pool(Constant c) {
  pool_index_.try_emplace(asm_text::constant_key(c),
                          static_cast<uint32_t>(program_.constants.size()));
  program_.constants.push_back(std::move(c));
}

uint32_t Assembler::constant_index(const Constant& c) {
  const auto it = pool_index_.find(asm_text::constant_key(c));
  if (it != pool_index_.end()) return it->second;
  add_to_pool(c);
  return static_cast<uint32_t>(program_.constants.size() - 1);
}

void Assembler::function_line(Cursor& cur) {
  // Any number of `name:` label definitions, optionally followed by one instruction.
  while (!cur.at_end()) {
    const size_t start = cur.mark();
    std::string name;
    bool quoted = false;
    if (cur.peek() == '"') {
      auto q = cur.name("label name");
      if (!q) return;
      name = std::move(*q);
      quoted = true;
    } else {
      name = std::string(cur.word());
      if (name.empty()) {
        cur.fail(start, "expected an instruction or a label definition");
        return;
      }
    }
    if (cur.consume(':')) {
      const auto index = static_cast<uint32_t>(current_.fn.code.size());
      current_.labels.push_back({{std::move(name), index}, at(cur, start)});
      continue;
    }
    if (quoted) {
      cur.fail(cur.pos(), "expected ':' after the quoted label name");
      return;
    }
    instruction(cur, start, name);
    return;
  }
}

void Assembler::instruction(Cursor& cur, size_t start, std::string_view mnemonic) {
  const auto op = opcode_from_name(mnemonic);
  if (!op) {
    std::string upper(mnemonic);
    for (char& ch : upper) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    std::string hint = opcode_from_name(upper) ? " (mnemonics are upper case: " + upper + ")" : "";
    cur.fail(start, "unknown instruction '" + std::string(mnemonic) + "'" + hint);
    return;
  }
  Instruction ins;
  ins.op = *op;
  const auto reg = [&](uint32_t& field) {
    const auto r = cur.reg();
    if (!r) return false;
    field = *r;
    current_.registers_used = std::max<uint64_t>(current_.registers_used, uint64_t{*r} + 1);
    return true;
  };
  const auto comma = [&] { return cur.expect(',', "',' between operands"); };
  std::optional<JumpRef> jump;

  switch (opcode_format(*op)) {
    case Format::RO: {
      if (!reg(ins.a) || !comma()) return;
      const auto offset = cur.stack_offset();
      if (!offset) return;
      ins.offset = *offset;
      break;
    }
    case Format::RK: {
      if (!reg(ins.a) || !comma()) return;
      if (cur.consume('#')) {
        const auto index = cur.unsigned_int(kMaxU32, "constant index");
        if (!index) return;
        ins.b = static_cast<uint32_t>(*index);
      } else {
        const auto constant = cur.literal();
        if (!constant) return;
        if (!cur.at_end()) break;  // reported below, before the pool grows
        ins.b = constant_index(*constant);
      }
      break;
    }
    case Format::RR:
      if (!reg(ins.a) || !comma() || !reg(ins.b)) return;
      break;
    case Format::RRR:
      if (!reg(ins.a) || !comma() || !reg(ins.b) || !comma() || !reg(ins.c)) return;
      break;
    case Format::R:
      if (!reg(ins.a)) return;
      break;
    case Format::S: {
      const bool unchecked = is_jump(*op) && cur.consume('!');
      const size_t name_pos = cur.mark();
      auto name = cur.name(is_jump(*op) ? "a label name" : "a function name");
      if (!name) return;
      if (is_jump(*op) && !unchecked) jump = JumpRef{*name, at(cur, name_pos)};
      ins.name = std::move(*name);
      break;
    }
  }
  end_of_statement(cur, "the operands of " + std::string(mnemonic));
  if (cur.failed()) return;
  if (jump) current_.jumps.push_back(std::move(*jump));
  current_.fn.code.push_back(std::move(ins));
}

bool Assembler::name_list(Cursor& cur, std::vector<std::string>& out, std::string_view what) {
  if (!cur.expect('(', "'(' to start the list")) return false;
  if (cur.consume(')')) return true;
  while (true) {
    auto name = cur.name(what);
    if (!name) return false;
    out.push_back(std::move(*name));
    if (cur.consume(')')) return true;
    if (!cur.expect(',', "',' or ')' in the list")) return false;
  }
}

void Assembler::function_header(Cursor& cur, const Location& here) {
  seen_function_ = true;
  block_ = Block::Function;
  block_start_ = here;
  current_ = FunctionBuilder{};
  current_.header = here;
  auto name = cur.name("a function name");
  if (!name) return;
  current_.fn.name = std::move(*name);

  bool seen_params = false;
  bool seen_upvalues = false;
  bool seen_parent = false;
  while (!cur.at_end()) {
    const size_t key_pos = cur.mark();
    const std::string key(cur.word());
    const auto once = [&](bool& seen) {
      if (seen) cur.fail(key_pos, "'" + key + "=' given twice");
      seen = true;
      return !cur.failed();
    };
    if (key.empty()) {
      cur.fail(key_pos, "expected regs=, params=, upvalues= or parent=");
      return;
    }
    if (!cur.expect('=', "'=' after '" + key + "'")) return;
    if (key == "regs") {
      if (!once(current_.regs_given)) return;
      const auto regs = cur.unsigned_int(std::numeric_limits<uint16_t>::max(), "regs");
      if (!regs) return;
      current_.fn.register_count = static_cast<uint16_t>(*regs);
    } else if (key == "params") {
      if (!once(seen_params) || !name_list(cur, current_.fn.params, "a parameter name")) return;
    } else if (key == "upvalues") {
      if (!once(seen_upvalues) || !name_list(cur, current_.fn.upvalues, "an upvalue name")) {
        return;
      }
    } else if (key == "parent") {
      if (!once(seen_parent)) return;
      auto parent = cur.name("a parent function name");
      if (!parent) return;
      current_.fn.parent = std::move(*parent);
    } else {
      cur.fail(key_pos, "unknown function attribute '" + key +
                            "' (expected regs, params, upvalues or parent)");
      return;
    }
  }
}

void Assembler::label_directive(Cursor& cur) {
  const size_t name_pos = cur.mark();
  auto name = cur.name("a label name");
  if (!name) return;
  auto index = static_cast<uint64_t>(current_.fn.code.size());
  if (cur.consume('@')) {
    const auto explicit_index = cur.unsigned_int(kMaxU32, "label index");
    if (!explicit_index) return;
    index = *explicit_index;
  }
  end_of_statement(cur, "'.label name @index'");
  if (cur.failed()) return;
  current_.labels.push_back({{std::move(*name), static_cast<uint32_t>(index)}, at(cur, name_pos)});
}

void Assembler::label_order_directive(Cursor& cur, const Location& here) {
  if (!current_.order_at) current_.order_at = here;
  std::vector<LabelDef> entries;
  while (true) {
    const size_t entry_pos = cur.mark();
    auto name = cur.name("a label name");
    if (!name || !cur.expect('@', "'@' and the label's instruction index")) return;
    const auto index = cur.unsigned_int(kMaxU32, "label index");
    if (!index) return;
    entries.push_back({{std::move(*name), static_cast<uint32_t>(*index)}, at(cur, entry_pos)});
    if (!cur.consume(',')) break;
  }
  end_of_statement(cur, "the '.label_order' list");
  if (cur.failed()) return;
  for (auto& e : entries) current_.order.push_back(std::move(e));
}

void Assembler::close_block() {
  // A function is finished even when its .end is missing, so its own errors (undefined labels,
  // ...) are reported together with the missing .end.
  if (block_ == Block::Function) finish_function();
  block_ = Block::None;
}

void Assembler::finish_function() {
  FunctionBuilder& b = current_;
  const std::string fn_name = quote_for_message(b.fn.name);

  if (b.order_at) {
    // .label_order must list exactly the labels the body defines (as name@index pairs, with
    // duplicates), so the text cannot say two different things about the function's labels.
    std::map<std::pair<std::string, uint32_t>, size_t> defined;
    for (const auto& l : b.labels) ++defined[{l.label.name, l.label.index}];
    for (const auto& e : b.order) {
      auto it = defined.find({e.label.name, e.label.index});
      if (it == defined.end() || it->second == 0) {
        error(e.at, "'.label_order' lists " + quote_for_message(e.label.name) + "@" +
                        std::to_string(e.label.index) +
                        ", but the function defines no (further) label like that");
        continue;
      }
      --it->second;
    }
    for (const auto& l : b.labels) {
      auto it = defined.find({l.label.name, l.label.index});
      if (it->second == 0) continue;
      --it->second;
      error(*b.order_at, "label " + quote_for_message(l.label.name) + "@" +
                             std::to_string(l.label.index) + " (defined at line " +
                             std::to_string(l.at.line) + ") is missing from '.label_order'");
    }
    for (const auto& e : b.order) b.fn.labels.push_back(e.label);
  } else {
    // Decision B1 (docs/decisions.md): without an explicit order, labels are sorted by index, then
    // name.
    std::vector<LabelDef> sorted = b.labels;
    std::stable_sort(sorted.begin(), sorted.end(), [](const LabelDef& x, const LabelDef& y) {
      return std::tie(x.label.index, x.label.name) < std::tie(y.label.index, y.label.name);
    });
    for (const auto& l : sorted) b.fn.labels.push_back(l.label);
  }
  if (b.fn.labels.size() > std::numeric_limits<uint16_t>::max()) {
    error(b.header, "function " + fn_name + " has " + std::to_string(b.fn.labels.size()) +
                        " labels; STFL allows at most 65535");
  }
  if (b.fn.params.size() > std::numeric_limits<uint16_t>::max() ||
      b.fn.upvalues.size() > std::numeric_limits<uint16_t>::max()) {
    error(b.header, "function " + fn_name + " has more than 65535 parameters or upvalues");
  }

  std::vector<std::string_view> names;
  names.reserve(b.labels.size());
  for (const auto& l : b.labels) names.push_back(l.label.name);
  std::sort(names.begin(), names.end());
  for (const auto& j : b.jumps) {
    if (!std::binary_search(names.begin(), names.end(), std::string_view(j.target))) {
      error(j.at, "jump to undefined label " + quote_for_message(j.target) + " in function " +
                      fn_name + " (write !" + quote_for_message(j.target) +
                      " to keep an unresolved target on purpose)");
    }
  }

  if (!b.regs_given) {
    // regs= may be left out: the function then gets exactly the registers it names.
    const uint64_t needed = std::max<uint64_t>(b.registers_used, b.fn.params.size());
    if (needed > std::numeric_limits<uint16_t>::max()) {
      error(b.header, "function " + fn_name + " needs " + std::to_string(needed) +
                          " registers, more than regs= can declare (65535)");
    }
    b.fn.register_count = static_cast<uint16_t>(std::min<uint64_t>(needed, 65535));
  }
  program_.functions.push_back(std::move(b.fn));
  current_ = FunctionBuilder{};
}

}  // namespace

Result<Program> assemble(std::string_view text, std::string_view source_name) {
  return Assembler(source_name).run(text);
}

}  // namespace stoffel::bytecode
