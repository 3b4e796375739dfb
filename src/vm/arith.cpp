#include "vm/arith.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "vm/heap_objects.h"
#include "vm/secret.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

// The reference's text (E5), then the operand types it saw, and what the operation takes when
// that is narrower than "two numbers of one type": `Type error in SUB operation: I64 and String`,
// `Type error in AND operation: I32 and I32 (AND takes two I64 or two Bool)`.
Error type_error(IOp op, const Value& a, const Value& b) {
  std::string s;
  s.append("Type error in ").append(iop_name(op)).append(" operation: ");
  s.append(type_label(a.type)).append(" and ").append(type_label(b.type));
  switch (op) {
    case IOp::AND:
    case IOp::OR:
    case IOp::XOR:
      s.append(" (").append(iop_name(op)).append(" takes two I64 or two Bool)");
      break;
    case IOp::SHL:
    case IOp::SHR:
      s.append(" (").append(iop_name(op)).append(" takes two I64)");
      break;
    default:
      if (a.is_int() && b.is_int()) s.append(" (integers of different types are never converted)");
      break;
  }
  return make_error(std::move(s));
}

int64_t signed_min(ValueType t) {
  switch (t) {
    case ValueType::I8:
      return std::numeric_limits<int8_t>::min();
    case ValueType::I16:
      return std::numeric_limits<int16_t>::min();
    case ValueType::I32:
      return std::numeric_limits<int32_t>::min();
    default:
      return std::numeric_limits<int64_t>::min();
  }
}

Result<Value> int_op(IOp op, const Value& a, const Value& b) {
  const ValueType t = a.type;
  const bool is_signed = a.is_signed_int();
  const uint64_t x = a.u, y = b.u;
  switch (op) {
    case IOp::ADD:
      return Value::make_int(t, static_cast<int64_t>(x + y));
    case IOp::MUL:
      return Value::make_int(t, static_cast<int64_t>(x * y));
    case IOp::SUB:
      if (!is_signed) return Value::make_int(t, x < y ? 0 : static_cast<int64_t>(x - y));
      return Value::make_int(t, static_cast<int64_t>(x - y));
    case IOp::DIV:
      if (y == 0) return make_error("Division by zero");
      if (!is_signed) return Value::make_int(t, static_cast<int64_t>(x / y));
      if (a.i == signed_min(t) && b.i == -1) return make_error("Integer overflow in DIV");
      return Value::make_int(t, a.i / b.i);
    case IOp::MOD:
      if (y == 0) return make_error("Modulo by zero");
      if (!is_signed) return Value::make_int(t, static_cast<int64_t>(x % y));
      if (a.i == signed_min(t) && b.i == -1) return make_error("Integer overflow in MOD");
      return Value::make_int(t, a.i % b.i);
    default:
      return type_error(op, a, b);
  }
}

bool is_share(const Value& v) {
  return v.type == ValueType::Share;
}

Result<Value> share_op(VirtualMachine& vm, IOp op, const Value& a, const Value& b) {
  switch (op) {
    case IOp::AND:
    case IOp::OR:
    case IOp::XOR:
    case IOp::SHL:
    case IOp::SHR: {
      auto engine = require_engine(vm);
      if (!engine) return engine.error();
      const char* what = op == IOp::AND   ? "Bitwise AND"
                         : op == IOp::OR  ? "Bitwise OR"
                         : op == IOp::XOR ? "Bitwise XOR"
                         : op == IOp::SHL ? "Left shift"
                                          : "Right shift";
      return make_error(std::string(what) + " is not supported on secret shares");
    }
    default:
      return share_binary(vm, op, a, b);
  }
}

}  // namespace

Result<Value> binary_op(VirtualMachine& vm, IOp op, const Value& a, const Value& b) {
  if (is_share(a) || is_share(b)) return share_op(vm, op, a, b);

  switch (op) {
    case IOp::ADD:
    case IOp::SUB:
    case IOp::MUL:
    case IOp::DIV:
    case IOp::MOD: {
      if (a.is_int() && a.type == b.type) return int_op(op, a, b);
      const bool fa = a.type == ValueType::Float, fb = b.type == ValueType::Float;
      if (fa && fb) {
        switch (op) {
          case IOp::ADD:
            return Value::f64(a.f + b.f);
          case IOp::SUB:
            return Value::f64(a.f - b.f);
          case IOp::MUL:
            return Value::f64(a.f * b.f);
          case IOp::DIV:
            if (b.f == 0.0) return make_error("Division by zero");
            return Value::f64(a.f / b.f);
          default:
            if (b.f == 0.0) return make_error("Modulo by zero");
            return Value::f64(std::fmod(a.f, b.f));
        }
      }
      // The reference divides Float by I64 and I64 by Float (converted to f64); only DIV.
      if (op == IOp::DIV &&
          ((fa && b.type == ValueType::I64) || (a.type == ValueType::I64 && fb))) {
        double x = fa ? a.f : static_cast<double>(a.i);
        double y = fb ? b.f : static_cast<double>(b.i);
        if (y == 0.0) return make_error("Division by zero");
        return Value::f64(x / y);
      }
      if (op == IOp::ADD && a.type == ValueType::String && b.type == ValueType::String) {
        std::string s;
        s.reserve(a.str->length + b.str->length);
        s.append(a.str->view());
        s.append(b.str->view());
        return vm.make_string(s);
      }
      return type_error(op, a, b);
    }
    case IOp::AND:
    case IOp::OR:
    case IOp::XOR:
      if (a.type == ValueType::I64 && b.type == ValueType::I64) {
        if (op == IOp::AND) return Value::i64(a.i & b.i);
        if (op == IOp::OR) return Value::i64(a.i | b.i);
        return Value::i64(a.i ^ b.i);
      }
      if (a.type == ValueType::Bool && b.type == ValueType::Bool) {
        if (op == IOp::AND) return Value::boolean(a.b && b.b);
        if (op == IOp::OR) return Value::boolean(a.b || b.b);
        return Value::boolean(a.b != b.b);
      }
      return type_error(op, a, b);
    case IOp::SHL:
    case IOp::SHR:
      if (a.type == ValueType::I64 && b.type == ValueType::I64) {
        const unsigned amount = static_cast<unsigned>(b.u & 63);
        if (op == IOp::SHL) return Value::i64(static_cast<int64_t>(a.u << amount));
        // Arithmetic right shift, spelled without implementation-defined behaviour.
        const uint64_t sign = a.i < 0 ? ~uint64_t{0} : 0;
        uint64_t r = a.u >> amount;
        if (amount != 0) r |= sign << (64 - amount);
        return Value::i64(static_cast<int64_t>(r));
      }
      return type_error(op, a, b);
    default:
      return type_error(op, a, b);
  }
}

Result<Value> not_op(VirtualMachine& vm, const Value& a) {
  if (a.type == ValueType::I64) return Value::i64(~a.i);
  if (a.type == ValueType::Bool) return Value::boolean(!a.b);
  if (a.type == ValueType::Share) {
    auto engine = require_engine(vm);
    if (!engine) return engine.error();
    return make_error("Bitwise NOT is not supported on secret shares");
  }
  return make_error("Type error in NOT operation: " + std::string(type_label(a.type)));
}

Result<int32_t> compare_values(const Value& a, const Value& b) {
  auto fail = [&] {
    return make_error("Cannot compare " + debug_string(a) + " and " + debug_string(b));
  };
  if (a.type == ValueType::Share || b.type == ValueType::Share) {
    return make_error("Cannot compare secret shares; reveal them first");
  }
  if (a.type != b.type) return fail();
  if (a.is_signed_int()) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  if (a.is_unsigned_int()) return a.u < b.u ? -1 : (a.u > b.u ? 1 : 0);
  switch (a.type) {
    case ValueType::Bool:
      return (a.b ? 1 : 0) - (b.b ? 1 : 0);
    case ValueType::Float:
      if (std::isnan(a.f) || std::isnan(b.f)) return fail();
      return a.f < b.f ? -1 : (a.f > b.f ? 1 : 0);
    case ValueType::String: {
      size_t n = std::min(a.str->length, b.str->length);
      int c = n == 0 ? 0 : std::memcmp(a.str->data(), b.str->data(), n);
      if (c != 0) return c < 0 ? -1 : 1;
      return a.str->length < b.str->length ? -1 : (a.str->length > b.str->length ? 1 : 0);
    }
    default:
      return fail();
  }
}

}  // namespace stoffel::vm
