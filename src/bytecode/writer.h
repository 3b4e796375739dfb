// STFL v1 writer. Writes the model as it is: constants in pool order, labels in the order the
// model holds them (builders and the assembler produce them sorted by index, then name, so new
// files are deterministic), version as stored. Reading a file and writing it back gives the
// same bytes for every canonically encoded file.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/program.h"
#include "stoffel/result.h"

namespace stoffel::bytecode {

// Fails, rather than truncating or writing a file no reader accepts, when a name or string cannot
// be encoded (a short string over 65535 bytes, a long one over 2^32-1, a count over its field's
// width, invalid UTF-8), or the model holds an unknown constant tag, an unknown opcode or a
// version above kCurrentVersion. Integer constants are written from `bits` truncated to their
// tag's width and Bool as 0/1, so whatever this accepts, read_program reads back.
Result<std::vector<uint8_t>> write_program(const Program& program);

}  // namespace stoffel::bytecode
