#include "capi/handle_table.h"

#include <stdexcept>
#include <string>

namespace stoffel::capi {

HandleTable::HandleTable(vm::VirtualMachine& machine) : vm_(machine), cells_(nullptr) {
  // The hidden closure is made by the VM's own `create_closure` builtin (with no captured
  // variables), so its construction stays the VM's business. Nothing can run a collection
  // between its creation and the pin.
  const vm::Value name[] = {vm_.make_string("<c api handles>")};
  auto root = vm_.execute_with_args("create_closure", name);
  if (!root || root->type != vm::ValueType::Closure) {
    throw std::runtime_error(
        "cannot create the C API handle table: " +
        (root ? std::string("create_closure returned no closure") : root.error().message));
  }
  vm_.pin(*root);
  cells_ = root->closure->upvalues;
}

uint32_t HandleTable::take_slot(const vm::Value& v) {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    cells_->items[slot].cell->value = v;
    return slot;
  }
  // A cell with no name: the hidden closure is never called, so nothing looks the name up.
  cells_->items.push_back(vm::Upvalue{nullptr, vm_.heap().new_cell(v)});
  return static_cast<uint32_t>(cells_->items.size() - 1);
}

void HandleTable::free_slot(uint32_t slot) {
  cells_->items[slot].cell->value = vm::Value::unit();
  free_slots_.push_back(slot);
}

uint64_t HandleTable::export_value(const vm::Value& v) {
  switch (v.type) {
    case vm::ValueType::Object:
    case vm::ValueType::Array: {
      const uint64_t id = v.type == vm::ValueType::Object ? v.obj->id : v.arr->id;
      if (objects_.find(id) == objects_.end()) objects_.emplace(id, Entry{v, take_slot(v)});
      return id;
    }
    case vm::ValueType::Closure: {
      if (auto it = closure_ids_.find(v.closure); it != closure_ids_.end()) return it->second;
      const uint64_t id = next_closure_id_++;
      closures_.emplace(id, Entry{v, take_slot(v)});
      closure_ids_.emplace(v.closure, id);
      return id;
    }
    default:
      return 0;  // not a handle kind; callers only pass the three above
  }
}

std::optional<vm::Value> HandleTable::lookup(vm::ValueType kind, uint64_t id) const {
  const auto& map = kind == vm::ValueType::Closure ? closures_ : objects_;
  auto it = map.find(id);
  if (it == map.end() || it->second.value.type != kind) return std::nullopt;
  return it->second.value;
}

bool HandleTable::release(vm::ValueType kind, uint64_t id) {
  auto& map = kind == vm::ValueType::Closure ? closures_ : objects_;
  auto it = map.find(id);
  if (it == map.end() || it->second.value.type != kind) return false;
  if (kind == vm::ValueType::Closure) closure_ids_.erase(it->second.value.closure);
  free_slot(it->second.slot);
  map.erase(it);
  return true;
}

}  // namespace stoffel::capi
