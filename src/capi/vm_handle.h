// What a VMHandle points to: the VM plus the C API's own state for it.
#pragma once

#include <cstdint>
#include <string>

#include "capi/handle_table.h"
#include "stoffel_vm.h"
#include "vm/vm.h"

// Declared (opaque) in stoffel_vm.h, so it lives in the global namespace.
struct StoffelVM {
  StoffelVM() : handles(vm) {}

  // Destroyed in reverse order: the handle table points into the VM's heap, so it goes first.
  stoffel::vm::VirtualMachine vm;
  stoffel::capi::HandleTable handles;
  // stoffel_last_error's text: the message of the last failing call, "" after a success.
  std::string last_error;
  // Nesting of stoffel_execute* calls in progress (callbacks may re-enter the API). While it is
  // non-zero the VM is running and must not be destroyed.
  uint32_t active_calls = 0;
};

namespace stoffel::capi {

// The payload stored for stoffel_register_foreign_object: the raw C pointer, which the VM never
// dereferences or frees.
struct ForeignPointer {
  void* pointer;
};

}  // namespace stoffel::capi
