// The garbage-collected heap: allocation, and a precise, non-moving mark-and-sweep collector.
//
// When it runs: never inside an allocation. Allocation only counts bytes; the interpreter calls
// collect_if_needed() at safe points (after a builtin or native function returned and its result
// is stored in a register, after an instruction that allocated), where every live value is in a
// root the VM enumerates (registers, argument stack, frames, constants, pinned host values).
// So native code may hold fresh Values in C++ locals without rooting them, as long as it does not
// re-enter the interpreter while holding them (documented in docs/embedding.md).
//
// Marking uses an explicit gray stack, so deeply nested data cannot overflow the C++ stack.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "vm/heap_objects.h"

namespace stoffel::vm {

class Heap {
 public:
  Heap() = default;
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  StringObj* new_string(std::string_view s);
  TableObj* new_object();
  ArrayObj* new_array(size_t capacity_hint);
  CellObj* new_cell(Value v);
  CellListObj* new_cell_list();
  ClosureObj* new_closure(StringObj* fn_name, CellListObj* upvalues, uint32_t slot);
  // A share whose encoding is `value` followed by `extra` (AVSS commitments; usually empty).
  ShareObj* new_share(ShareType t, std::span<const uint8_t> value,
                      std::span<const uint8_t> extra = {});

  // Objects and arrays share one id counter starting at 1 (docs/semantics.md, "Values"); ids are
  // never reused.
  uint64_t next_object_id() const { return next_id_; }

  bool needs_collection() const { return bytes_since_gc_ >= threshold_; }

  // Runs a full collection. `mark_roots` must call mark() on every root.
  void collect(const std::function<void(Heap&)>& mark_roots);

  void mark(const Value& v) {
    if (v.is_heap()) mark_object(v.gc);
  }
  void mark_object(GcObject* o) {
    if (o != nullptr && !o->marked) {
      o->marked = true;
      // Strings and shares refer to nothing: marked is all they need (an array of 10^5 shares
      // then costs one pass, not 10^5 trips through the gray stack).
      if (o->kind != GcKind::String && o->kind != GcKind::Share) gray_.push_back(o);
    }
  }

  size_t live_bytes() const { return live_bytes_; }
  size_t object_count() const { return object_count_; }
  uint64_t collections() const { return collections_; }
  // Pages of small objects held (decision V13).
  size_t page_count() const { return pages_.size(); }

 private:
  template <typename T, typename... Args>
  T* track(size_t bytes, Args&&... args);
  void trace(GcObject* o);
  static size_t size_of(const GcObject* o);
  // The bytes track() was given for o.
  static size_t alloc_size(const GcObject* o);
  // Runs o's destructor (destroy) and frees its memory: a small object to its class's free
  // list, a large one to the allocator.
  void release(GcObject* o);
  static void destroy(GcObject* o);
  void* allocate(size_t bytes);

  // Small objects (up to kSmallMax bytes, in 8-byte classes) live in pages of kPageBytes, one
  // class per page, carved off in order (decision V13): no malloc per object, and a heap that
  // dies returns its pages, not 10^5 objects one by one. Freed small objects go to their class's
  // free list (decision V11), an array of addresses (V12), and are reused first. When the lists
  // hold more than kMaxFreeBytes after a collection, the pages with no live object go back to
  // the allocator (return_empty_pages). A page's first kPageHeader bytes hold its header.
  static constexpr size_t kSmallMax = 128;
  static constexpr size_t kClasses = kSmallMax / 8 + 1;
  static constexpr size_t kMaxFreeBytes = size_t{16} << 20;
  static constexpr size_t kPageBytes = size_t{64} << 10;
  static constexpr size_t kPageHeader = 64;
  struct PageHeader {
    uint32_t cls;   // the size class: objects of cls * 8 bytes
    uint32_t live;  // live objects, as last counted by return_empty_pages
  };
  static PageHeader* page_of(const void* p) {
    return reinterpret_cast<PageHeader*>(reinterpret_cast<uintptr_t>(p) & ~(kPageBytes - 1));
  }
  void new_page(size_t cls);
  void return_empty_pages();
  std::array<std::vector<void*>, kClasses> free_{};
  size_t free_bytes_ = 0;
  std::array<char*, kClasses> bump_{}, bump_end_{};  // the rest of each class's newest page
  std::vector<void*> pages_;

  // Every object this heap owns, in allocation order but for the sweep's compaction.
  std::vector<GcObject*> objects_;
  std::vector<GcObject*> gray_;
  size_t bytes_since_gc_ = 0;
  size_t live_bytes_ = 0;
  size_t object_count_ = 0;
  size_t threshold_ = 4u << 20;  // first collection after 4 MiB; then 2x the live size
  uint64_t next_id_ = 1;
  uint64_t collections_ = 0;
};

// Hash used for strings (FNV-1a, 32-bit): cheap, and cached in the string.
uint32_t hash_bytes(std::string_view s);

}  // namespace stoffel::vm
