#include "vm/translate.h"

#include <algorithm>
#include <climits>
#include <optional>

#include "bytecode/verifier.h"
#include "vm/interpreter.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

Value constant_to_value(Heap& heap, const bytecode::Constant& c) {
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
//    is one x86 addressing mode (scale 8) rather than a shift and an add. Which fields are
//    registers is each opcode's operand format (R in iop.h); unused fields are 0 and stay 0;
//  * jump targets in x (J) become byte offsets into the code array (no multiply per taken jump).
std::vector<Instr> scale_registers(const std::vector<Instr>& code) {
  std::vector<Instr> out = code;
  for (Instr& in : out) {
    if (operand_role(in.op, Field::X) == 'J') in.x = static_cast<int32_t>(in.x * sizeof(Instr));
    if (operand_role(in.op, Field::A) == 'R') in.a = static_cast<uint16_t>(in.a * 2);
    if (operand_role(in.op, Field::B) == 'R') in.b = static_cast<uint16_t>(in.b * 2);
    if (operand_role(in.op, Field::C) == 'R') in.c = static_cast<uint16_t>(in.c * 2);
  }
  return out;
}

// Arguments pending on the frame's argument stack before each instruction of `code`, when it is
// the same on every path that reaches it, else -1 (-2: unreachable). PUSHARG adds one, CALL
// consumes them all, a frame starts with none. The fused PUSHARG+CALL forms (R_*) are only
// valid where none are pending; proving it here, once, saves a check on every call.
std::vector<int> pending_arguments(const std::vector<Instr>& code) {
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

}  // namespace

// Builds FunctionProto::fast_code from code: same instructions, with superinstructions at the
// start of the patterns the Stoffel-Lang compiler emits most (see the table in iop.h).
std::vector<Instr> Translator::superinstructions(
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
      const IOp op = arith.op == IOp::ADD ? IOp::LDI_ADD : IOp::LDI_SUB;
      const auto k = static_cast<int32_t>(constants[in.x].i);
      fast[i] = Instr{op, 0, arith.a, arith.b, in.a, k};
    } else if (in.op == IOp::LDI && i + 2 < n && in.x < 65536 &&
               constants[in.x].type == ValueType::String && code[i + 1].op == IOp::PUSHARG &&
               code[i + 1].a == in.a && pending[i + 1] == 0 && code[i + 2].op == IOp::CALL &&
               vm_.slots_[code[i + 2].x].builtin == BuiltinId::GetUpvalue) {
      fast[i] =
          Instr{IOp::LDI_R_GET_UPVALUE, 0, in.a, static_cast<uint16_t>(in.x), 0, code[i + 2].x};
    } else if (in.op == IOp::PUSHARG && pending[i] == 0) {
      // PUSHARG x n, then CALL, with no other arguments pending: fuse when the callee is a
      // builtin we run inline with exactly n arguments, or a program function taking 1..3
      // parameters.
      size_t pushes = 0;
      while (i + pushes < n && code[i + pushes].op == IOp::PUSHARG && pushes < 3) ++pushes;
      if (i + pushes >= n || code[i + pushes].op != IOp::CALL) continue;
      const Instr& call = code[i + pushes];
      const VirtualMachine::CallSlot& slot = vm_.slots_[call.x];
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
      switch (vm_.slots_[in.x].builtin) {
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
    const int32_t x = with_ldi ? static_cast<int32_t>(constants[code[i].x].i) : fall;
    fast[i] = Instr{op, 0, arith.a, arith.b, arith.c, x};
    fast[i + 1] = Instr{IOp::EXT_CMP, mask_of(fast[t].op), fast[t].a, fast[t].b, 0, fast[t].x};
    if (with_ldi) fast[i + 2] = Instr{IOp::EXT_TARGET, 0, 0, 0, 0, fall};
    i += with_ldi ? 2 : 1;  // the covered slots now hold operands
  }
  return fast;
}

// The internal form of one file instruction: the internal opcode of the same name (iop.h), the
// register operands where the file format has them, and the other operand in x: the argument
// offset (LD), the constant index (LDI), the jump target's index or the call slot.
Instr Translator::translate_instruction(const bytecode::Instruction& in,
                                        const std::unordered_map<std::string, uint32_t>& labels) {
  using bytecode::Format;
  Instr out{};
  out.op = iop_of(in.op);
  switch (bytecode::opcode_format(in.op)) {
    case Format::RO:
      out.a = static_cast<uint16_t>(in.a);
      out.x = in.offset;
      break;
    case Format::RK:
      out.a = static_cast<uint16_t>(in.a);
      out.x = static_cast<int32_t>(in.b);
      break;
    case Format::RRR:
      out.c = static_cast<uint16_t>(in.c);
      [[fallthrough]];
    case Format::RR:
      out.b = static_cast<uint16_t>(in.b);
      [[fallthrough]];
    case Format::R:
      out.a = static_cast<uint16_t>(in.a);
      break;
    case Format::S:
      out.x = bytecode::is_jump(in.op) ? static_cast<int32_t>(labels.at(in.name))  // verified
                                       : static_cast<int32_t>(vm_.slot_for(in.name));
      break;
  }
  // MOV is split at the secret boundary (docs/decisions.md, E10) here, once, so the plain register
  // copy never tests r16.
  if (in.op == bytecode::Opcode::MOV) {
    const bool dst_secret = in.a >= 16, src_secret = in.b >= 16;
    if (dst_secret != src_secret) out.op = dst_secret ? IOp::MOV_SHARE : IOp::MOV_REVEAL;
  }
  return out;
}

Result<std::unique_ptr<LoadedProgram>> Translator::translate(bytecode::Program program) {
  if (auto v = bytecode::verify_program(program); !v) return v.error();
  auto loaded = std::make_unique<LoadedProgram>();
  loaded->source = std::move(program);
  const bytecode::Program& src = loaded->source;
  std::unordered_set<std::string> program_functions;
  for (const auto& f : src.functions) program_functions.insert(f.name);
  loaded->constants.reserve(src.constants.size());
  for (const auto& c : src.constants) loaded->constants.push_back(constant_to_value(vm_.heap_, c));

  for (const bytecode::Function& f : src.functions) {
    auto proto = std::make_unique<FunctionProto>();
    proto->name = f.name;
    proto->name_string = vm_.heap_.new_string(f.name);
    // At least r0: END, the implicit `RET r0` after the last instruction (E2), reads it even in
    // a function declared with no registers (whose frame was otherwise empty, so END read the
    // slot past the frame: past the value stack when the frame sat at its very end).
    proto->register_count = std::max<uint32_t>(1, bytecode::effective_register_count(f));
    proto->param_count = static_cast<uint32_t>(f.params.size());
    for (const auto& p : f.params) proto->param_names.push_back(vm_.heap_.new_string(p));
    for (const auto& u : f.upvalues) proto->upvalue_names.push_back(vm_.heap_.new_string(u));
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
      proto->code.push_back(translate_instruction(in, labels));
    }
    proto->code.push_back(Instr{IOp::END, 0, 0, 0, 0, 0});
    proto->fast_code = superinstructions(proto->code, proto->constants, program_functions);
    if (proto->register_count <= kMaxFastRegisters) {
      proto->fast_plain = scale_registers(proto->code);
      proto->fast_code = scale_registers(proto->fast_code);
      const int32_t* handlers = Interpreter::handler_offsets(vm_);
      for (auto* arr : {&proto->fast_plain, &proto->fast_code}) {
        for (Instr& in : *arr) in.handler = handlers[static_cast<uint8_t>(in.op)];
      }
    } else {
      loaded->needs_plain_loop = true;
      proto->fast_plain = proto->code;
    }
    loaded->functions.push_back(std::move(proto));
  }
  return loaded;
}

}  // namespace stoffel::vm
