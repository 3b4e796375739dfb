// The interpreter loop.
//
// Shape (after Lua's lvm.c): the loop keeps the instruction pointer, the register base, the
// constant pool and the compare flag in locals; the common I64 cases of arithmetic and compare
// are handled inline and everything else goes to out-of-line functions (arith.cpp). Dispatch is
// by computed goto ("labels as values", a GCC/Clang extension), one indirect jump per handler,
// which predicts better than one shared switch.
//
// Two instantiations: run_loop<false> has no hook code at all; run_loop<true> fires every event
// of reference-vm.md §5. The VM switches between them when hooks appear or disappear (E9).
//
// Rule for what must be saved before anything that can fail, run a hook, call native code or
// re-enter the VM: SAVE_STATE() stores pc and flag into the frame. After anything that can push
// frames or grow the value stack (CALL, native calls), RELOAD_FRAME() re-reads the frame pointer,
// register base and code from the VM, because frames_ and stack_ may have been reallocated.
#include <cstring>

#include "vm/arith.h"
#include "vm/heap_objects.h"
#include "vm/interpreter.h"
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

struct VirtualMachine::Internals {
  template <bool kHooked>
  static Status run_loop(VirtualMachine& vm, size_t stop_depth, Value& result, Error& error);
};

CellObj* Interpreter::find_variable_cell(VirtualMachine& vm, StringObj* name) {
  auto same = [&](const StringObj* s) {
    return s == name || (s->length == name->length && std::memcmp(s->data(), name->data(), s->length) == 0);
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
                                     std::span<const Value> args, ClosureObj* closure,
                                     CellListObj* upvalues) {
  if (vm.frames_.size() >= vm.options_.max_call_depth) {
    return make_error("stack overflow: more than " + std::to_string(vm.options_.max_call_depth) +
                      " nested calls");
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
  vm.frames_.push_back(VirtualMachine::Frame{fn, 0, static_cast<uint32_t>(base),
                                             static_cast<uint32_t>(vm.args_top_), 0, upvalues,
                                             nullptr, closure});
  return {};
}

Result<void> Interpreter::push_closure_frame(VirtualMachine& vm, ClosureObj* closure,
                                             std::span<const Value> args) {
  auto it = vm.functions_.find(std::string(closure->function_name->view()));
  if (it == vm.functions_.end()) {
    return make_error("Function " + std::string(closure->function_name->view()) + " not found");
  }
  const FunctionProto* fn = it->second;
  if (args.size() != fn->param_count) {
    return make_error("Function " + fn->name + " expects " + std::to_string(fn->param_count) +
                      " arguments but got " + std::to_string(args.size()));
  }
  return push_frame(vm, fn, args, closure, closure->upvalues);
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

Result<Value> Interpreter::run(VirtualMachine& vm, size_t stop_depth) {
  Value result;
  Error error;
  ++vm.run_depth_;
  for (;;) {
    Status s = vm.hooks_.any()
                   ? VirtualMachine::Internals::run_loop<true>(vm, stop_depth, result, error)
                   : VirtualMachine::Internals::run_loop<false>(vm, stop_depth, result, error);
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
Status VirtualMachine::Internals::run_loop(VirtualMachine& vm, size_t stop_depth, Value& result,
                                           Error& error) {
  static const void* const kDispatch[kIOpCount] = {
      &&op_LD,    &&op_LDI,   &&op_MOV,   &&op_MOV_SHARE, &&op_MOV_REVEAL, &&op_ADD,
      &&op_SUB,   &&op_MUL,   &&op_DIV,   &&op_MOD,       &&op_AND,        &&op_OR,
      &&op_XOR,   &&op_NOT,   &&op_SHL,   &&op_SHR,       &&op_JMP,        &&op_JMPEQ,
      &&op_JMPNEQ, &&op_JMPLT, &&op_JMPGT, &&op_CALL,     &&op_RET,        &&op_PUSHARG,
      &&op_CMP,   &&op_END};

  Frame* f;
  const Instr* code;
  const Instr* ip;
  const Instr* in = nullptr;
  Value* R;
  const Value* K;
  int32_t flag;
  // The function and index of the instruction being executed, for hook events and errors.
  const FunctionProto* in_fn = nullptr;

#define RELOAD_FRAME()                  \
  do {                                  \
    f = &vm.frames_.back();             \
    code = f->fn->code.data();          \
    ip = code + f->pc;                  \
    R = vm.stack_.get() + f->base;      \
    K = f->fn->constants;               \
    flag = f->flag;                     \
  } while (0)
#define SAVE_STATE()                                   \
  do {                                                 \
    f->pc = static_cast<uint32_t>(ip - code);          \
    f->flag = flag;                                    \
  } while (0)
#define FAIL(err_expr)      \
  do {                      \
    error = (err_expr);     \
    goto fail;              \
  } while (0)
#define FIRE(event)                                                   \
  do {                                                                \
    if constexpr (kHooked) {                                          \
      if (auto hr_ = vm.hooks_.fire(event, vm); !hr_) FAIL(hr_.error()); \
    }                                                                 \
  } while (0)
  // Writes register `reg` and, with hooks, reports RegisterWrite(reg, old, new).
#define WRITE_REG(REG_, VAL_)                                       \
  do {                                                              \
    if constexpr (kHooked) {                                        \
      const Value old_ = R[REG_];                                   \
      R[REG_] = (VAL_);                                             \
      HookEvent ev_{HookEventKind::RegisterWrite};                  \
      ev_.reg = (REG_);                                             \
      ev_.old_value = old_;                                         \
      ev_.value = R[REG_];                                          \
      FIRE(ev_);                                                    \
    } else {                                                        \
      R[REG_] = (VAL_);                                             \
    }                                                               \
  } while (0)
#define AFTER_INSTRUCTION()                                   \
  do {                                                        \
    if constexpr (kHooked) {                                  \
      HookEvent ev_{HookEventKind::AfterInstructionExecute};  \
      ev_.function = in_fn;                                   \
      ev_.instruction_index = static_cast<uint32_t>(in - in_fn->code.data()); \
      FIRE(ev_);                                              \
    }                                                         \
  } while (0)
  // Fetch and dispatch the next instruction. With hooks: AfterInstructionExecute of the current
  // one, a mode check (a callback may have removed the last hook), BeforeInstructionExecute.
#define NEXT()                                                                 \
  do {                                                                         \
    if constexpr (kHooked) {                                                   \
      goto hooked_next;                                                        \
    } else {                                                                   \
      in = ip++;                                                               \
      goto* kDispatch[static_cast<uint8_t>(in->op)];                           \
    }                                                                          \
  } while (0)
  // After a native call or anything else that may register/remove hooks.
#define CHECK_MODE()                                   \
  do {                                                 \
    if (vm.hooks_.any() != kHooked) {                  \
      SAVE_STATE();                                    \
      return Status::SwitchMode;                       \
    }                                                  \
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
    if (!vm.hooks_.any()) {
      SAVE_STATE();
      return Status::SwitchMode;
    }
    in = ip++;
    in_fn = f->fn;
    if (in->op != IOp::END) {
      vm.current_instruction_ = static_cast<uint32_t>(in - code);
      f->pc = static_cast<uint32_t>(ip - code);
      f->flag = flag;
      HookEvent ev{HookEventKind::BeforeInstructionExecute};
      ev.function = in_fn;
      ev.instruction_index = vm.current_instruction_;
      FIRE(ev);
    }
    goto* kDispatch[static_cast<uint8_t>(in->op)];
  }

op_LD: {
  // index = len + off - 1 into the current frame's argument stack.
  const int64_t len = static_cast<int64_t>(vm.args_top_ - f->arg_base);
  const int64_t index = len + in->x - 1;
  if (index < 0 || index >= len) {
    FAIL(make_error("Stack address [sp+" + std::to_string(in->x) + "] out of bounds"));
  }
  WRITE_REG(in->a, vm.args_[f->arg_base + index]);
  NEXT();
}
op_LDI:
  WRITE_REG(in->a, K[in->x]);
  NEXT();
op_MOV:
  if constexpr (kHooked) {
    HookEvent ev{HookEventKind::RegisterRead};
    ev.reg = in->b;
    ev.value = R[in->b];
    FIRE(ev);
  }
  WRITE_REG(in->a, R[in->b]);
  NEXT();
op_MOV_SHARE:
op_MOV_REVEAL:
  if constexpr (kHooked) {
    HookEvent ev{HookEventKind::RegisterRead};
    ev.reg = in->b;
    ev.value = R[in->b];
    FIRE(ev);
  }
  // Crossing the secret boundary needs an MPC engine (the MPC issue implements the engine path).
  if (vm.engine_ == nullptr) FAIL(make_error("MPC engine not configured"));
  if (!vm.engine_->is_ready()) FAIL(make_error("MPC engine configured but not ready"));
  FAIL(make_error("Secret register moves are not supported by this engine"));

#define ARITH_OP(NAME, EXPR)                                                        \
  op_##NAME : {                                                                     \
    const Value& x = R[in->b];                                                      \
    const Value& y = R[in->c];                                                      \
    if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] {          \
      WRITE_REG(in->a, Value::i64(static_cast<int64_t>(EXPR)));                     \
      NEXT();                                                                       \
    }                                                                               \
    goto slow_binary;                                                               \
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
slow_binary: {
  SAVE_STATE();
  auto r = binary_op(vm, in->op, R[in->b], R[in->c]);
  if (!r) FAIL(r.error());
  WRITE_REG(in->a, *r);
  if (r->is_heap() && vm.heap_.needs_collection()) vm.collect_garbage();
  NEXT();
}
op_NOT: {
  auto r = not_op(vm, R[in->b]);
  if (!r) FAIL(r.error());
  WRITE_REG(in->a, *r);
  NEXT();
}
op_CMP: {
  const Value& x = R[in->a];
  const Value& y = R[in->b];
  if (x.type == ValueType::I64 && y.type == ValueType::I64) [[likely]] {
    flag = (x.i > y.i) - (x.i < y.i);
    NEXT();
  }
  auto r = compare_values(x, y);
  if (!r) FAIL(r.error());
  flag = *r;
  NEXT();
}
op_JMP:
  ip = code + in->x;
  NEXT();
op_JMPEQ:
  if (flag == 0) ip = code + in->x;
  NEXT();
op_JMPNEQ:
  if (flag != 0) ip = code + in->x;
  NEXT();
op_JMPLT:
  if (flag < 0) ip = code + in->x;
  NEXT();
op_JMPGT:
  if (flag > 0) ip = code + in->x;
  NEXT();
op_PUSHARG:
  if (vm.args_top_ == vm.args_capacity_) vm.ensure_args(vm.args_top_ + 1);
  vm.args_[vm.args_top_++] = R[in->a];
  if constexpr (kHooked) {
    HookEvent ev{HookEventKind::StackPush};
    ev.value = R[in->a];
    FIRE(ev);
  }
  NEXT();

op_CALL: {
  const CallSlot& slot = vm.slots_[in->x];
  const size_t arg_base = f->arg_base;
  const size_t argc = vm.args_top_ - arg_base;
  if constexpr (kHooked) {
    if (slot.function != nullptr || slot.native != nullptr) {
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
      HookEvent ev{HookEventKind::BeforeFunctionCall};
      ev.callee = Value::closure_value(vm.heap_.new_closure(callee->name_string, vm.heap_.new_cell_list()));
      ev.args = args;
      FIRE(ev);
    }
    vm.args_top_ = arg_base;
    if (auto r = Interpreter::push_frame(vm, callee, args, nullptr, nullptr); !r) FAIL(r.error());
    RELOAD_FRAME();
    NEXT();  // with hooks: AfterInstructionExecute(CALL) in the callee's context
  }
  if (slot.native != nullptr) {
    // Copy the arguments out of the argument stack: native code may re-enter the VM, which can
    // reallocate that stack. The copy is a GC root for the duration of the call.
    Value small[8];
    std::vector<Value> big;
    Value* argv = small;
    if (argc > 8) {
      big.resize(argc);
      argv = big.data();
    }
    for (size_t i = 0; i < argc; ++i) argv[i] = vm.args_[arg_base + i];
    vm.args_top_ = arg_base;
    const std::span<const Value> args(argv, argc);
    if constexpr (kHooked) {
      HookEvent ev{HookEventKind::BeforeFunctionCall};
      ev.callee = callee_label(vm, "foreign function ", slot.name);
      ev.args = args;
      FIRE(ev);
    }
    SAVE_STATE();
    vm.native_roots_.push_back(args);
    vm.native_pushed_frame_ = false;
    Result<Value> r = (*slot.native)(vm, args);
    vm.native_roots_.pop_back();
    if (!r) {
      RELOAD_FRAME();
      FAIL(r.error());
    }
    if (vm.native_pushed_frame_) {
      // call_closure pushed a frame: continue there; its RET writes our r0.
      vm.native_pushed_frame_ = false;
      RELOAD_FRAME();
      CHECK_MODE();
      NEXT();
    }
    RELOAD_FRAME();
    WRITE_REG(0, *r);
    if constexpr (kHooked) {
      HookEvent ev{HookEventKind::AfterFunctionCall};
      ev.callee = callee_label(vm, "foreign function ", slot.name);
      ev.value = *r;
      FIRE(ev);
    }
    // Safe point: the result is in r0, the argument copy is no longer needed.
    if (vm.heap_.needs_collection()) vm.collect_garbage();
    CHECK_MODE();
    NEXT();
  }
  FAIL(make_error("Function '" + slot.name + "' not found"));
}

op_RET:
op_END: {
  // END is the implicit `RET r0` after the last instruction (E2).
  const Value v = in->op == IOp::END ? R[0] : R[in->a];
  const bool implicit = in->op == IOp::END;
  if (vm.frames_.size() - 1 == stop_depth) {
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
  RELOAD_FRAME();
  WRITE_REG(0, v);
  if constexpr (kHooked) {
    HookEvent ev{HookEventKind::AfterFunctionCall};
    ev.callee = callee_label(vm, "function ", callee->name);
    ev.value = v;
    FIRE(ev);
    if (implicit) goto hooked_fetch;
  }
  NEXT();  // with hooks: AfterInstructionExecute(RET) in the caller's context
}

fail: {
  // Record where it happened: the instruction being executed, in the frame that ran it.
  const FunctionProto* fn = kHooked && in_fn != nullptr ? in_fn : f->fn;
  const Instr* base = fn->code.data();
  const bool inside = in != nullptr && in >= base && in < base + fn->code.size();
  vm.last_error_location_.function = fn->name;
  vm.last_error_location_.instruction_index = inside ? static_cast<uint32_t>(in - base) : 0;
  vm.last_error_location_.opcode = inside ? std::string(iop_name(in->op)) : "";
  vm.last_error_location_.valid = inside;
  return Status::Failed;
}

#undef RELOAD_FRAME
#undef SAVE_STATE
#undef FAIL
#undef FIRE
#undef WRITE_REG
#undef AFTER_INSTRUCTION
#undef NEXT
#undef CHECK_MODE
}

template Status VirtualMachine::Internals::run_loop<false>(VirtualMachine&, size_t, Value&, Error&);
template Status VirtualMachine::Internals::run_loop<true>(VirtualMachine&, size_t, Value&, Error&);

}  // namespace stoffel::vm
