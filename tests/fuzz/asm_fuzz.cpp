// Fuzz target: the assembler on arbitrary text, and the disassembler round trip of whatever
// assembles. Properties (docs/assembly.md):
//   * assemble either builds a model or fails with messages that each start with
//     "<source>:<line>:<column>: ";
//   * assemble(disassemble(p)) == p;
//   * the verifier decides without crashing; the writer either fails cleanly or writes bytes
//     the reader accepts and that write back identically.
// Seeds: every function of the golden cases, disassembled, and a few hand-written sources.
#include <span>
#include <string>
#include <string_view>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"
#include "fuzz_util.h"

using namespace stoffel;
using namespace stoffel::bytecode;

namespace {

// "<input>:12:5: message" (line and column are positive decimals).
bool well_formed_diagnostic(std::string_view line) {
  constexpr std::string_view kSource = "<input>:";
  if (line.substr(0, kSource.size()) != kSource) return false;
  line.remove_prefix(kSource.size());
  // "N more errors not shown" is the one line without a position.
  if (line.size() > 1 && line[0] == ' ') return line.ends_with(" more errors not shown");
  for (int field = 0; field < 2; ++field) {
    size_t digits = 0;
    while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
    if (digits == 0 || line[0] == '0' || digits >= line.size() || line[digits] != ':') {
      return false;
    }
    line.remove_prefix(digits + 1);
  }
  return line.size() > 1 && line[0] == ' ';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto program = assemble(text);
  if (!program) {
    std::string_view message = program.error().message;
    fuzz::check(!message.empty(), "assembler error without a message");
    while (!message.empty()) {
      const size_t end = message.find('\n');
      const std::string_view line = message.substr(0, end);
      fuzz::check(well_formed_diagnostic(line), "assembler error without <source>:line:col", line);
      if (end == std::string_view::npos) break;
      message.remove_prefix(end + 1);
    }
    return 0;
  }

  const std::string disassembly = disassemble(*program);
  auto again = assemble(disassembly, "<disassembly>");
  fuzz::check(again.ok(), "the disassembly of an assembled program does not assemble",
              again.ok() ? "" : again.error().message);
  fuzz::check(*again == *program, "assemble(disassemble(p)) != p", disassembly);

  (void)verify_program(*program);

  auto written = write_program(*program);
  if (!written) {
    fuzz::check(!written.error().message.empty(), "writer error without a message");
    return 0;
  }
  auto read = read_program(*written);
  fuzz::check(read.ok(), "written bytes do not read back", read.ok() ? "" : read.error().message);
  auto rewritten = write_program(*read);
  fuzz::check(rewritten.ok() && *rewritten == *written, "write(read(write(p))) != write(p)");
  return 0;
}
