// Text forms of values.
//  * debug format (docs/semantics.md, "Values"): what error messages, traces and hooks show:
//    `42`, `5i32`, `1f64`, `"text"`, `()`, `Object(3)`, `Array(2)`, `Function(f)`, ...
//  * display format (docs/decisions.md, E13): what `print` and `Program returned:` show: the
//    debug format, except arrays and objects print by content (`[1, 2f64, "a"]`, `{"k": 1}` in
//    insertion order) and a non-empty all-U8 array prints as `byte[N] 0x<hex>`.
#pragma once

#include <string>

#include "vm/value.h"

namespace stoffel::vm {

std::string debug_string(const Value& v);
void append_debug(std::string& out, const Value& v);

std::string display_string(const Value& v);
void append_display(std::string& out, const Value& v);

// Rust's `{:?}` of an f64 without the suffix: shortest round-trip positional decimal.
void append_float(std::string& out, double d);

}  // namespace stoffel::vm
