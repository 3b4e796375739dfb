// Load-time verification (docs/decisions.md, B3 and B4): jump labels exist, LDI constant indexes
// are in range, register indexes are within kMaxRegisters. Errors name the function and instruction
// index:
//   "function 'main' (#0), instruction 7 (JMP): unknown label 'loop_end'".
// Call targets are *not* checked here: an unknown function is a run-time error
// ("Function 'x' not found"), since a program may never reach that call.
#pragma once

#include <cstdint>

#include "bytecode/program.h"
#include "stoffel/result.h"

namespace stoffel::bytecode {

// Highest register index a function may use (registers are 0..kMaxRegisters-1).
inline constexpr uint32_t kMaxRegisters = 65536;

Result<void> verify_program(const Program& program);
Result<void> verify_function(const Program& program, const Function& function);

// B4: the register file a function needs: max(declared register_count, parameter count,
// highest register referenced + 1). Only meaningful for a verified function.
uint32_t effective_register_count(const Function& function);

}  // namespace stoffel::bytecode
