// Semantics of the arithmetic, bitwise and compare instructions for every operand combination
// (docs/semantics.md, "Instructions"; docs/decisions.md, E3, E4, E12). The interpreter handles I64
// (op) I64 inline; everything else comes here. No C++ undefined behaviour: signed arithmetic is
// done in uint64_t and narrowed, shifts are masked, MIN/-1 is an error.
#pragma once

#include <cstdint>
#include <string>

#include "stoffel/result.h"
#include "vm/function.h"
#include "vm/value.h"

namespace stoffel::vm {

class VirtualMachine;

// op is one of ADD SUB MUL DIV MOD AND OR XOR SHL SHR.
Result<Value> binary_op(VirtualMachine& vm, IOp op, const Value& a, const Value& b);
Result<Value> not_op(VirtualMachine& vm, const Value& a);
// -1, 0, +1; or an error ("Cannot compare 1 and 1i32").
Result<int32_t> compare_values(const Value& a, const Value& b);

}  // namespace stoffel::vm
