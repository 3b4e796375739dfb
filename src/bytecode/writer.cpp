#include "bytecode/writer.h"

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bytecode/byte_io.h"

namespace stoffel::bytecode {
namespace {

using detail::append_le;
using detail::quoted;

constexpr uint64_t kMaxShort = std::numeric_limits<uint16_t>::max();
constexpr uint64_t kMaxLong = std::numeric_limits<uint32_t>::max();

// Serializes the model exactly as it is: no sorting, no de-duplication, no hash maps, so the
// output is a pure function of the model. Every length and count is checked against its field's
// width; nothing is ever silently truncated except integer constants, whose `bits` are documented
// to hold the value zero-extended from the tag's width.
class Emitter {
 public:
  Result<std::vector<uint8_t>> emit(const Program& program) {
    // A newer version number would make a file that no v1 reader loads, this one included.
    if (program.version > kCurrentVersion) {
      return make_error(ErrorKind::Load, "unsupported version " + std::to_string(program.version) +
                                             " (this writer writes versions 0 and 1)");
    }
    for (char ch : std::string_view("STFL")) out_.push_back(static_cast<uint8_t>(ch));
    append_le(out_, program.version, 2);
    if (!put_count(program.constants.size(), kMaxLong, [] { return "constants in the pool"; })) {
      return std::move(*error_);
    }
    for (size_t i = 0; i < program.constants.size(); ++i) {
      if (!put_constant(i, program.constants[i])) return std::move(*error_);
    }
    if (!put_count(program.functions.size(), kMaxLong, [] { return "functions"; }))
      return std::move(*error_);
    for (size_t i = 0; i < program.functions.size(); ++i) {
      if (!put_function(i, program.functions[i])) return std::move(*error_);
    }
    return std::move(out_);
  }

 private:
  bool fail(std::string message) {
    error_ = make_error(ErrorKind::Load, std::move(message));
    return false;
  }

  // `what` builds the description lazily, so the happy path formats no strings.
  template <typename What>
  bool put_count(uint64_t count, uint64_t max, const What& what) {
    if (count > max) {
      return fail("too many " + std::string(what()) + ": " + std::to_string(count) + " (at most " +
                  std::to_string(max) + ")");
    }
    append_le(out_, count, max == kMaxShort ? 2 : 4);
    return true;
  }

  // Writes a u16- or u32-length-prefixed string. Invalid UTF-8 is refused because no STFL
  // reader (ours or the reference) would load the result.
  template <typename What>
  bool put_string(std::string_view s, uint64_t max, const What& what) {
    if (s.size() > max) {
      return fail(what() + " is " + std::to_string(s.size()) + " bytes long (at most " +
                  std::to_string(max) + ")");
    }
    if (auto bad = detail::utf8_error_position(s)) {
      return fail("invalid UTF-8 in " + what() + ", at byte " + std::to_string(*bad));
    }
    append_le(out_, s.size(), max == kMaxShort ? 2 : 4);
    out_.insert(out_.end(), s.begin(), s.end());
    return true;
  }

  bool put_constant(size_t index, const Constant& c) {
    const auto tag = static_cast<uint8_t>(c.tag);
    if (tag > kMaxConstTag) {
      return fail("constant " + std::to_string(index) + " has unknown tag " + std::to_string(tag));
    }
    out_.push_back(tag);
    switch (c.tag) {
      case ConstTag::Unit:
        return true;
      case ConstTag::I8:
      case ConstTag::U8:
        append_le(out_, c.bits, 1);
        return true;
      case ConstTag::Bool:
        out_.push_back(c.bits != 0 ? 1 : 0);
        return true;
      case ConstTag::I16:
      case ConstTag::U16:
        append_le(out_, c.bits, 2);
        return true;
      case ConstTag::I32:
      case ConstTag::U32:
        append_le(out_, c.bits, 4);
        return true;
      case ConstTag::I64:
      case ConstTag::U64:
      case ConstTag::Float:
        append_le(out_, c.bits, 8);
        return true;
      case ConstTag::String:
        return put_string(c.str, kMaxLong,
                          [&] { return "string constant " + std::to_string(index); });
    }
    return true;
  }

  bool put_names(const std::vector<std::string>& names, const Function& f, const char* kind) {
    auto in_fn = [&] { return " of function " + quoted(f.name); };
    if (!put_count(names.size(), kMaxShort, [&] { return std::string(kind) + "s" + in_fn(); })) {
      return false;
    }
    for (size_t j = 0; j < names.size(); ++j) {
      if (!put_string(names[j], kMaxShort,
                      [&] { return std::string(kind) + " " + std::to_string(j) + in_fn(); })) {
        return false;
      }
    }
    return true;
  }

  bool put_function(size_t index, const Function& f) {
    if (!put_string(f.name, kMaxShort,
                    [&] { return "the name of function #" + std::to_string(index); })) {
      return false;
    }
    auto in_fn = [&] { return " of function " + quoted(f.name); };
    append_le(out_, f.register_count, 2);
    if (!put_names(f.params, f, "parameter")) return false;
    if (!put_names(f.upvalues, f, "upvalue")) return false;
    if (f.parent) {
      out_.push_back(1);
      if (!put_string(*f.parent, kMaxShort, [&] { return "the parent name" + in_fn(); }))
        return false;
    } else {
      out_.push_back(0);
    }
    if (!put_count(f.labels.size(), kMaxShort, [&] { return "labels" + in_fn(); })) return false;
    for (const Label& label : f.labels) {
      if (!put_string(label.name, kMaxShort,
                      [&] { return "label " + quoted(label.name) + in_fn(); })) {
        return false;
      }
      append_le(out_, label.index, 4);
    }
    if (!put_count(f.code.size(), kMaxLong, [&] { return "instructions" + in_fn(); })) return false;
    for (size_t k = 0; k < f.code.size(); ++k) {
      if (!put_instruction(f, k, f.code[k])) return false;
    }
    return true;
  }

  bool put_instruction(const Function& f, size_t k, const Instruction& ins) {
    const auto byte = static_cast<uint8_t>(ins.op);
    auto where = [&] {
      return "function " + quoted(f.name) + ", instruction " + std::to_string(k);
    };
    if (!is_valid_opcode(byte)) {
      return fail(where() + ": invalid opcode " + std::to_string(byte));
    }
    out_.push_back(byte);
    switch (opcode_format(ins.op)) {
      case Format::RO:
        append_le(out_, ins.a, 4);
        append_le(out_, static_cast<uint32_t>(ins.offset), 4);
        return true;
      case Format::RK:
      case Format::RR:
        append_le(out_, ins.a, 4);
        append_le(out_, ins.b, 4);
        return true;
      case Format::RRR:
        append_le(out_, ins.a, 4);
        append_le(out_, ins.b, 4);
        append_le(out_, ins.c, 4);
        return true;
      case Format::R:
        append_le(out_, ins.a, 4);
        return true;
      case Format::S:
        return put_string(ins.name, kMaxShort, [&] {
          return where() + " (" + std::string(opcode_name(ins.op)) + "): the name";
        });
    }
    return fail(where() + ": unhandled operand format");
  }

  std::vector<uint8_t> out_;
  std::optional<Error> error_;
};

}  // namespace

Result<std::vector<uint8_t>> write_program(const Program& program) {
  return Emitter().emit(program);
}

}  // namespace stoffel::bytecode
