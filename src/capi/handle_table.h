// The C API's table of exported handles: every OBJECT, ARRAY or CLOSURE value that leaves the VM
// through the C API is recorded here under the id C sees, and kept alive for the garbage
// collector until it is released or the VM is destroyed, so C may hold the id across calls and
// pass it back.
//
// How the values are kept alive: the table owns one hidden closure, created and pinned with
// VirtualMachine::pin when the VM is created, whose cell list holds one cell per exported value.
// The collector marks through it like any other closure. Pinning each value on its own
// (vm.pin/unpin per export) is not safe today: VirtualMachine::run_native_entry (a native
// function run directly by execute_with_args, e.g. `call_closure` from C) pins its argument
// copies and afterwards drops the *last N* pins, so a pin added by a callback during that call
// is dropped instead and the value is freed under C's feet. Using a pre-existing root sidesteps
// that (reported to the VM owner), and releasing a handle is O(1) instead of a pin-list scan.
// The hidden closure consumes no object id, so programs see the same Object/Array ids as they
// would without the C API.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "vm/heap_objects.h"
#include "vm/value.h"
#include "vm/vm.h"

namespace stoffel::capi {

class HandleTable {
 public:
  explicit HandleTable(vm::VirtualMachine& vm);
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Records an Object, Array or Closure value (idempotent: the same object keeps its id) and
  // returns the id C sees: the VM's own id for objects and arrays, a handle number from 1 for
  // closures (closures have no id of their own).
  uint64_t export_value(const vm::Value& v);

  // The live value behind an id of the given kind (Object, Array or Closure), if exported and not
  // released. An Object id asked for as an Array (or the reverse) is not found.
  std::optional<vm::Value> lookup(vm::ValueType kind, uint64_t id) const;

  // Forgets an exported value; false if the id is not in the table.
  bool release(vm::ValueType kind, uint64_t id);

  size_t size() const { return objects_.size() + closures_.size(); }

 private:
  struct Entry {
    vm::Value value;
    uint32_t slot;  // index of the cell that keeps `value` alive
  };

  uint32_t take_slot(const vm::Value& v);
  void free_slot(uint32_t slot);

  vm::VirtualMachine& vm_;
  vm::CellListObj* cells_;  // upvalue list of the pinned hidden closure
  std::vector<uint32_t> free_slots_;
  std::unordered_map<uint64_t, Entry> objects_;   // Object and Array ids (one VM counter)
  std::unordered_map<uint64_t, Entry> closures_;  // closure handle number -> closure
  std::unordered_map<const vm::ClosureObj*, uint64_t> closure_ids_;
  uint64_t next_closure_id_ = 1;
};

}  // namespace stoffel::capi
