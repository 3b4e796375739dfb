#include "vm/vm.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "vm/builtins.h"
#include "vm/interpreter.h"
#include "vm/translate.h"
#include "vm/value_format.h"

namespace stoffel::vm {

VirtualMachine::VirtualMachine(VmOptions options) : options_(options) {
  // An instruction budget is counted by the plain loop only (see force_plain_loop_).
  if (options_.max_steps != 0) force_plain_loop_ = true;
  frames_.set_max_depth(std::min<size_t>(options_.max_call_depth, kMaxFrames));
  frames_.reserve(256);
  ensure_stack(4096);
  ensure_args(256);
  output_ = [](std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); };
  if (options_.register_builtins) register_standard_builtins(*this);
}

VirtualMachine::~VirtualMachine() = default;

// --- registration --------------------------------------------------------------------------------

uint32_t VirtualMachine::slot_for(std::string_view name) {
  auto it = slot_index_.find(std::string(name));
  if (it != slot_index_.end()) return it->second;
  auto index = static_cast<uint32_t>(slots_.size());
  slots_.push_back(CallSlot{std::string(name), nullptr, nullptr});
  slot_index_.emplace(std::string(name), index);
  bind_slot(name);
  return index;
}

// Points a call slot at whatever the name means now. One flat namespace: the latest
// registration of a name wins, whether it is a program function or a native one.
void VirtualMachine::bind_slot(std::string_view name) {
  auto it = slot_index_.find(std::string(name));
  if (it == slot_index_.end()) return;
  CallSlot& slot = slots_[it->second];
  auto f = functions_.find(slot.name);
  auto n = natives_.find(slot.name);
  const BuiltinId was = slot.builtin;
  slot.function = f != functions_.end() ? f->second : nullptr;
  slot.native = n != natives_.end() ? &n->second->fn : nullptr;
  slot.builtin = n != natives_.end() ? n->second->builtin : BuiltinId::None;
  if (was != BuiltinId::None && slot.builtin != was) unfuse_builtin_calls(it->second);
}

// The inline builtin forms (CALL_*, R_* except R_CALL) were made for what a slot meant at load
// time and do not re-check it on every call. When the slot is re-bound, they go back to the
// plain instructions, in place (the loop may be running them: it re-reads every instruction).
void VirtualMachine::unfuse_builtin_calls(uint32_t slot) {
  for (auto& program : programs_) {
    for (auto& fn : program->functions) {
      for (size_t i = 0; i < fn->fast_code.size(); ++i) {
        const Instr& in = fn->fast_code[i];
        if (iop_has(in.op, kBuiltin) && static_cast<uint32_t>(in.x) == slot) {
          fn->fast_code[i] = fn->fast_plain[i];
        }
      }
    }
  }
}

void VirtualMachine::register_native(std::string name, NativeFunction fn) {
  register_builtin(std::move(name), std::move(fn), BuiltinId::None);
}

void VirtualMachine::register_builtin(std::string name, NativeFunction fn, BuiltinId id) {
  functions_.erase(name);
  natives_[name] = std::make_unique<NativeEntry>(NativeEntry{std::move(fn), id});
  bind_slot(name);
}

bool VirtualMachine::has_function(std::string_view name) const {
  std::string key(name);
  return functions_.count(key) != 0 || natives_.count(key) != 0;
}

Result<void> VirtualMachine::load_program(bytecode::Program program) {
  auto loaded = Translator(*this).translate(std::move(program));
  if (!loaded) return loaded.error();
  if ((*loaded)->needs_plain_loop) force_plain_loop_ = true;
  for (auto& proto : (*loaded)->functions) {
    natives_.erase(proto->name);
    functions_[proto->name] = proto.get();
  }
  // In the list first, so that a function shadowing an inlined builtin un-fuses its own
  // program's calls too.
  programs_.push_back(std::move(loaded.value()));
  for (auto& proto : programs_.back()->functions) bind_slot(proto->name);
  return {};
}

Result<void> VirtualMachine::load_bytecode(std::span<const uint8_t> bytes) {
  auto program = bytecode::read_program(bytes);
  if (!program) return program.error();
  return load_program(std::move(program.value()));
}

Result<void> VirtualMachine::register_function(bytecode::Function function,
                                               std::vector<bytecode::Constant> constants) {
  bytecode::Program p;
  p.constants = std::move(constants);
  p.functions.push_back(std::move(function));
  return load_program(std::move(p));
}

// --- execution -----------------------------------------------------------------------------------

void VirtualMachine::ensure_stack(size_t needed) {
  if (needed <= stack_capacity_) return;
  // Doubling stops at kMaxStackValues (push_frame never asks for more).
  size_t cap = std::max<size_t>(
      needed, std::min(stack_capacity_ == 0 ? 1024 : stack_capacity_ * 2, kMaxStackValues));
  auto fresh = std::make_unique<Value[]>(cap);
  for (size_t i = 0; i < stack_top_; ++i) fresh[i] = stack_[i];
  stack_ = std::move(fresh);
  stack_capacity_ = cap;
}

void VirtualMachine::ensure_args(size_t needed) {
  if (needed <= args_capacity_) return;
  size_t cap = std::max<size_t>(needed, args_capacity_ == 0 ? 256 : args_capacity_ * 2);
  auto fresh = std::make_unique<Value[]>(cap);
  for (size_t i = 0; i < args_top_; ++i) fresh[i] = args_[i];
  args_ = std::move(fresh);
  args_capacity_ = cap;
}

std::string ErrorLocation::to_string() const {
  if (!valid) return {};
  return "at function '" + function + "', instruction " + std::to_string(instruction_index) +
         " (" + opcode + ")";
}

Result<Value> VirtualMachine::execute(std::string_view name) {
  // A location belongs to one execution: an error found before any instruction runs (no such
  // function, wrong argument count) has none, not the previous error's.
  last_error_location_ = {};
  std::string key(name);
  if (auto it = functions_.find(key); it != functions_.end()) {
    // execute() passes no arguments: entry parameters stay Unit (docs/semantics.md; D18 in
    // docs/compatibility.md).
    return run_entry(it->second, {}, name);
  }
  if (natives_.count(key) != 0) {
    return make_error("Cannot execute foreign function " + key + " as main");
  }
  return make_error("Function '" + key + "' not found");
}

Result<Value> VirtualMachine::execute_with_args(std::string_view name,
                                                std::span<const Value> args) {
  last_error_location_ = {};
  std::string key(name);
  if (auto it = functions_.find(key); it != functions_.end()) {
    const FunctionProto* fn = it->second;
    if (args.size() != fn->param_count) {
      return make_error("Function " + key + " expects " + std::to_string(fn->param_count) +
                        " arguments but got " + std::to_string(args.size()));
    }
    return run_entry(fn, args, name);
  }
  if (auto it = natives_.find(key); it != natives_.end()) {
    return run_native_entry(it->second->fn, args, name);
  }
  return make_error("Function '" + key + "' not found");
}

Result<Value> VirtualMachine::run_entry(const FunctionProto* fn, std::span<const Value> args,
                                        std::string_view) {
  last_error_location_ = {};
  const size_t stop_depth = frames_.size();
  if (auto r = Interpreter::push_frame(*this, fn, args, nullptr); !r) return r.error();
  return Interpreter::run(*this, stop_depth);
}

Result<Value> VirtualMachine::run_native_entry(const NativeFunction& fn,
                                               std::span<const Value> args, std::string_view) {
  last_error_location_ = {};
  const size_t stop_depth = frames_.size();
  // The copy is a GC root while the native runs (it may re-enter the VM), like the arguments of
  // a native called by CALL.
  std::vector<Value> copy(args.begin(), args.end());
  native_roots_.push_back(copy);
  native_pushed_frame_ = false;
  auto result = fn(*this, copy);
  native_roots_.pop_back();
  if (!result) return result.error();
  if (native_pushed_frame_) {
    native_pushed_frame_ = false;
    return Interpreter::run(*this, stop_depth);
  }
  return result;
}

Result<Value> VirtualMachine::call_value(const Value& callee, std::span<const Value> args) {
  if (callee.type != ValueType::Closure) {
    return make_error("First argument must be a closure, but got " +
                      std::string(type_name(callee.type)));
  }
  const size_t stop_depth = frames_.size();
  if (auto r = Interpreter::push_closure_frame(*this, callee.closure, args); !r) return r.error();
  return Interpreter::run(*this, stop_depth);
}

// --- values --------------------------------------------------------------------------------------

Value VirtualMachine::make_string(std::string_view s) {
  return Value::string(heap_.new_string(s));
}
Value VirtualMachine::make_object() {
  return Value::object(heap_.new_object());
}
Value VirtualMachine::make_array(size_t hint) {
  return Value::array(heap_.new_array(hint));
}

std::span<Value> VirtualMachine::make_filled_array(size_t n, Value& out) {
  ArrayObj* a = heap_.new_array(n);
  a->dense.resize(n);
  a->length = static_cast<int64_t>(n);
  out = Value::array(a);
  return a->dense;
}

Value VirtualMachine::get_field(const Value& container, const Value& key) const {
  if (container.type == ValueType::Object) {
    const Value* v = container.obj->fields.find(key);
    return v != nullptr ? *v : Value::unit();
  }
  if (container.type == ValueType::Array) {
    const ArrayObj* a = container.arr;
    if (key.type == ValueType::I64 && key.i >= 0 &&
        static_cast<uint64_t>(key.i) < a->dense.size()) {
      return a->dense[key.i];
    }
    const Value* v = a->extra.find(key);
    return v != nullptr ? *v : Value::unit();
  }
  return Value::unit();
}

// Writes an array index. Indexes are stored densely while they stay within a constant factor
// of the dense part (so pushes and sequential writes are O(1) amortised); a far-away index goes
// to the sparse side table. Returns the previous value.
static Value array_store(ArrayObj* a, int64_t index, const Value& value) {
  const auto i = static_cast<uint64_t>(index);
  Value old;
  if (i < a->dense.size()) {
    old = a->dense[i];
    a->dense[i] = value;
  } else if (i <= a->dense.size() * 2 + 1024) {
    const size_t old_size = a->dense.size();
    a->dense.resize(i + 1);
    // Values written earlier to the sparse table for indexes now covered densely move over.
    if (a->extra.size() != 0) {
      for (size_t j = old_size; j <= i; ++j) {
        const Value key = Value::i64(static_cast<int64_t>(j));
        if (const Value* v = a->extra.find(key); v != nullptr && !v->is_unit()) {
          a->dense[j] = *v;
          a->extra.set(key, Value::unit());
        }
      }
      old = a->dense[i];
    }
    a->dense[i] = value;
  } else {
    old = a->extra.set(Value::i64(index), value);
  }
  if (index >= a->length) a->length = index + 1;
  return old;
}

Result<Value> VirtualMachine::set_field(const Value& container, const Value& key,
                                        const Value& value) {
  if (container.type == ValueType::Object) return container.obj->fields.set(key, value);
  if (container.type == ValueType::Array) {
    if (key.type == ValueType::I64 && key.i >= 0) {
      // The length is the highest index + 1 and an I64: the largest index is INT64_MAX - 1.
      if (key.i == std::numeric_limits<int64_t>::max()) {
        return make_error("Array index " + std::to_string(key.i) +
                          " is too large (the largest array index is " +
                          std::to_string(key.i - 1) + ")");
      }
      return array_store(container.arr, key.i, value);
    }
    return container.arr->extra.set(key, value);
  }
  return make_error("Expected object or array, got " + debug_string(container));
}

int64_t VirtualMachine::array_length(const Value& array) const {
  return array.type == ValueType::Array ? array.arr->length : 0;
}

void VirtualMachine::pin(const Value& v) {
  pinned_.push_back(v);
}
void VirtualMachine::unpin(const Value& v) {
  for (size_t i = pinned_.size(); i-- > 0;) {
    if (pinned_[i].type == v.type && pinned_[i].u == v.u) {
      pinned_.erase(pinned_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

void VirtualMachine::mark_roots(Heap& heap) {
  for (size_t i = 0; i < stack_top_; ++i) heap.mark(stack_[i]);
  for (size_t i = 0; i < args_top_; ++i) heap.mark(args_[i]);
  for (const Frame& f : frames_) {
    heap.mark_object(f.upvalues);
    heap.mark_object(f.param_cells);
  }
  for (const auto& p : programs_) {
    for (const Value& c : p->constants) heap.mark(c);
    for (const auto& fn : p->functions) {
      heap.mark_object(fn->name_string);
      for (auto* s : fn->param_names) heap.mark_object(s);
      for (auto* s : fn->upvalue_names) heap.mark_object(s);
    }
  }
  for (const Value& v : pinned_) heap.mark(v);
  for (auto span : native_roots_) {
    for (const Value& v : span) heap.mark(v);
  }
}

void VirtualMachine::collect_garbage() {
  heap_.collect([this](Heap& h) { mark_roots(h); });
}

// --- foreign objects -----------------------------------------------------------------------------

Value VirtualMachine::register_foreign_object(std::shared_ptr<void> object, const void* tag) {
  int64_t id = next_foreign_id_++;
  foreign_.emplace(id, ForeignEntry{std::move(object), tag});
  return Value::foreign(id);
}

std::shared_ptr<void> VirtualMachine::foreign_lookup(const Value& v, const void* tag) const {
  if (v.type != ValueType::Foreign) return nullptr;
  auto it = foreign_.find(v.i);
  if (it == foreign_.end() || it->second.tag != tag) return nullptr;
  return it->second.object;
}

// --- hooks ---------------------------------------------------------------------------------------

uint64_t VirtualMachine::register_hook(HookPredicate predicate, HookCallback callback,
                                       int32_t priority) {
  return hooks_.add(std::move(predicate), std::move(callback), priority);
}
bool VirtualMachine::unregister_hook(uint64_t id) {
  return hooks_.remove(id);
}
bool VirtualMachine::enable_hook(uint64_t id) {
  return hooks_.set_enabled(id, true);
}
bool VirtualMachine::disable_hook(uint64_t id) {
  return hooks_.set_enabled(id, false);
}

// --- inspection ----------------------------------------------------------------------------------

const FunctionProto* VirtualMachine::current_function() const {
  return frames_.empty() ? nullptr : frames_.back().fn;
}

std::string_view VirtualMachine::current_function_name() const {
  return frames_.empty() ? std::string_view("<unknown>")
                         : std::string_view(frames_.back().fn->name);
}

int32_t VirtualMachine::current_flag() const {
  return frames_.empty() ? 0 : frames_.back().flag;
}

Value VirtualMachine::register_value(uint32_t reg) const {
  if (frames_.empty()) return Value::unit();
  const Frame& f = frames_.back();
  if (reg >= f.fn->register_count) return Value::unit();
  return stack_[f.base + reg];
}

std::string VirtualMachine::format_instruction(const FunctionProto& fn, uint32_t index) const {
  // Past the last instruction is the implicit return (E2).
  if (index >= fn.instruction_count()) return "RET r0";
  return bytecode::instruction_text(fn.program->source, fn.source->code[index]);
}

}  // namespace stoffel::vm
