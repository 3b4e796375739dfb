// Objects that live on the garbage-collected heap. Each starts with a GcObject header that links
// it into the heap's list of all objects (for the sweep) and holds its mark bit.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "vm/share_type.h"
#include "vm/table.h"
#include "vm/value.h"

namespace stoffel::vm {

struct FunctionProto;

enum class GcKind : uint8_t { String, Table, Array, Closure, Cell, Share, CellList };

// Every object's header. The heap lists its objects in an array (Heap::objects_), not through
// the objects: a sweep then reads the list in order and fetches the objects ahead of use.
struct GcObject {
  GcKind kind;
  bool marked = false;
  explicit GcObject(GcKind k) : kind(k) {}
};

// Immutable UTF-8 string; the bytes follow the header in the same allocation.
struct StringObj : GcObject {
  uint32_t length;
  uint32_t hash;
  StringObj(uint32_t len, uint32_t h) : GcObject(GcKind::String), length(len), hash(h) {}
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }
  std::string_view view() const { return {data(), length}; }
};

// A VM object: an insertion-ordered map from any Value key to a Value.
struct TableObj : GcObject {
  uint64_t id;
  Table fields;
  explicit TableObj(uint64_t i) : GcObject(GcKind::Table), id(i) {}
};

// A VM array (reference semantics; docs/decisions.md, E7): non-negative I64 keys are indexes, the
// length is the highest index ever set + 1 and never shrinks, holes read Unit; any other key is a
// plain entry that does not affect the length. Indexes are kept densely in `dense` while that stays
// proportionate to the length; a far-away index goes to `extra` so `a[10^15] = 1` cannot allocate
// petabytes.
struct ArrayObj : GcObject {
  uint64_t id;
  int64_t length = 0;
  std::vector<Value> dense;
  Table extra;  // sparse far indexes (I64 keys) and non-index keys
  explicit ArrayObj(uint64_t i) : GcObject(GcKind::Array), id(i) {}
};

// A shared, mutable variable captured by closures (decision E6).
struct CellObj : GcObject {
  Value value;
  explicit CellObj(Value v) : GcObject(GcKind::Cell), value(v) {}
};

// One captured variable: its name and the cell that holds it.
struct Upvalue {
  StringObj* name;
  CellObj* cell;
};

// The upvalues of a running frame or a closure, plus the lazily created cells for a frame's
// parameters (so two closures created in the same frame share the same variable).
struct CellListObj : GcObject {
  std::vector<Upvalue> items;
  CellListObj() : GcObject(GcKind::CellList) {}
};

// A closure: a function (by name, resolved when called: existence is not checked at creation,
// as in the reference) and its captured variables. Every copy of the closure Value points to the
// same ClosureObj, and the cells are shared, so a write through one copy is seen by all (E6).
struct ClosureObj : GcObject {
  StringObj* function_name;
  CellListObj* upvalues;  // never null
  uint32_t slot;          // the VM's call slot for function_name: the current binding of the name
  ClosureObj(StringObj* fn, CellListObj* ups, uint32_t s)
      : GcObject(GcKind::Closure), function_name(fn), upvalues(ups), slot(s) {}
};

// A secret share: its type and the engine's opaque encoding of this party's share, stored right
// after the object as a string's characters are (one allocation per share: products of large
// batches make millions of them).
struct ShareObj : GcObject {
  ShareType share_type;
  uint32_t length;  // bytes of the encoding
  ShareObj(ShareType t, uint32_t len) : GcObject(GcKind::Share), share_type(t), length(len) {}
  std::span<const uint8_t> data() const {
    return {reinterpret_cast<const uint8_t*>(this + 1), length};
  }
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this + 1); }
};

}  // namespace stoffel::vm
