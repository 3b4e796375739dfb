// The standard builtins registered by default (docs/builtins.md, "Standard").
#pragma once

#include "stoffel/result.h"
#include "vm/value.h"

namespace stoffel::vm {

class VirtualMachine;

void register_standard_builtins(VirtualMachine& vm);
// Share.*, Mpc.* and MpcOutput.* (builtins_mpc.cpp); they need an engine to do anything.
void register_mpc_builtins(VirtualMachine& vm);
// Crypto.* and Bytes.* (builtins_crypto.cpp, library stoffel_vm_crypto): local hashing and byte
// helpers, no engine needed. Not registered by default: the layers that link the library do.
void register_crypto_builtins(VirtualMachine& vm);
// Share.lt/le/gt/ge/eq/ne, Share.select, Share.batch_lt/batch_eq (builtins_compare.cpp).
void register_compare_builtins(VirtualMachine& vm);
// A raw share as the Share object the Share.* builtins return (builtins_mpc.cpp).
Result<Value> share_object_of(VirtualMachine& vm, const Value& raw);

}  // namespace stoffel::vm
