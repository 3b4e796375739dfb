// Secret comparisons and selection (issue 18; docs/builtins.md, "Comparisons"): Share.lt, le, gt,
// ge, eq, ne return a secret bit (a SecretInt(1) share, opened as a Bool); Share.select(bit, a, b)
// picks a or b by a secret bit; Share.batch_lt / batch_eq compare arrays element-wise in one
// protocol run. The protocols are the engine's (MpcBackend::less_than_zero / equal_zero; in the
// HoneyBadger engine docs/mpc.md, "Comparisons", decision P9).
//
// Two values are compared by the sign or zero test of their difference. The difference of two
// b-bit values needs b + 1 bits, so the engine is asked with k = b + 1 (65 for SecretInt(64) and
// SecretFixedPoint(64, 16)): every pair of values of the type compares correctly, ±2^63 included.
//
// Wherever a share is taken, a clear operand is accepted too and shared as a public constant
// (E10) of the other operand's type: an integer as itself (SecretInt) or scaled by 2^f
// (SecretFixedPoint), a Float only for SecretFixedPoint, a Bool as 0 or 1.
#include <cstdint>
#include <string>
#include <vector>

#include "vm/builtins.h"
#include "vm/secret.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

using Args = std::span<const Value>;

Error arity(std::string_view name, size_t n) {
  return make_error(std::string(name) + " expects " + std::to_string(n) + " arguments");
}

// The type a clear value becomes on its own (MOV clear -> secret, E10).
Result<ShareType> own_type(const Value& v, std::string_view fn) {
  if (v.is_int()) return ShareType::secret_int(64);
  if (v.type == ValueType::Bool) return ShareType::secret_int(1);
  if (v.type == ValueType::Float) return ShareType::fixed_point(64, kDefaultFractionalBits);
  return make_error(std::string(fn) + ": expected a share or a number, got " + debug_string(v));
}

// A share or clear operand as the field element of a share of type `t` (a clear value becomes
// the public constant, every party holding it).
Result<FieldBytes> operand_as(MpcBackend& e, const Value& v, const ShareType& t,
                              std::string_view fn) {
  if (ShareObj* s = share_behind(v)) {
    if (!(s->share_type == t)) {
      return make_error(std::string(fn) + ": share types differ (" + t.to_string() + " and " +
                        s->share_type.to_string() + ")");
    }
    return share_field(s);
  }
  if (t.kind == ShareType::Kind::SecretInt) {
    if (v.is_int()) return e.share_public(e.encode_int(v.i));  // U64: its i64 bits, as MOV does
    if (v.type == ValueType::Bool) return e.share_public(e.encode_int(v.b ? 1 : 0));
    return make_error(std::string(fn) + ": cannot use " + debug_string(v) + " as " +
                      t.to_string());
  }
  if (v.is_int() || v.type == ValueType::Bool) {
    // An integer as fixed point: v * 2^f exactly, which must fit an i64 (M6).
    const int64_t x = v.type == ValueType::Bool ? (v.b ? 1 : 0) : v.i;
    const bool fits = t.f == 0 || (t.f <= 62 && x < (int64_t{1} << (63 - t.f)) &&
                                   x >= -(int64_t{1} << (63 - t.f)));
    if (!fits) {
      return make_error(std::string(fn) + ": " + debug_string(v) + " is out of the range of " +
                        t.to_string());
    }
    return e.share_public(e.encode_int(static_cast<int64_t>(static_cast<uint64_t>(x) << t.f)));
  }
  if (v.type == ValueType::Float) {
    auto enc = encode_fixed(e, v.f, t.f);
    if (!enc) return make_error(std::string(fn) + ": " + enc.error().message);
    return e.share_public(*enc);
  }
  return make_error(std::string(fn) + ": expected a share or a number, got " + debug_string(v));
}

// The common type of operands: the type of the first share among them, else the type the first
// clear value has on its own.
Result<ShareType> common_type(std::span<const Value> vs, std::string_view fn) {
  for (const Value& v : vs) {
    if (ShareObj* s = share_behind(v)) return s->share_type;
  }
  if (vs.empty()) return ShareType::secret_int(64);
  return own_type(vs[0], fn);
}

// The k the engine compares differences of values of type t with: one bit more than the type.
Result<uint32_t> difference_bits(const ShareType& t, std::string_view fn) {
  const uint32_t bits = t.kind == ShareType::Kind::SecretInt ? t.bit_length : t.k;
  if (bits == 0 || bits > 128) {
    return make_error(std::string(fn) + ": cannot compare values of type " + t.to_string());
  }
  return bits + 1;
}

Result<Value> bit_object(VirtualMachine& vm, const FieldBytes& bit) {
  return share_object_of(vm, make_share(vm, ShareType::secret_int(1), bit));
}

enum class Test { Lt, Eq };

// [a < b] (or [a = b]) for every pair, in one engine call; `negate` gives 1 - the bit, `swap`
// compares b with a. Field elements of the bits, in order.
Result<std::vector<FieldBytes>> compare(VirtualMachine& vm, std::span<const Value> as,
                                        std::span<const Value> bs, Test test, bool swap,
                                        bool negate, std::string_view fn) {
  auto engine = require_engine(vm);
  if (!engine) return engine.error();
  MpcBackend& e = **engine;
  std::vector<Value> all(as.begin(), as.end());
  all.insert(all.end(), bs.begin(), bs.end());
  auto t = common_type(all, fn);
  if (!t) return t.error();
  auto k = difference_bits(*t, fn);
  if (!k) return k.error();
  std::vector<FieldBytes> diff(as.size());
  for (size_t i = 0; i < as.size(); ++i) {
    auto x = operand_as(e, as[i], *t, fn);
    if (!x) return x.error();
    auto y = operand_as(e, bs[i], *t, fn);
    if (!y) return y.error();
    diff[i] = swap ? e.sub(*y, *x) : e.sub(*x, *y);
  }
  if (diff.empty()) return diff;
  auto bits = test == Test::Lt ? e.less_than_zero(diff, *k) : e.equal_zero(diff, *k);
  if (!bits) return make_error(std::string(fn) + ": " + bits.error().message);
  if (negate) {
    const FieldBytes one = e.share_public(e.encode_int(1));
    for (FieldBytes& b : *bits) b = e.sub(one, b);
  }
  return bits;
}

NativeFunction single(std::string name, Test test, bool swap, bool negate) {
  return [name, test, swap, negate](VirtualMachine& vm, Args a) -> Result<Value> {
    if (a.size() != 2) return arity(name, 2);
    auto bits = compare(vm, a.first(1), a.subspan(1, 1), test, swap, negate, name);
    if (!bits) return bits.error();
    return bit_object(vm, (*bits)[0]);
  };
}

Result<std::vector<Value>> elements(VirtualMachine& vm, const Value& arr, std::string_view fn) {
  if (arr.type != ValueType::Array) {
    return make_error(std::string(fn) + ": expected an array, got " + debug_string(arr));
  }
  std::vector<Value> out;
  const int64_t n = vm.array_length(arr);
  for (int64_t i = 0; i < n; ++i) out.push_back(vm.get_field(arr, Value::i64(i)));
  return out;
}

// Share.batch_lt / batch_eq: element-wise over two arrays of equal length, one engine call (one
// opening and one multiplication round per tree level for the whole batch). The result is an
// array of raw SecretInt(1) shares, as Share.batch_mul returns raw shares.
NativeFunction batch(std::string name, Test test) {
  return [name, test](VirtualMachine& vm, Args a) -> Result<Value> {
    if (a.size() != 2) return arity(name, 2);
    auto xs = elements(vm, a[0], name);
    if (!xs) return xs.error();
    auto ys = elements(vm, a[1], name);
    if (!ys) return ys.error();
    if (xs->size() != ys->size()) {
      return make_error(name + ": arrays differ in length (" + std::to_string(xs->size()) +
                        " and " + std::to_string(ys->size()) + ")");
    }
    auto bits = compare(vm, *xs, *ys, test, false, false, name);
    if (!bits) return bits.error();
    Value result = vm.make_array(bits->size());
    for (size_t i = 0; i < bits->size(); ++i) {
      (void)vm.set_field(result, Value::i64(static_cast<int64_t>(i)),
                         make_share(vm, ShareType::secret_int(1), (*bits)[i]));
    }
    return result;
  };
}

// Share.select(bit, a, b) = b + bit * (a - b): one multiplication (one round). The bit is a
// SecretInt(1) share (as the comparisons return) or a clear Bool; a and b are shares or clear
// values of one type, which the result has. A clear bit needs no round: the chosen operand is
// returned (as a share).
Result<Value> select(VirtualMachine& vm, Args a) {
  constexpr std::string_view fn = "Share.select";
  if (a.size() != 3) return arity(fn, 3);
  auto engine = require_engine(vm);
  if (!engine) return engine.error();
  MpcBackend& e = **engine;
  auto t = common_type(a.subspan(1, 2), fn);
  if (!t) return t.error();
  auto x = operand_as(e, a[1], *t, fn);
  if (!x) return x.error();
  auto y = operand_as(e, a[2], *t, fn);
  if (!y) return y.error();
  if (a[0].type == ValueType::Bool) {
    return share_object_of(vm, make_share(vm, *t, a[0].b ? *x : *y));
  }
  ShareObj* bit = share_behind(a[0]);
  if (bit == nullptr || !(bit->share_type == ShareType::secret_int(1))) {
    return make_error(std::string(fn) + ": the condition must be a secret bit (SecretInt(1), as " +
                      "Share.lt and the other comparisons return) or a Bool, got " +
                      (bit != nullptr ? bit->share_type.to_string() : debug_string(a[0])));
  }
  const FieldBytes b = share_field(bit);
  const FieldBytes d = e.sub(*x, *y);
  auto prod = e.mul(std::span<const FieldBytes>(&b, 1), std::span<const FieldBytes>(&d, 1));
  if (!prod) return prod.error();
  return share_object_of(vm, make_share(vm, *t, e.add(*y, (*prod)[0])));
}

}  // namespace

void register_compare_builtins(VirtualMachine& vm) {
  // a < b, a <= b = 1 - [b < a], a > b = [b < a], a >= b = 1 - [a < b].
  vm.register_native("Share.lt", single("Share.lt", Test::Lt, false, false));
  vm.register_native("Share.le", single("Share.le", Test::Lt, true, true));
  vm.register_native("Share.gt", single("Share.gt", Test::Lt, true, false));
  vm.register_native("Share.ge", single("Share.ge", Test::Lt, false, true));
  vm.register_native("Share.eq", single("Share.eq", Test::Eq, false, false));
  vm.register_native("Share.ne", single("Share.ne", Test::Eq, false, true));
  vm.register_native("Share.select", select);
  vm.register_native("Share.batch_lt", batch("Share.batch_lt", Test::Lt));
  vm.register_native("Share.batch_eq", batch("Share.batch_eq", Test::Eq));
}

}  // namespace stoffel::vm
