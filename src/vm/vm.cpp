#include "vm/vm.h"

#include <cstdio>
#include <optional>

#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "vm/builtins.h"
#include "vm/interpreter.h"
#include "vm/value_format.h"

namespace stoffel::vm {

VirtualMachine::VirtualMachine(VmOptions options) : options_(options) {
  frames_.set_max_depth(options_.max_call_depth);
  frames_.reserve(256);
  ensure_stack(4096);
  ensure_args(256);
  output_ = [](std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); };
  if (options_.register_builtins) register_standard_builtins(*this);
}

VirtualMachine::~VirtualMachine() = default;

// --- registration ------------------------------------------------------------------------------

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
        const IOp op = fn->fast_code[i].op;
        const bool inline_builtin = (op >= IOp::CALL_GET_FIELD && op <= IOp::R_CALL_CLOSURE);
        if (inline_builtin && static_cast<uint32_t>(fn->fast_code[i].x) == slot) {
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

static Value constant_to_value(Heap& heap, const bytecode::Constant& c) {
  using bytecode::ConstTag;
  switch (c.tag) {
    case ConstTag::Unit:
      return Value::unit();
    case ConstTag::I64:
      return Value::i64(c.as_i64());
    case ConstTag::I32:
      return Value::make_int(ValueType::I32, c.as_i64());
    case ConstTag::I16:
      return Value::make_int(ValueType::I16, c.as_i64());
    case ConstTag::I8:
      return Value::make_int(ValueType::I8, c.as_i64());
    case ConstTag::U8:
      return Value::make_int(ValueType::U8, static_cast<int64_t>(c.bits));
    case ConstTag::U16:
      return Value::make_int(ValueType::U16, static_cast<int64_t>(c.bits));
    case ConstTag::U32:
      return Value::make_int(ValueType::U32, static_cast<int64_t>(c.bits));
    case ConstTag::U64:
      return Value::u64(c.bits);
    case ConstTag::Float:
      return Value::f64(c.as_f64());
    case ConstTag::Bool:
      return Value::boolean(c.bits != 0);
    case ConstTag::String:
      return Value::string(heap.new_string(c.str));
  }
  return Value::unit();
}

// Prepares instructions for the hook-free loop:
//  * registers are addressed as R + operand * 8 with the operand pre-doubled, so a register access
//    is one x86 addressing mode (scale 8) rather than a shift and an add. Register fields are a,
//    b, c, except LDI_CMPJ_* (b is a constant index) and JMP_CMPJ_* (c is an instruction index).
//    Unused fields are 0 and stay 0;
//  * jump targets in x become byte offsets into the code array (no multiply per taken jump).
std::vector<Instr> VirtualMachine::scale_registers(const std::vector<Instr>& code) {
  std::vector<Instr> out = code;
  for (Instr& in : out) {
    const bool x_is_target = (in.op >= IOp::JMP && in.op <= IOp::JMPGT) ||
                             (in.op >= IOp::CMPJ_EQ && in.op <= IOp::LDI_CMPJ_GT) ||
                             (in.op >= IOp::JMP_CMPJ_EQ && in.op <= IOp::JMP_CMPJ_GT) ||
                             in.op == IOp::ADD_JCMP || in.op == IOp::SUB_JCMP ||
                             in.op == IOp::ADD_JCMP_SELF || in.op == IOp::SUB_JCMP_SELF ||
                             in.op == IOp::EXT_CMP || in.op == IOp::EXT_TARGET;
    if (x_is_target) in.x = static_cast<int32_t>(in.x * sizeof(Instr));
    const bool b_is_reg =
        !(in.op >= IOp::LDI_CMPJ_EQ && in.op <= IOp::LDI_CMPJ_GT) && in.op != IOp::LDI_R_GET_UPVALUE;
    const bool c_is_reg = !(in.op >= IOp::JMP_CMPJ_EQ && in.op <= IOp::JMP_CMPJ_GT);
    in.a = static_cast<uint16_t>(in.a * 2);
    if (b_is_reg) in.b = static_cast<uint16_t>(in.b * 2);
    if (c_is_reg) in.c = static_cast<uint16_t>(in.c * 2);
  }
  return out;
}

// Arguments pending on the frame's argument stack before each instruction of `code`, when it is
// the same on every path that reaches it, else -1 (-2: unreachable). PUSHARG adds one, CALL
// consumes them all, a frame starts with none. The fused PUSHARG+CALL forms (R_*) are only
// valid where none are pending; proving it here, once, saves a check on every call.
static std::vector<int> pending_arguments(const std::vector<Instr>& code) {
  const size_t n = code.size();
  std::vector<int> depth(n, -2);
  std::vector<size_t> work;
  auto flow = [&](size_t to, int d) {
    if (to >= n) return;
    const int merged = depth[to] == -2 ? d : (depth[to] == d ? d : -1);
    if (merged == depth[to]) return;
    depth[to] = merged;
    work.push_back(to);
  };
  flow(0, 0);
  while (!work.empty()) {
    const size_t i = work.back();
    work.pop_back();
    const Instr& in = code[i];
    const int d = depth[i];
    switch (in.op) {
      case IOp::RET:
      case IOp::END:
        break;
      case IOp::JMP:
        flow(static_cast<size_t>(in.x), d);
        break;
      case IOp::JMPEQ:
      case IOp::JMPNEQ:
      case IOp::JMPLT:
      case IOp::JMPGT:
        flow(static_cast<size_t>(in.x), d);
        flow(i + 1, d);
        break;
      case IOp::PUSHARG:
        flow(i + 1, d < 0 || d > 1000000 ? -1 : d + 1);
        break;
      case IOp::CALL:
        flow(i + 1, 0);
        break;
      default:
        flow(i + 1, d);
        break;
    }
  }
  return depth;
}

// Builds FunctionProto::fast_code from code: same instructions, with superinstructions at the
// start of the patterns the Stoffel-Lang compiler emits most (see IOp in function.h).
std::vector<Instr> VirtualMachine::superinstructions(
    const std::vector<Instr>& code, const Value* constants,
    const std::unordered_set<std::string>& program_functions) {
  std::vector<Instr> fast = code;
  auto is_i64_const = [&](const Instr& ldi) {
    return ldi.op == IOp::LDI && constants[ldi.x].type == ValueType::I64;
  };
  auto fits_x = [&](const Instr& ldi) {
    return constants[ldi.x].i >= INT32_MIN && constants[ldi.x].i <= INT32_MAX;
  };
  auto cond_jump = [](IOp op, IOp eq, IOp neq, IOp lt, IOp gt) -> std::optional<IOp> {
    switch (op) {
      case IOp::JMPEQ:
        return eq;
      case IOp::JMPNEQ:
        return neq;
      case IOp::JMPLT:
        return lt;
      case IOp::JMPGT:
        return gt;
      default:
        return std::nullopt;
    }
  };
  const size_t n = code.size();
  const std::vector<int> pending = pending_arguments(code);
  for (size_t i = 0; i < n; ++i) {
    const Instr& in = code[i];
    if (in.op == IOp::CMP && i + 1 < n) {
      if (auto op =
              cond_jump(code[i + 1].op, IOp::CMPJ_EQ, IOp::CMPJ_NEQ, IOp::CMPJ_LT, IOp::CMPJ_GT)) {
        fast[i] = Instr{*op, 0, in.a, in.b, 0, code[i + 1].x};
      }
    } else if (in.op == IOp::LDI && i + 2 < n && code[i + 1].op == IOp::CMP &&
               code[i + 1].b == in.a && code[i + 1].a != in.a && in.x < 65536 &&
               (constants[in.x].type == ValueType::I64 ||
                constants[in.x].type == ValueType::Bool)) {
      if (auto op = cond_jump(code[i + 2].op, IOp::LDI_CMPJ_EQ, IOp::LDI_CMPJ_NEQ, IOp::LDI_CMPJ_LT,
                              IOp::LDI_CMPJ_GT)) {
        fast[i] = Instr{*op, 0, code[i + 1].a, static_cast<uint16_t>(in.x), in.a, code[i + 2].x};
      }
    } else if (is_i64_const(in) && fits_x(in) && i + 1 < n &&
               (code[i + 1].op == IOp::ADD || code[i + 1].op == IOp::SUB) &&
               code[i + 1].c == in.a) {
      const Instr& arith = code[i + 1];
      fast[i] = Instr{arith.op == IOp::ADD ? IOp::LDI_ADD : IOp::LDI_SUB, 0, arith.a, arith.b,
                      in.a, static_cast<int32_t>(constants[in.x].i)};
    } else if (in.op == IOp::LDI && i + 2 < n && in.x < 65536 &&
               constants[in.x].type == ValueType::String &&
               code[i + 1].op == IOp::PUSHARG && code[i + 1].a == in.a && pending[i + 1] == 0 &&
               code[i + 2].op == IOp::CALL &&
               slots_[code[i + 2].x].builtin == BuiltinId::GetUpvalue) {
      fast[i] = Instr{IOp::LDI_R_GET_UPVALUE, 0, in.a, static_cast<uint16_t>(in.x), 0, code[i + 2].x};
    } else if (in.op == IOp::PUSHARG && pending[i] == 0) {
      // PUSHARG x n, then CALL, with no other arguments pending: fuse when the callee is a
      // builtin we run inline with exactly n arguments, or a program function taking 1..3
      // parameters.
      size_t pushes = 0;
      while (i + pushes < n && code[i + pushes].op == IOp::PUSHARG && pushes < 3) ++pushes;
      if (i + pushes >= n || code[i + pushes].op != IOp::CALL) continue;
      const Instr& call = code[i + pushes];
      const CallSlot& slot = slots_[call.x];
      IOp op = IOp::END;
      size_t want = 0;
      switch (slot.builtin) {
        case BuiltinId::GetField:
          op = IOp::R_GET_FIELD;
          want = 2;
          break;
        case BuiltinId::SetField:
          op = IOp::R_SET_FIELD;
          want = 3;
          break;
        case BuiltinId::GetUpvalue:
          op = IOp::R_GET_UPVALUE;
          want = 1;
          break;
        case BuiltinId::SetUpvalue:
          op = IOp::R_SET_UPVALUE;
          want = 2;
          break;
        case BuiltinId::CallClosure:
          op = IOp::R_CALL_CLOSURE;
          want = 1;
          break;
        default:
          // A program function (bound already, or defined by the program being loaded, which is
          // registered after translation). R_CALL re-checks the binding and arity at run time.
          if (slot.function != nullptr ||
              (slot.native == nullptr && program_functions.count(slot.name) != 0)) {
            op = IOp::R_CALL;
            want = pushes;
          }
          break;
      }
      if (op == IOp::END || pushes != want) continue;
      Instr fused{op, static_cast<uint8_t>(pushes), code[i].a, 0, 0, call.x};
      if (pushes > 1) fused.b = code[i + 1].a;
      if (pushes > 2) fused.c = code[i + 2].a;
      fast[i] = fused;
    } else if (in.op == IOp::CALL) {
      switch (slots_[in.x].builtin) {
        case BuiltinId::GetField:
          fast[i].op = IOp::CALL_GET_FIELD;
          break;
        case BuiltinId::SetField:
          fast[i].op = IOp::CALL_SET_FIELD;
          break;
        case BuiltinId::GetUpvalue:
          fast[i].op = IOp::CALL_GET_UPVALUE;
          break;
        case BuiltinId::SetUpvalue:
          fast[i].op = IOp::CALL_SET_UPVALUE;
          break;
        case BuiltinId::CallClosure:
          fast[i].op = IOp::CALL_CALL_CLOSURE;
          break;
        case BuiltinId::ArrayLength:
          fast[i].op = IOp::CALL_ARRAY_LENGTH;
          break;
        case BuiltinId::ArrayPush:
          fast[i].op = IOp::CALL_ARRAY_PUSH;
          break;
        case BuiltinId::None:
          break;
      }
    }
  }
  // Jump threading: a JMP whose target starts a CMP + conditional jump does that work itself.
  for (size_t i = 0; i < n; ++i) {
    if (fast[i].op != IOp::JMP) continue;
    const size_t t = static_cast<size_t>(fast[i].x);
    if (t >= n || t + 2 > 65535) continue;
    IOp op;
    switch (fast[t].op) {
      case IOp::CMPJ_EQ:
        op = IOp::JMP_CMPJ_EQ;
        break;
      case IOp::CMPJ_NEQ:
        op = IOp::JMP_CMPJ_NEQ;
        break;
      case IOp::CMPJ_LT:
        op = IOp::JMP_CMPJ_LT;
        break;
      case IOp::CMPJ_GT:
        op = IOp::JMP_CMPJ_GT;
        break;
      default:
        continue;
    }
    fast[i] = Instr{op, 0, fast[t].a, fast[t].b, static_cast<uint16_t>(t + 2), fast[t].x};
  }
  // Loop back-edges: [LDI c, K;] ADD/SUB a, b, c; JMP L, with L a CMP + conditional jump.
  auto mask_of = [](IOp cmpj) -> uint8_t {
    switch (cmpj) {
      case IOp::CMPJ_EQ:
        return 0b010;
      case IOp::CMPJ_NEQ:
        return 0b101;
      case IOp::CMPJ_LT:
        return 0b001;
      default:
        return 0b100;  // CMPJ_GT
    }
  };
  for (size_t i = 0; i + 1 < n; ++i) {
    const bool with_ldi = is_i64_const(code[i]) && i + 2 < n &&
                          (code[i + 1].op == IOp::ADD || code[i + 1].op == IOp::SUB) &&
                          code[i + 1].c == code[i].a && code[i + 2].op == IOp::JMP;
    const bool plain =
        (code[i].op == IOp::ADD || code[i].op == IOp::SUB) && code[i + 1].op == IOp::JMP;
    if (!with_ldi && !plain) continue;
    const Instr& arith = with_ldi ? code[i + 1] : code[i];
    const Instr& jmp = with_ldi ? code[i + 2] : code[i + 1];
    const size_t t = static_cast<size_t>(jmp.x);
    if (t >= n || (fast[t].op != IOp::CMPJ_EQ && fast[t].op != IOp::CMPJ_NEQ &&
                   fast[t].op != IOp::CMPJ_LT && fast[t].op != IOp::CMPJ_GT)) {
      continue;
    }
    if (with_ldi && !fits_x(code[i])) continue;
    const bool self = fast[t].a == arith.a;
    const bool add = arith.op == IOp::ADD;
    const IOp op = self ? (with_ldi ? (add ? IOp::LDI_ADD_JCMP_SELF : IOp::LDI_SUB_JCMP_SELF)
                                    : (add ? IOp::ADD_JCMP_SELF : IOp::SUB_JCMP_SELF))
                        : (with_ldi ? (add ? IOp::LDI_ADD_JCMP : IOp::LDI_SUB_JCMP)
                                    : (add ? IOp::ADD_JCMP : IOp::SUB_JCMP));
    const auto fall = static_cast<int32_t>(t + 2);
    fast[i] = Instr{op, 0, arith.a, arith.b, arith.c,
                    with_ldi ? static_cast<int32_t>(constants[code[i].x].i) : fall};
    fast[i + 1] = Instr{IOp::EXT_CMP, mask_of(fast[t].op), fast[t].a, fast[t].b, 0, fast[t].x};
    if (with_ldi) fast[i + 2] = Instr{IOp::EXT_TARGET, 0, 0, 0, 0, fall};
    i += with_ldi ? 2 : 1;  // the covered slots now hold operands
  }
  return fast;
}

Result<std::unique_ptr<LoadedProgram>> VirtualMachine::translate(bytecode::Program program) {
  if (auto v = bytecode::verify_program(program); !v) return v.error();
  auto loaded = std::make_unique<LoadedProgram>();
  loaded->source = std::move(program);
  const bytecode::Program& src = loaded->source;
  std::unordered_set<std::string> program_functions;
  for (const auto& f : src.functions) program_functions.insert(f.name);
  loaded->constants.reserve(src.constants.size());
  for (const auto& c : src.constants) loaded->constants.push_back(constant_to_value(heap_, c));

  for (const bytecode::Function& f : src.functions) {
    auto proto = std::make_unique<FunctionProto>();
    proto->name = f.name;
    proto->name_string = heap_.new_string(f.name);
    proto->register_count = bytecode::effective_register_count(f);
    proto->param_count = static_cast<uint32_t>(f.params.size());
    for (const auto& p : f.params) proto->param_names.push_back(heap_.new_string(p));
    for (const auto& u : f.upvalues) proto->upvalue_names.push_back(heap_.new_string(u));
    proto->frame_slots = proto->register_count + proto->param_count;
    proto->has_upvalue_names = !proto->upvalue_names.empty();
    proto->constants = loaded->constants.data();
    proto->source = &f;
    proto->program = loaded.get();

    // Labels: a later duplicate wins (reference). Targets past the end mean "function end",
    // which is the END sentinel at index instruction_count.
    const auto count = static_cast<uint32_t>(f.code.size());
    std::unordered_map<std::string, uint32_t> labels;
    for (const auto& l : f.labels) labels[l.name] = std::min(l.index, count);

    proto->code.reserve(count + 1);
    for (const bytecode::Instruction& in : f.code) {
      using bytecode::Opcode;
      Instr out{};
      out.a = static_cast<uint16_t>(in.a);
      out.b = static_cast<uint16_t>(in.b);
      out.c = static_cast<uint16_t>(in.c);
      switch (in.op) {
        case Opcode::LD:
          out.op = IOp::LD;
          out.x = in.offset;
          break;
        case Opcode::LDI:
          out.op = IOp::LDI;
          out.x = static_cast<int32_t>(in.b);
          break;
        case Opcode::MOV: {
          const bool dst_secret = in.a >= 16, src_secret = in.b >= 16;
          out.op = dst_secret == src_secret ? IOp::MOV
                   : dst_secret             ? IOp::MOV_SHARE
                                            : IOp::MOV_REVEAL;
          break;
        }
        case Opcode::ADD:
          out.op = IOp::ADD;
          break;
        case Opcode::SUB:
          out.op = IOp::SUB;
          break;
        case Opcode::MUL:
          out.op = IOp::MUL;
          break;
        case Opcode::DIV:
          out.op = IOp::DIV;
          break;
        case Opcode::MOD:
          out.op = IOp::MOD;
          break;
        case Opcode::AND:
          out.op = IOp::AND;
          break;
        case Opcode::OR:
          out.op = IOp::OR;
          break;
        case Opcode::XOR:
          out.op = IOp::XOR;
          break;
        case Opcode::NOT:
          out.op = IOp::NOT;
          break;
        case Opcode::SHL:
          out.op = IOp::SHL;
          break;
        case Opcode::SHR:
          out.op = IOp::SHR;
          break;
        case Opcode::JMP:
        case Opcode::JMPEQ:
        case Opcode::JMPNEQ:
        case Opcode::JMPLT:
        case Opcode::JMPGT:
          out.op = in.op == Opcode::JMP      ? IOp::JMP
                   : in.op == Opcode::JMPEQ  ? IOp::JMPEQ
                   : in.op == Opcode::JMPNEQ ? IOp::JMPNEQ
                   : in.op == Opcode::JMPLT  ? IOp::JMPLT
                                             : IOp::JMPGT;
          out.x = static_cast<int32_t>(labels.at(in.name));  // verified to exist
          break;
        case Opcode::CALL:
          out.op = IOp::CALL;
          out.x = static_cast<int32_t>(slot_for(in.name));
          break;
        case Opcode::RET:
          out.op = IOp::RET;
          break;
        case Opcode::PUSHARG:
          out.op = IOp::PUSHARG;
          break;
        case Opcode::CMP:
          out.op = IOp::CMP;
          break;
      }
      proto->code.push_back(out);
    }
    proto->code.push_back(Instr{IOp::END, 0, 0, 0, 0, 0});
    proto->fast_code =
        superinstructions(proto->code, proto->constants, program_functions);
    if (proto->register_count <= kMaxFastRegisters) {
      proto->fast_plain = scale_registers(proto->code);
      proto->fast_code = scale_registers(proto->fast_code);
      const int32_t* handlers = Interpreter::handler_offsets(*this);
      for (auto* arr : {&proto->fast_plain, &proto->fast_code}) {
        for (Instr& in : *arr) in.handler = handlers[static_cast<uint8_t>(in.op)];
      }
    } else {
      force_plain_loop_ = true;
      proto->fast_plain = proto->code;
    }
    loaded->functions.push_back(std::move(proto));
  }
  return loaded;
}

Result<void> VirtualMachine::load_program(bytecode::Program program) {
  auto loaded = translate(std::move(program));
  if (!loaded) return loaded.error();
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
  size_t cap = std::max<size_t>(needed, stack_capacity_ == 0 ? 1024 : stack_capacity_ * 2);
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

Result<Value> VirtualMachine::execute(std::string_view name) {
  std::string key(name);
  if (auto it = functions_.find(key); it != functions_.end()) {
    // execute() passes no arguments: entry parameters stay Unit (reference-vm.md §2.3, D18).
    return run_entry(it->second, {}, name);
  }
  if (natives_.count(key) != 0) {
    return make_error("Cannot execute foreign function " + key + " as main");
  }
  return make_error("Function " + key + " not found");
}

Result<Value> VirtualMachine::execute_with_args(std::string_view name,
                                                std::span<const Value> args) {
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
  return make_error("Function " + key + " not found");
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

// --- values
// ----------------------------------------------------------------------------------------

Value VirtualMachine::make_string(std::string_view s) {
  return Value::string(heap_.new_string(s));
}
Value VirtualMachine::make_object() {
  return Value::object(heap_.new_object());
}
Value VirtualMachine::make_array(size_t hint) {
  return Value::array(heap_.new_array(hint));
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
    if (key.type == ValueType::I64 && key.i >= 0) return array_store(container.arr, key.i, value);
    return container.arr->extra.set(key, value);
  }
  return make_error("Expected object or array");
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

// --- foreign objects
// ---------------------------------------------------------------------------------

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

// --- hooks
// ---------------------------------------------------------------------------------------------

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

// --- inspection
// -----------------------------------------------------------------------------------------

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
  if (index >= fn.instruction_count()) return "RET(0)";
  const bytecode::Instruction& in = fn.source->code[index];
  const Instr& t = fn.code[index];
  std::string name(bytecode::opcode_name(in.op));
  auto num = [](uint32_t v) { return std::to_string(v); };
  switch (bytecode::opcode_format(in.op)) {
    case bytecode::Format::RO:
      return name + "(" + num(in.a) + ", " + std::to_string(in.offset) + ")";
    case bytecode::Format::RK:
      return name + "(" + num(in.a) + ", " + debug_string(fn.constants[in.b]) + ")";
    case bytecode::Format::RR:
      return name + "(" + num(in.a) + ", " + num(in.b) + ")";
    case bytecode::Format::RRR:
      return name + "(" + num(in.a) + ", " + num(in.b) + ", " + num(in.c) + ")";
    case bytecode::Format::R:
      return name + "(" + num(in.a) + ")";
    case bytecode::Format::S:
      // Jumps show the resolved target as label_<index>, as the reference's resolved code does.
      if (bytecode::is_jump(in.op)) return name + "(\"label_" + std::to_string(t.x) + "\")";
      return name + "(\"" + in.name + "\")";
  }
  return name;
}

}  // namespace stoffel::vm
