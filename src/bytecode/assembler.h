// The text assembly format (docs/assembly.md): a readable form of a whole STFL program.
// assemble(disassemble(p)) == p for every program p the reader accepts, so
// `stoffel-asm --disassemble f.stflb | stoffel-asm - -o g.stflb` reproduces f.stflb byte for byte.
#pragma once

#include <string>
#include <string_view>

#include "bytecode/program.h"
#include "stoffel/result.h"

namespace stoffel::bytecode {

// Errors point at "<source_name>:<line>:<column>: <message>".
Result<Program> assemble(std::string_view text, std::string_view source_name = "<input>");

std::string disassemble(const Program& program);

}  // namespace stoffel::bytecode
