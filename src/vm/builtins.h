// The standard builtins registered by default (docs/builtins.md, "Standard").
#pragma once

namespace stoffel::vm {

class VirtualMachine;

void register_standard_builtins(VirtualMachine& vm);
// Share.*, Mpc.* and MpcOutput.* (builtins_mpc.cpp); they need an engine to do anything.
void register_mpc_builtins(VirtualMachine& vm);

}  // namespace stoffel::vm
