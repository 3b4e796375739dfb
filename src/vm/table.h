// Insertion-ordered hash map from Value to Value, used by objects and arrays. Layout as in
// CPython's dict: entries in insertion order in one vector, plus an open-addressing index of
// positions. Iteration order is insertion order (docs/decisions.md, E13: objects print that way).
// Removal is not needed by the VM (there is no delete builtin), which keeps it simple.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/value.h"

namespace stoffel::vm {

// Structural key equality (docs/semantics.md, "Values"): same variant and same contents; I64 1 !=
// I32 1; Float compares NaN == NaN and -0.0 == 0.0; strings by bytes; heap objects by identity
// except strings.
bool keys_equal(const Value& a, const Value& b);
uint64_t key_hash(const Value& v);

class Table {
 public:
  struct Entry {
    Value key;
    Value value;
  };

  // Small tables (no index): a linear scan by identity, inline, for the common object. Others,
  // and keys that need a deep compare (strings by content, floats, shares), take find_slow.
  const Value* find(const Value& key) const {
    if (index_.empty()) {
      for (const Entry& e : entries_) {
        if (e.key.type == key.type && e.key.u == key.u) return &e.value;
      }
      if (key.type != ValueType::String && key.type != ValueType::Float &&
          key.type != ValueType::Share) {
        return nullptr;
      }
    }
    return find_slow(key);
  }
  const Value* find_slow(const Value& key) const;
  // Inserts or overwrites; returns the previous value (Unit if the key was new).
  Value set(const Value& key, const Value& value);
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  // Tables up to this many entries have no index and are scanned linearly.
  static constexpr size_t kSmall = 8;
  void grow();
  std::vector<Entry> entries_;
  std::vector<int32_t> index_;  // -1 = empty slot; capacity is a power of two
};

}  // namespace stoffel::vm
