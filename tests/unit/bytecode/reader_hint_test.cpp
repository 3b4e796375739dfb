// The reader's hint for assembly text given where a compiled program is expected (issue 20):
// `stoffel-run prog.stfa` says to assemble it first instead of only "bad magic".
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/reader.h"

namespace stoffel::bytecode {
namespace {

std::string error_of(std::string_view text) {
  const std::vector<uint8_t> bytes(text.begin(), text.end());
  auto p = read_program(bytes);
  return p.ok() ? std::string("(read)") : p.error().message;
}

constexpr std::string_view kHint =
    "; this looks like assembly text (docs/assembly.md): assemble it with stoffel-asm first "
    "(stoffel-asm prog.stfa -o prog.stflb)";

TEST(ReaderHint, AssemblyTextGetsTheHint) {
  EXPECT_EQ(error_of(".function main regs=1\n    RET r0\n.end\n"),
            "offset 0 (0x0): bad magic: expected \"STFL\"" + std::string(kHint));
  // Comments and blank lines first, an indented directive, CRLF line ends.
  EXPECT_EQ(error_of("; a program\r\n\r\n  .function\tmain\r\n    RET r0\r\n.end\r\n"),
            "offset 0 (0x0): bad magic: expected \"STFL\"" + std::string(kHint));
}

TEST(ReaderHint, OtherBytesDoNot) {
  const std::string plain = "offset 0 (0x0): bad magic: expected \"STFL\"";
  EXPECT_EQ(error_of("hello, world\n"), plain);
  EXPECT_EQ(error_of(".functions are not a directive\n"), plain);
  EXPECT_EQ(error_of("x .function main\n"), plain);
  // A NUL byte: binary, whatever else it contains.
  EXPECT_EQ(error_of(std::string_view(".function main\n\0", 16)), plain);
  // A truncated STFL file stays a truncation error.
  EXPECT_EQ(error_of("ST"),
            "offset 0 (0x0): truncated: need 4 bytes for the magic \"STFL\", 2 remain");
}

}  // namespace
}  // namespace stoffel::bytecode
