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

// One instruction of `program` as a line of assembly text, without indentation or comment:
// `ADD r3, r1, r2`, `LDI r0, 1.5f64`, `LD r1, [sp-1]`, `CALL "Share.mul"`, `JMP loop`. LDI shows
// its constant's literal (which the assembler maps back to the pool) and a jump its label's name,
// so the line assembles inside its function. For traces and messages (stoffel-run --trace-instr).
std::string instruction_text(const Program& program, const Instruction& ins);

}  // namespace stoffel::bytecode
