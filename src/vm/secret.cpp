#include "vm/secret.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vm/arith.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

Result<MpcBackend*> require_engine(VirtualMachine& vm) {
  MpcBackend* e = vm.engine();
  if (e == nullptr) {
    vm.note_engine_needed();
    return make_error("MPC engine not configured");
  }
  if (!e->is_ready()) return make_error("MPC engine configured but not ready");
  return e;
}

FieldBytes share_field(const ShareObj* s) {
  FieldBytes out{};
  std::memcpy(out.data(), s->data().data(), std::min<std::size_t>(out.size(), s->length));
  return out;
}

std::span<const uint8_t> share_commitments(const ShareObj* s) {
  if (s->length <= 32) return {};
  return s->data().subspan(32);
}

Value make_share(VirtualMachine& vm, ShareType type, const FieldBytes& value,
                 std::span<const uint8_t> commitments) {
  return Value::share_value(vm.heap().new_share(type, value, commitments));
}

Value make_public_share(VirtualMachine& vm, MpcBackend& e, ShareType type,
                        const FieldBytes& value) {
  return make_share(vm, type, e.share_public(value), e.commitments_linear({}, {}, value));
}

Result<int64_t> fixed_point_scaled(double v, uint32_t f) {
  const double scaled = std::nearbyint(std::ldexp(v, static_cast<int>(f)));
  // |scaled| must fit an i64 (M6 applies in both directions): 2^63 is exactly representable, so
  // the bounds are exact.
  if (!std::isfinite(scaled) || scaled >= 9.2233720368547758e18 ||
      scaled < -9.2233720368547758e18) {
    return make_error("Fixed-point value out of range: " + std::to_string(v));
  }
  return static_cast<int64_t>(scaled);
}

Result<FieldBytes> encode_fixed(MpcBackend& engine, double v, uint32_t f) {
  auto scaled = fixed_point_scaled(v, f);
  if (!scaled) return scaled.error();
  return engine.encode_int(*scaled);
}

Result<Value> share_clear_value(VirtualMachine& vm, const Value& v) {
  if (v.type == ValueType::Share) return v;
  auto engine = require_engine(vm);
  if (!engine) return engine.error();
  MpcBackend& e = **engine;
  if (v.is_int()) {
    // U64 is reinterpreted as i64 bits (reference `from_clear`); other widths are widened.
    return make_public_share(vm, e, ShareType::secret_int(64), e.encode_int(v.i));
  }
  if (v.type == ValueType::Bool) {
    return make_public_share(vm, e, ShareType::secret_int(1), e.encode_int(v.b ? 1 : 0));
  }
  if (v.type == ValueType::Float) {
    const ShareType t = ShareType::fixed_point(64, 16);
    auto enc = encode_fixed(e, v.f, t.f);
    if (!enc) return enc.error();
    return make_public_share(vm, e, t, *enc);
  }
  return make_error("Only primitive types (Int, Float, Bool) can be converted to shares, got " +
                    debug_string(v));
}

Value clear_from_int(int64_t value, const ShareType& type) {
  if (type.kind == ShareType::Kind::SecretFixedPoint) {
    return Value::f64(std::ldexp(static_cast<double>(value), -static_cast<int>(type.f)));
  }
  if (type.bit_length == 1) return Value::boolean(value != 0);
  return Value::i64(value);
}

Result<Value> clear_from_field(MpcBackend& engine, const ShareType& type, const FieldBytes& value) {
  auto v = engine.decode_int(value);
  if (!v) return v.error();
  return clear_from_int(*v, type);
}

ShareObj* share_behind(const Value& v) {
  if (v.type == ValueType::Share) return v.share;
  if (v.type != ValueType::Object) return nullptr;
  // Field lookups by content: the keys are compared as strings, so no string is allocated.
  const Value* type = nullptr;
  const Value* data = nullptr;
  for (const auto& e : v.obj->fields.entries()) {
    if (e.key.type != ValueType::String) continue;
    if (e.key.str->view() == "__type") type = &e.value;
    if (e.key.str->view() == "__data") data = &e.value;
  }
  if (type != nullptr && data != nullptr && type->type == ValueType::String &&
      type->str->view() == "Share" && data->type == ValueType::Share) {
    return data->share;
  }
  return nullptr;
}

namespace {

// The shares reachable from a returned value, each once, in traversal order, and the slots that
// hold them (a slot is rewritten with the clear value once everything is opened).
struct ShareCollector {
  std::vector<const ShareObj*> shares;
  std::unordered_map<const ShareObj*, size_t> index;
  std::unordered_set<const void*> visited;  // containers already walked (cycles, sharing)
  struct Slot {
    Value container;  // Array or Object
    Value key;        // the index into an array's dense part, or the table key
    bool dense;       // key indexes ArrayObj::dense
    size_t share;     // index into `shares`
  };
  std::vector<Slot> slots;

  // The index of v's share, or SIZE_MAX when v is not a share; walks into containers.
  size_t visit(const Value& v) {
    if (const ShareObj* s = share_behind(v)) {
      auto [it, fresh] = index.try_emplace(s, shares.size());
      if (fresh) shares.push_back(s);
      return it->second;
    }
    if (v.type == ValueType::Array) {
      if (!visited.insert(v.arr).second) return SIZE_MAX;
      ArrayObj* a = v.arr;
      for (size_t i = 0; i < a->dense.size(); ++i) {
        const size_t s = visit(a->dense[i]);
        if (s != SIZE_MAX) slots.push_back({v, Value::i64(static_cast<int64_t>(i)), true, s});
      }
      walk_table(v, a->extra);
    } else if (v.type == ValueType::Object) {
      if (!visited.insert(v.obj).second) return SIZE_MAX;
      walk_table(v, v.obj->fields);
    }
    return SIZE_MAX;
  }

  void walk_table(const Value& container, const Table& table) {
    // Indexes, not iterators: visiting never changes this table, but keep it obviously safe.
    for (size_t i = 0; i < table.entries().size(); ++i) {
      const Table::Entry e = table.entries()[i];
      const size_t s = visit(e.value);
      if (s != SIZE_MAX) slots.push_back({container, e.key, false, s});
    }
  }
};

}  // namespace

Result<Value> open_shares_in(VirtualMachine& vm, const Value& v) {
  ShareCollector c;
  const size_t top = c.visit(v);
  if (c.shares.empty()) return v;
  auto engine = require_engine(vm);
  if (!engine) return engine.error();
  std::vector<FieldBytes> fields;
  fields.reserve(c.shares.size());
  for (const ShareObj* s : c.shares) fields.push_back(share_field(s));
  auto opened = (*engine)->open(fields);
  if (!opened) return opened.error();
  std::vector<Value> clear;
  clear.reserve(c.shares.size());
  for (size_t i = 0; i < c.shares.size(); ++i) {
    auto x = clear_from_field(**engine, c.shares[i]->share_type, (*opened)[i]);
    if (!x) return x.error();
    clear.push_back(*x);
  }
  // Clear values are primitives: writing them allocates nothing, so no collection can run.
  for (const auto& slot : c.slots) {
    if (slot.dense) {
      slot.container.arr->dense[static_cast<size_t>(slot.key.i)] = clear[slot.share];
    } else if (slot.container.type == ValueType::Array) {
      slot.container.arr->extra.set(slot.key, clear[slot.share]);
    } else {
      slot.container.obj->fields.set(slot.key, clear[slot.share]);
    }
  }
  return top != SIZE_MAX ? clear[top] : v;
}

namespace {

// A share with an operand it cannot take: the reference's text (E5), the operand types, and the
// rule (docs/semantics.md, "Secret registers").
Error type_error(IOp op, const Value& a, const Value& b, std::string_view rule) {
  std::string s;
  s.append("Type error in ").append(iop_name(op)).append(" operation: ");
  s.append(type_label(a.type)).append(" and ").append(type_label(b.type));
  s.append(" (").append(rule).append(")");
  return make_error(std::move(s));
}
constexpr std::string_view kScalarRule = "a share's clear operand must be an I64";

// The scalar of a Share (op) I64 operation as a field element; for ADD/SUB on fixed point the
// integer is first scaled by 2^f (M5); MUL/DIV scalars are not scaled (reference semantics).
Result<FieldBytes> scalar_for(MpcBackend& e, IOp op, const ShareType& t, int64_t k) {
  if (t.kind == ShareType::Kind::SecretFixedPoint && (op == IOp::ADD || op == IOp::SUB)) {
    return encode_fixed(e, static_cast<double>(k), t.f);
  }
  return e.encode_int(k);
}

}  // namespace

std::vector<uint8_t> linear_commitments(MpcBackend& e, const ShareObj* a, const ShareObj* b,
                                        const FieldBytes& b_factor) {
  const std::span<const uint8_t> in[2] = {share_commitments(a), share_commitments(b)};
  if (in[0].empty() || in[1].empty()) return {};
  const FieldBytes factors[2] = {e.encode_int(1), b_factor};
  return e.commitments_linear(in, factors, FieldBytes{});
}

std::vector<uint8_t> scaled_commitments(MpcBackend& e, const ShareObj* a, const FieldBytes& factor,
                                        const FieldBytes& constant) {
  const std::span<const uint8_t> in[1] = {share_commitments(a)};
  if (in[0].empty()) return {};
  return e.commitments_linear(in, std::span<const FieldBytes>(&factor, 1), constant);
}

Result<Value> share_binary(VirtualMachine& vm, IOp op, const Value& a, const Value& b) {
  auto engine = require_engine(vm);
  if (!engine) return engine.error();
  MpcBackend& e = **engine;
  const bool sa = a.type == ValueType::Share, sb = b.type == ValueType::Share;

  if (sa && sb) {
    const ShareType& t = a.share->share_type;
    if (op == IOp::DIV) return make_error("Share/Share division is not supported on secret shares");
    if (op == IOp::MOD) return make_error("Share/Share modulo is not supported on secret shares");
    if (!(t == b.share->share_type)) {
      return make_error("Share type mismatch in " + std::string(iop_name(op)) +
                        " operation: " + t.to_string() + " and " + b.share->share_type.to_string());
    }
    const FieldBytes x = share_field(a.share), y = share_field(b.share);
    switch (op) {
      case IOp::ADD:
        return make_share(vm, t, e.add(x, y),
                          linear_commitments(e, a.share, b.share, e.encode_int(1)));
      case IOp::SUB:
        return make_share(vm, t, e.sub(x, y),
                          linear_commitments(e, a.share, b.share, e.encode_int(-1)));
      case IOp::MUL: {
        auto prod = e.mul(std::span<const FieldBytes>(&x, 1), std::span<const FieldBytes>(&y, 1));
        if (!prod) return prod.error();
        if (t.kind == ShareType::Kind::SecretFixedPoint) {
          // fixed x fixed has scale 2^(2f): probabilistic truncation by 2^f (M5). The product of
          // two k-bit values has at most 2k bits.
          auto tr = e.truncate(*prod, 2 * t.k, t.f);
          if (!tr) return tr.error();
          return make_share(vm, t, (*tr)[0]);
        }
        return make_share(vm, t, (*prod)[0]);
      }
      default:
        return type_error(op, a, b, "not an operation on two shares");
    }
  }

  // One share and one clear operand: only I64 scalars (docs/semantics.md, "Secret registers").
  const Value& s = sa ? a : b;
  const Value& k = sa ? b : a;
  if (k.type != ValueType::I64) return type_error(op, a, b, kScalarRule);
  const ShareType& t = s.share->share_type;
  const FieldBytes x = share_field(s.share);
  auto scalar = scalar_for(e, op, t, k.i);
  if (!scalar) return scalar.error();
  const FieldBytes one = e.encode_int(1), minus_one = e.encode_int(-1), zero{};
  switch (op) {
    case IOp::ADD:
      return make_share(vm, t, e.add(x, e.share_public(*scalar)),
                        scaled_commitments(e, s.share, one, *scalar));
    case IOp::SUB:
      // Share - I64, or I64 - Share.
      if (sa) {
        return make_share(vm, t, e.sub(x, e.share_public(*scalar)),
                          scaled_commitments(e, s.share, one, e.neg(*scalar)));
      }
      return make_share(vm, t, e.sub(e.share_public(*scalar), x),
                        scaled_commitments(e, s.share, minus_one, *scalar));
    case IOp::MUL:
      return make_share(vm, t, e.mul_public(x, *scalar),
                        scaled_commitments(e, s.share, *scalar, zero));
    case IOp::DIV: {
      if (!sa) return type_error(op, a, b, "a share can be divided by an I64, not the reverse");
      if (k.i == 0) return make_error("Division by zero");
      if (t.kind == ShareType::Kind::SecretFixedPoint) {
        // FPDivConst (M5): multiply by round(2^(2f) / d) and truncate by 2^(2f). The extra f bits
        // of the constant keep the error within one step of the result's 2^-f grid (a constant
        // of only f bits would lose relative precision for small divisors' quotients).
        auto c = encode_fixed(e, 1.0 / static_cast<double>(k.i), 2 * t.f);
        if (!c) return c.error();
        const FieldBytes scaled = e.mul_public(x, *c);
        auto tr = e.truncate(std::span<const FieldBytes>(&scaled, 1), t.k + 2 * t.f, 2 * t.f);
        if (!tr) return tr.error();
        return make_share(vm, t, (*tr)[0]);
      }
      // SecretInt: multiply by the field inverse (exact when divisible; reference semantics).
      auto inv = e.inverse(*scalar);
      if (!inv) return inv.error();
      return make_share(vm, t, e.mul_public(x, *inv), scaled_commitments(e, s.share, *inv, zero));
    }
    default:
      return type_error(op, a, b, "not an operation on a share and an I64");
  }
}

Result<void> VirtualMachine::flush_reveals() {
  if (pending_reveals_.empty()) return {};
  auto engine = require_engine(*this);
  if (!engine) return engine.error();
  std::vector<FieldBytes> shares;
  std::vector<std::vector<uint8_t>> commitments;
  shares.reserve(pending_reveals_.size());
  bool any_commitments = false;
  for (const auto& p : pending_reveals_) {
    shares.push_back(p.share);
    any_commitments = any_commitments || !p.commitments.empty();
  }
  if (any_commitments) {
    for (const auto& p : pending_reveals_) commitments.push_back(p.commitments);
  }
  // One robust batch opening for all queued reveals, whatever their types (one round); shares
  // with commitments are checked against them.
  auto opened =
      any_commitments ? (*engine)->open_committed(shares, commitments) : (*engine)->open(shares);
  std::vector<PendingRevealEntry> entries;
  entries.swap(pending_reveals_);
  if (!opened) return opened.error();
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& p = entries[i];
    auto v = clear_from_field(**engine, p.type, (*opened)[i]);
    if (!v) return v.error();
    // Write it only where the marker still is: its frame may have returned, or the register may
    // have been overwritten since (E11: never a stale or wrong register).
    if (p.slot < stack_top_ && stack_[p.slot].type == ValueType::PendingReveal &&
        stack_[p.slot].i == p.id) {
      stack_[p.slot] = *v;
    }
  }
  return {};
}

}  // namespace stoffel::vm
