// Fuzz target: the STFL reader, the verifier, the writer and the disassembler, on arbitrary
// bytes. Properties (decision B2, docs/bytecode.md, docs/assembly.md):
//   * the reader either reads a model or fails with "offset N (0xN): ..." inside the input;
//   * what reads writes back, and the written bytes read back to the same model, and writing
//     that again gives the same bytes;
//   * the verifier decides without crashing, and a verified function needs at most
//     kMaxRegisters registers;
//   * assemble(disassemble(p)) == p for every program the reader accepts.
// Seeds: the fixtures and the golden case programs (scripts/fuzz-seeds).
#include <cinttypes>
#include <cstdio>
#include <span>
#include <string>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"
#include "fuzz_util.h"

using namespace stoffel;
using namespace stoffel::bytecode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  auto program = read_program(input);
  if (!program) {
    const std::string& message = program.error().message;
    size_t offset = 0, hex_offset = 0;
    fuzz::check(std::sscanf(message.c_str(), "offset %zu (0x%zx): ", &offset, &hex_offset) == 2,
                "reader error without an offset", message);
    fuzz::check(offset == hex_offset, "reader error: decimal and hex offsets differ", message);
    fuzz::check(offset <= size, "reader error: offset past the end of the input", message);
    return 0;
  }

  auto written = write_program(*program);
  fuzz::check(written.ok(), "a program that was read cannot be written",
              written.ok() ? "" : written.error().message);
  auto again = read_program(*written);
  fuzz::check(again.ok(), "written bytes do not read back",
              again.ok() ? "" : again.error().message);
  fuzz::check(*again == *program, "write -> read changed the model");
  auto rewritten = write_program(*again);
  fuzz::check(rewritten.ok() && *rewritten == *written, "writing is not idempotent");

  if (verify_program(*program)) {
    for (const Function& f : program->functions) {
      fuzz::check(effective_register_count(f) <= kMaxRegisters,
                  "a verified function needs more than kMaxRegisters registers", f.name);
    }
  }

  const std::string text = disassemble(*program);
  auto reassembled = assemble(text, "<disassembly>");
  fuzz::check(reassembled.ok(), "the disassembly of a readable program does not assemble",
              reassembled.ok() ? "" : reassembled.error().message);
  fuzz::check(*reassembled == *program, "assemble(disassemble(p)) != p", text);
  return 0;
}
