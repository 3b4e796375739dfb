// Text forms of values.
//  * debug format (docs/semantics.md, "Values"): what error messages, traces and hooks show:
//    `42`, `5i32`, `1f64`, `"text"`, `()`, `Object(3)`, `Array(2)`, `Function(f)`, ...
//  * display format (docs/decisions.md, E13): what `print` and `Program returned:` show: the
//    debug format, except arrays and objects print by content (`[1, 2f64, "a"]`, `{"k": 1}` in
//    insertion order) and a non-empty all-U8 array prints as `byte[N] 0x<hex>`.
#pragma once

#include <cstddef>
#include <string>

#include "vm/value.h"

namespace stoffel::vm {

// What error messages call a value's type: the names docs/semantics.md uses (`I64`, `I32`, ...,
// `U64`, `Float`, `Bool`, `String`, `Unit`, `Object`, `Array`, `Foreign`, `Closure`, `Share`,
// `PendingReveal`), not the reference's `type()` names (`int64`, `nil`, ...), which read oddly
// in a sentence ("cannot add nil").
std::string_view type_label(ValueType t);

std::string debug_string(const Value& v);
void append_debug(std::string& out, const Value& v);

// A value's display is at most kMaxDisplayBytes long: what would go beyond is cut, and
// `...<display cut at 16777216 bytes>` follows. Containers shared many times over (a = [b, b],
// b = [c, c], ...) display exponentially long in the work that built them, and neither the
// instruction budget nor the heap bound would limit one `print` of them otherwise.
inline constexpr size_t kMaxDisplayBytes = size_t{16} << 20;
std::string display_string(const Value& v);
void append_display(std::string& out, const Value& v);

// Rust's `{:?}` of an f64 without the suffix: shortest round-trip positional decimal.
void append_float(std::string& out, double d);

}  // namespace stoffel::vm
