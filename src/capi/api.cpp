// The extern "C" entry points of libstoffel_vm.so (include/stoffel_vm.h).
//
// Rules every entry point follows:
//  * no exception crosses the C boundary: each body runs inside guarded(), which turns any
//    exception into the function's general failure code and a message in last_error;
//  * every argument from C is checked (NULL, counts, UTF-8) before use;
//  * a call on a handle resets the handle's last_error ("" on success).
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "capi/callbacks.h"
#include "capi/convert.h"
#include "capi/vm_handle.h"
#include "stoffel_vm.h"

namespace stoffel::capi {
namespace {

constexpr int kMaxArgs = 1024;

// Runs `body` (returning an int code); on an exception records it in `h` (if any) and returns
// `failure_code`.
template <typename Body>
int guarded(StoffelVM* h, int failure_code, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    if (h != nullptr) {
      try {
        h->last_error = "out of memory";
      } catch (...) {
        // Nothing more can be reported without memory.
      }
    }
  } catch (const std::exception& e) {
    if (h != nullptr) {
      try {
        h->last_error = std::string("internal error: ") + e.what();
      } catch (...) {
      }
    }
  } catch (...) {
    if (h != nullptr) {
      try {
        h->last_error = "internal error";
      } catch (...) {
      }
    }
  }
  return failure_code;
}

int fail(StoffelVM* h, int code, std::string message) {
  h->last_error = std::move(message);
  return code;
}

void set_unit(StoffelValue* out) {
  if (out != nullptr) *out = unit_value();
}

// Counts a running execution, so stoffel_destroy_vm can refuse to destroy a running VM.
class ActiveCall {
 public:
  explicit ActiveCall(StoffelVM* h) : h_(h) { ++h_->active_calls; }
  ~ActiveCall() { --h_->active_calls; }
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

 private:
  StoffelVM* h_;
};

std::string execution_error(const StoffelVM* h, std::string_view name, const Error& error) {
  std::string message = "Execution error in '" + std::string(name) + "': " + error.message;
  const auto& where = h->vm.last_error_location();
  if (where.valid) {
    message += " (at function '" + where.function + "', instruction " +
               std::to_string(where.instruction_index) + ", " + where.opcode + ")";
  }
  return message;
}

// Shared tail of stoffel_execute / stoffel_execute_with_args: converts the returned value.
int deliver(StoffelVM* h, const Result<vm::Value>& r, std::string_view name, int exec_code,
            int convert_code, StoffelValue* out) {
  if (!r) return fail(h, exec_code, execution_error(h, name, r.error()));
  CallerOwnedStrings strings;
  auto c = to_c(*r, h->handles, strings);
  if (!c)
    return fail(
        h, convert_code,
        "Cannot return the result of '" + std::string(name) + "' to C: " + c.error().message);
  *out = *c;
  return 0;
}

int register_callback(StoffelVM* h, const char* name, CForeignFunction plain,
                      CForeignFunctionEx extended, void* user_data) {
  if (h == nullptr) return -1;
  h->last_error.clear();
  return guarded(h, -1, [&] {
    if (name == nullptr || (plain == nullptr && extended == nullptr)) {
      return fail(h, -1, name == nullptr ? "function name is NULL" : "callback is NULL");
    }
    auto checked = checked_c_string(name, "function name");
    if (!checked) return fail(h, -2, checked.error().message);
    std::string key(*checked);
    h->vm.register_native(key, make_callback_native(h, key, plain, extended, user_data));
    return 0;
  });
}

}  // namespace
}  // namespace stoffel::capi

using stoffel::capi::fail;
using stoffel::capi::guarded;
using stoffel::capi::set_unit;

extern "C" {

VMHandle stoffel_create_vm(void) {
  try {
    return new StoffelVM();
  } catch (...) {
    return nullptr;
  }
}

void stoffel_destroy_vm(VMHandle handle) {
  if (handle == nullptr) return;
  if (handle->active_calls != 0) {
    // Destroying the VM under its own running interpreter would free the frames it returns to.
    try {
      handle->last_error = "stoffel_destroy_vm called while the VM is running; ignored";
    } catch (...) {
    }
    return;
  }
  delete handle;  // ~VirtualMachine does not throw
}

int stoffel_load_bytecode(VMHandle handle, const uint8_t* bytes, size_t len) {
  if (handle == nullptr) return -1;
  handle->last_error.clear();
  return guarded(handle, -2, [&] {
    if (bytes == nullptr) return fail(handle, -1, "bytes is NULL");
    auto r = handle->vm.load_bytecode(std::span<const uint8_t>(bytes, len));
    if (!r) return fail(handle, -2, "Cannot load bytecode: " + r.error().message);
    return 0;
  });
}

int stoffel_execute(VMHandle handle, const char* function_name, StoffelValue* result) {
  if (handle == nullptr) {
    set_unit(result);
    return -1;
  }
  handle->last_error.clear();
  // `result` is written only at the very end, or set to UNIT on failure.
  const int rc = guarded(handle, -3, [&] {
    if (function_name == nullptr || result == nullptr) {
      return fail(handle, -1,
                  function_name == nullptr ? "function name is NULL" : "result is NULL");
    }
    auto name = stoffel::capi::checked_c_string(function_name, "function name");
    if (!name) return fail(handle, -2, name.error().message);
    stoffel::capi::ActiveCall running(handle);
    auto r = handle->vm.execute(*name);
    return stoffel::capi::deliver(handle, r, *name, -3, -4, result);
  });
  if (rc != 0) set_unit(result);
  return rc;
}

int stoffel_execute_with_args(VMHandle handle, const char* function_name, const StoffelValue* args,
                              int argc, StoffelValue* result) {
  if (handle == nullptr) {
    set_unit(result);
    return -1;
  }
  handle->last_error.clear();
  // `result` may alias an argument (`f(&v, 1, &v)`), so it is written only after the arguments
  // were read: at the very end, or set to UNIT on failure.
  const int rc = guarded(handle, -4, [&] {
    if (function_name == nullptr || result == nullptr) {
      return fail(handle, -1,
                  function_name == nullptr ? "function name is NULL" : "result is NULL");
    }
    if (argc < 0 || argc > stoffel::capi::kMaxArgs) {
      return fail(handle, -1, "argc " + std::to_string(argc) + " is outside [0, 1024]");
    }
    if (args == nullptr && argc > 0) return fail(handle, -1, "args is NULL but argc is not 0");
    auto name = stoffel::capi::checked_c_string(function_name, "function name");
    if (!name) return fail(handle, -2, name.error().message);
    // No collection runs before the arguments are in the callee's frame (the heap collects only
    // at the interpreter's safe points), so the fresh strings need no rooting here.
    std::vector<stoffel::vm::Value> values;
    values.reserve(static_cast<size_t>(argc));
    for (int i = 0; i < argc; ++i) {
      auto v = stoffel::capi::from_c(args[i], handle->vm, handle->handles);
      if (!v) {
        return fail(handle, -3, "argument " + std::to_string(i) + ": " + v.error().message);
      }
      values.push_back(*v);
    }
    stoffel::capi::ActiveCall running(handle);
    auto r = handle->vm.execute_with_args(*name, values);
    return stoffel::capi::deliver(handle, r, *name, -4, -5, result);
  });
  if (rc != 0) set_unit(result);
  return rc;
}

int stoffel_register_foreign_function(VMHandle handle, const char* name, CForeignFunction func) {
  return stoffel::capi::register_callback(handle, name, func, nullptr, nullptr);
}

int stoffel_register_foreign_function_ex(VMHandle handle, const char* name, CForeignFunctionEx func,
                                         void* user_data) {
  return stoffel::capi::register_callback(handle, name, nullptr, func, user_data);
}

int stoffel_register_foreign_object(VMHandle handle, void* object, StoffelValue* result) {
  set_unit(result);
  if (handle == nullptr) return -1;
  handle->last_error.clear();
  return guarded(handle, -1, [&] {
    if (object == nullptr || result == nullptr) {
      return fail(handle, -1, object == nullptr ? "object is NULL" : "result is NULL");
    }
    auto box =
        std::make_shared<stoffel::capi::ForeignPointer>(stoffel::capi::ForeignPointer{object});
    const stoffel::vm::Value v = handle->vm.register_foreign(std::move(box));
    result->value_type = STOFFEL_VALUE_FOREIGN;
    result->data.foreign_id = static_cast<size_t>(v.i);
    return 0;
  });
}

int stoffel_get_foreign_object(VMHandle handle, size_t foreign_id, void** object) {
  if (object != nullptr) *object = nullptr;
  if (handle == nullptr) return -1;
  handle->last_error.clear();
  return guarded(handle, -3, [&] {
    if (object == nullptr) return fail(handle, -1, "object is NULL");
    StoffelValue v;
    v.value_type = STOFFEL_VALUE_FOREIGN;
    v.data.foreign_id = foreign_id;
    auto found = stoffel::capi::from_c(v, handle->vm, handle->handles);
    if (!found) return fail(handle, -3, found.error().message);
    *object = handle->vm.get_foreign<stoffel::capi::ForeignPointer>(*found)->pointer;
    return 0;
  });
}

int stoffel_create_string(VMHandle handle, const char* str, StoffelValue* result) {
  set_unit(result);
  if (handle == nullptr) return -1;
  handle->last_error.clear();
  return guarded(handle, -1, [&] {
    if (str == nullptr || result == nullptr) {
      return fail(handle, -1, str == nullptr ? "string is NULL" : "result is NULL");
    }
    auto s = stoffel::capi::checked_c_string(str, "string");
    if (!s) return fail(handle, -2, s.error().message);
    stoffel::capi::CallerOwnedStrings strings;
    char* copy = strings.store(*s);
    if (copy == nullptr) return fail(handle, -1, "out of memory");
    result->value_type = STOFFEL_VALUE_STRING;
    result->data.string_val = copy;
    return 0;
  });
}

void stoffel_free_string(char* str) {
  std::free(str);
}

int stoffel_set_result_string(StoffelValue* result, const char* str) {
  return guarded(nullptr, -3, [&] {
    if (result == nullptr || str == nullptr) return -1;
    auto s = stoffel::capi::checked_c_string(str, "string");
    if (!s) return -2;
    return stoffel::capi::set_running_result_string(result, *s) ? 0 : -3;
  });
}

int stoffel_release_value(VMHandle handle, const StoffelValue* value) {
  if (handle == nullptr) return -1;
  handle->last_error.clear();
  return guarded(handle, -3, [&] {
    if (value == nullptr) return fail(handle, -1, "value is NULL");
    int type = 0;
    std::memcpy(&type, &value->value_type, sizeof(type));
    stoffel::vm::ValueType kind;
    size_t id = 0;
    switch (type) {
      case STOFFEL_VALUE_OBJECT:
        kind = stoffel::vm::ValueType::Object;
        id = value->data.object_id;
        break;
      case STOFFEL_VALUE_ARRAY:
        kind = stoffel::vm::ValueType::Array;
        id = value->data.array_id;
        break;
      case STOFFEL_VALUE_CLOSURE:
        kind = stoffel::vm::ValueType::Closure;
        id = value->data.closure_id;
        break;
      default:
        return fail(handle, -2,
                    "only OBJECT, ARRAY and CLOSURE values have handles (got type " +
                        std::to_string(type) + ")");
    }
    if (!handle->handles.release(kind, static_cast<uint64_t>(id))) {
      return fail(handle, -3, "no handle with this id: " + std::to_string(id));
    }
    return 0;
  });
}

const char* stoffel_last_error(VMHandle handle) {
  return handle == nullptr ? nullptr : handle->last_error.c_str();
}

}  // extern "C"
