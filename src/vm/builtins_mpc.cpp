// The MPC builtins (docs/builtins.md, "MPC", "Rbc", "Aba"), on top of the MpcBackend interface,
// plus two extensions: Share.batch_mul (element-wise products in one round) and byte arrays as
// Rbc.broadcast payloads.
//
// A share argument is a raw Share or a Share object: an Object with __type = "Share",
// __share_type ("SecretInt" / "SecretFixedPoint"), __bit_length or __precision_k/__precision_f,
// __data (the raw Share) and __party_id. Results are new Share objects unless noted.
#include <sys/random.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "vm/builtins.h"
#include "vm/heap_objects.h"
#include "vm/secret.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

using Args = std::span<const Value>;

// The reference's text (E5), then how many came (as builtins.cpp's arity errors).
Error arity(std::string_view name, size_t n, size_t got) {
  return make_error(std::string(name) + " expects " + std::to_string(n) +
                    (n == 1 ? " argument" : " arguments") + " but got " + std::to_string(got));
}

// Share types that must agree and do not: `<fn>: <what>: SecretInt(64) and SecretFixedPoint(64,
// 16)`, where each side may say which element it is.
Error share_types_differ(std::string_view fn, std::string_view what, const ShareType& x,
                         const ShareType& y, std::string_view x_is = {},
                         std::string_view y_is = {}) {
  std::string s(fn);
  s.append(": ").append(what).append(": ");
  if (!x_is.empty()) s.append(x_is).append(" is ");
  s.append(x.to_string()).append(x_is.empty() ? " and " : ", ");
  if (!y_is.empty()) s.append(y_is).append(" is ");
  s.append(y.to_string());
  return make_error(std::move(s));
}

Value str(VirtualMachine& vm, std::string_view s) {
  return vm.make_string(s);
}

Value field_of(VirtualMachine& vm, const Value& obj, std::string_view key) {
  return vm.get_field(obj, vm.make_string(key));
}

// The raw Share behind a share argument (a raw Share or a Share object).
Result<Value> raw_share(VirtualMachine&, const Value& v, std::string_view fn) {
  if (ShareObj* s = share_behind(v)) return Value::share_value(s);
  return make_error(std::string(fn) + ": expected a share, got " + debug_string(v));
}

Result<Value> share_object(VirtualMachine& vm, const Value& raw) {
  const ShareType& t = raw.share->share_type;
  Value obj = vm.make_object();
  auto set = [&](std::string_view k, const Value& v) { (void)vm.set_field(obj, str(vm, k), v); };
  set("__type", str(vm, "Share"));
  if (t.kind == ShareType::Kind::SecretInt) {
    set("__share_type", str(vm, "SecretInt"));
    set("__bit_length", Value::i64(t.bit_length));
  } else {
    set("__share_type", str(vm, "SecretFixedPoint"));
    set("__precision_k", Value::i64(t.k));
    set("__precision_f", Value::i64(t.f));
  }
  set("__data", raw);
  const int64_t party = vm.engine() != nullptr ? vm.engine()->info().party_id : 0;
  set("__party_id", Value::i64(party));
  return obj;
}

Result<MpcBackend*> engine_of(VirtualMachine& vm) {
  return require_engine(vm);
}

Value byte_array(VirtualMachine& vm, std::span<const uint8_t> bytes) {
  Value a = vm.make_array(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    (void)vm.set_field(a, Value::i64(static_cast<int64_t>(i)), Value::u8(bytes[i]));
  }
  return a;
}

Result<std::vector<uint8_t>> bytes_of(VirtualMachine& vm, const Value& a, std::string_view fn) {
  if (a.type != ValueType::Array) {
    return make_error(std::string(fn) + ": expected a byte array, got " + debug_string(a));
  }
  std::vector<uint8_t> out;
  const int64_t n = vm.array_length(a);
  for (int64_t i = 0; i < n; ++i) {
    Value v = vm.get_field(a, Value::i64(i));
    if (v.type != ValueType::U8) {
      return make_error("Expected U8 at index " + std::to_string(i) + ", got " + debug_string(v));
    }
    out.push_back(static_cast<uint8_t>(v.u));
  }
  return out;
}

// --- Share.* ---------------------------------------------------------------------------------

Result<Value> from_clear(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.from_clear", 1, a.size());
  auto s = share_clear_value(vm, a[0]);
  if (!s) return s.error();
  return share_object(vm, *s);
}

Result<Value> from_clear_int(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Share.from_clear_int", 2, a.size());
  if (!a[0].is_int()) {
    return make_error("Share.from_clear_int: value must be an integer, got " + debug_string(a[0]));
  }
  if (a[1].type != ValueType::I64 || a[1].i <= 0 || a[1].i > 64) {
    return make_error("Share.from_clear_int: bit length must be in 1..64, got " +
                      debug_string(a[1]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  Value raw = make_public_share(vm, **e, ShareType::secret_int(static_cast<uint32_t>(a[1].i)),
                                (*e)->encode_int(a[0].i));
  return share_object(vm, raw);
}

Result<Value> from_clear_fixed(VirtualMachine& vm, Args a) {
  if (a.size() != 3) return arity("Share.from_clear_fixed", 3, a.size());
  if (a[1].type != ValueType::I64 || a[2].type != ValueType::I64 || a[1].i <= 0 || a[1].i > 128 ||
      a[2].i < 0 || a[2].i >= a[1].i) {
    return make_error("Share.from_clear_fixed: need k > 0 and 0 <= f < k, got k = " +
                      debug_string(a[1]) + ", f = " + debug_string(a[2]));
  }
  double v;
  if (a[0].type == ValueType::Float) {
    v = a[0].f;
  } else if (a[0].is_int()) {
    v = static_cast<double>(a[0].i);
  } else {
    return make_error("Share.from_clear_fixed: value must be a number, got " + debug_string(a[0]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  const ShareType t =
      ShareType::fixed_point(static_cast<uint32_t>(a[1].i), static_cast<uint32_t>(a[2].i));
  auto enc = encode_fixed(**e, v, t.f);
  if (!enc) return enc.error();
  return share_object(vm, make_public_share(vm, **e, t, *enc));
}

Result<Value> binary(VirtualMachine& vm, Args a, std::string_view fn, IOp op) {
  if (a.size() != 2) return arity(fn, 2, a.size());
  auto x = raw_share(vm, a[0], fn);
  if (!x) return x.error();
  auto y = raw_share(vm, a[1], fn);
  if (!y) return y.error();
  if (!(x->share->share_type == y->share->share_type)) {
    return share_types_differ(fn, "share types differ", x->share->share_type, y->share->share_type);
  }
  auto r = share_binary(vm, op, *x, *y);
  if (!r) return r.error();
  return share_object(vm, *r);
}

Result<Value> share_add(VirtualMachine& vm, Args a) {
  return binary(vm, a, "Share.add", IOp::ADD);
}
Result<Value> share_sub(VirtualMachine& vm, Args a) {
  return binary(vm, a, "Share.sub", IOp::SUB);
}
Result<Value> share_mul(VirtualMachine& vm, Args a) {
  return binary(vm, a, "Share.mul", IOp::MUL);
}

Result<Value> share_neg(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.neg", 1, a.size());
  auto x = raw_share(vm, a[0], "Share.neg");
  if (!x) return x.error();
  auto e = engine_of(vm);
  if (!e) return e.error();
  return share_object(
      vm, make_share(vm, x->share->share_type, (*e)->neg(share_field(x->share)),
                     scaled_commitments(**e, x->share, (*e)->encode_int(-1), FieldBytes{})));
}

Result<Value> scalar_op(VirtualMachine& vm, Args a, std::string_view fn, IOp op) {
  if (a.size() != 2) return arity(fn, 2, a.size());
  auto x = raw_share(vm, a[0], fn);
  if (!x) return x.error();
  if (!a[1].is_signed_int()) {
    return make_error(std::string(fn) + ": scalar must be a signed integer, got " +
                      debug_string(a[1]));
  }
  auto r = share_binary(vm, op, *x, Value::i64(a[1].i));
  if (!r) return r.error();
  return share_object(vm, *r);
}

Result<Value> add_scalar(VirtualMachine& vm, Args a) {
  return scalar_op(vm, a, "Share.add_scalar", IOp::ADD);
}
Result<Value> mul_scalar(VirtualMachine& vm, Args a) {
  return scalar_op(vm, a, "Share.mul_scalar", IOp::MUL);
}

// Opens the single share argument of `fn`: its type and the opened field element.
struct Opened {
  ShareType type;
  FieldBytes value;
  MpcBackend* engine;
};
Result<Opened> open_single(VirtualMachine& vm, Args a, std::string_view fn) {
  if (a.size() != 1) return arity(fn, 1, a.size());
  auto x = raw_share(vm, a[0], fn);
  if (!x) return x.error();
  auto e = engine_of(vm);
  if (!e) return e.error();
  const FieldBytes f = share_field(x->share);
  const auto c = share_commitments(x->share);
  const std::vector<uint8_t> commitments(c.begin(), c.end());
  auto opened = (*e)->open_committed(std::span<const FieldBytes>(&f, 1),
                                     std::span<const std::vector<uint8_t>>(&commitments, 1));
  if (!opened) return opened.error();
  return Opened{x->share->share_type, (*opened)[0], *e};
}

Result<Value> open_one(VirtualMachine& vm, Args a) {
  auto o = open_single(vm, a, "Share.open");
  if (!o) return o.error();
  return clear_from_field(*o->engine, o->type, o->value);
}

// The raw shares of an array argument, in order (an element that is not a share is an error).
Result<std::vector<ShareObj*>> shares_of_array(VirtualMachine& vm, const Value& arr,
                                               std::string_view fn) {
  if (arr.type != ValueType::Array) {
    return make_error(std::string(fn) + ": expected an array of shares, got " + debug_string(arr));
  }
  const int64_t n = vm.array_length(arr);
  std::vector<ShareObj*> out(static_cast<size_t>(std::max<int64_t>(n, 0)));
  const std::vector<Value>& dense = arr.arr->dense;
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    const Value v = k < dense.size() ? dense[k] : vm.get_field(arr, Value::i64(i));
    ShareObj* s = share_behind(v);
    if (s == nullptr) return raw_share(vm, v, fn).error();  // its "expected a share" error
    out[k] = s;
  }
  return out;
}

Result<Value> batch_open(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.batch_open", 1, a.size());
  auto shares = shares_of_array(vm, a[0], "Share.batch_open");
  if (!shares) return shares.error();
  Value result = vm.make_array(shares->size());
  if (shares->empty()) return result;
  for (size_t i = 1; i < shares->size(); ++i) {
    const ShareType& first = (*shares)[0]->share_type;
    if (!((*shares)[i]->share_type == first)) {
      return share_types_differ("Share.batch_open", "all shares must have the same type", first,
                                (*shares)[i]->share_type, "element 0",
                                "element " + std::to_string(i));
    }
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  std::vector<FieldBytes> fields;
  std::vector<std::vector<uint8_t>> commitments;
  for (const ShareObj* s : *shares) {
    fields.push_back(share_field(s));
    const auto c = share_commitments(s);
    commitments.emplace_back(c.begin(), c.end());
  }
  auto opened = (*e)->open_committed(fields, commitments);  // one round for the whole batch
  if (!opened) return opened.error();
  for (size_t i = 0; i < fields.size(); ++i) {
    auto v = clear_from_field(**e, (*shares)[i]->share_type, (*opened)[i]);
    if (!v) return v.error();
    (void)vm.set_field(result, Value::i64(static_cast<int64_t>(i)), *v);
  }
  return result;
}

// Extension: element-wise a[i] * b[i] in one round (the multiplication counterpart of
// batch_open). Fixed-point products are truncated together, also in one round. The result is an
// array of raw Shares (like ClientStore.take_share), not Share objects: batches of 10^5 shares
// must stay cheap, and raw shares work everywhere a share is accepted.
Result<Value> batch_mul(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Share.batch_mul", 2, a.size());
  auto xs = shares_of_array(vm, a[0], "Share.batch_mul");
  if (!xs) return xs.error();
  auto ys = shares_of_array(vm, a[1], "Share.batch_mul");
  if (!ys) return ys.error();
  if (xs->size() != ys->size()) {
    return make_error("Share.batch_mul: arrays differ in length (" + std::to_string(xs->size()) +
                      " and " + std::to_string(ys->size()) + ")");
  }
  const size_t n = xs->size();
  if (n == 0) return vm.make_array();
  const ShareType t = (*xs)[0]->share_type;
  // Every element is written below before it is read: no zeroing of 10^5 fields.
  const auto fx = std::make_unique_for_overwrite<FieldBytes[]>(n);
  const auto fy = std::make_unique_for_overwrite<FieldBytes[]>(n);
  for (size_t i = 0; i < n; ++i) {
    if (constexpr size_t kAhead = 8; i + kAhead < n) {
      // 2 x 10^5 share objects in cold memory: fetch a few ahead of use.
      __builtin_prefetch((*xs)[i + kAhead]);
      __builtin_prefetch((*ys)[i + kAhead]);
    }
    for (const auto* side : {&*xs, &*ys}) {
      if (!((*side)[i]->share_type == t)) {
        return share_types_differ("Share.batch_mul", "all shares must have the same type", t,
                                  (*side)[i]->share_type, "a[0]",
                                  (side == &*xs ? "a[" : "b[") + std::to_string(i) + "]");
      }
    }
    fx[i] = share_field((*xs)[i]);
    fy[i] = share_field((*ys)[i]);
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto prod = (*e)->mul({fx.get(), n}, {fy.get(), n});
  if (!prod) return prod.error();
  if (t.kind == ShareType::Kind::SecretFixedPoint) {
    prod = (*e)->truncate(*prod, 2 * t.k, t.f);
    if (!prod) return prod.error();
  }
  Value result;
  const std::span<Value> out = vm.make_filled_array(prod->size(), result);
  for (size_t i = 0; i < out.size(); ++i) out[i] = make_share(vm, t, (*prod)[i]);
  return result;
}

// Share.interpolate_local(array): reconstructs locally from an array of shares where element i is
// party i's share (at least 2t+1; up to t wrong ones are corrected). Returns the clear value.
Result<Value> interpolate_local(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.interpolate_local", 1, a.size());
  auto shares = shares_of_array(vm, a[0], "Share.interpolate_local");
  if (!shares) return shares.error();
  if (shares->empty()) return make_error("Share.interpolate_local: no shares");
  const ShareType t = (*shares)[0]->share_type;
  std::vector<FieldBytes> fields;
  for (size_t i = 0; i < shares->size(); ++i) {
    if (!((*shares)[i]->share_type == t)) {
      return share_types_differ("Share.interpolate_local", "all shares must have the same type", t,
                                (*shares)[i]->share_type, "element 0",
                                "element " + std::to_string(i));
    }
    fields.push_back(share_field((*shares)[i]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto value = (*e)->interpolate(fields);
  if (!value) return value.error();
  return clear_from_field(**e, t, *value);
}

Result<Value> send_to_client(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Share.send_to_client", 2, a.size());
  auto x = raw_share(vm, a[0], "Share.send_to_client");
  if (!x) return x.error();
  if (!(a[1].type == ValueType::I64 && a[1].i >= 0) && a[1].type != ValueType::U64) {
    return make_error("Share.send_to_client: client id must be a non-negative integer, got " +
                      debug_string(a[1]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  const FieldBytes f = share_field(x->share);
  if (auto r = (*e)->send_output(a[1].u, std::span<const FieldBytes>(&f, 1), x->share->share_type);
      !r) {
    return r.error();
  }
  return Value::boolean(true);
}

Result<Value> get_type(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.get_type", 1, a.size());
  auto x = raw_share(vm, a[0], "Share.get_type");
  if (!x) return x.error();
  return str(vm, x->share->share_type.kind == ShareType::Kind::SecretInt ? "SecretInt"
                                                                         : "SecretFixedPoint");
}

Result<Value> get_party_id(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.get_party_id", 1, a.size());
  if (a[0].type == ValueType::Object) {
    Value id = field_of(vm, a[0], "__party_id");
    if (id.type == ValueType::I64) return id;
  }
  auto x = raw_share(vm, a[0], "Share.get_party_id");
  if (!x) return x.error();
  return Value::i64(vm.engine() != nullptr ? vm.engine()->info().party_id : 0);
}

Result<Value> random_share(VirtualMachine& vm, Args) {
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto r = (*e)->random_committed();
  if (!r) return r.error();
  return share_object(vm, make_share(vm, ShareType::secret_int(64), r->first, r->second));
}

Result<Value> open_field(VirtualMachine& vm, Args a) {
  auto o = open_single(vm, a, "Share.open_field");
  if (!o) return o.error();
  return byte_array(vm, o->value);
}

Result<Value> mul_field(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Share.mul_field", 2, a.size());
  auto x = raw_share(vm, a[0], "Share.mul_field");
  if (!x) return x.error();
  auto bytes = bytes_of(vm, a[1], "Share.mul_field");
  if (!bytes) return bytes.error();
  if (bytes->size() != 32) {
    return make_error("Share.mul_field: a field element is 32 bytes, got " +
                      std::to_string(bytes->size()));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  FieldBytes scalar{};
  std::copy(bytes->begin(), bytes->end(), scalar.begin());
  auto canonical = (*e)->check_canonical(scalar);
  if (!canonical) return canonical.error();
  // Unlike the reference, the commitments follow (scaled by the same element).
  return share_object(
      vm, make_share(vm, x->share->share_type, (*e)->mul_public(share_field(x->share), *canonical),
                     scaled_commitments(**e, x->share, *canonical, FieldBytes{})));
}

// The commitments of a share as points: the count, then each encoded point (mpc/avss/feldman.h).
// Empty when the share has none.
std::vector<std::span<const uint8_t>> commitment_points(const ShareObj* s) {
  const auto c = share_commitments(s);
  std::vector<std::span<const uint8_t>> out;
  if (c.size() < 8) return out;
  uint64_t count = 0;
  for (int i = 0; i < 8; ++i) count |= static_cast<uint64_t>(c[i]) << (8 * i);
  if (count == 0 || (c.size() - 8) % count != 0) return out;
  const size_t size = (c.size() - 8) / count;
  for (uint64_t i = 0; i < count; ++i) out.push_back(c.subspan(8 + i * size, size));
  return out;
}

Result<Value> get_commitment(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Share.get_commitment", 2, a.size());
  auto x = raw_share(vm, a[0], "Share.get_commitment");
  if (!x) return x.error();
  if (!a[1].is_int() || (a[1].is_signed_int() && a[1].i < 0)) {
    return make_error("Share.get_commitment: index must be a non-negative integer, got " +
                      debug_string(a[1]));
  }
  const auto points = commitment_points(x->share);
  if (points.empty()) {
    return make_error(
        "Share.get_commitment: the share has no commitments (only AVSS shares "
        "from Share.random and linear operations on them have)");
  }
  if (a[1].u >= points.size()) {
    return make_error("Share.get_commitment: index " + std::to_string(a[1].u) +
                      " out of range (the share has " + std::to_string(points.size()) +
                      " commitments)");
  }
  return byte_array(vm, points[a[1].u]);
}

Result<Value> commitment_count(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.commitment_count", 1, a.size());
  auto x = raw_share(vm, a[0], "Share.commitment_count");
  if (!x) return x.error();
  return Value::i64(static_cast<int64_t>(commitment_points(x->share).size()));
}

Result<Value> has_commitments(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Share.has_commitments", 1, a.size());
  auto x = raw_share(vm, a[0], "Share.has_commitments");
  if (!x) return x.error();
  return Value::boolean(!commitment_points(x->share).empty());
}

// Share.open_exp(s, group) and Share.open_exp_custom(s, base bytes): the opened secret times
// the group's generator or the given base, as an encoded point (byte array).
Result<Value> open_exp(VirtualMachine& vm, Args a, bool custom) {
  const char* fn = custom ? "Share.open_exp_custom" : "Share.open_exp";
  if (a.size() != 2) return arity(fn, 2, a.size());
  auto x = raw_share(vm, a[0], fn);
  if (!x) return x.error();
  std::string group;
  std::vector<uint8_t> base;
  if (custom) {
    auto b = bytes_of(vm, a[1], fn);
    if (!b) return b.error();
    base = std::move(*b);
    if (base.empty()) return make_error(std::string(fn) + ": the base point is empty");
  } else {
    if (a[1].type != ValueType::String) {
      return make_error(std::string(fn) + ": the group must be a string, got " +
                        debug_string(a[1]));
    }
    group = std::string(a[1].str->view());
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto point = (*e)->open_exp(share_field(x->share), share_commitments(x->share), group, base);
  if (!point) return point.error();
  return byte_array(vm, *point);
}

// --- Avss.* (objects {__type: "AvssShare", __key_name, __share_data, __commitments (array of
// byte arrays), __party_id}, built by host code) --------------------------------------------

Result<Value> avss_object(VirtualMachine& vm, const Value& v, std::string_view fn) {
  if (v.type == ValueType::Object) {
    const Value type = field_of(vm, v, "__type");
    if (type.type == ValueType::String && type.str->view() == "AvssShare") return v;
  }
  return make_error(std::string(fn) + ": expected an AvssShare object, got " + debug_string(v));
}

Result<Value> avss_commitments(VirtualMachine& vm, const Value& obj, std::string_view fn) {
  const Value c = field_of(vm, obj, "__commitments");
  if (c.type != ValueType::Array) {
    return make_error(std::string(fn) + ": the AvssShare has no __commitments array");
  }
  return c;
}

// --- Mpc.* ----------------------------------------------------------------------------------

Result<Value> mpc_info(VirtualMachine& vm, int which) {
  auto e = engine_of(vm);
  if (!e) return e.error();
  const EngineInfo& i = (*e)->info();
  switch (which) {
    case 0:
      return Value::i64(i.party_id);
    case 1:
      return Value::i64(i.n_parties);
    case 2:
      return Value::i64(i.threshold);
    default:
      return Value::i64(static_cast<int64_t>(i.instance_id));
  }
}

Result<std::vector<uint8_t>> os_random(size_t n) {
  std::vector<uint8_t> out(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out.data() + got, n - got, 0);
    if (r < 0) return make_error("Mpc.rand: the operating system's random source failed");
    got += static_cast<size_t>(r);
  }
  return out;
}

Result<Value> mpc_rand(VirtualMachine& vm, Args) {
  auto bytes = os_random(32);
  if (!bytes) return bytes.error();
  return byte_array(vm, *bytes);
}

Error rand_int_width_error(const Value& got) {
  return make_error("Mpc.rand_int expects a bit width (8, 16, 32 or 64), got " + debug_string(got));
}

Result<Value> mpc_rand_int(VirtualMachine&, Args a) {
  if (a.size() != 1) return arity("Mpc.rand_int", 1, a.size());
  if (a[0].type != ValueType::I64) return rand_int_width_error(a[0]);
  auto bytes = os_random(8);
  if (!bytes) return bytes.error();
  uint64_t v = 0;
  for (uint8_t b : *bytes) v = (v << 8) | b;
  switch (a[0].i) {
    case 8:
      return Value::u8(static_cast<uint8_t>(v));
    case 16:
      return Value::u16(static_cast<uint16_t>(v));
    case 32:
      return Value::u32(static_cast<uint32_t>(v));
    case 64:
      return Value::u64(v);
    default:
      return rand_int_width_error(a[0]);
  }
}

// MpcOutput.send_to_client(client_id, share): exactly 2, a share (raw or a Share object, as
// everywhere else), a ready engine -> true.
Result<Value> output_send_to_client(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("MpcOutput.send_to_client", 2, a.size());
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto x = raw_share(vm, a[1], "MpcOutput.send_to_client");
  if (!x) return x.error();
  if (!(a[0].type == ValueType::I64 && a[0].i >= 0) && a[0].type != ValueType::U64) {
    return make_error("MpcOutput.send_to_client: client id must be a non-negative integer");
  }
  const FieldBytes f = share_field(x->share);
  if (auto r = (*e)->send_output(a[0].u, std::span<const FieldBytes>(&f, 1), x->share->share_type);
      !r) {
    return r.error();
  }
  return Value::boolean(true);
}

// --- Rbc.* and Aba.* (reliable broadcast and binary agreement across the parties) -----------
//
// A broadcast payload starts with one tag byte, so the receiver gets back what was sent:
// 1 = a string (the rest is its bytes), 2 = a byte array (extension: the reference broadcasts
// strings only). A payload with any other first byte (only a faulty party sends one; every
// honest party receives the same) is returned as a byte array of all its bytes.
constexpr uint8_t kTagString = 1, kTagBytes = 2;

// Timeouts: a non-negative integer number of milliseconds, capped at 2^40 (35 years) so that
// deadlines cannot overflow the clock.
Result<uint64_t> timeout_of(const Value& v, std::string_view fn) {
  if (!v.is_int() || (v.is_signed_int() && v.i < 0)) {
    return make_error(std::string(fn) + ": timeout_ms must be a non-negative integer, got " +
                      debug_string(v));
  }
  return std::min<uint64_t>(v.u, uint64_t{1} << 40);
}

Result<uint64_t> non_negative(const Value& v, std::string_view fn, std::string_view what) {
  if (!v.is_int() || (v.is_signed_int() && v.i < 0)) {
    return make_error(std::string(fn) + ": " + std::string(what) +
                      " must be a non-negative integer, got " + debug_string(v));
  }
  return v.u;
}

Value payload_value(VirtualMachine& vm, const std::vector<uint8_t>& payload) {
  if (!payload.empty() && payload[0] == kTagString) {
    return vm.make_string(std::string_view(reinterpret_cast<const char*>(payload.data()) + 1,
                                           payload.size() - 1));
  }
  if (!payload.empty() && payload[0] == kTagBytes) {
    return byte_array(vm, std::span<const uint8_t>(payload).subspan(1));
  }
  return byte_array(vm, payload);
}

Result<Value> rbc_broadcast(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Rbc.broadcast", 1, a.size());
  std::vector<uint8_t> payload;
  if (a[0].type == ValueType::String) {
    const std::string_view text = a[0].str->view();
    payload.reserve(text.size() + 1);
    payload.push_back(kTagString);
    payload.insert(payload.end(), text.begin(), text.end());
  } else if (a[0].type == ValueType::Array) {
    auto bytes = bytes_of(vm, a[0], "Rbc.broadcast");
    if (!bytes) return bytes.error();
    payload.reserve(bytes->size() + 1);
    payload.push_back(kTagBytes);
    payload.insert(payload.end(), bytes->begin(), bytes->end());
  } else {
    return make_error("Rbc.broadcast: expected a string or a byte array, got " +
                      debug_string(a[0]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto session = (*e)->rbc_broadcast(payload);
  if (!session) return session.error();
  return Value::i64(static_cast<int64_t>(*session));
}

Result<Value> rbc_receive(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Rbc.receive", 2, a.size());
  auto from = non_negative(a[0], "Rbc.receive", "from_party");
  if (!from) return from.error();
  auto timeout = timeout_of(a[1], "Rbc.receive");
  if (!timeout) return timeout.error();
  auto e = engine_of(vm);
  if (!e) return e.error();
  if (*from >= (*e)->info().n_parties) {
    return make_error("Rbc.receive: no party " + std::to_string(*from) + " (there are " +
                      std::to_string((*e)->info().n_parties) + ")");
  }
  auto got = (*e)->rbc_receive(static_cast<uint32_t>(*from), *timeout);
  if (!got) return got.error();
  return payload_value(vm, *got);
}

Result<Value> rbc_receive_any(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Rbc.receive_any", 1, a.size());
  auto timeout = timeout_of(a[0], "Rbc.receive_any");
  if (!timeout) return timeout.error();
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto got = (*e)->rbc_receive_any(*timeout);
  if (!got) return got.error();
  Value obj = vm.make_object();
  (void)vm.set_field(obj, str(vm, "party_id"), Value::i64(got->first));
  (void)vm.set_field(obj, str(vm, "message"), payload_value(vm, got->second));
  return obj;
}

Result<Value> aba_propose(VirtualMachine& vm, Args a, std::string_view fn) {
  if (a[0].type != ValueType::Bool) {
    return make_error(std::string(fn) + ": expected a Bool, got " + debug_string(a[0]));
  }
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto session = (*e)->aba_propose(a[0].b);
  if (!session) return session.error();
  return Value::i64(static_cast<int64_t>(*session));
}

Result<Value> aba_result(VirtualMachine& vm, const Value& session, const Value& timeout_ms,
                         std::string_view fn) {
  auto s = non_negative(session, fn, "session");
  if (!s) return s.error();
  auto timeout = timeout_of(timeout_ms, fn);
  if (!timeout) return timeout.error();
  auto e = engine_of(vm);
  if (!e) return e.error();
  auto decided = (*e)->aba_result(*s, *timeout);
  if (!decided) return decided.error();
  return Value::boolean(*decided);
}

}  // namespace

Result<Value> share_object_of(VirtualMachine& vm, const Value& raw) {
  return share_object(vm, raw);
}

void register_mpc_builtins(VirtualMachine& vm) {
  vm.register_native("Share.from_clear", from_clear);
  vm.register_native("Share.from_clear_int", from_clear_int);
  vm.register_native("Share.from_clear_fixed", from_clear_fixed);
  vm.register_native("Share.add", share_add);
  vm.register_native("Share.sub", share_sub);
  vm.register_native("Share.neg", share_neg);
  vm.register_native("Share.add_scalar", add_scalar);
  vm.register_native("Share.mul_scalar", mul_scalar);
  vm.register_native("Share.mul", share_mul);
  vm.register_native("Share.batch_mul", batch_mul);
  vm.register_native("Share.open", open_one);
  vm.register_native("Share.batch_open", batch_open);
  vm.register_native("Share.send_to_client", send_to_client);
  vm.register_native("Share.interpolate_local", interpolate_local);
  vm.register_native("Share.get_type", get_type);
  vm.register_native("Share.get_party_id", get_party_id);
  vm.register_native("Share.random", random_share);
  vm.register_native("Share.open_field", open_field);
  vm.register_native("Share.mul_field", mul_field);
  vm.register_native("Share.get_commitment", get_commitment);
  vm.register_native("Share.commitment_count", commitment_count);
  vm.register_native("Share.has_commitments", has_commitments);
  vm.register_native("Share.open_exp",
                     [](VirtualMachine& m, Args a) { return open_exp(m, a, false); });
  vm.register_native("Share.open_exp_custom",
                     [](VirtualMachine& m, Args a) { return open_exp(m, a, true); });
  vm.register_native("Avss.is_avss_share", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 1) return arity("Avss.is_avss_share", 1, a.size());
    return Value::boolean(avss_object(m, a[0], "Avss.is_avss_share").ok());
  });
  vm.register_native("Avss.get_key_name", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 1) return arity("Avss.get_key_name", 1, a.size());
    auto o = avss_object(m, a[0], "Avss.get_key_name");
    if (!o) return o.error();
    return field_of(m, *o, "__key_name");
  });
  vm.register_native("Avss.commitment_count", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 1) return arity("Avss.commitment_count", 1, a.size());
    auto o = avss_object(m, a[0], "Avss.commitment_count");
    if (!o) return o.error();
    auto c = avss_commitments(m, *o, "Avss.commitment_count");
    if (!c) return c.error();
    return Value::i64(m.array_length(*c));
  });
  vm.register_native("Avss.get_commitment", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 2) return arity("Avss.get_commitment", 2, a.size());
    auto o = avss_object(m, a[0], "Avss.get_commitment");
    if (!o) return o.error();
    auto c = avss_commitments(m, *o, "Avss.get_commitment");
    if (!c) return c.error();
    if (!a[1].is_signed_int() || a[1].i < 0 || a[1].i >= m.array_length(*c)) {
      return make_error("Avss.get_commitment: index " + debug_string(a[1]) +
                        " out of range (the share has " + std::to_string(m.array_length(*c)) +
                        " commitments)");
    }
    return m.get_field(*c, Value::i64(a[1].i));
  });
  vm.register_native("Mpc.party_id", [](VirtualMachine& m, Args) { return mpc_info(m, 0); });
  vm.register_native("Mpc.n_parties", [](VirtualMachine& m, Args) { return mpc_info(m, 1); });
  vm.register_native("Mpc.threshold", [](VirtualMachine& m, Args) { return mpc_info(m, 2); });
  vm.register_native("Mpc.instance_id", [](VirtualMachine& m, Args) { return mpc_info(m, 3); });
  vm.register_native("Mpc.is_ready", [](VirtualMachine& m, Args) -> Result<Value> {
    if (m.engine() == nullptr) m.note_engine_needed();  // the answer depends on having one
    return Value::boolean(m.engine() != nullptr && m.engine()->is_ready());
  });
  vm.register_native("Mpc.rand", mpc_rand);
  vm.register_native("Mpc.rand_int", mpc_rand_int);
  vm.register_native("MpcOutput.send_to_client", output_send_to_client);
  vm.register_native("Rbc.broadcast", rbc_broadcast);
  vm.register_native("Rbc.receive", rbc_receive);
  vm.register_native("Rbc.receive_any", rbc_receive_any);
  vm.register_native("Aba.propose", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 1) return arity("Aba.propose", 1, a.size());
    return aba_propose(m, a, "Aba.propose");
  });
  vm.register_native("Aba.result", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 2) return arity("Aba.result", 2, a.size());
    return aba_result(m, a[0], a[1], "Aba.result");
  });
  // Propose, then wait for the session just proposed.
  vm.register_native("Aba.propose_and_wait", [](VirtualMachine& m, Args a) -> Result<Value> {
    if (a.size() != 2) return arity("Aba.propose_and_wait", 2, a.size());
    if (auto t = timeout_of(a[1], "Aba.propose_and_wait"); !t) return t.error();
    auto session = aba_propose(m, a.first(1), "Aba.propose_and_wait");
    if (!session) return session.error();
    return aba_result(m, *session, a[1], "Aba.propose_and_wait");
  });
}

}  // namespace stoffel::vm
