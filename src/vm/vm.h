// The virtual machine: a function registry, a call stack that lives on the heap (calls never
// grow the C++ stack), the garbage-collected heap, hooks, and the interpreter.
//
// Embedding (C++): create a VirtualMachine, load a program or register functions built in C++
// (bytecode::Function), register native functions, then execute(name) or
// execute_with_args(name, args). Each top-level execute starts from an empty call stack and
// leaves it empty, on success and on error (docs/decisions.md, E1).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bytecode/program.h"
#include "stoffel/result.h"
#include "vm/function.h"
#include "vm/heap.h"
#include "vm/heap_objects.h"
#include "vm/hooks.h"
#include "vm/mpc_backend.h"
#include "vm/value.h"

namespace stoffel::vm {

class VirtualMachine;

// A native (C++) function callable from bytecode with CALL. It receives the arguments and the
// VM and returns a value or an error (which aborts execution with that message).
using NativeFunction =
    std::function<Result<Value>(VirtualMachine& vm, std::span<const Value> args)>;

// Where an execution error happened; filled in by the interpreter.
struct ErrorLocation {
  std::string function;
  uint32_t instruction_index = 0;
  std::string opcode;
  bool valid = false;

  // "at function 'f', instruction 3 (ADD)" (decision E5), or "" when not valid: the one text
  // every report of an execution error uses.
  std::string to_string() const;
};

struct VmOptions {
  // Maximum number of nested frames; exceeding it is the error "stack overflow". Whatever it
  // says, the VM holds at most VirtualMachine::kMaxFrames frames and kMaxStackValues registers.
  uint32_t max_call_depth = 1'000'000;
  // Instruction budget: the most instructions one run started by the host (execute,
  // execute_with_args, call_value) may execute, nested calls and re-entries included; running
  // one more is the error "step limit of N instructions exceeded", at that instruction. The
  // implicit return at a function's end is not an instruction. 0: unlimited. A VM with a budget
  // runs the plain loop (see force_plain_loop_), so a budgeted run is about as fast as a traced
  // one; without one the hook-free loop runs, which has no counting code at all.
  uint64_t max_steps = 0;
  // Register the 16 standard builtins (docs/builtins.md) at construction.
  bool register_builtins = true;
};

class VirtualMachine {
 public:
  explicit VirtualMachine(VmOptions options = {});
  ~VirtualMachine();
  VirtualMachine(const VirtualMachine&) = delete;
  VirtualMachine& operator=(const VirtualMachine&) = delete;

  // --- loading and registration ------------------------------------------------------------------
  // Verifies the program (decisions B3, B4), translates it and registers every function (a
  // later function with the same name replaces an earlier one, as the reference does).
  Result<void> load_program(bytecode::Program program);
  Result<void> load_bytecode(std::span<const uint8_t> bytes);
  // Registers one function built in C++ (verified like a loaded one). Its LDI constants index
  // `constants`.
  Result<void> register_function(bytecode::Function function,
                                 std::vector<bytecode::Constant> constants = {});
  void register_native(std::string name, NativeFunction fn);
  // For register_standard_builtins: a native the interpreter may also run inline.
  void register_builtin(std::string name, NativeFunction fn, BuiltinId id);
  // The call slot of a name (created on first use); closures keep one so a call through them
  // does not look the name up each time.
  uint32_t call_slot(std::string_view name) { return slot_for(name); }
  bool has_function(std::string_view name) const;
  // The names of the registered native functions, builtins included, in no particular order
  // (tests/unit/vm/builtins_doc_test.cpp checks each one against docs/builtins.md).
  std::vector<std::string> native_names() const {
    std::vector<std::string> names;
    names.reserve(natives_.size());
    for (const auto& [name, entry] : natives_) names.push_back(name);
    return names;
  }

  // --- execution ---------------------------------------------------------------------------------
  Result<Value> execute(std::string_view name);
  Result<Value> execute_with_args(std::string_view name, std::span<const Value> args);
  // Calls a closure (or any VM function value) from native code, re-entering the interpreter.
  Result<Value> call_value(const Value& callee, std::span<const Value> args);
  // Where the last execution error happened (function, instruction index, opcode).
  const ErrorLocation& last_error_location() const { return last_error_location_; }

  // --- values and heap ---------------------------------------------------------------------------
  Value make_string(std::string_view s);
  Value make_object();
  Value make_array(size_t capacity_hint = 0);
  // An array of n units in `out`, and its elements for the caller to fill before anything else
  // runs on this VM (builtins that return 10^5 values write them in place).
  std::span<Value> make_filled_array(size_t n, Value& out);
  // Container access with reference semantics (used by builtins and embedders). Hooks for field
  // reads/writes fire from the builtins, not here.
  Value get_field(const Value& container, const Value& key) const;
  Result<Value> set_field(const Value& container, const Value& key, const Value& value);
  int64_t array_length(const Value& array) const;
  Heap& heap() { return heap_; }
  // Keeps host-held values alive across executions: pinned values are GC roots until unpinned.
  void pin(const Value& v);
  void unpin(const Value& v);
  void collect_garbage();

  // --- foreign objects ---------------------------------------------------------------------------
  Value register_foreign_object(std::shared_ptr<void> object, const void* type_tag);
  template <typename T>
  Value register_foreign(std::shared_ptr<T> object) {
    return register_foreign_object(std::static_pointer_cast<void>(std::move(object)),
                                   type_tag<T>());
  }
  template <typename T>
  std::shared_ptr<T> get_foreign(const Value& v) const {
    auto p = foreign_lookup(v, type_tag<T>());
    return std::static_pointer_cast<T>(p);
  }

  // --- hooks -------------------------------------------------------------------------------------
  uint64_t register_hook(HookPredicate predicate, HookCallback callback, int32_t priority = 0);
  bool unregister_hook(uint64_t id);
  bool enable_hook(uint64_t id);
  bool disable_hook(uint64_t id);
  bool hooks_active() const { return hooks_.any(); }
  Result<void> fire_hook(const HookEvent& event) { return hooks_.fire(event, *this); }

  // --- inspection (hook callbacks get a const VirtualMachine&) -----------------------------------
  uint32_t call_depth() const { return static_cast<uint32_t>(frames_.size()); }
  std::string_view current_function_name() const;
  const FunctionProto* current_function() const;
  // Index of the instruction being executed (the caller's CALL while a callee is being entered).
  uint32_t current_instruction() const { return current_instruction_; }
  int32_t current_flag() const;
  Value register_value(uint32_t reg) const;  // of the current frame
  // The instruction in assembly syntax (docs/assembly.md), as stoffel-asm accepts it inside its
  // function: "LDI r0, 42", "JMPGT done", "CALL \"print\"", "RET r0" past the end (E2).
  std::string format_instruction(const FunctionProto& fn, uint32_t index) const;

  // --- MPC (a backend, set by the embedder, runs the secret operations) -------------------------
  void set_engine(MpcBackend* engine) { engine_ = engine; }
  MpcBackend* engine() const { return engine_; }
  // Set when an operation needed an engine and there was none ("MPC engine not configured"):
  // stoffel-run then re-runs the program on its embedded MPC engine.
  bool engine_was_needed() const { return engine_needed_; }
  void note_engine_needed() { engine_needed_ = true; }
  ClientStore& client_store() { return client_store_; }

  // --- output ------------------------------------------------------------------------------------
  // Where `print` writes; stdout by default.
  void set_output(std::function<void(std::string_view)> sink) { output_ = std::move(sink); }
  void write_output(std::string_view text) const { output_(text); }

  // Reveals queued by MOV secret -> clear (decision E11); flushed in one batched opening before
  // any read of a register holding a PendingReveal marker, at every RET, and at 1024 entries.
  Result<void> flush_reveals();
  size_t pending_reveal_count() const { return pending_reveals_.size(); }

  // Internal API used by the builtins (src/vm/builtins_*.cpp).
  struct Internals;

 private:
  friend struct Internals;
  friend class Interpreter;
  friend class Translator;

  // 40 bytes, written on every call: the fields a call sets first, the flag (always -1, 0 or 1)
  // and the entry mark packed at the end. The closure a frame runs is not kept: the frame needs
  // only its function and upvalues, and those are marked through the frame.
  struct Frame {
    const FunctionProto* fn;
    CellListObj* upvalues;     // captured variables visible to get/set_upvalue (may be null)
    CellListObj* param_cells;  // cells created when a parameter is captured (lazy)
    uint32_t pc;               // next instruction (saved while a callee runs)
    uint32_t base;             // r0 in stack_
    uint32_t arg_base;         // this frame's argument stack starts here in args_
    int8_t flag;               // compare flag: -1, 0 or 1, starts 0
    // This frame is the first one of an interpreter run: its RET ends the run.
    bool entry;
  };
  static_assert(sizeof(Frame) == 40);

  // The call stack's frames: a growable array with an inline push, since the interpreter pushes
  // and pops one per call (std::vector's out-of-line growth path kept emplace_back from being
  // inlined). Frames never move while the interpreter holds a pointer: it re-reads back() after
  // anything that may push (see RELOAD_FRAME).
  class FrameStack {
   public:
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    size_t capacity() const { return capacity_; }
    Frame& back() { return data_[size_ - 1]; }
    const Frame& back() const { return data_[size_ - 1]; }
    Frame& operator[](size_t i) { return data_[i]; }
    const Frame& operator[](size_t i) const { return data_[i]; }
    const Frame* begin() const { return data_.get(); }
    const Frame* end() const { return data_.get() + size_; }
    void pop_back() { --size_; }
    void resize(size_t n) { size_ = n < size_ ? n : size_; }  // only shrinks
    [[gnu::always_inline]] void push_back(const Frame& f) {
      if (size_ == capacity_) [[unlikely]]
        grow();
      data_[size_++] = f;
    }
    // The interpreter's call fast path: one compare covers both the depth limit and the
    // allocated capacity; push_unchecked is only valid after has_room().
    bool has_room() const { return size_ < room_; }
    [[gnu::always_inline]] void push_unchecked(const Frame& f) { data_[size_++] = f; }
    void set_max_depth(size_t d) {
      max_depth_ = d;
      room_ = capacity_ < max_depth_ ? capacity_ : max_depth_;
    }
    void reserve(size_t n) {
      while (capacity_ < n) grow();
    }

   private:
    [[gnu::noinline]] void grow() {
      const size_t cap = capacity_ == 0 ? 64 : capacity_ * 2;
      auto fresh = std::make_unique<Frame[]>(cap);
      for (size_t i = 0; i < size_; ++i) fresh[i] = data_[i];
      data_ = std::move(fresh);
      capacity_ = cap;
      room_ = capacity_ < max_depth_ ? capacity_ : max_depth_;
    }
    std::unique_ptr<Frame[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
    size_t max_depth_ = SIZE_MAX;
    size_t room_ = 0;  // min(capacity_, max_depth_)
  };

  struct CallSlot {
    std::string name;
    const FunctionProto* function = nullptr;  // a VM function, or
    const NativeFunction* native = nullptr;   // a native one; both null: unknown
    BuiltinId builtin = BuiltinId::None;      // which standard builtin `native` is, if any
  };
  struct NativeEntry {
    NativeFunction fn;
    BuiltinId builtin;
  };

  template <typename T>
  static const void* type_tag() {
    static const char tag = 0;
    return &tag;
  }
  std::shared_ptr<void> foreign_lookup(const Value& v, const void* tag) const;

  uint32_t slot_for(std::string_view name);
  void bind_slot(std::string_view name);
  void unfuse_builtin_calls(uint32_t slot);
  Result<Value> run_entry(const FunctionProto* fn, std::span<const Value> args,
                          std::string_view name);
  Result<Value> run_native_entry(const NativeFunction& fn, std::span<const Value> args,
                                 std::string_view name);
  void mark_roots(Heap& heap);
  // Bound on the registers of all frames together (16 bytes each: 256 MiB). Deep recursion of a
  // function with a large register file reaches it long before max_call_depth; past it a call is
  // the error "stack overflow" instead of an allocation that fails or exhausts the machine. The
  // value stack never grows beyond it, so the interpreter's fast call paths (which only check
  // the allocated capacity) stay within it too.
  static constexpr size_t kMaxStackValues = size_t{1} << 24;
  // Bound on nested frames whatever max_call_depth asks (40 bytes each: 160 MiB). A call costs
  // one frame plus 16 bytes per register of the callee, so the deepest recursion holds at most
  // 160 MiB of frames and 256 MiB of registers (twice that for a moment while an array doubles)
  // and fails within seconds, instead of growing until the machine runs out of memory.
  static constexpr size_t kMaxFrames = size_t{1} << 22;
  void ensure_stack(size_t needed);
  void ensure_args(size_t needed);

  VmOptions options_;
  Heap heap_;
  HookRegistry hooks_;
  MpcBackend* engine_ = nullptr;
  bool engine_needed_ = false;
  ClientStore client_store_;
  std::function<void(std::string_view)> output_;

  std::vector<std::unique_ptr<LoadedProgram>> programs_;
  std::unordered_map<std::string, const FunctionProto*> functions_;
  std::unordered_map<std::string, std::unique_ptr<NativeEntry>> natives_;
  std::vector<CallSlot> slots_;
  std::unordered_map<std::string, uint32_t> slot_index_;

  // The call stack. Registers of all frames live in one contiguous value stack; the argument
  // stacks of all frames live in another (a frame's own stack starts at its arg_base).
  FrameStack frames_;
  std::unique_ptr<Value[]> stack_;
  size_t stack_capacity_ = 0;
  size_t stack_top_ = 0;  // first free slot
  std::unique_ptr<Value[]> args_;
  size_t args_capacity_ = 0;
  size_t args_top_ = 0;

  uint32_t current_instruction_ = 0;
  ErrorLocation last_error_location_;
  bool native_pushed_frame_ = false;  // set by call_closure: continue in the pushed frame
  // Argument buffers of native calls in progress: GC roots while the native may re-enter.
  std::vector<std::span<const Value>> native_roots_;
  std::vector<std::vector<Value>> native_scratch_;  // argument copies, one buffer per call depth
  uint32_t run_depth_ = 0;  // nesting of interpreter runs (call_value re-enters)
  // Instructions the current run may still execute (VmOptions::max_steps); set when a run
  // starts from the host, counted down by the plain loop.
  uint64_t steps_left_ = 0;
  // The plain (hooked) loop runs everything when
  //  * a loaded function uses registers beyond what the hook-free loop's pre-doubled 16-bit
  //    operands can address (>= 32768);
  //  * there is an instruction budget (VmOptions::max_steps). Counting is the plain loop's
  //    job only, so an unlimited run pays nothing for the feature: the hook-free loop has no
  //    counter, not even at backward jumps and calls (where a counter would bound every
  //    unbounded run, but would cost a decrement and a branch per loop iteration and call,
  //    and would have to be threaded through every loop-edge and call superinstruction).
  bool force_plain_loop_ = false;
  // The hook-free loop assumes no PendingReveal marker exists, so while reveals are queued the
  // plain loop runs (it checks reads), as it does for hooks.
  bool needs_plain_loop() const {
    return hooks_.any() || force_plain_loop_ || !pending_reveals_.empty();
  }
  struct PendingRevealEntry {
    int64_t id;   // the marker's payload
    size_t slot;  // absolute index in stack_ of the destination register
    ShareType type;
    FieldBytes share;
    std::vector<uint8_t> commitments;  // the share's, checked by the opening (empty: none)
  };
  std::vector<PendingRevealEntry> pending_reveals_;
  int64_t next_reveal_id_ = 0;

  std::vector<Value> pinned_;
  struct ForeignEntry {
    std::shared_ptr<void> object;
    const void* tag;
  };
  std::unordered_map<int64_t, ForeignEntry> foreign_;
  int64_t next_foreign_id_ = 1;
};

}  // namespace stoffel::vm
