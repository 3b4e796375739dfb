// Crypto.* and Bytes.* (docs/builtins.md, "Crypto and Bytes"): local hashing and byte helpers
// with the reference's names, argument orders and results (reference-mpc.md §4). They need no
// engine: a program can hash without an MPC session.
//
// Byte strings are VM arrays of U8 (what Mpc.rand and Share.open_exp return); the results are
// new arrays of U8.
#include <string>
#include <vector>

#include "math/field_kind.h"
#include "math/hash_to_curve.h"
#include "math/sha2.h"
#include "vm/builtins.h"
#include "vm/heap_objects.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

using Args = std::span<const Value>;

Error arity(std::string_view name, size_t n, size_t got) {
  return make_error(std::string(name) + " expects " + std::to_string(n) +
                    (n == 1 ? " argument" : " arguments") + " but got " + std::to_string(got));
}

Value byte_array(VirtualMachine& vm, std::span<const uint8_t> bytes) {
  Value a = vm.make_array(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    (void)vm.set_field(a, Value::i64(static_cast<int64_t>(i)), Value::u8(bytes[i]));
  }
  return a;
}

// A byte-array argument: an array whose elements are all U8.
Result<std::vector<uint8_t>> bytes_arg(VirtualMachine& vm, const Value& a, std::string_view fn,
                                       std::string_view what) {
  if (a.type != ValueType::Array) {
    return make_error(std::string(fn) + ": " + std::string(what) + " must be a byte array, got " +
                      debug_string(a));
  }
  const int64_t n = vm.array_length(a);
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const Value v = vm.get_field(a, Value::i64(i));
    if (v.type != ValueType::U8) {
      return make_error(std::string(fn) + ": " + std::string(what) +
                        " must be a byte array (U8 at index " + std::to_string(i) + ", got " +
                        debug_string(v) + ")");
    }
    out.push_back(static_cast<uint8_t>(v.u));
  }
  return out;
}

Result<Value> sha256(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Crypto.sha256", 1, a.size());
  auto data = bytes_arg(vm, a[0], "Crypto.sha256", "data");
  if (!data) return data.error();
  return byte_array(vm, math::sha256(*data));
}

Result<Value> sha512(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Crypto.sha512", 1, a.size());
  auto data = bytes_arg(vm, a[0], "Crypto.sha512", "data");
  if (!data) return data.error();
  return byte_array(vm, math::sha512(*data));
}

// The integer `bytes` (any length; big- or little-endian) reduced modulo the field's order, as
// arkworks' from_be_bytes_mod_order / from_le_bytes_mod_order compute it: Horner's rule over
// the bytes from the most significant one. Public data, so variable time is fine.
template <typename F>
std::array<uint8_t, 32> reduce_mod_order(std::span<const uint8_t> bytes, bool big_endian) {
  const F base = F::from_u64(256);
  F acc = F::zero();
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t b = big_endian ? bytes[i] : bytes[bytes.size() - 1 - i];
    acc = acc * base + F::from_u64(b);
  }
  return acc.to_bytes();
}

// Crypto.hash_to_field(bytes, curve): the bytes as an integer mod the scalar field's order r,
// read big-endian for bls12-381 and bn254, little-endian for curve25519 and ed25519 (the
// reference's choice: Ed25519 reads its SHA-512 challenge little-endian, RFC 8032 §5.1.7).
// Result: 32 bytes, canonical little-endian (the VM's field encoding).
Result<Value> hash_to_field(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Crypto.hash_to_field", 2, a.size());
  auto data = bytes_arg(vm, a[0], "Crypto.hash_to_field", "data");
  if (!data) return data.error();
  if (a[1].type != ValueType::String) {
    return make_error("Crypto.hash_to_field: curve must be a string, got " + debug_string(a[1]));
  }
  auto kind = math::parse_curve_name(a[1].str->view());
  if (!kind) return make_error("Crypto.hash_to_field: " + kind.error().message);
  const bool big_endian = *kind != math::FieldKind::Curve25519;
  const auto out = math::visit_field(*kind, [&](auto tag) {
    using F = typename decltype(tag)::type;
    return reduce_mod_order<F>(*data, big_endian);
  });
  return byte_array(vm, out);
}

Result<Value> hash_to_g1(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Crypto.hash_to_g1", 1, a.size());
  auto data = bytes_arg(vm, a[0], "Crypto.hash_to_g1", "data");
  if (!data) return data.error();
  auto point = math::hash_to_g1(*data);
  if (!point) return make_error("Crypto.hash_to_g1: " + point.error().message);
  return byte_array(vm, point->to_bytes());
}

Result<Value> bytes_concat(VirtualMachine& vm, Args a) {
  if (a.size() != 2) return arity("Bytes.concat", 2, a.size());
  auto x = bytes_arg(vm, a[0], "Bytes.concat", "first argument");
  if (!x) return x.error();
  auto y = bytes_arg(vm, a[1], "Bytes.concat", "second argument");
  if (!y) return y.error();
  x->insert(x->end(), y->begin(), y->end());
  return byte_array(vm, *x);
}

// The UTF-8 bytes of a string (VM strings are byte strings; nothing is re-encoded).
Result<Value> bytes_from_string(VirtualMachine& vm, Args a) {
  if (a.size() != 1) return arity("Bytes.from_string", 1, a.size());
  if (a[0].type != ValueType::String) {
    return make_error("Bytes.from_string: expected a string, got " + debug_string(a[0]));
  }
  const std::string_view s = a[0].str->view();
  return byte_array(vm,
                    std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace

void register_crypto_builtins(VirtualMachine& vm) {
  vm.register_native("Crypto.sha256", sha256);
  vm.register_native("Crypto.sha512", sha512);
  vm.register_native("Crypto.hash_to_field", hash_to_field);
  vm.register_native("Crypto.hash_to_g1", hash_to_g1);
  vm.register_native("Bytes.concat", bytes_concat);
  vm.register_native("Bytes.from_string", bytes_from_string);
}

}  // namespace stoffel::vm
