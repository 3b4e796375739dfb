#include "bytecode/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "bytecode/byte_io.h"

namespace stoffel::bytecode {
namespace {

using detail::offset_prefix;
using detail::quoted;

// Smallest encoding of one item of each counted list. A count is rejected before anything is
// reserved or looped over when count x minimum size exceeds the bytes that remain, so a hostile
// count of 0xFFFFFFFF costs nothing and allocation stays proportional to the input.
constexpr size_t kMinConstantSize = 1;     // a bare Unit tag
constexpr size_t kMinShortStringSize = 2;  // an empty name: just its u16 length
constexpr size_t kMinLabelSize = 2 + 4;    // empty name + u32 index
constexpr size_t kMinInstructionSize = 3;  // a jump or call with an empty name
constexpr size_t kMinFunctionSize = 2 + 2 + 2 + 2 + 1 + 2 + 4;  // all lists empty, no parent

constexpr std::string_view kMagic = "STFL";

// Whether bytes that are not STFL look like the text assembly format (docs/assembly.md), only to
// say so in the error: no NUL byte in the first 64 KiB (text) and a line there whose first word
// is `.function`. A wrong guess only costs a wrong hint, never a wrong program.
bool looks_like_assembly_text(std::span<const uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                              std::min<size_t>(bytes.size(), 64 * 1024));
  if (text.find('\0') != std::string_view::npos) return false;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos) {
      line.remove_prefix(first);
      if (line.starts_with(".function") &&
          (line.size() == 9 || line[9] == ' ' || line[9] == '\t' || line[9] == '\r')) {
        return true;
      }
    }
    at = end + 1;
  }
  return false;
}

// Payload width in bytes of each fixed-size constant tag; String is handled separately.
constexpr size_t payload_width(ConstTag tag) {
  switch (tag) {
    case ConstTag::Unit:
      return 0;
    case ConstTag::I8:
    case ConstTag::U8:
    case ConstTag::Bool:
      return 1;
    case ConstTag::I16:
    case ConstTag::U16:
      return 2;
    case ConstTag::I32:
    case ConstTag::U32:
      return 4;
    case ConstTag::I64:
    case ConstTag::U64:
    case ConstTag::Float:
      return 8;
    case ConstTag::String:
      return 0;
  }
  return 0;
}

constexpr std::string_view tag_name(ConstTag tag) {
  switch (tag) {
    case ConstTag::Unit:
      return "Unit";
    case ConstTag::I64:
      return "I64";
    case ConstTag::I32:
      return "I32";
    case ConstTag::I16:
      return "I16";
    case ConstTag::I8:
      return "I8";
    case ConstTag::U8:
      return "U8";
    case ConstTag::U16:
      return "U16";
    case ConstTag::U32:
      return "U32";
    case ConstTag::U64:
      return "U64";
    case ConstTag::Float:
      return "Float";
    case ConstTag::Bool:
      return "Bool";
    case ConstTag::String:
      return "String";
  }
  return "?";
}

// A cursor over the input that records the first error. Every read states what it is reading
// through a callable that builds the description only when an error is actually reported, so
// the happy path formats no strings.
class Parser {
 public:
  explicit Parser(std::span<const uint8_t> in) : in_(in) {}

  Result<Program> parse() {
    Program program;
    if (!read_header(program) || !read_constants(program) || !read_functions(program)) {
      return std::move(*error_);
    }
    if (pos_ != in_.size()) {
      // Deliberate difference from the reference, which ignores trailing bytes: they are
      // either a corrupted count or a file that is not what it claims to be.
      fail(pos_, std::to_string(remaining()) + " unexpected bytes after the last function");
      return std::move(*error_);
    }
    return program;
  }

 private:
  size_t remaining() const { return in_.size() - pos_; }

  bool fail(size_t at, std::string message) {
    error_ = make_error(ErrorKind::Load, offset_prefix(at) + message);
    return false;
  }

  template <typename What>
  bool need(size_t n, const What& what) {
    if (remaining() >= n) return true;
    return fail(pos_, "truncated: need " + std::to_string(n) + " bytes for " + what() + ", " +
                          std::to_string(remaining()) + " remain");
  }

  // Reads an n-byte little-endian unsigned integer.
  template <typename What>
  bool read_uint(size_t n, uint64_t& out, const What& what) {
    if (!need(n, what)) return false;
    out = detail::load_le(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  // Reads a count field of `width` bytes and checks that `count` items of at least `min_item`
  // bytes each can fit in what follows.
  template <typename What>
  bool read_count(size_t width, size_t min_item, uint64_t& out, const What& what) {
    const size_t at = pos_;
    if (!read_uint(width, out, [&] { return "the " + what(); })) return false;
    // out <= 2^32 - 1 and min_item <= 15, so the product cannot overflow 64 bits.
    if (out * min_item > remaining()) {
      return fail(at, what() + " is " + std::to_string(out) + ", but that needs at least " +
                          std::to_string(out * min_item) + " bytes and only " +
                          std::to_string(remaining()) + " remain");
    }
    return true;
  }

  // Reads a u16- (short) or u32- (long) length-prefixed UTF-8 string. `what` names it without
  // an article, e.g. "function name (function #0)".
  template <typename What>
  bool read_string(size_t length_width, std::string& out, const What& what) {
    const size_t at = pos_;
    uint64_t len = 0;
    if (!read_uint(length_width, len, [&] { return "the length of the " + what(); })) return false;
    if (!need(len, [&] { return "the " + what(); })) return false;
    const auto* begin = reinterpret_cast<const char*>(in_.data() + pos_);
    std::string_view bytes(begin, len);
    if (auto bad = detail::utf8_error_position(bytes)) {
      return fail(at, "invalid UTF-8 in " + what() + ", at byte " + std::to_string(*bad) + " of " +
                          std::to_string(len));
    }
    out.assign(bytes);
    pos_ += len;
    return true;
  }

  bool read_header(Program& program) {
    // Report a wrong magic even when the input is shorter than four bytes, unless what is there
    // is a prefix of "STFL" (then it is simply truncated).
    // (memcmp is not called on an empty input: its data() may be null.)
    const size_t have = std::min(remaining(), kMagic.size());
    if (have > 0 && std::memcmp(in_.data(), kMagic.data(), have) != 0) {
      std::string message = "bad magic: expected \"STFL\"";
      if (looks_like_assembly_text(in_)) {
        message +=
            "; this looks like assembly text (docs/assembly.md): assemble it with stoffel-asm "
            "first (stoffel-asm prog.stfa -o prog.stflb)";
      }
      return fail(0, std::move(message));
    }
    if (!need(kMagic.size(), [] { return std::string("the magic \"STFL\""); })) return false;
    pos_ += kMagic.size();

    const size_t version_at = pos_;
    uint64_t version = 0;
    if (!read_uint(2, version, [] { return std::string("the version"); })) return false;
    if (version > kCurrentVersion) {
      return fail(version_at, "unsupported version " + std::to_string(version) +
                                  " (this reader supports version " +
                                  std::to_string(kCurrentVersion) + ")");
    }
    program.version = static_cast<uint16_t>(version);
    return true;
  }

  bool read_constants(Program& program) {
    uint64_t count = 0;
    if (!read_count(4, kMinConstantSize, count, [] { return std::string("constant count"); })) {
      return false;
    }
    program.constants.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      Constant c;
      if (!read_constant(i, c)) return false;
      program.constants.push_back(std::move(c));
    }
    return true;
  }

  bool read_constant(uint64_t index, Constant& c) {
    const size_t at = pos_;
    uint64_t tag = 0;
    if (!read_uint(1, tag, [&] { return "the tag of constant " + std::to_string(index); })) {
      return false;
    }
    if (tag > kMaxConstTag) {
      return fail(
          at, "unknown value tag " + std::to_string(tag) + " in constant " + std::to_string(index));
    }
    c.tag = static_cast<ConstTag>(tag);
    if (c.tag == ConstTag::String) {
      return read_string(4, c.str, [&] { return "string constant " + std::to_string(index); });
    }
    const size_t width = payload_width(c.tag);
    if (width == 0) return true;
    if (!read_uint(width, c.bits, [&] {
          return "the " + std::string(tag_name(c.tag)) + " payload of constant " +
                 std::to_string(index);
        })) {
      return false;
    }
    // The reference reads any non-zero byte as true; the model stores true as 1.
    if (c.tag == ConstTag::Bool) c.bits = c.bits != 0 ? 1 : 0;
    return true;
  }

  bool read_functions(Program& program) {
    uint64_t count = 0;
    if (!read_count(4, kMinFunctionSize, count, [] { return std::string("function count"); })) {
      return false;
    }
    program.functions.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      Function f;
      if (!read_function(i, f)) return false;
      program.functions.push_back(std::move(f));
    }
    return true;
  }

  // Reads a u16 count and then that many short strings (parameter or upvalue names).
  bool read_name_list(const Function& f, std::string_view kind, std::vector<std::string>& out) {
    auto of_fn = [&] { return " of function " + quoted(f.name); };
    uint64_t count = 0;
    if (!read_count(2, kMinShortStringSize, count,
                    [&] { return std::string(kind) + " count" + of_fn(); })) {
      return false;
    }
    out.reserve(count);
    for (uint64_t j = 0; j < count; ++j) {
      std::string name;
      if (!read_string(2, name, [&] {
            return std::string(kind) + " name " + std::to_string(j) + of_fn();
          })) {
        return false;
      }
      out.push_back(std::move(name));
    }
    return true;
  }

  bool read_function(uint64_t index, Function& f) {
    if (!read_string(2, f.name,
                     [&] { return "function name (function #" + std::to_string(index) + ")"; })) {
      return false;
    }
    auto of_fn = [&] { return " of function " + quoted(f.name); };

    uint64_t registers = 0;
    if (!read_uint(2, registers, [&] { return "the register count" + of_fn(); })) return false;
    f.register_count = static_cast<uint16_t>(registers);

    if (!read_name_list(f, "parameter", f.params)) return false;
    if (!read_name_list(f, "upvalue", f.upvalues)) return false;

    uint64_t has_parent = 0;
    if (!read_uint(1, has_parent, [&] { return "the has_parent flag" + of_fn(); })) return false;
    // As in the reference, only exactly 1 means a parent name follows.
    if (has_parent == 1) {
      std::string parent;
      if (!read_string(2, parent, [&] { return "parent name" + of_fn(); })) return false;
      f.parent = std::move(parent);
    }

    uint64_t label_count = 0;
    if (!read_count(2, kMinLabelSize, label_count, [&] { return "label count" + of_fn(); })) {
      return false;
    }
    f.labels.reserve(label_count);
    for (uint64_t j = 0; j < label_count; ++j) {
      Label label;
      if (!read_string(2, label.name,
                       [&] { return "label name " + std::to_string(j) + of_fn(); })) {
        return false;
      }
      uint64_t target = 0;
      if (!read_uint(4, target,
                     [&] { return "the index of label " + quoted(label.name) + of_fn(); })) {
        return false;
      }
      label.index = static_cast<uint32_t>(target);
      f.labels.push_back(std::move(label));
    }

    uint64_t code_count = 0;
    if (!read_count(4, kMinInstructionSize, code_count,
                    [&] { return "instruction count" + of_fn(); })) {
      return false;
    }
    f.code.reserve(code_count);
    for (uint64_t k = 0; k < code_count; ++k) {
      Instruction ins;
      if (!read_instruction(f, k, ins)) return false;
      f.code.push_back(std::move(ins));
    }
    return true;
  }

  bool read_instruction(const Function& f, uint64_t k, Instruction& ins) {
    auto where = [&] {
      return "in function " + quoted(f.name) + ", instruction " + std::to_string(k);
    };
    const size_t at = pos_;
    uint64_t byte = 0;
    if (!read_uint(1, byte, [&] { return "the opcode " + where(); })) return false;
    if (!is_valid_opcode(static_cast<uint8_t>(byte))) {
      return fail(at, "unknown opcode " + std::to_string(byte) + " " + where());
    }
    ins.op = static_cast<Opcode>(byte);
    const std::string_view mnemonic = opcode_name(ins.op);
    auto operand = [&](const char* role) {
      return [&, role] {
        return "the " + std::string(role) + " operand of " + std::string(mnemonic) + " " + where();
      };
    };
    uint64_t v = 0;
    switch (opcode_format(ins.op)) {
      case Format::RO:
        if (!read_uint(4, v, operand("register"))) return false;
        ins.a = static_cast<uint32_t>(v);
        if (!read_uint(4, v, operand("offset"))) return false;
        ins.offset = static_cast<int32_t>(static_cast<uint32_t>(v));
        return true;
      case Format::RK:
        if (!read_uint(4, v, operand("register"))) return false;
        ins.a = static_cast<uint32_t>(v);
        if (!read_uint(4, v, operand("constant index"))) return false;
        ins.b = static_cast<uint32_t>(v);
        return true;
      case Format::RR:
        if (!read_uint(4, v, operand("first register"))) return false;
        ins.a = static_cast<uint32_t>(v);
        if (!read_uint(4, v, operand("second register"))) return false;
        ins.b = static_cast<uint32_t>(v);
        return true;
      case Format::RRR:
        if (!read_uint(4, v, operand("first register"))) return false;
        ins.a = static_cast<uint32_t>(v);
        if (!read_uint(4, v, operand("second register"))) return false;
        ins.b = static_cast<uint32_t>(v);
        if (!read_uint(4, v, operand("third register"))) return false;
        ins.c = static_cast<uint32_t>(v);
        return true;
      case Format::R:
        if (!read_uint(4, v, operand("register"))) return false;
        ins.a = static_cast<uint32_t>(v);
        return true;
      case Format::S: {
        const char* kind = ins.op == Opcode::CALL ? "call target " : "jump target ";
        return read_string(2, ins.name, [&] {
          return kind + std::string("of ") + std::string(mnemonic) + " " + where();
        });
      }
    }
    return fail(at, "unhandled operand format " + where());
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  std::optional<Error> error_;
};

}  // namespace

Result<Program> read_program(std::span<const uint8_t> bytes) {
  return Parser(bytes).parse();
}

Result<Program> read_program_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return make_error(ErrorKind::Load, "cannot open " + quoted(path) + ": " + std::strerror(errno));
  }
  // Read in chunks rather than trusting a size from stat: the path may name a pipe or a file that
  // grows. Stop one byte past the limit so an oversized file is reported, not silently cut.
  std::vector<uint8_t> bytes;
  constexpr size_t kChunk = 64 * 1024;
  bool read_error = false;
  int saved_errno = 0;
  while (bytes.size() <= kMaxFileSize) {
    const size_t old_size = bytes.size();
    bytes.resize(old_size + kChunk);
    const size_t got = std::fread(bytes.data() + old_size, 1, kChunk, file);
    bytes.resize(old_size + got);
    if (got < kChunk) {
      if (std::ferror(file) != 0) {
        read_error = true;
        saved_errno = errno;
      }
      break;
    }
  }
  std::fclose(file);
  if (read_error) {
    return make_error(ErrorKind::Load,
                      "cannot read " + quoted(path) + ": " + std::strerror(saved_errno));
  }
  if (bytes.size() > kMaxFileSize) {
    return make_error(ErrorKind::Load, quoted(path) + ": file is larger than " +
                                           std::to_string(kMaxFileSize) + " bytes");
  }
  auto program = read_program(bytes);
  if (!program.ok())
    return make_error(ErrorKind::Load, quoted(path) + ": " + program.error().message);
  return program;
}

}  // namespace stoffel::bytecode
