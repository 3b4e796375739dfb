#include "vm/table.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "vm/heap_objects.h"

namespace stoffel::vm {

bool keys_equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::Unit:
      return true;
    case ValueType::Bool:
      return a.b == b.b;
    case ValueType::Float:
      if (std::isnan(a.f) && std::isnan(b.f)) return true;
      return a.f == b.f;  // -0.0 == 0.0
    case ValueType::String:
      return a.str == b.str || (a.str->length == b.str->length && a.str->hash == b.str->hash &&
                                std::memcmp(a.str->data(), b.str->data(), a.str->length) == 0);
    case ValueType::Share:
      return a.share == b.share ||
             (a.share->share_type == b.share->share_type &&
              std::ranges::equal(a.share->data(), b.share->data()));
    case ValueType::Object:
    case ValueType::Array:
    case ValueType::Closure:
      return a.gc == b.gc;
    default:
      return a.i == b.i;  // integers, Foreign ids, PendingReveal slots
  }
}

static uint64_t mix(uint64_t x) {
  // splitmix64 finalizer: cheap and spreads low-entropy keys such as small integers.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t key_hash(const Value& v) {
  uint64_t t = static_cast<uint64_t>(v.type) << 56;
  switch (v.type) {
    case ValueType::Unit:
      return mix(t);
    case ValueType::Bool:
      return mix(t | (v.b ? 1 : 0));
    case ValueType::Float: {
      if (std::isnan(v.f)) return mix(t | 0x7ff8);
      double d = v.f == 0.0 ? 0.0 : v.f;  // -0.0 and 0.0 are equal keys
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return mix(t ^ bits);
    }
    case ValueType::String:
      return mix(t ^ v.str->hash);
    case ValueType::Share: {
      uint64_t h = t;
      for (uint8_t byte : v.share->data()) h = (h ^ byte) * 0x100000001b3ULL;
      return mix(h);
    }
    case ValueType::Object:
    case ValueType::Array:
    case ValueType::Closure:
      return mix(t ^ reinterpret_cast<uintptr_t>(v.gc));
    default:
      return mix(t ^ v.u);
  }
}

// Keys whose equal values can have different bits (a string with the same content in another
// object, -0.0 and 0.0, NaN payloads, shares): only these need keys_equal after the identity scan.
static bool needs_deep_compare(ValueType t) {
  return t == ValueType::String || t == ValueType::Float || t == ValueType::Share;
}

const Value* Table::find_slow(const Value& key) const {
  if (index_.empty()) {
    // Small table (up to kSmall entries): the identity scan in find() missed; compare deeply.
    // Constant strings used as keys are one object per program, so the identity scan usually hits.
    if (needs_deep_compare(key.type)) {
      for (const Entry& e : entries_) {
        if (keys_equal(e.key, key)) return &e.value;
      }
    }
    return nullptr;
  }
  const size_t mask = index_.size() - 1;
  for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
    int32_t pos = index_[i];
    if (pos < 0) return nullptr;
    if (keys_equal(entries_[pos].key, key)) return &entries_[pos].value;
  }
}

Value Table::set(const Value& key, const Value& value) {
  if (index_.empty()) {
    if (Value* v = const_cast<Value*>(find(key))) {
      Value old = *v;
      *v = value;
      return old;
    }
    if (entries_.size() < kSmall) {
      entries_.push_back({key, value});
      return Value::unit();
    }
  }
  if ((entries_.size() + 1) * 4 > index_.size() * 3) grow();
  const size_t mask = index_.size() - 1;
  for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
    int32_t pos = index_[i];
    if (pos < 0) {
      index_[i] = static_cast<int32_t>(entries_.size());
      entries_.push_back({key, value});
      return Value::unit();
    }
    if (keys_equal(entries_[pos].key, key)) {
      Value old = entries_[pos].value;
      entries_[pos].value = value;
      return old;
    }
  }
}

void Table::grow() {
  // Big enough for the entries already held plus the one being inserted at a load of at most
  // 3/4: set() probes until it finds an empty slot, so the index must never be full. (Growing
  // from the small form straight to 8 slots for 8 entries once made the ninth insert spin.)
  size_t cap = index_.empty() ? 8 : index_.size() * 2;
  while ((entries_.size() + 1) * 4 > cap * 3) cap *= 2;
  index_.assign(cap, -1);
  const size_t mask = cap - 1;
  for (size_t pos = 0; pos < entries_.size(); ++pos) {
    size_t i = key_hash(entries_[pos].key) & mask;
    while (index_[i] >= 0) i = (i + 1) & mask;
    index_[i] = static_cast<int32_t>(pos);
  }
}

}  // namespace stoffel::vm
