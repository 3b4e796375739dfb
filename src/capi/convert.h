// Conversions of values across the C boundary (docs/embedding.md, "Values"; D12 in
// docs/compatibility.md).
//
//   VM -> C: every integer width -> INT (a U64 above INT64_MAX fails), Float, Bool (0/1),
//            String -> a NUL-terminated copy made by a StringStore (a string with a NUL byte
//            fails), Object/Array/Closure -> handle-table id, Foreign -> its id, Unit;
//            Share and PendingReveal fail (they must not leave the VM).
//   C -> VM: INT -> I64, FLOAT, BOOL (non-zero is true), STRING (copied; NULL or invalid UTF-8
//            fails), UNIT, OBJECT/ARRAY/CLOSURE by id from the handle table, FOREIGN by id of a
//            registered foreign object; anything else fails.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "capi/handle_table.h"
#include "stoffel/result.h"
#include "stoffel_vm.h"
#include "vm/value.h"
#include "vm/vm.h"

namespace stoffel::capi {

// Where the C copies of strings go.
class StringStore {
 public:
  virtual ~StringStore() = default;
  // Returns a NUL-terminated copy of `s` (which holds no NUL byte), or nullptr if out of memory.
  virtual char* store(std::string_view s) = 0;
};

// Copies made with malloc, owned by the caller afterwards (freed by stoffel_free_string).
class CallerOwnedStrings final : public StringStore {
 public:
  char* store(std::string_view s) override;
};

// Copies owned by this object (a callback's arguments, valid for the duration of the call).
class ScopedStrings final : public StringStore {
 public:
  char* store(std::string_view s) override;

 private:
  std::vector<std::unique_ptr<char[]>> copies_;
};

Result<StoffelValue> to_c(const vm::Value& v, HandleTable& handles, StringStore& strings);

Result<vm::Value> from_c(const StoffelValue& v, vm::VirtualMachine& machine,
                         const HandleTable& handles);

// A C string checked for NULL and UTF-8 validity. The error names `what`.
Result<std::string_view> checked_c_string(const char* s, std::string_view what);

// The UNIT value (what every failing call leaves in its result).
inline StoffelValue unit_value() {
  StoffelValue v;
  v.value_type = STOFFEL_VALUE_UNIT;
  v.data.int_val = 0;
  return v;
}

}  // namespace stoffel::capi
