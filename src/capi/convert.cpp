#include "capi/convert.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "bytecode/asm_text.h"
#include "capi/vm_handle.h"
#include "vm/heap_objects.h"

namespace stoffel::capi {

char* CallerOwnedStrings::store(std::string_view s) {
  // malloc, not new[]: stoffel_free_string frees with free(), which needs no C++ runtime state.
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

char* ScopedStrings::store(std::string_view s) {
  auto copy = std::make_unique<char[]>(s.size() + 1);
  if (!s.empty()) std::memcpy(copy.get(), s.data(), s.size());
  copy[s.size()] = '\0';
  copies_.push_back(std::move(copy));
  return copies_.back().get();
}

Result<StoffelValue> to_c(const vm::Value& v, HandleTable& handles, StringStore& strings) {
  StoffelValue out = unit_value();
  switch (v.type) {
    case vm::ValueType::Unit:
      return out;
    case vm::ValueType::Bool:
      out.value_type = STOFFEL_VALUE_BOOL;
      out.data.bool_val = v.b ? 1 : 0;
      return out;
    case vm::ValueType::I8:
    case vm::ValueType::I16:
    case vm::ValueType::I32:
    case vm::ValueType::I64:
    case vm::ValueType::U8:
    case vm::ValueType::U16:
    case vm::ValueType::U32:
      // Stored widened to 64 bits (sign- or zero-extended), so the payload is the number.
      out.value_type = STOFFEL_VALUE_INT;
      out.data.int_val = v.i;
      return out;
    case vm::ValueType::U64:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return make_error(ErrorKind::Usage,
                          "U64 value " + std::to_string(v.u) + " does not fit in INT (int64_t)");
      }
      out.value_type = STOFFEL_VALUE_INT;
      out.data.int_val = v.i;
      return out;
    case vm::ValueType::Float:
      out.value_type = STOFFEL_VALUE_FLOAT;
      out.data.float_val = v.f;
      return out;
    case vm::ValueType::String: {
      const std::string_view s = v.str->view();
      if (const size_t nul = s.find('\0'); nul != std::string_view::npos) {
        return make_error(ErrorKind::Usage, "string contains a NUL byte at offset " +
                                                std::to_string(nul) + " and cannot be a C string");
      }
      char* copy = strings.store(s);
      if (copy == nullptr) return make_error(ErrorKind::Usage, "out of memory copying a string");
      out.value_type = STOFFEL_VALUE_STRING;
      out.data.string_val = copy;
      return out;
    }
    case vm::ValueType::Object:
      out.value_type = STOFFEL_VALUE_OBJECT;
      out.data.object_id = static_cast<size_t>(handles.export_value(v));
      return out;
    case vm::ValueType::Array:
      out.value_type = STOFFEL_VALUE_ARRAY;
      out.data.array_id = static_cast<size_t>(handles.export_value(v));
      return out;
    case vm::ValueType::Closure:
      out.value_type = STOFFEL_VALUE_CLOSURE;
      out.data.closure_id = static_cast<size_t>(handles.export_value(v));
      return out;
    case vm::ValueType::Foreign:
      out.value_type = STOFFEL_VALUE_FOREIGN;
      out.data.foreign_id = static_cast<size_t>(v.i);
      return out;
    case vm::ValueType::Share:
      return make_error(ErrorKind::Usage, "a secret share cannot leave the VM (reveal it first)");
    case vm::ValueType::PendingReveal:
      return make_error(ErrorKind::Usage,
                        "a pending reveal cannot leave the VM (read it into a register first)");
  }
  return make_error(ErrorKind::Usage, "value of unknown type");
}

Result<std::string_view> checked_c_string(const char* s, std::string_view what) {
  if (s == nullptr) return make_error(ErrorKind::Usage, std::string(what) + " is NULL");
  const std::string_view view(s);
  if (!bytecode::asm_text::is_valid_utf8(view))
    return make_error(ErrorKind::Usage, std::string(what) + " is not valid UTF-8");
  return view;
}

namespace {

Result<vm::Value> handle_value(const HandleTable& handles, vm::ValueType kind, size_t id,
                               std::string_view kind_name) {
  if (auto v = handles.lookup(kind, static_cast<uint64_t>(id))) return *v;
  return make_error(ErrorKind::Usage, "unknown " + std::string(kind_name) + " id " +
                                          std::to_string(id) +
                                          " (not exported by this VM, or released)");
}

}  // namespace

Result<vm::Value> from_c(const StoffelValue& v, vm::VirtualMachine& machine,
                         const HandleTable& handles) {
  // Read the tag as a plain int: C can store any number in the enum field, and loading an
  // out-of-range value through the enum type would be undefined behaviour in C++.
  int type = 0;
  static_assert(sizeof(type) == sizeof(v.value_type));
  std::memcpy(&type, &v.value_type, sizeof(type));
  switch (type) {
    case STOFFEL_VALUE_UNIT:
      return vm::Value::unit();
    case STOFFEL_VALUE_INT:
      return vm::Value::i64(v.data.int_val);
    case STOFFEL_VALUE_FLOAT:
      return vm::Value::f64(v.data.float_val);
    case STOFFEL_VALUE_BOOL:
      return vm::Value::boolean(v.data.bool_val != 0);
    case STOFFEL_VALUE_STRING: {
      auto s = checked_c_string(v.data.string_val, "STRING value");
      if (!s) return s.error();
      if (s->size() > std::numeric_limits<uint32_t>::max()) {
        return make_error(ErrorKind::Usage, "STRING value is longer than 4 GiB");
      }
      return machine.make_string(*s);
    }
    case STOFFEL_VALUE_OBJECT:
      return handle_value(handles, vm::ValueType::Object, v.data.object_id, "OBJECT");
    case STOFFEL_VALUE_ARRAY:
      return handle_value(handles, vm::ValueType::Array, v.data.array_id, "ARRAY");
    case STOFFEL_VALUE_CLOSURE:
      return handle_value(handles, vm::ValueType::Closure, v.data.closure_id, "CLOSURE");
    case STOFFEL_VALUE_FOREIGN: {
      const size_t id = v.data.foreign_id;
      if (id <= static_cast<size_t>(std::numeric_limits<int64_t>::max())) {
        const vm::Value f = vm::Value::foreign(static_cast<int64_t>(id));
        if (machine.get_foreign<ForeignPointer>(f) != nullptr) return f;
      }
      return make_error(ErrorKind::Usage, "unknown FOREIGN id " + std::to_string(id));
    }
  }
  return make_error(ErrorKind::Usage, "unknown value type " + std::to_string(type));
}

}  // namespace stoffel::capi
