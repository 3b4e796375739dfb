// instruction_text: one instruction in the assembly syntax of docs/assembly.md (what
// `stoffel-run --trace-instr` prints). Checked against literal expectations and against the
// disassembler, whose output assembles back to the same program, on every fixture.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"

namespace stoffel::bytecode {
namespace {

TEST(InstructionText, EveryFormatInAssemblySyntax) {
  auto p = assemble(R"(
.function main regs=4
    LDI r0, 1.5f64
    LDI r2, "hi"
    LDI r3, -7i8
loop:
    ADD r3, r1, r2
    NOT r1, r2
    PUSHARG r2
    LD r1, [sp-1]
    LD r1, [sp+0]
    CALL "Share.mul"
    CMP r1, r2
    JMPGT loop
    JMP "odd name"
"odd name":
    RET r0
.end
)");
  ASSERT_TRUE(p.ok()) << p.error().message;
  std::vector<std::string> got;
  for (const auto& ins : p->functions[0].code) got.push_back(instruction_text(*p, ins));
  const std::vector<std::string> expected = {
      "LDI r0, 1.5f64", "LDI r2, \"hi\"",   "LDI r3, -7i8",  "ADD r3, r1, r2",     "NOT r1, r2",
      "PUSHARG r2",     "LD r1, [sp-1]",    "LD r1, [sp+0]", "CALL \"Share.mul\"", "CMP r1, r2",
      "JMPGT loop",     "JMP \"odd name\"", "RET r0"};
  EXPECT_EQ(got, expected);
}

TEST(InstructionText, LdiShowsTheLiteralEvenWithAnExplicitPool) {
  // A pool the literals would not build (an unused entry first): LDI still shows its constant.
  auto p = assemble(R"(
.constants
    "unused"
    42
.end
.function main regs=1
    LDI r0, #1
    RET r0
.end
)");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(instruction_text(*p, p->functions[0].code[0]), "LDI r0, 42");
}

// Every instruction of every fixture reads as the disassembler writes it (which assembles back to
// the same program), except LDI of a non-canonical pool, which the disassembler writes as #k.
TEST(InstructionText, AgreesWithTheDisassemblerOnEveryFixture) {
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(STOFFEL_FIXTURES_DIR))) {
    if (entry.path().extension() != ".stflb") continue;
    auto p = read_program_file(entry.path().string());
    if (!p.ok()) continue;  // the fixtures include deliberately broken files
    // The disassembler's instruction lines, in order: four spaces, then an upper-case mnemonic;
    // the `; index` comment (always last on the line) removed.
    std::vector<std::string> written;
    std::istringstream text(disassemble(*p));
    for (std::string line; std::getline(text, line);) {
      if (line.size() < 5 || line.compare(0, 4, "    ") != 0 || line[4] < 'A' || line[4] > 'Z') {
        continue;
      }
      line = line.substr(4, line.rfind("; ") - 4);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      written.push_back(line);
    }
    size_t k = 0;
    for (const auto& fn : p->functions) {
      for (const auto& ins : fn.code) {
        ASSERT_LT(k, written.size()) << entry.path();
        const std::string& expected = written[k++];
        if (expected.find(", #") != std::string::npos) continue;  // an explicit pool index
        EXPECT_EQ(instruction_text(*p, ins), expected) << entry.path();
        ++checked;
      }
    }
    EXPECT_EQ(k, written.size()) << entry.path();
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace stoffel::bytecode
