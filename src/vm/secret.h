// Secret values in the VM: sharing clear values (MOV clear -> secret; docs/decisions.md, E10),
// revealing (MOV secret -> clear, batched, E11), and share arithmetic (docs/semantics.md, "Secret
// registers", with M5 for fixed point). Everything that needs the parties goes through the
// MpcBackend.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stoffel/result.h"
#include "vm/mpc_backend.h"
#include "vm/function.h"
#include "vm/heap_objects.h"
#include "vm/value.h"

namespace stoffel::vm {

class VirtualMachine;

// The engine, or the reference's errors: "MPC engine not configured" /
// "MPC engine configured but not ready".
Result<MpcBackend*> require_engine(VirtualMachine& vm);

FieldBytes share_field(const ShareObj* s);
// The commitments a share carries after its field element (MpcBackend::commitments_linear;
// empty on backends without them).
std::span<const uint8_t> share_commitments(const ShareObj* s);
Value make_share(VirtualMachine& vm, ShareType type, const FieldBytes& value,
                 std::span<const uint8_t> commitments = {});
// A share of a public value: the engine's deterministic sharing (E10) with its commitments.
Value make_public_share(VirtualMachine& vm, MpcBackend& e, ShareType type,
                        const FieldBytes& value);

// A clear value as a share (MOV clear -> secret; Share.from_clear): integers -> SecretInt(64)
// (U64 reinterpreted as i64), Float -> SecretFixedPoint(64, 16) (value * 2^16, rounded), Bool ->
// SecretInt(1); a Share is returned as it is. Deterministic: every party holds the public value
// itself (E10).
Result<Value> share_clear_value(VirtualMachine& vm, const Value& v);
// The fractional bits of the default fixed-point type, SecretFixedPoint(64, 16): a Float moved
// into a secret register, Share.from_clear of a Float, client inputs written with a point.
inline constexpr uint32_t kDefaultFractionalBits = 16;
// v * 2^f rounded to the nearest integer: the integer a fixed-point value with f fractional bits
// is encoded as; an error when it does not fit an i64 (M6 applies in both directions). The one
// fixed-point encoding (W12): the VM and the embedded engine's client inputs both use it.
Result<int64_t> fixed_point_scaled(double v, uint32_t f);
// A Float as the field element of its fixed-point encoding with f fractional bits.
Result<FieldBytes> encode_fixed(MpcBackend& engine, double v, uint32_t f);

// The clear value of an opened share of the given type: SecretInt(1) -> Bool, SecretInt -> I64
// (decision M6), SecretFixedPoint -> Float (value / 2^f).
Result<Value> clear_from_field(MpcBackend& engine, const ShareType& type, const FieldBytes& value);
// The same from the opened value already decoded as an integer (M6).
Value clear_from_int(int64_t value, const ShareType& type);

// The raw share a value stands for: a Share itself, or the __data of a Share object (an Object
// with __type = "Share", as the Share.* builtins return); null for anything else. Wherever a
// builtin takes a share, it takes either form.
ShareObj* share_behind(const Value& v);

// `v` with every secret in it opened: a share or Share object becomes its clear value, and so do
// the shares inside arrays and objects (in place, to any depth, cycles included). All of them
// are opened in one robust batch (one round, every party takes part, in the same order since
// the traversal follows insertion order). Used for the value a program returns.
Result<Value> open_shares_in(VirtualMachine& vm, const Value& v);

// Commitments of a + b_factor·b, and of factor·a + constant (empty when a share has none).
std::vector<uint8_t> linear_commitments(MpcBackend& e, const ShareObj* a, const ShareObj* b,
                                        const FieldBytes& b_factor);
std::vector<uint8_t> scaled_commitments(MpcBackend& e, const ShareObj* a, const FieldBytes& factor,
                                        const FieldBytes& constant);

// ADD SUB MUL DIV MOD with at least one Share operand.
Result<Value> share_binary(VirtualMachine& vm, IOp op, const Value& a, const Value& b);

}  // namespace stoffel::vm
