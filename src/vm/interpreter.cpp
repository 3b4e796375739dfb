// The interpreter loop.
//
// Shape (after Lua's lvm.c): the loop keeps the instruction pointer, the register base, the
// constant pool and the compare flag in locals; the common I64 cases of arithmetic and compare
// are handled inline and everything else goes to out-of-line functions (arith.cpp). Dispatch is
// by computed goto ("labels as values", a GCC/Clang extension), one indirect jump per handler,
// which predicts better than one shared switch. The hook-free loop is directly threaded: each
// instruction carries its handler's offset from the first handler (Instr::handler), so the next
// handler's address comes from the instruction itself; the hooked loop indexes a table by opcode.
//
// Most of the speed comes from the load-time translation (translate.cpp): superinstructions for
// the compiler's patterns, facts proven once instead of checked per instruction (no pending
// arguments before a fused call; a call slot still bound to the builtin inlined for it, undone
// by unfuse_builtin_calls on re-binding), immediates in the instruction instead of constant-pool
// loads. What each superinstruction assumes is written in src/vm/iop.h, where it is made and
// where it runs. The instruction set itself, plain and fused, is the table in src/vm/iop.h.
//
// Two instantiations: run_loop<false> has no hook code at all; run_loop<true> fires every event
// of docs/semantics.md ("Hooks"). The VM switches between them when hooks appear or disappear
// (docs/decisions.md, E9 and V2).
//
// Rule for what must be saved before anything that can fail, run a hook, call native code or
// re-enter the VM: SAVE_STATE() stores pc and flag into the frame. After anything that can push
// frames or grow the value stack (CALL, native calls), RELOAD_FRAME() re-reads the frame pointer,
// register base and code from the VM, because frames_ and stack_ may have been reallocated.
#include <cstring>

#include "vm/arith.h"
#include "vm/heap_objects.h"
#include "vm/interpreter.h"
#include "vm/secret.h"
#include "vm/value_format.h"

// Computed goto is a GNU extension; -Wpedantic would flag every `&&label`.
#pragma GCC diagnostic ignored "-Wpedantic"
// The hook-only labels are unused in the hook-free instantiation.
#pragma GCC diagnostic ignored "-Wunused-label"

namespace stoffel::vm {

namespace {

enum class Status { Returned, Failed, SwitchMode };

Value callee_label(VirtualMachine& vm, std::string_view prefix, std::string_view name) {
  std::string s;
  s.reserve(prefix.size() + name.size() + 2);
  s += '<';
  s += prefix;
  s += name;
  s += '>';
  return vm.make_string(s);
}

}  // namespace

// The common cases of get_field / set_field, shared by the inline CALL forms (arguments on the
// argument stack) and the fused PUSHARG+CALL forms (arguments in registers). False: not a
// common case, let the builtin itself handle it (results and error texts stay the builtin's).
[[gnu::always_inline]] inline bool fast_get_field(const Value& t, const Value& k, Value& out) {
  if (t.type == ValueType::Object) {
    const Value* p = t.obj->fields.find(k);
    out = p != nullptr ? *p : Value::unit();
    return true;
  }
  if (t.type == ValueType::Array && k.type == ValueType::I64 && k.i >= 0 &&
      k.u < t.arr->dense.size()) {
    out = t.arr->dense[k.u];
    return true;
  }
  return false;
}
[[gnu::always_inline]] inline bool fast_set_field(const Value& t, const Value& k, const Value& v) {
  if (t.type == ValueType::Object) {
    // Overwriting an existing field is the common case: do it in place, inline (Table::set is
    // out of line and returns the old value, which costs a call and a copy here).
    if (const Value* p = t.obj->fields.find(k)) {
      *const_cast<Value*>(p) = v;
    } else {
      t.obj->fields.set(k, v);
    }
    return true;
  }
  if (t.type != ValueType::Array || k.type != ValueType::I64 || k.i < 0) return false;
  ArrayObj* a = t.arr;
  if (k.u < a->dense.size()) {
    a->dense[k.u] = v;  // dense.size() <= length always, so the length is unchanged
    return true;
  }
  if (k.u == a->dense.size() && a->extra.size() == 0) {
    a->dense.push_back(v);
    if (k.i >= a->length) a->length = k.i + 1;
    return true;
  }
  return false;
}

// get_upvalue / set_upvalue's lookup: the cell named `name` in the frame's captured variables,
// the last one if several have the name (as the builtins), or null.
[[gnu::always_inline]] inline CellObj* find_upvalue(const CellListObj* upvalues,
                                                    const StringObj* name) {
  if (upvalues == nullptr) return nullptr;
  const auto& items = upvalues->items;
  for (size_t i = items.size(); i-- > 0;) {
    const StringObj* n = items[i].name;
    if (n == name || (n->length == name->length && n->hash == name->hash &&
                      std::memcmp(n->data(), name->data(), n->length) == 0)) {
      return items[i].cell;
    }
  }
  return nullptr;
}

enum class NativeOutcome { Returned, PushedFrame, Failed };

// The slow paths as the loop calls them: plain bool + out-parameters. The loop leaves handler
// scopes by computed goto, which must not skip destructors (clang rejects it, GCC silently skips
// them), so no Result<> may live in a handler's scope.
template <typename T>
bool unwrap(Result<T> r, T& out, Error& error) {
  if (!r) {
    error = r.error();
    return false;
  }
  out = std::move(r.value());
  return true;
}
[[gnu::noinline]] bool slow_binary_op(VirtualMachine& vm, IOp op, const Value& a, const Value& b,
                                      Value& out, Error& error) {
  return unwrap(binary_op(vm, op, a, b), out, error);
}
[[gnu::noinline]] bool slow_not_op(VirtualMachine& vm, const Value& a, Value& out, Error& error) {
  return unwrap(not_op(vm, a), out, error);
}
// MOV clear -> secret (E10): MOV r<dst>, r<src> with dst >= 16 > src.
[[gnu::noinline]] bool slow_share(VirtualMachine& vm, const Value& v, uint16_t dst, uint16_t src,
                                  Value& out, Error& error) {
  if (unwrap(share_clear_value(vm, v), out, error)) return true;
  if (!v.is_int() && v.type != ValueType::Float && v.type != ValueType::Bool) {
    // The MOV did not mean to share anything: say why it tried (the secret-register rule).
    error.message += " (MOV r" + std::to_string(dst) + ", r" + std::to_string(src) +
                     ": registers r16 and above are secret, and a value moved into one is "
                     "secret-shared; keep other values in r0..r15)";
  }
  return false;
}
// Whether the (plain, unscaled) instruction reads a register holding a PendingReveal marker, or
// returns (RET flushes all pending reveals, as the reference). The registers it reads are its
// register operands (iop.h), except a destination A.
bool reads_pending_marker(const Instr& in, const Value* R) {
  if (iop_has(in.op, kReturns)) return true;
  auto pending = [&](Field field, uint16_t r) {
    return operand_role(in.op, field) == 'R' && R[r].type == ValueType::PendingReveal;
  };
  return (!iop_has(in.op, kWritesA) && pending(Field::A, in.a)) || pending(Field::B, in.b) ||
         pending(Field::C, in.c);
}
// Out of line and cold: the message is built once per run at most, and its code stays out of
// the loop (and out of the compiler's size estimate of this file's hot code).
[[gnu::noinline, gnu::cold]] Error step_limit_error(uint64_t max_steps) {
  return make_error("step limit of " + std::to_string(max_steps) + " instructions exceeded");
}
[[gnu::noinline]] bool slow_compare(const Value& a, const Value& b, int32_t& flag, Error& error) {
  return unwrap(compare_values(a, b), flag, error);
}

struct VirtualMachine::Internals {
  // Queues the reveal of `share` into stack slot `slot`; `marker` is what the register holds until
  // the flush. Flushes at 1024 queued entries (as the reference).
  [[gnu::noinline]] static bool slow_queue_reveal(VirtualMachine& vm, size_t slot,
                                                  const Value& share, Value& marker, Error& error) {
    auto engine = require_engine(vm);
    if (!engine) {
      error = engine.error();
      return false;
    }
    if (share.type != ValueType::Share) {
      error = make_error("Invalid share type for conversion to clear value");
      return false;
    }
    const int64_t id = vm.next_reveal_id_++;
    const auto commitments = share_commitments(share.share);
    vm.pending_reveals_.push_back(VirtualMachine::PendingRevealEntry{
        id, slot, share.share->share_type, share_field(share.share),
        std::vector<uint8_t>(commitments.begin(), commitments.end())});
    marker = Value::pending_reveal(id);
    if (vm.pending_reveals_.size() >= 1024) {
      vm.stack_[slot] = marker;  // so the flush finds it
      if (auto r = vm.flush_reveals(); !r) {
        error = r.error();
        return false;
      }
      marker = vm.stack_[slot];
    }
    return true;
  }
  // Calls the native bound to `slot_index` with the `argc` arguments at `arg_base` of the argument
  // stack, which it clears. The arguments are copied first (into a buffer per native-call depth),
  // because native code may re-enter the VM, which can reallocate the argument stack; the copy is
  // a GC root for the duration of the call.
  [[gnu::noinline]] static NativeOutcome call_native(VirtualMachine& vm, uint32_t slot_index,
                                                     size_t arg_base, size_t argc, Value& result,
                                                     Error& error) {
    const NativeFunction* fn = vm.slots_[slot_index].native;
    const size_t depth = vm.native_roots_.size();
    if (vm.native_scratch_.size() <= depth) vm.native_scratch_.resize(depth + 1);
    std::vector<Value>& buf = vm.native_scratch_[depth];
    buf.assign(vm.args_.get() + arg_base, vm.args_.get() + arg_base + argc);
    vm.args_top_ = arg_base;
    const std::span<const Value> args(buf.data(), argc);
    vm.native_roots_.push_back(args);
    vm.native_pushed_frame_ = false;
    Result<Value> r = (*fn)(vm, args);
    vm.native_roots_.pop_back();
    if (!r) {
      error = r.error();
      return NativeOutcome::Failed;
    }
    if (vm.native_pushed_frame_) {
      vm.native_pushed_frame_ = false;
      return NativeOutcome::PushedFrame;
    }
    result = *r;
    return NativeOutcome::Returned;
  }

  template <bool kHooked>
  static Status run_loop(VirtualMachine& vm, Value& result, Error& error,
                         const int32_t** export_handlers = nullptr);

  // The interpreter's frame entry fast path: `n` arguments (== fn->param_count, arity already
  // checked), no upvalues to resolve, room on the value stack and in the frame vector. Returns
  // null, having done nothing, when Interpreter::push_frame must handle it (which also reports
  // the errors: stack overflow, unresolvable upvalues).
  [[gnu::always_inline]] static inline Value* try_enter(VirtualMachine& vm, const FunctionProto* fn,
                                                        const Value* args, size_t n,
                                                        CellListObj* upvalues) {
    const size_t base = vm.stack_top_;
    const size_t size = fn->frame_size();
    if (!vm.frames_.has_room() || base + size > vm.stack_capacity_ ||
        (upvalues == nullptr && fn->has_upvalue_names)) [[unlikely]] {
      return nullptr;
    }
    Value* regs = vm.stack_.get() + base;
    Value* locals = regs + fn->register_count;
    for (size_t i = 0; i < n; ++i) {
      regs[i] = args[i];
      locals[i] = args[i];
    }
    for (size_t i = n; i < fn->register_count; ++i) regs[i] = Value();
    vm.stack_top_ = base + size;
    vm.frames_.push_unchecked(Frame{fn, upvalues, nullptr, 0, static_cast<uint32_t>(base),
                                    static_cast<uint32_t>(vm.args_top_), 0, false});
    return regs;
  }
};

CellObj* Interpreter::find_variable_cell(VirtualMachine& vm, StringObj* name) {
  auto same = [&](const StringObj* s) {
    return s == name ||
           (s->length == name->length && std::memcmp(s->data(), name->data(), s->length) == 0);
  };
  for (size_t d = vm.frames_.size(); d-- > 0;) {
    VirtualMachine::Frame& f = vm.frames_[d];
    // Parameters first (their call-time values, the reference's `locals`).
    for (uint32_t p = 0; p < f.fn->param_count; ++p) {
      if (!same(f.fn->param_names[p])) continue;
      if (f.param_cells == nullptr) f.param_cells = vm.heap_.new_cell_list();
      for (const Upvalue& u : f.param_cells->items) {
        if (same(u.name)) return u.cell;
      }
      const Value initial = vm.stack_[f.base + f.fn->register_count + p];
      CellObj* cell = vm.heap_.new_cell(initial);
      f.param_cells->items.push_back(Upvalue{f.fn->param_names[p], cell});
      return cell;
    }
    if (f.upvalues != nullptr) {
      for (size_t i = f.upvalues->items.size(); i-- > 0;) {
        if (same(f.upvalues->items[i].name)) return f.upvalues->items[i].cell;
      }
    }
  }
  return nullptr;
}

Result<void> Interpreter::push_frame(VirtualMachine& vm, const FunctionProto* fn,
                                     std::span<const Value> args,
                                     CellListObj* upvalues) {
  if (vm.frames_.size() >= vm.options_.max_call_depth) {
    return make_error("stack overflow: more than " + std::to_string(vm.options_.max_call_depth) +
                      " nested calls");
  }
  if (vm.frames_.size() >= VirtualMachine::kMaxFrames) {
    return make_error("stack overflow: more than " +
                      std::to_string(VirtualMachine::kMaxFrames) +
                      " nested calls (the most the VM holds, whatever the depth limit)");
  }
  // A function with declared upvalues, called directly, resolves them from the caller chain
  // (reference behaviour), sharing the cells it finds.
  if (upvalues == nullptr && !fn->upvalue_names.empty()) {
    upvalues = vm.heap_.new_cell_list();
    for (StringObj* name : fn->upvalue_names) {
      CellObj* cell = find_variable_cell(vm, name);
      if (cell == nullptr) {
        return make_error("Could not find upvalue " + std::string(name->view()) +
                          " when calling function");
      }
      upvalues->items.push_back(Upvalue{name, cell});
    }
  }
  const size_t base = vm.stack_top_;
  const size_t size = fn->frame_size();
  if (base + size > VirtualMachine::kMaxStackValues) {
    return make_error("stack overflow: the nested calls need more than " +
                      std::to_string(VirtualMachine::kMaxStackValues) + " registers");
  }
  vm.ensure_stack(base + size);
  Value* regs = vm.stack_.get() + base;
  const size_t n = args.size();
  for (size_t i = 0; i < n; ++i) regs[i] = args[i];
  for (size_t i = n; i < fn->register_count; ++i) regs[i] = Value::unit();
  // Call-time parameter values, kept for closure capture (the reference's frame `locals`).
  for (size_t i = 0; i < fn->param_count; ++i) {
    regs[fn->register_count + i] = i < n ? args[i] : Value::unit();
  }
  vm.stack_top_ = base + size;
  vm.frames_.push_back(VirtualMachine::Frame{fn, upvalues, nullptr, 0,
                                             static_cast<uint32_t>(base),
                                             static_cast<uint32_t>(vm.args_top_), 0, false});
  return {};
}

Result<void> Interpreter::push_closure_frame(VirtualMachine& vm, ClosureObj* closure,
                                             std::span<const Value> args) {
  const FunctionProto* fn = vm.slots_[closure->slot].function;
  if (fn == nullptr) {
    return make_error("Function '" + std::string(closure->function_name->view()) + "' not found");
  }
  if (args.size() != fn->param_count) {
    return make_error("Function " + fn->name + " expects " + std::to_string(fn->param_count) +
                      " arguments but got " + std::to_string(args.size()));
  }
  return push_frame(vm, fn, args, closure->upvalues);
}

CellListObj* Interpreter::current_upvalues(const VirtualMachine& vm) {
  return vm.frames_.empty() ? nullptr : vm.frames_.back().upvalues;
}

Result<void> Interpreter::enter_closure_from_native(VirtualMachine& vm, ClosureObj* closure,
                                                    std::span<const Value> args) {
  if (auto r = push_closure_frame(vm, closure, args); !r) return r;
  vm.native_pushed_frame_ = true;
  return {};
}

const int32_t* Interpreter::handler_offsets(VirtualMachine& vm) {
  // The offsets are the same for every VM (one function), computed once.
  static const int32_t* const offsets = [&vm] {
    const int32_t* out = nullptr;
    Value result;
    Error error;
    VirtualMachine::Internals::run_loop<false>(vm, result, error, &out);
    return out;
  }();
  return offsets;
}

Result<Value> Interpreter::run(VirtualMachine& vm, size_t stop_depth) {
  Value result;
  Error error;
  // The frame at stop_depth was pushed by our caller for this run; its RET ends the run.
  vm.frames_[stop_depth].entry = true;
  // A run started by the host gets the whole budget; runs nested in it (call_value from a
  // native) share it.
  if (vm.run_depth_ == 0) vm.steps_left_ = vm.options_.max_steps;
  ++vm.run_depth_;
  for (;;) {
    Status s = vm.needs_plain_loop()
                   ? VirtualMachine::Internals::run_loop<true>(vm, result, error)
                   : VirtualMachine::Internals::run_loop<false>(vm, result, error);
    if (s == Status::SwitchMode) continue;
    --vm.run_depth_;
    if (s == Status::Returned) return result;
    // Unwind everything this run pushed (E1), keeping frames below stop_depth intact for an
    // enclosing run (call_value from native code).
    if (vm.frames_.size() > stop_depth) {
      vm.stack_top_ = vm.frames_[stop_depth].base;
      vm.args_top_ = vm.frames_[stop_depth].arg_base;
      vm.frames_.resize(stop_depth);
    }
    return error;
  }
}

template <bool kHooked>
Status VirtualMachine::Internals::run_loop(VirtualMachine& vm, Value& result, Error& error,
                                          const int32_t** export_handlers) {
  // One label per row of STOFFEL_IOPS (src/vm/iop.h), in the table's order: a row without its
  // op_<name> label, or a label list out of step with the enum, does not compile.
  static const void* const kDispatch[] = {
#define STOFFEL_X(name, shown, operands, flags, meaning) &&op_##name,
      STOFFEL_IOPS(STOFFEL_X)
#undef STOFFEL_X
  };
  static_assert(sizeof(kDispatch) / sizeof(kDispatch[0]) == kIOpCount);

  // Instr::handler is relative to this label (the first handler), see Interpreter::handler_offsets.
  const char* const handler_base = static_cast<const char*>(&&op_LD);
  if (export_handlers != nullptr) {
    static int32_t offsets[kIOpCount];
    for (int i = 0; i < kIOpCount; ++i) {
      offsets[i] = static_cast<int32_t>(static_cast<const char*>(kDispatch[i]) - handler_base);
    }
    *export_handlers = offsets;
    return Status::Returned;
  }

  Frame* f;
  const Instr* code;
  const Instr* ip;
  const Instr* in = nullptr;
  Value* R;
  const Value* K;
  int32_t flag;
  // The function and index of the instruction being executed, for hook events and errors.
  const FunctionProto* in_fn = nullptr;

#define RELOAD_FRAME()                                             \
  do {                                                             \
    f = &vm.frames_.back();                                        \
    code = kHooked ? f->fn->code.data() : f->fn->fast_code.data(); \
    ip = code + f->pc;                                             \
    R = vm.stack_.get() + f->base;                                 \
    K = f->fn->constants;                                          \
    flag = f->flag;                                                \
  } while (0)
  // Makes the frame just pushed for FN current without reading it back from memory: a fresh
  // frame starts at instruction 0 with flag 0 and its registers at REGS, which is all that
  // RELOAD_FRAME would load; and it sits right above the caller's frame, which was the top
  // (only for pushes that did not grow the frame array: try_enter, push_unchecked; with hooks a
  // callback may have re-entered the VM since f was read, so it is read back).
#define ENTER_PUSHED_FRAME(FN, REGS)                                    \
  do {                                                                  \
    f = kHooked ? &vm.frames_.back() : f + 1;                           \
    code = kHooked ? (FN)->code.data() : (FN)->fast_code.data();        \
    ip = code;                                                          \
    R = (REGS);                                                         \
    K = (FN)->constants;                                                \
    flag = 0;                                                           \
  } while (0)
  // Register operand access. The hooked loop runs `code`, whose operands are register indexes;
  // the hook-free loop runs `fast_code`/`fast_plain`, whose operands are pre-doubled at load time
  // so that `R + 2i * 8` is a single x86 addressing mode (no shift per operand).
#define REG(i)       \
  (*(kHooked ? &R[i] \
             : reinterpret_cast<Value*>(reinterpret_cast<char*>(R) + static_cast<size_t>(i) * 8)))
  // A jump target from x: an index in `code`, a byte offset in the hook-free loop's arrays.
#define TARGET(x) \
  (kHooked ? code + (x) : reinterpret_cast<const Instr*>(reinterpret_cast<const char*>(code) + (x)))
#define SAVE_STATE()                          \
  do {                                        \
    f->pc = static_cast<uint32_t>(ip - code); \
    f->flag = static_cast<int8_t>(flag);      \
  } while (0)
#define FAIL(err_expr)  \
  do {                  \
    error = (err_expr); \
    goto fail;          \
  } while (0)
#define FIRE(event)                                                      \
  do {                                                                   \
    if constexpr (kHooked) {                                             \
      if (auto hr_ = vm.hooks_.fire(event, vm); !hr_) FAIL(hr_.error()); \
    }                                                                    \
  } while (0)
  // The plain loop builds hook events only while hooks are registered: it also runs without
  // any (an instruction budget, queued reveals, a very large register file), and then an event
  // per instruction, a closure per call (BeforeFunctionCall) and a string per return
  // (AfterFunctionCall) would make it many times slower for nothing. A callback that adds or
  // removes hooks is seen at the next event.
#define HOOKS_ON() (vm.hooks_.any())
  // Writes register `reg` and, with hooks, reports RegisterWrite(reg, old, new).
#define WRITE_REG(REG_, VAL_)                        \
  do {                                               \
    if constexpr (kHooked) {                         \
      if (HOOKS_ON()) {                              \
        const Value old_ = REG(REG_);                \
        REG(REG_) = (VAL_);                          \
        HookEvent ev_{HookEventKind::RegisterWrite}; \
        ev_.reg = (REG_);                            \
        ev_.old_value = old_;                        \
        ev_.value = REG(REG_);                       \
        FIRE(ev_);                                   \
      } else {                                       \
        REG(REG_) = (VAL_);                          \
      }                                              \
    } else {                                         \
      REG(REG_) = (VAL_);                            \
    }                                                \
  } while (0)
  // With hooks, reports RegisterRead(reg, value); the MOV forms fire it.
#define READ_EVENT(REG_)                            \
  do {                                              \
    if constexpr (kHooked) {                        \
      if (HOOKS_ON()) {                             \
        HookEvent ev_{HookEventKind::RegisterRead}; \
        ev_.reg = (REG_);                           \
        ev_.value = REG(REG_);                      \
        FIRE(ev_);                                  \
      }                                             \
    }                                               \
  } while (0)
#define AFTER_INSTRUCTION()                                                     \
  do {                                                                          \
    if constexpr (kHooked) {                                                    \
      if (HOOKS_ON()) {                                                         \
        HookEvent ev_{HookEventKind::AfterInstructionExecute};                  \
        ev_.function = in_fn;                                                   \
        ev_.instruction_index = static_cast<uint32_t>(in - in_fn->code.data()); \
        FIRE(ev_);                                                              \
      }                                                                         \
    }                                                                           \
  } while (0)
  // Fetch and dispatch the next instruction. With hooks: AfterInstructionExecute of the current
  // one, a mode check (a callback may have removed the last hook), BeforeInstructionExecute.
#define NEXT()                                       \
  do {                                               \
    if constexpr (kHooked) {                         \
      goto hooked_next;                              \
    } else {                                         \
      in = ip++;                                     \
      goto*(handler_base + in->handler);             \
    }                                                \
  } while (0)
  // After a native call or anything else that may register/remove hooks.
#define CHECK_MODE()                        \
  do {                                      \
    if (vm.needs_plain_loop() != kHooked) { \
      SAVE_STATE();                         \
      return Status::SwitchMode;            \
    }                                       \
  } while (0)

  RELOAD_FRAME();
  if constexpr (kHooked) {
    goto hooked_fetch;
  } else {
    NEXT();
  }

  // Labels may not live inside an `if constexpr` branch, so these two sit outside; in the
  // hook-free instantiation nothing jumps to them and their bodies compile to nothing.
hooked_next:
  if constexpr (kHooked) AFTER_INSTRUCTION();
hooked_fetch:
  if constexpr (kHooked) {
    if (!vm.needs_plain_loop()) {
      SAVE_STATE();
      return Status::SwitchMode;
    }
    in = ip++;
    in_fn = f->fn;
    // The instruction budget (VmOptions::max_steps), counted here and nowhere else: a VM with a
    // budget always runs this loop (force_plain_loop_). END, the implicit return, is free.
    if (vm.options_.max_steps != 0 && in->op != IOp::END) {
      if (vm.steps_left_ == 0) FAIL(step_limit_error(vm.options_.max_steps));
      --vm.steps_left_;
    }
    // E11: resolve queued reveals before this instruction reads a register holding a marker,
    // and at every return.
    if (!vm.pending_reveals_.empty() && reads_pending_marker(*in, R)) {
      SAVE_STATE();
      if (auto fr = vm.flush_reveals(); !fr) FAIL(fr.error());
    }
    if (in->op != IOp::END) {
      vm.current_instruction_ = static_cast<uint32_t>(in - code);
      f->pc = static_cast<uint32_t>(ip - code);
      f->flag = static_cast<int8_t>(flag);
      if (HOOKS_ON()) {
        HookEvent ev{HookEventKind::BeforeInstructionExecute};
        ev.function = in_fn;
        ev.instruction_index = vm.current_instruction_;
        FIRE(ev);
      }
    }
    goto* kDispatch[static_cast<uint8_t>(in->op)];
  }

op_LD : {
  // index = len + off - 1 into the current frame's argument stack.
  const int64_t len = static_cast<int64_t>(vm.args_top_ - f->arg_base);
  const int64_t index = len + in->x - 1;
  if (index < 0 || index >= len) {
    FAIL(make_error("Stack address [sp+" + std::to_string(in->x) + "] out of bounds (" +
                    std::to_string(len) + (len == 1 ? " argument" : " arguments") + " pushed)"));
  }
  WRITE_REG(in->a, vm.args_[f->arg_base + index]);
  NEXT();
}
op_LDI:
  WRITE_REG(in->a, K[in->x]);
  NEXT();
op_MOV:
  READ_EVENT(in->b);
  WRITE_REG(in->a, REG(in->b));
  NEXT();
op_MOV_SHARE : {
  // clear -> secret: share the value (E10).
  READ_EVENT(in->b);
  SAVE_STATE();
  Value out;
  // The hook-free loop's register fields are scaled by 2 (translate.cpp, scale_registers).
  if (!slow_share(vm, REG(in->b), kHooked ? in->a : in->a / 2, kHooked ? in->b : in->b / 2, out,
                  error)) {
    goto fail;
  }
  WRITE_REG(in->a, out);
  if (vm.heap_.needs_collection()) vm.collect_garbage();
  NEXT();
}
op_MOV_REVEAL : {
  // secret -> clear: queue the reveal and leave a PendingReveal marker (E11); the plain loop
  // takes over until the queue is flushed.
  READ_EVENT(in->b);
  SAVE_STATE();
  Value marker;
  const size_t slot = static_cast<size_t>(&REG(in->a) - vm.stack_.get());
  if (!slow_queue_reveal(vm, slot, REG(in->b), marker, error)) goto fail;
  WRITE_REG(in->a, marker);
  CHECK_MODE();
  NEXT();
}

#define ARITH_OP(NAME, EXPR)                                               \
  op_##NAME : {                                                            \
    const Value& x = REG(in->b);                                           \
    const Value& y = REG(in->c);                                           \
    if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] { \
      WRITE_REG(in->a, Value::i64(static_cast<int64_t>(EXPR)));            \
      NEXT();                                                              \
    }                                                                      \
    goto slow_binary;                                                      \
  }
  // Wrapping arithmetic in uint64_t: two's complement results without signed-overflow UB.
  ARITH_OP(ADD, x.u + y.u)
  ARITH_OP(SUB, x.u - y.u)
  ARITH_OP(MUL, x.u * y.u)
#undef ARITH_OP
op_DIV:
op_MOD:
op_AND:
op_OR:
op_XOR:
op_SHL:
op_SHR:
slow_binary : {
  SAVE_STATE();
  Value out;
  if (!slow_binary_op(vm, in->op, REG(in->b), REG(in->c), out, error)) goto fail;
  WRITE_REG(in->a, out);
  if (out.is_heap() && vm.heap_.needs_collection()) vm.collect_garbage();
  NEXT();
}
op_NOT : {
  Value out;
  if (!slow_not_op(vm, REG(in->b), out, error)) goto fail;
  WRITE_REG(in->a, out);
  NEXT();
}
op_CMP : {
  const Value& x = REG(in->a);
  const Value& y = REG(in->b);
  if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] {
    flag = (x.i > y.i) - (x.i < y.i);
    NEXT();
  }
  if (!slow_compare(x, y, flag, error)) goto fail;
  NEXT();
}
op_JMP:
  ip = TARGET(in->x);
  NEXT();
op_JMPEQ:
  if (flag == 0) ip = TARGET(in->x);
  NEXT();
op_JMPNEQ:
  if (flag != 0) ip = TARGET(in->x);
  NEXT();
op_JMPLT:
  if (flag < 0) ip = TARGET(in->x);
  NEXT();
op_JMPGT:
  if (flag > 0) ip = TARGET(in->x);
  NEXT();
op_PUSHARG:
  if (vm.args_top_ == vm.args_capacity_) vm.ensure_args(vm.args_top_ + 1);
  vm.args_[vm.args_top_++] = REG(in->a);
  if constexpr (kHooked) {
    if (HOOKS_ON()) {
      HookEvent ev{HookEventKind::StackPush};
      ev.value = REG(in->a);
      FIRE(ev);
    }
  }
  NEXT();

op_CALL : {
  const CallSlot& slot = vm.slots_[in->x];
  const size_t arg_base = f->arg_base;
  const size_t argc = vm.args_top_ - arg_base;
  if constexpr (kHooked) {
    if (HOOKS_ON() && (slot.function != nullptr || slot.native != nullptr)) {
      // The argument stack is cleared, one StackPop per value, last pushed first.
      for (size_t i = argc; i-- > 0;) {
        HookEvent ev{HookEventKind::StackPop};
        ev.value = vm.args_[arg_base + i];
        FIRE(ev);
      }
    }
  }
  if (slot.function != nullptr) {
    const FunctionProto* callee = slot.function;
    if (argc != callee->param_count) {
      FAIL(make_error("Function " + callee->name + " expects " +
                      std::to_string(callee->param_count) + " arguments but got " +
                      std::to_string(argc)));
    }
    SAVE_STATE();
    // The callee's registers are filled from the caller's argument stack, which is then
    // cleared; the callee's own argument stack starts where the caller's began.
    const std::span<const Value> args(vm.args_.get() + arg_base, argc);
    if constexpr (kHooked) {
      if (HOOKS_ON()) {
        HookEvent ev{HookEventKind::BeforeFunctionCall};
        ev.callee = Value::closure_value(vm.heap_.new_closure(
            callee->name_string, vm.heap_.new_cell_list(), static_cast<uint32_t>(in->x)));
        ev.args = args;
        FIRE(ev);
      }
    }
    vm.args_top_ = arg_base;
    if (Value* regs = try_enter(vm, callee, args.data(), argc, nullptr)) {
      ENTER_PUSHED_FRAME(callee, regs);
    } else {
      if (auto r = Interpreter::push_frame(vm, callee, args, nullptr); !r) FAIL(r.error());
      RELOAD_FRAME();
    }
    NEXT();  // with hooks: AfterInstructionExecute(CALL) in the callee's context
  }
  if (slot.native != nullptr) {
    if constexpr (kHooked) {
      if (HOOKS_ON()) {
        HookEvent ev{HookEventKind::BeforeFunctionCall};
        ev.callee = callee_label(vm, "foreign function ", slot.name);
        ev.args = std::span<const Value>(vm.args_.get() + arg_base, argc);
        FIRE(ev);
      }
    }
    SAVE_STATE();
    // Out of line: it owns objects with destructors, and this function leaves handler scopes by
    // computed goto, which does not run them. `slot` must not be used after this call: a native
    // may create call slots (create_closure does), which can move slots_.
    const uint32_t slot_index = static_cast<uint32_t>(in->x);
    Value value;
    const NativeOutcome outcome = call_native(vm, slot_index, arg_base, argc, value, error);
    RELOAD_FRAME();
    if (outcome == NativeOutcome::Failed) goto fail;
    if (outcome == NativeOutcome::PushedFrame) {
      // call_closure pushed a frame: continue there; its RET writes our r0.
      CHECK_MODE();
      NEXT();
    }
    WRITE_REG(0, value);
    if constexpr (kHooked) {
      if (HOOKS_ON()) {
        HookEvent ev{HookEventKind::AfterFunctionCall};
        ev.callee = callee_label(vm, "foreign function ", vm.slots_[slot_index].name);
        ev.value = value;
        FIRE(ev);
      }
    }
    // Safe point: the result is in r0, the argument copy is no longer needed.
    if (vm.heap_.needs_collection()) vm.collect_garbage();
    CHECK_MODE();
    NEXT();
  }
  FAIL(make_error("Function '" + slot.name + "' not found"));
}

op_RET:
op_END : {
  // END is the implicit `RET r0` after the last instruction (E2); its a is 0.
  const Value v = REG(in->a);
  const bool implicit = in->op == IOp::END;
  if (f->entry) {
    // The entry frame of this run returns: pop it (E1) and hand the value out.
    if constexpr (kHooked) {
      if (!implicit) AFTER_INSTRUCTION();
    }
    vm.stack_top_ = f->base;
    vm.args_top_ = f->arg_base;
    vm.frames_.pop_back();
    result = v;
    return Status::Returned;
  }
  const FunctionProto* callee = f->fn;
  vm.stack_top_ = f->base;
  vm.args_top_ = f->arg_base;
  vm.frames_.pop_back();
  // The caller's frame sits just below in the same array (popping never moves frames), so
  // f - 1 is it: no need to read the frame stack's pointer and size back from memory. (With
  // hooks, a callback may have re-entered the VM and grown the frame array: read it back.)
  f = kHooked ? &vm.frames_.back() : f - 1;
  code = kHooked ? f->fn->code.data() : f->fn->fast_code.data();
  ip = code + f->pc;
  R = vm.stack_.get() + f->base;
  K = f->fn->constants;
  flag = f->flag;
  WRITE_REG(0, v);
  if constexpr (kHooked) {
    if (HOOKS_ON()) {
      HookEvent ev{HookEventKind::AfterFunctionCall};
      ev.callee = callee_label(vm, "function ", callee->name);
      ev.value = v;
      FIRE(ev);
    }
    if (implicit) goto hooked_fetch;
  }
  NEXT();  // with hooks: AfterInstructionExecute(RET) in the caller's context
}

// --- superinstructions (hook-free loop only) ---------------------------------------------
// Each handles its common case inline; anything else "deopts": it runs the plain instruction
// at the same index from `code`, and execution continues normally from there, so semantics
// and error locations are exactly those of the plain instructions.
#define CMPJ(NAME, COND)                                                   \
  op_CMPJ_##NAME : {                                                       \
    const Value& x = REG(in->a);                                           \
    const Value& y = REG(in->b);                                           \
    if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] { \
      flag = (x.i > y.i) - (x.i < y.i);                                    \
      ip = (COND) ? TARGET(in->x) : ip + 1;                                \
      NEXT();                                                              \
    }                                                                      \
    goto deopt;                                                            \
  }
  CMPJ(EQ, flag == 0)
  CMPJ(NEQ, flag != 0)
  CMPJ(LT, flag < 0)
  CMPJ(GT, flag > 0)
#undef CMPJ
  // LDI c, K[b]; CMP a, c; Jcc x   (a != c, checked when fusing)
#define LDI_CMPJ(NAME, COND)                                                                      \
  op_LDI_CMPJ_##NAME : {                                                                          \
    const Value& x = REG(in->a);                                                                  \
    const Value& y = K[in->b];                                                                    \
    if (x.type == y.type && (x.type == ValueType::I64 || x.type == ValueType::Bool)) [[likely]] { \
      flag = x.type == ValueType::I64 ? (x.i > y.i) - (x.i < y.i)                                 \
                                      : static_cast<int32_t>(x.b) - static_cast<int32_t>(y.b);    \
      REG(in->c) = y;                                                                             \
      ip = (COND) ? TARGET(in->x) : ip + 2;                                                       \
      NEXT();                                                                                     \
    }                                                                                             \
    goto deopt;                                                                                   \
  }
  LDI_CMPJ(EQ, flag == 0)
  LDI_CMPJ(NEQ, flag != 0)
  LDI_CMPJ(LT, flag < 0)
  LDI_CMPJ(GT, flag > 0)
#undef LDI_CMPJ
  // LDI c, K; ADD/SUB a, b, c with K an immediate in x (an I64 that fits, checked when fusing).
  // REG(c) is written first, so b == c reads K as the plain pair would.
#define LDI_ARITH(NAME, OP)                                                                   \
  op_LDI_##NAME : {                                                                           \
    const int64_t k = in->x;                                                                  \
    REG(in->c) = Value::i64(k);                                                               \
    const Value& x = REG(in->b);                                                              \
    if (x.type == ValueType::I64) [[likely]] {                                                \
      REG(in->a) = Value::i64(static_cast<int64_t>(x.u OP static_cast<uint64_t>(k)));         \
      ++ip;                                                                                   \
      NEXT();                                                                                 \
    }                                                                                         \
    goto deopt_second; /* the LDI is done; run the ADD/SUB plainly */                         \
  }
  LDI_ARITH(ADD, +)
  LDI_ARITH(SUB, -)
#undef LDI_ARITH

  // Inline standard builtins. They were made for what the call slot meant at load time; if the
  // name is re-bound, VirtualMachine::unfuse_builtin_calls turns them back into plain CALLs, so
  // no check is needed here. Unusual arguments go to the plain CALL path.
op_CALL_GET_FIELD : {
  const size_t base = f->arg_base;
  if (vm.args_top_ - base >= 2) {
    const Value& t = vm.args_[base];
    const Value& k = vm.args_[base + 1];
    Value v;
    if (!fast_get_field(t, k, v)) goto op_CALL;
    vm.args_top_ = base;
    R[0] = v;
    NEXT();
  }
  goto op_CALL;
}
op_CALL_SET_FIELD : {
  const size_t base = f->arg_base;
  if (vm.args_top_ - base >= 3) {
    const Value& t = vm.args_[base];
    const Value& k = vm.args_[base + 1];
    const Value& v = vm.args_[base + 2];
    if (!fast_set_field(t, k, v)) goto op_CALL;
    vm.args_top_ = base;
    R[0] = Value::unit();
    NEXT();
  }
  goto op_CALL;
}
op_CALL_GET_UPVALUE:
op_CALL_SET_UPVALUE : {
  const size_t base = f->arg_base;
  const bool is_get = in->op == IOp::CALL_GET_UPVALUE;
  const size_t argc = vm.args_top_ - base;
  if (argc >= (is_get ? 1u : 2u) && vm.args_[base].type == ValueType::String) {
    if (CellObj* cell = find_upvalue(f->upvalues, vm.args_[base].str)) {
      if (is_get) {
        R[0] = cell->value;
      } else {
        cell->value = vm.args_[base + 1];
        R[0] = Value::unit();
      }
      vm.args_top_ = base;
      NEXT();
    }
  }
  goto op_CALL;  // not found: the builtin reports it
}
op_CALL_CALL_CLOSURE : {
  const size_t base = f->arg_base;
  const size_t argc = vm.args_top_ - base;
  if (argc >= 1 &&
      vm.args_[base].type == ValueType::Closure) {
    ClosureObj* c = vm.args_[base].closure;
    const FunctionProto* fn = vm.slots_[c->slot].function;
    if (fn != nullptr && fn->param_count == argc - 1) {
      SAVE_STATE();
      vm.args_top_ = base;
      const std::span<const Value> args(vm.args_.get() + base + 1, argc - 1);
      if (Value* regs = try_enter(vm, fn, args.data(), args.size(), c->upvalues)) {
        ENTER_PUSHED_FRAME(fn, regs);
      } else {
        if (auto r = Interpreter::push_frame(vm, fn, args, c->upvalues); !r) FAIL(r.error());
        RELOAD_FRAME();
      }
      NEXT();
    }
  }
  goto op_CALL;
}
op_CALL_ARRAY_LENGTH : {
  const size_t base = f->arg_base;
  if (vm.args_top_ - base >= 1 &&
      vm.args_[base].type == ValueType::Array) {
    R[0] = Value::i64(vm.args_[base].arr->length);
    vm.args_top_ = base;
    NEXT();
  }
  goto op_CALL;
}
op_CALL_ARRAY_PUSH : {
  const size_t base = f->arg_base;
  if (vm.args_top_ - base == 2 &&
      vm.args_[base].type == ValueType::Array) {
    ArrayObj* a = vm.args_[base].arr;
    if (a->extra.size() == 0 && static_cast<uint64_t>(a->length) == a->dense.size()) {
      a->dense.push_back(vm.args_[base + 1]);
      a->length += 1;
      R[0] = Value::i64(a->length);
      vm.args_top_ = base;
      NEXT();
    }
  }
  goto op_CALL;
}

  // --- PUSHARG... + CALL fused (see IOp::R_*): arguments straight from registers. -----------
  // Made only where the argument stack is provably empty (pending_arguments in translate.cpp),
  // and un-made if the builtin's name is re-bound, so neither is checked here. `ip += in->unused`
  // skips the fused PUSHARGs and the CALL (ip already points past the first PUSHARG).
op_R_GET_FIELD : {
  const Value& t = REG(in->a);
  const Value& k = REG(in->b);
  Value v;
  if (!fast_get_field(t, k, v)) goto deopt;
  R[0] = v;
  ip += in->unused;
  NEXT();
}
op_R_SET_FIELD : {
  const Value& t = REG(in->a);
  const Value& k = REG(in->b);
  const Value& v = REG(in->c);
  if (!fast_set_field(t, k, v)) goto deopt;
  R[0] = Value::unit();
  ip += in->unused;
  NEXT();
}
op_R_GET_UPVALUE:
op_R_SET_UPVALUE : {
  if (REG(in->a).type == ValueType::String) {
    if (CellObj* cell = find_upvalue(f->upvalues, REG(in->a).str)) {
      if (in->op == IOp::R_GET_UPVALUE) {
        R[0] = cell->value;
      } else {
        cell->value = REG(in->b);
        R[0] = Value::unit();
      }
      ip += in->unused;
      NEXT();
    }
  }
  goto deopt;
}
op_LDI_R_GET_UPVALUE : {
  const Value& name = K[in->b];
  REG(in->a) = name;
  if (CellObj* cell = find_upvalue(f->upvalues, name.str)) {
    R[0] = cell->value;
    ip += 2;  // the PUSHARG and the CALL
    NEXT();
  }
  goto deopt_second;  // the LDI is done; PUSHARG and CALL run plainly (the builtin reports it)
}
op_R_CALL_CLOSURE : {
  if (REG(in->a).type == ValueType::Closure) {
    ClosureObj* c = REG(in->a).closure;
    const FunctionProto* fn = vm.slots_[c->slot].function;
    if (fn != nullptr && fn->param_count == 0) {
      ip += in->unused;
      SAVE_STATE();
      if (Value* regs = try_enter(vm, fn, nullptr, 0, c->upvalues)) {
        ENTER_PUSHED_FRAME(fn, regs);
      } else {
        if (auto r = Interpreter::push_frame(vm, fn, {}, c->upvalues); !r) {
          in = f->fn->fast_plain.data() + (in - code) + in->unused;  // report it at the CALL
          FAIL(r.error());
        }
        RELOAD_FRAME();
      }
      NEXT();
    }
  }
  goto deopt;
}
op_R_CALL : {
  const CallSlot& slot = vm.slots_[in->x];
  const FunctionProto* fn = slot.function;
  if (fn != nullptr && fn->param_count == in->unused && !fn->has_upvalue_names) {
    const size_t base = vm.stack_top_;
    const size_t size = fn->frame_size();
    if (base + size <= vm.stack_capacity_ && vm.frames_.has_room()) [[likely]] {
      // Room on the value stack: R stays valid, so the arguments go straight from the caller's
      // registers into the callee's registers and saved parameters.
      Value* regs = vm.stack_.get() + base;
      Value* locals = regs + fn->register_count;
      const uint32_t n = in->unused;
      regs[0] = locals[0] = REG(in->a);
      if (n > 1) regs[1] = locals[1] = REG(in->b);
      if (n > 2) regs[2] = locals[2] = REG(in->c);
      for (uint32_t i = n; i < fn->register_count; ++i) regs[i] = Value();
      ip += in->unused;
      SAVE_STATE();
      vm.stack_top_ = base + size;
      vm.frames_.push_unchecked(Frame{fn, nullptr, nullptr, 0, static_cast<uint32_t>(base),
                                      static_cast<uint32_t>(vm.args_top_), 0, false});
      ENTER_PUSHED_FRAME(fn, regs);
      NEXT();
    }
    // Stack growth or the depth limit: the general path (which reports `stack overflow`).
    const Value args[3] = {REG(in->a), REG(in->b), REG(in->c)};
    ip += in->unused;
    SAVE_STATE();
    if (auto r = Interpreter::push_frame(vm, fn, std::span<const Value>(args, in->unused), nullptr);
        !r) {
      in = f->fn->fast_plain.data() + (in - code) + in->unused;  // report it at the CALL
      FAIL(r.error());
    }
    RELOAD_FRAME();
    NEXT();
  }
  goto deopt;
}
#define JMP_CMPJ(NAME, COND)                                               \
  op_JMP_CMPJ_##NAME : {                                                   \
    const Value& x = REG(in->a);                                           \
    const Value& y = REG(in->b);                                           \
    if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] { \
      flag = (x.i > y.i) - (x.i < y.i);                                    \
      ip = (COND) ? TARGET(in->x) : code + in->c;                          \
      NEXT();                                                              \
    }                                                                      \
    goto deopt; /* the plain JMP, then the plain CMP at the target */      \
  }
  JMP_CMPJ(EQ, flag == 0)
  JMP_CMPJ(NEQ, flag != 0)
  JMP_CMPJ(LT, flag < 0)
  JMP_CMPJ(GT, flag > 0)
#undef JMP_CMPJ

  // Loop back-edges (see IOp::ADD_JCMP): the arithmetic, then the loop head's compare and branch.
  // in[1] (an EXT_CMP slot) holds the compare's registers and targets.
#define LOOP_EDGE(NAME, WITH_LDI, OP, SELF)                                                     \
  op_##NAME : {                                                                                 \
    const Instr& ext = in[1];                                                                   \
    if constexpr (WITH_LDI) REG(in->c) = Value::i64(in->x); /* K fits x, checked when fusing */ \
    const Value& x = REG(in->b);                                                                \
    const Value& y = REG(in->c);                                                                \
    if (x.type == ValueType::I64 && (WITH_LDI || y.type == ValueType::I64)) [[likely]] {        \
      const int64_t sum = static_cast<int64_t>(                                                 \
          x.u OP(WITH_LDI ? static_cast<uint64_t>(static_cast<int64_t>(in->x)) : y.u));         \
      REG(in->a) = Value::i64(sum);                                                             \
      const Value& q = REG(ext.b);                                                              \
      const Value& p = REG(ext.a);                                                              \
      if ((SELF || p.type == ValueType::I64) && q.type == ValueType::I64) [[likely]] {          \
        const int64_t pv = SELF ? sum : p.i;                                                    \
        flag = (pv > q.i) - (pv < q.i);                                                         \
        ip = TARGET(((ext.unused >> (flag + 1)) & 1) ? ext.x : (WITH_LDI ? in[2].x : in->x));   \
        NEXT();                                                                                 \
      }                                                                                         \
      /* the arithmetic is done: run the JMP plainly (then the plain CMP at its target) */      \
      const auto jmp_index = (in - code) + (WITH_LDI ? 2 : 1);                                  \
      in = f->fn->fast_plain.data() + jmp_index;                                                \
      ip = code + jmp_index + 1;                                                                \
      goto* kDispatch[static_cast<uint8_t>(in->op)];                                            \
    }                                                                                           \
    if constexpr (WITH_LDI) goto deopt_second;                                                  \
    goto deopt;                                                                                 \
  }
  LOOP_EDGE(ADD_JCMP, false, +, false)
  LOOP_EDGE(SUB_JCMP, false, -, false)
  LOOP_EDGE(LDI_ADD_JCMP, true, +, false)
  LOOP_EDGE(LDI_SUB_JCMP, true, -, false)
  LOOP_EDGE(ADD_JCMP_SELF, false, +, true)
  LOOP_EDGE(SUB_JCMP_SELF, false, -, true)
  LOOP_EDGE(LDI_ADD_JCMP_SELF, true, +, true)
  LOOP_EDGE(LDI_SUB_JCMP_SELF, true, -, true)
#undef LOOP_EDGE

op_EXT_CMP:
op_EXT_TARGET:
deopt : {
  // Run the plain instruction at this index; `ip` already points at the next index.
  if constexpr (!kHooked) {
    in = f->fn->fast_plain.data() + (in - code);
    goto* kDispatch[static_cast<uint8_t>(in->op)];
  }
  FAIL(make_error("internal error: superinstruction in the hooked loop"));
}
deopt_second : {
  // The first instruction of the pattern is done; run the second plainly and go on after it.
  if constexpr (!kHooked) {
    const auto index = (in - code) + 1;
    in = f->fn->fast_plain.data() + index;
    ip = code + index + 1;
    goto* kDispatch[static_cast<uint8_t>(in->op)];
  }
  FAIL(make_error("internal error: superinstruction in the hooked loop"));
}

fail : {
  // Record where it happened: the instruction being executed, in the frame that ran it.
  const FunctionProto* fn = kHooked && in_fn != nullptr ? in_fn : f->fn;
  // `in` points into `code` or `fast_code` of fn; report the index and the plain opcode.
  const Instr* base = nullptr;
  for (const auto* arr : {&fn->code, &fn->fast_code, &fn->fast_plain}) {
    if (in != nullptr && in >= arr->data() && in < arr->data() + arr->size()) base = arr->data();
  }
  const bool inside = base != nullptr;
  const uint32_t index = inside ? static_cast<uint32_t>(in - base) : 0;
  vm.last_error_location_.function = fn->name;
  vm.last_error_location_.instruction_index = index;
  vm.last_error_location_.opcode = inside ? std::string(iop_name(fn->code[index].op)) : "";
  vm.last_error_location_.valid = inside;
  return Status::Failed;
}

#undef RELOAD_FRAME
#undef ENTER_PUSHED_FRAME
#undef SAVE_STATE
#undef FAIL
#undef FIRE
#undef WRITE_REG
#undef READ_EVENT
#undef REG
#undef TARGET
#undef AFTER_INSTRUCTION
#undef HOOKS_ON
#undef NEXT
#undef CHECK_MODE
}

template Status VirtualMachine::Internals::run_loop<false>(VirtualMachine&, Value&, Error&,
                                                          const int32_t**);
template Status VirtualMachine::Internals::run_loop<true>(VirtualMachine&, Value&, Error&,
                                                         const int32_t**);

}  // namespace stoffel::vm
