#include "vm/value_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_set>
#include <utility>
#include <vector>

#include "vm/heap_objects.h"

namespace stoffel::vm {

std::string_view type_name(ValueType t) {
  switch (t) {
    case ValueType::Unit:
      return "nil";
    case ValueType::Bool:
      return "boolean";
    case ValueType::I8:
      return "int8";
    case ValueType::I16:
      return "int16";
    case ValueType::I32:
      return "int32";
    case ValueType::I64:
      return "int64";
    case ValueType::U8:
      return "uint8";
    case ValueType::U16:
      return "uint16";
    case ValueType::U32:
      return "uint32";
    case ValueType::U64:
      return "uint64";
    case ValueType::Float:
      return "float";
    case ValueType::String:
      return "string";
    case ValueType::Object:
      return "object";
    case ValueType::Array:
      return "array";
    case ValueType::Foreign:
      return "cffi_function";  // sic, as the reference
    case ValueType::Closure:
      return "function";
    case ValueType::Share:
      return "share";
    case ValueType::PendingReveal:
      return "pending_reveal";
  }
  return "unknown";
}

std::string_view type_label(ValueType t) {
  switch (t) {
    case ValueType::Unit:
      return "Unit";
    case ValueType::Bool:
      return "Bool";
    case ValueType::I8:
      return "I8";
    case ValueType::I16:
      return "I16";
    case ValueType::I32:
      return "I32";
    case ValueType::I64:
      return "I64";
    case ValueType::U8:
      return "U8";
    case ValueType::U16:
      return "U16";
    case ValueType::U32:
      return "U32";
    case ValueType::U64:
      return "U64";
    case ValueType::Float:
      return "Float";
    case ValueType::String:
      return "String";
    case ValueType::Object:
      return "Object";
    case ValueType::Array:
      return "Array";
    case ValueType::Foreign:
      return "Foreign";
    case ValueType::Closure:
      return "Closure";
    case ValueType::Share:
      return "Share";
    case ValueType::PendingReveal:
      return "PendingReveal";
  }
  return "unknown";
}

void append_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  // Rust's Debug prints the shortest digits that round-trip, laid out positionally:
  // 1e23 -> "100000000000000000000000", 1e-7 -> "0.0000001". (std::to_chars with `fixed` would
  // print the exact binary value instead: 99999999999999991611392.) So: shortest digits and
  // exponent from the scientific form, then positional layout by hand.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // e.g. "-1.2345e+23"
  const size_t e_pos = sci.find('e');
  std::string_view mant = sci.substr(0, e_pos);
  const int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  if (!mant.empty() && mant[0] == '-') {
    out += '-';
    mant.remove_prefix(1);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  // value = 0.digits * 10^(exponent + 1): the decimal point goes after `point` digits.
  const int point = exponent + 1;
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(point));
    out += '.';
    out.append(digits, static_cast<size_t>(point), std::string::npos);
  }
}

static void append_int_suffix(std::string& out, const Value& v, const char* suffix) {
  char buf[32];
  auto res = v.is_unsigned_int() ? std::to_chars(buf, buf + sizeof buf, v.u)
                                 : std::to_chars(buf, buf + sizeof buf, v.i);
  out.append(buf, res.ptr);
  out += suffix;
}

static void append_share_type(std::string& out, const ShareType& t) {
  if (t.kind == ShareType::Kind::SecretInt) {
    out += "SecretInt { bit_length: " + std::to_string(t.bit_length) + " }";
  } else {
    out += "SecretFixedPoint { precision: FixedPointPrecision { k: " + std::to_string(t.k) +
           ", f: " + std::to_string(t.f) + " } }";
  }
}

void append_debug(std::string& out, const Value& v) {
  switch (v.type) {
    case ValueType::Unit:
      out += "()";
      break;
    case ValueType::Bool:
      out += v.b ? "true" : "false";
      break;
    case ValueType::I64:
      append_int_suffix(out, v, "");
      break;
    case ValueType::I32:
      append_int_suffix(out, v, "i32");
      break;
    case ValueType::I16:
      append_int_suffix(out, v, "i16");
      break;
    case ValueType::I8:
      append_int_suffix(out, v, "i8");
      break;
    case ValueType::U8:
      append_int_suffix(out, v, "u8");
      break;
    case ValueType::U16:
      append_int_suffix(out, v, "u16");
      break;
    case ValueType::U32:
      append_int_suffix(out, v, "u32");
      break;
    case ValueType::U64:
      append_int_suffix(out, v, "u64");
      break;
    case ValueType::Float:
      append_float(out, v.f);
      out += "f64";
      break;
    case ValueType::String:
      out += '"';
      out += v.str->view();
      out += '"';
      break;
    case ValueType::Object:
      out += "Object(" + std::to_string(v.obj->id) + ")";
      break;
    case ValueType::Array:
      out += "Array(" + std::to_string(v.arr->id) + ")";
      break;
    case ValueType::Foreign:
      out += "Foreign(" + std::to_string(v.i) + ")";
      break;
    case ValueType::Closure:
      out += "Function(";
      out += v.closure->function_name->view();
      out += ")";
      break;
    case ValueType::Share:
      out += "Share(";
      append_share_type(out, v.share->share_type);
      out += ")";
      break;
    case ValueType::PendingReveal:
      out += "PendingReveal(" + std::to_string(v.i) + ")";
      break;
  }
}

std::string debug_string(const Value& v) {
  std::string s;
  append_debug(s, v);
  return s;
}

namespace {

// The stored elements of an array in index order: the dense part, then the far entries (I64 keys
// at or past the dense part and below the length; smaller I64 keys in the side table are stale
// copies of values that moved into the dense part). Every other index below the length is a hole.
// Linear in what is stored, never in the length: a[10^15] = 1 stores one element.
std::vector<std::pair<int64_t, Value>> far_elements(const ArrayObj* a) {
  std::vector<std::pair<int64_t, Value>> far;
  const auto dense = static_cast<int64_t>(a->dense.size());
  for (const auto& e : a->extra.entries()) {
    if (e.key.type == ValueType::I64 && e.key.i >= dense && e.key.i < a->length) {
      far.emplace_back(e.key.i, e.value);
    }
  }
  std::sort(far.begin(), far.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return far;
}

// Every index below the length holds a U8 (and there is at least one).
bool is_byte_array(const ArrayObj* a, const std::vector<std::pair<int64_t, Value>>& far) {
  if (a->length == 0) return false;
  if (static_cast<int64_t>(a->dense.size() + far.size()) != a->length) return false;  // holes
  for (const Value& v : a->dense) {
    if (v.type != ValueType::U8) return false;
  }
  for (const auto& [index, v] : far) {
    if (v.type != ValueType::U8) return false;
  }
  return true;
}

// A run of holes (Unit elements, stored or not) longer than this prints as `<N holes>` instead
// of N times `()`, so that printing an array costs what the array stores, not its length.
constexpr int64_t kMaxHolesShown = 16;

// Containers print by content; a container already being printed (a cycle) prints in debug
// form instead of recursing forever.
void append_display_rec(std::string& out, const Value& v, std::unordered_set<const void*>& open,
                        size_t limit) {
  if (out.size() >= limit) return;  // cut (see append_display)
  if (v.type == ValueType::Array) {
    const ArrayObj* a = v.arr;
    if (open.count(a) != 0) {
      append_debug(out, v);
      return;
    }
    const auto far = far_elements(a);
    if (is_byte_array(a, far)) {
      static const char* hex = "0123456789abcdef";
      out += "byte[" + std::to_string(a->length) + "] 0x";
      auto put = [&](const Value& b) {
        out += hex[(b.u >> 4) & 15];
        out += hex[b.u & 15];
      };
      for (const Value& b : a->dense) {
        if (out.size() >= limit) return;
        put(b);
      }
      for (const auto& [index, b] : far) put(b);
      return;
    }
    open.insert(a);
    out += '[';
    bool first = true;
    int64_t holes = 0;  // a run of holes not printed yet
    auto separate = [&] {
      if (!first) out += ", ";
      first = false;
    };
    auto flush_holes = [&] {
      if (holes > kMaxHolesShown) {
        separate();
        out += "<" + std::to_string(holes) + " holes>";
      } else {
        for (int64_t h = 0; h < holes && out.size() < limit; ++h) {
          separate();
          out += "()";
        }
      }
      holes = 0;
    };
    auto element = [&](const Value& e) {
      if (e.is_unit()) {
        ++holes;
        return;
      }
      flush_holes();
      separate();
      append_display_rec(out, e, open, limit);
    };
    for (const Value& e : a->dense) {
      if (out.size() >= limit) break;
      element(e);
    }
    int64_t next = static_cast<int64_t>(a->dense.size());
    for (const auto& [index, e] : far) {
      if (out.size() >= limit) break;
      holes += index - next;
      element(e);
      next = index + 1;
    }
    holes += a->length - next;
    flush_holes();
    out += ']';
    open.erase(a);
  } else if (v.type == ValueType::Object) {
    const TableObj* o = v.obj;
    if (open.count(o) != 0) {
      append_debug(out, v);
      return;
    }
    open.insert(o);
    out += '{';
    bool first = true;
    for (const auto& e : o->fields.entries()) {
      if (out.size() >= limit) break;
      if (!first) out += ", ";
      first = false;
      append_display_rec(out, e.key, open, limit);
      out += ": ";
      append_display_rec(out, e.value, open, limit);
    }
    out += '}';
    open.erase(o);
  } else {
    append_debug(out, v);
  }
}

}  // namespace

void append_display(std::string& out, const Value& v) {
  std::unordered_set<const void*> open;
  const size_t start = out.size();
  const size_t limit = start + kMaxDisplayBytes;
  append_display_rec(out, v, open, limit);
  if (out.size() <= limit) return;
  // Cut at a character boundary, and say so.
  size_t end = limit;
  while (end > start && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
  out.resize(end);
  out += "...<display cut at " + std::to_string(kMaxDisplayBytes) + " bytes>";
}

std::string display_string(const Value& v) {
  std::string s;
  append_display(s, v);
  return s;
}

}  // namespace stoffel::vm
