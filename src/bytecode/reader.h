// STFL v1 reader. Never trusts its input: every length, count, tag, opcode and string is checked
// against the bytes that remain, and no allocation is larger than the input can justify.
// Errors name the byte offset and what was being read, e.g.
//   "offset 51 (0x33): unknown opcode 23 in function 'main', instruction 0".
// Unlike the reference, bytes after the last function are an error. See docs/bytecode.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bytecode/program.h"
#include "stoffel/result.h"

namespace stoffel::bytecode {

Result<Program> read_program(std::span<const uint8_t> bytes);

// Reads a whole file (bounded by kMaxFileSize) and parses it; errors name the path.
Result<Program> read_program_file(const std::string& path);

inline constexpr uint64_t kMaxFileSize = 256ull << 20;  // 256 MiB

}  // namespace stoffel::bytecode
