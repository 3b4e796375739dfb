#include "capi/callbacks.h"

#include <climits>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capi/convert.h"
#include "capi/vm_handle.h"

namespace stoffel::capi {

namespace {

// The result slot of a callback in progress and the storage stoffel_set_result_string copies
// into. Callbacks can nest (a callback may run VM code that calls another callback), so the
// running calls of a thread form a stack; the storage lives until the VM has copied the result.
struct RunningCall {
  StoffelValue* result;
  std::string result_text;
};

thread_local std::vector<RunningCall*> running_calls;

class RunningCallScope {
 public:
  explicit RunningCallScope(RunningCall& call) { running_calls.push_back(&call); }
  ~RunningCallScope() { running_calls.pop_back(); }
  RunningCallScope(const RunningCallScope&) = delete;
  RunningCallScope& operator=(const RunningCallScope&) = delete;
};

Result<vm::Value> invoke(StoffelVM& owner, const std::string& name, CForeignFunction plain,
                         CForeignFunctionEx extended, void* user_data, vm::VirtualMachine& machine,
                         std::span<const vm::Value> args) {
  if (args.size() > static_cast<size_t>(INT_MAX)) {
    return make_error("Too many arguments for foreign function " + name);
  }
  // The arguments' strings belong to this call and are freed when it returns (the reference
  // leaked them).
  ScopedStrings strings;
  StoffelValue small[8];
  std::vector<StoffelValue> big;
  StoffelValue* cargs = small;
  if (args.size() > 8) {
    big.resize(args.size());
    cargs = big.data();
  }
  for (size_t i = 0; i < args.size(); ++i) {
    auto c = to_c(args[i], owner.handles, strings);
    if (!c) {
      return make_error("Cannot pass argument " + std::to_string(i) + " to foreign function " +
                        name + ": " + c.error().message);
    }
    cargs[i] = *c;
  }

  RunningCall call{nullptr, {}};
  StoffelValue result = unit_value();
  call.result = &result;
  RunningCallScope scope(call);
  const int argc = static_cast<int>(args.size());
  const StoffelValue* argv = args.empty() ? nullptr : cargs;
  const int rc =
      extended != nullptr ? extended(argv, argc, &result, user_data) : plain(argv, argc, &result);
  if (rc != 0) return make_error("Foreign function returned error code: " + std::to_string(rc));
  // Copies a STRING result into the heap while `call.result_text` is still alive.
  auto back = from_c(result, machine, owner.handles);
  if (!back) {
    return make_error("Foreign function " + name +
                      " returned an invalid value: " + back.error().message);
  }
  return back;
}

}  // namespace

vm::NativeFunction make_callback_native(StoffelVM* owner, std::string name, CForeignFunction plain,
                                        CForeignFunctionEx extended, void* user_data) {
  struct State {
    StoffelVM* owner;
    std::string name;
    CForeignFunction plain;
    CForeignFunctionEx extended;
    void* user_data;
  };
  auto state =
      std::make_shared<const State>(State{owner, std::move(name), plain, extended, user_data});
  return
      [state](vm::VirtualMachine& machine, std::span<const vm::Value> args) -> Result<vm::Value> {
        // A callback may register a new function under its own name, which destroys this
        // std::function while it runs; the call works on its own reference to the state.
        const std::shared_ptr<const State> s = state;
        // C callbacks cannot throw, but a C++ one registered through the C API could; its exception
        // must not unwind through the interpreter.
        try {
          return invoke(*s->owner, s->name, s->plain, s->extended, s->user_data, machine, args);
        } catch (const std::exception& e) {
          return make_error("Foreign function " + s->name + " failed: " + e.what());
        } catch (...) {
          return make_error("Foreign function " + s->name + " failed with an unknown exception");
        }
      };
}

bool set_running_result_string(StoffelValue* result, std::string_view text) {
  for (size_t i = running_calls.size(); i-- > 0;) {
    RunningCall* call = running_calls[i];
    if (call->result != result) continue;
    call->result_text.assign(text);
    result->value_type = STOFFEL_VALUE_STRING;
    result->data.string_val = call->result_text.c_str();
    return true;
  }
  return false;
}

}  // namespace stoffel::capi
