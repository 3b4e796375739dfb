// Runtime values: a 16-byte tagged union. Scalars live inline; strings, objects, arrays,
// closures and shares live on the garbage-collected heap behind a pointer, so copying a Value
// is two machine words and never allocates or touches a reference count.
//
//   +--------------------------------+--------+-----------+
//   | payload (8 bytes)              | type   | (padding) |
//   | i64 / u64 / f64 / bool / ptr   | 1 byte |           |
//   +--------------------------------+--------+-----------+
//
// Integers of every width are stored widened to 64 bits (sign-extended for signed types,
// zero-extended for unsigned), so arithmetic can work in 64 bits and narrow the result.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace stoffel::vm {

// 64 bits wide on purpose: see the note on copies in Value.
enum class ValueType : uint64_t {
  Unit,
  Bool,
  I8,
  I16,
  I32,
  I64,
  U8,
  U16,
  U32,
  U64,
  Float,
  String,
  Object,
  Array,
  Foreign,
  Closure,
  Share,
  PendingReveal,
};

struct GcObject;
struct StringObj;
struct TableObj;
struct ArrayObj;
struct ClosureObj;
struct ShareObj;

struct Value {
  union {
    int64_t i;
    uint64_t u;
    double f;
    bool b;
    GcObject* gc;
    StringObj* str;
    TableObj* obj;
    ArrayObj* arr;
    ClosureObj* closure;
    ShareObj* share;
  };
  ValueType type;

  constexpr Value() : i(0), type(ValueType::Unit) {}
  // Copies are two 8-byte moves, and the tag is a full 8-byte word, so every store and load of a
  // Value is one of two aligned 8-byte halves. A 16-byte (SSE) load of a Value whose halves were
  // just written separately cannot be store-forwarded and stalls the pipeline for ~10 cycles;
  // interpreters copy registers constantly, so this matters (Lua's setobj copies the same way).
  constexpr Value(const Value& o) noexcept : u(o.u), type(o.type) {}
  constexpr Value& operator=(const Value& o) noexcept {
    u = o.u;
    type = o.type;
    return *this;
  }

  static constexpr Value unit() { return Value(); }
  static constexpr Value boolean(bool v) {
    Value r;
    r.i = 0;
    r.b = v;
    r.type = ValueType::Bool;
    return r;
  }
  static constexpr Value i64(int64_t v) { return make_int(ValueType::I64, v); }
  static constexpr Value i32(int32_t v) { return make_int(ValueType::I32, v); }
  static constexpr Value i16(int16_t v) { return make_int(ValueType::I16, v); }
  static constexpr Value i8(int8_t v) { return make_int(ValueType::I8, v); }
  static constexpr Value u8(uint8_t v) { return make_int(ValueType::U8, v); }
  static constexpr Value u16(uint16_t v) { return make_int(ValueType::U16, v); }
  static constexpr Value u32(uint32_t v) { return make_int(ValueType::U32, v); }
  static constexpr Value u64(uint64_t v) {
    return make_int(ValueType::U64, static_cast<int64_t>(v));
  }
  static constexpr Value f64(double v) {
    Value r;
    r.f = v;
    r.type = ValueType::Float;
    return r;
  }
  static constexpr Value foreign(int64_t id) { return make_int(ValueType::Foreign, id); }
  static constexpr Value pending_reveal(int64_t slot) {
    return make_int(ValueType::PendingReveal, slot);
  }
  static Value string(StringObj* s) {
    return heap_value(ValueType::String, reinterpret_cast<GcObject*>(s));
  }
  static Value object(TableObj* o) {
    return heap_value(ValueType::Object, reinterpret_cast<GcObject*>(o));
  }
  static Value array(ArrayObj* a) {
    return heap_value(ValueType::Array, reinterpret_cast<GcObject*>(a));
  }
  static Value closure_value(ClosureObj* c) {
    return heap_value(ValueType::Closure, reinterpret_cast<GcObject*>(c));
  }
  static Value share_value(ShareObj* s) {
    return heap_value(ValueType::Share, reinterpret_cast<GcObject*>(s));
  }

  // Builds an integer of the given width from any 64-bit value, truncating and re-extending
  // it so the invariant "stored widened" holds (wrapping semantics).
  static constexpr Value make_int(ValueType t, int64_t v) {
    Value r;
    r.i = narrow(t, v);
    r.type = t;
    return r;
  }
  static constexpr int64_t narrow(ValueType t, int64_t v) {
    switch (t) {
      case ValueType::I8:
        return static_cast<int8_t>(static_cast<uint8_t>(v));
      case ValueType::I16:
        return static_cast<int16_t>(static_cast<uint16_t>(v));
      case ValueType::I32:
        return static_cast<int32_t>(static_cast<uint32_t>(v));
      case ValueType::U8:
        return static_cast<uint8_t>(v);
      case ValueType::U16:
        return static_cast<uint16_t>(v);
      case ValueType::U32:
        return static_cast<uint32_t>(v);
      default:
        return v;
    }
  }

  bool is_unit() const { return type == ValueType::Unit; }
  bool is_int() const { return type >= ValueType::I8 && type <= ValueType::U64; }
  bool is_signed_int() const { return type >= ValueType::I8 && type <= ValueType::I64; }
  bool is_unsigned_int() const { return type >= ValueType::U8 && type <= ValueType::U64; }
  bool is_heap() const {
    return type >= ValueType::String && type <= ValueType::Share && type != ValueType::Foreign;
  }

 private:
  static Value heap_value(ValueType t, GcObject* p) {
    Value r;
    r.gc = p;
    r.type = t;
    return r;
  }
};

static_assert(sizeof(Value) == 16, "Value must stay two machine words");

// `type()` builtin names (docs/semantics.md, "Values").
std::string_view type_name(ValueType t);

}  // namespace stoffel::vm
