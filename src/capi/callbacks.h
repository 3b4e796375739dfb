// C callbacks as VM native functions: the trampoline converts the arguments to C, calls the C
// function, and converts its result back (docs/embedding.md, "Callbacks").
#pragma once

#include <string>

#include "stoffel_vm.h"
#include "vm/vm.h"

namespace stoffel::capi {

// Exactly one of `plain` and `extended` is non-null; `user_data` goes to `extended`.
vm::NativeFunction make_callback_native(StoffelVM* owner, std::string name, CForeignFunction plain,
                                        CForeignFunctionEx extended, void* user_data);

// stoffel_set_result_string: copies `text` into the storage of the running callback whose
// result slot is `result`. False if `result` is no such slot on this thread.
bool set_running_result_string(StoffelValue* result, std::string_view text);

}  // namespace stoffel::capi
