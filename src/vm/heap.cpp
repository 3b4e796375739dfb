#include "vm/heap.h"

#include <algorithm>
#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif

namespace stoffel::vm {

uint32_t hash_bytes(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// Under AddressSanitizer, free-list entries and the unused rest of a page are poisoned: a use
// of a freed object is reported as it would be with malloc.
#if defined(__SANITIZE_ADDRESS__)
#define STOFFEL_HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STOFFEL_HEAP_ASAN 1
#endif
#endif
#if defined(STOFFEL_HEAP_ASAN)
#define STOFFEL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define STOFFEL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define STOFFEL_POISON(p, n) ((void)(p), (void)(n))
#define STOFFEL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

// Pages hand out places at multiples of 8 bytes: no object may need more alignment.
static_assert(alignof(StringObj) <= 8 && alignof(TableObj) <= 8 && alignof(ArrayObj) <= 8 &&
              alignof(CellObj) <= 8 && alignof(CellListObj) <= 8 && alignof(ClosureObj) <= 8 &&
              alignof(ShareObj) <= 8);

Heap::~Heap() {
  // Destructors only where they free something (tables, arrays, cell lists), large objects one
  // by one, then the pages: objects fetched ahead as in the sweep.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < objects_.size(); ++i) {
    if (i + kAhead < objects_.size()) __builtin_prefetch(objects_[i + kAhead]);
    GcObject* o = objects_[i];
    const size_t bytes = alloc_size(o);
    destroy(o);
    if (bytes > kSmallMax) ::operator delete(static_cast<void*>(o));
  }
  for (void* p : pages_) {
    STOFFEL_UNPOISON(p, kPageBytes);
    ::operator delete(p, std::align_val_t{kPageBytes});
  }
}

void Heap::new_page(size_t cls) {
  void* mem = ::operator new(kPageBytes, std::align_val_t{kPageBytes});
  pages_.push_back(mem);
  auto* h = static_cast<PageHeader*>(mem);
  h->cls = static_cast<uint32_t>(cls);
  h->live = 0;
  bump_[cls] = static_cast<char*>(mem) + kPageHeader;
  bump_end_[cls] = static_cast<char*>(mem) + kPageBytes;
  STOFFEL_POISON(bump_[cls], kPageBytes - kPageHeader);
}

void* Heap::allocate(size_t bytes) {
  if (bytes > kSmallMax) return ::operator new(bytes);
  const size_t cls = (bytes + 7) / 8;
  void* p;
  if (auto& list = free_[cls]; !list.empty()) {
    p = list.back();
    list.pop_back();
    free_bytes_ -= cls * 8;
  } else {
    if (bump_end_[cls] - bump_[cls] < static_cast<std::ptrdiff_t>(cls * 8)) new_page(cls);
    p = bump_[cls];
    bump_[cls] += cls * 8;
  }
  STOFFEL_UNPOISON(p, cls * 8);
  return p;
}

void Heap::return_empty_pages() {
  // Live objects per page, counted here (this runs only when the lists are over their cap), so
  // that allocating and freeing never touch a page's header.
  for (void* mem : pages_) static_cast<PageHeader*>(mem)->live = 0;
  for (const GcObject* o : objects_) {
    if (alloc_size(o) <= kSmallMax) ++page_of(o)->live;
  }
  size_t kept_bytes = 0;
  for (size_t cls = 0; cls < kClasses; ++cls) {
    auto& list = free_[cls];
    std::erase_if(list, [](void* p) { return page_of(p)->live == 0; });
    kept_bytes += list.size() * cls * 8;
  }
  free_bytes_ = kept_bytes;
  std::erase_if(pages_, [this](void* mem) {
    auto* h = static_cast<PageHeader*>(mem);
    if (h->live != 0) return false;
    if (page_of(bump_[h->cls]) == h) bump_[h->cls] = bump_end_[h->cls] = nullptr;
    STOFFEL_UNPOISON(mem, kPageBytes);
    ::operator delete(mem, std::align_val_t{kPageBytes});
    return true;
  });
}

template <typename T, typename... Args>
T* Heap::track(size_t bytes, Args&&... args) {
  void* mem = allocate(bytes);
  T* obj = new (mem) T(std::forward<Args>(args)...);
  objects_.push_back(obj);
  bytes_since_gc_ += bytes;
  live_bytes_ += bytes;
  ++object_count_;
  return obj;
}

StringObj* Heap::new_string(std::string_view s) {
  auto* obj = track<StringObj>(sizeof(StringObj) + s.size(), static_cast<uint32_t>(s.size()),
                               hash_bytes(s));
  if (!s.empty()) std::memcpy(obj->data(), s.data(), s.size());
  return obj;
}

TableObj* Heap::new_object() {
  return track<TableObj>(sizeof(TableObj), next_id_++);
}

ArrayObj* Heap::new_array(size_t capacity_hint) {
  auto* a = track<ArrayObj>(sizeof(ArrayObj), next_id_++);
  // The hint comes from the program; honour it only up to a sane bound.
  a->dense.reserve(std::min<size_t>(capacity_hint, 1u << 16));
  bytes_since_gc_ += a->dense.capacity() * sizeof(Value);
  return a;
}

CellObj* Heap::new_cell(Value v) {
  return track<CellObj>(sizeof(CellObj), v);
}
CellListObj* Heap::new_cell_list() {
  return track<CellListObj>(sizeof(CellListObj));
}
ClosureObj* Heap::new_closure(StringObj* fn_name, CellListObj* upvalues, uint32_t slot) {
  return track<ClosureObj>(sizeof(ClosureObj), fn_name, upvalues, slot);
}
ShareObj* Heap::new_share(ShareType t, std::span<const uint8_t> value,
                          std::span<const uint8_t> extra) {
  const size_t len = value.size() + extra.size();
  auto* s = track<ShareObj>(sizeof(ShareObj) + len, t, static_cast<uint32_t>(len));
  if (!value.empty()) std::memcpy(s->bytes(), value.data(), value.size());
  if (!extra.empty()) std::memcpy(s->bytes() + value.size(), extra.data(), extra.size());
  return s;
}

// Approximate retained size, used to pace collections; container contents count too, so a
// program that grows one huge array still triggers collections at a sensible rate.
size_t Heap::size_of(const GcObject* o) {
  // The object's own allocation, plus what containers hold outside it.
  size_t extra = 0;
  switch (o->kind) {
    case GcKind::Table:
      extra = static_cast<const TableObj*>(o)->fields.size() * 48;
      break;
    case GcKind::Array: {
      auto* a = static_cast<const ArrayObj*>(o);
      extra = a->dense.capacity() * sizeof(Value) + a->extra.size() * 48;
      break;
    }
    case GcKind::CellList:
      extra = static_cast<const CellListObj*>(o)->items.size() * 16;
      break;
    case GcKind::String:
    case GcKind::Closure:
    case GcKind::Cell:
    case GcKind::Share:
      break;
  }
  return alloc_size(o) + extra;
}

size_t Heap::alloc_size(const GcObject* o) {
  switch (o->kind) {
    case GcKind::String:
      return sizeof(StringObj) + static_cast<const StringObj*>(o)->length;
    case GcKind::Table:
      return sizeof(TableObj);
    case GcKind::Array:
      return sizeof(ArrayObj);
    case GcKind::Closure:
      return sizeof(ClosureObj);
    case GcKind::Cell:
      return sizeof(CellObj);
    case GcKind::CellList:
      return sizeof(CellListObj);
    case GcKind::Share:
      return sizeof(ShareObj) + static_cast<const ShareObj*>(o)->length;
  }
  return kSmallMax + 1;  // unreachable: every kind is listed
}

void Heap::destroy(GcObject* o) {
  switch (o->kind) {
    case GcKind::String:
      static_cast<StringObj*>(o)->~StringObj();
      break;
    case GcKind::Table:
      static_cast<TableObj*>(o)->~TableObj();
      break;
    case GcKind::Array:
      static_cast<ArrayObj*>(o)->~ArrayObj();
      break;
    case GcKind::Closure:
      static_cast<ClosureObj*>(o)->~ClosureObj();
      break;
    case GcKind::Cell:
      static_cast<CellObj*>(o)->~CellObj();
      break;
    case GcKind::CellList:
      static_cast<CellListObj*>(o)->~CellListObj();
      break;
    case GcKind::Share:
      static_cast<ShareObj*>(o)->~ShareObj();
      break;
  }
}

void Heap::release(GcObject* o) {
  const size_t bytes = alloc_size(o);
  destroy(o);
  if (bytes > kSmallMax) {
    ::operator delete(static_cast<void*>(o));
    return;
  }
  const size_t cls = (bytes + 7) / 8;
  free_[cls].push_back(o);
  free_bytes_ += cls * 8;
  STOFFEL_POISON(o, cls * 8);
}

void Heap::trace(GcObject* o) {
  switch (o->kind) {
    case GcKind::String:
    case GcKind::Share:
      break;  // never on the gray stack (mark_object)
    case GcKind::Table:
      for (const auto& e : static_cast<TableObj*>(o)->fields.entries()) {
        mark(e.key);
        mark(e.value);
      }
      break;
    case GcKind::Array: {
      auto* a = static_cast<ArrayObj*>(o);
      // The elements' objects are fetched a few ahead: an array of 10^5 shares is 10^5 objects
      // in cold memory, and marking one must not wait for the last.
      constexpr size_t kAhead = 8;
      const size_t n = a->dense.size();
      for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n && a->dense[i + kAhead].is_heap()) {
          __builtin_prefetch(a->dense[i + kAhead].gc, 1);
        }
        mark(a->dense[i]);
      }
      for (const auto& e : a->extra.entries()) {
        mark(e.key);
        mark(e.value);
      }
      break;
    }
    case GcKind::Cell:
      mark(static_cast<CellObj*>(o)->value);
      break;
    case GcKind::CellList:
      for (const Upvalue& u : static_cast<CellListObj*>(o)->items) {
        mark_object(u.name);
        mark_object(u.cell);
      }
      break;
    case GcKind::Closure: {
      auto* c = static_cast<ClosureObj*>(o);
      mark_object(c->function_name);
      mark_object(c->upvalues);
      break;
    }
  }
}

void Heap::collect(const std::function<void(Heap&)>& mark_roots) {
  mark_roots(*this);
  while (!gray_.empty()) {
    GcObject* o = gray_.back();
    gray_.pop_back();
    trace(o);
  }
  // The sweep reads the object list in order, fetching objects a few ahead, and keeps the
  // marked ones in place (decision V12).
  constexpr size_t kAhead = 8;
  size_t live = 0;
  size_t kept = 0;
  const size_t n = objects_.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(objects_[i + kAhead], 1);
    GcObject* o = objects_[i];
    if (o->marked) {
      o->marked = false;
      live += size_of(o);
      objects_[kept++] = o;
    } else {
      release(o);
    }
  }
  objects_.resize(kept);
  if (free_bytes_ > kMaxFreeBytes) return_empty_pages();
  live_bytes_ = live;
  object_count_ = kept;
  bytes_since_gc_ = 0;
  threshold_ = std::max<size_t>(4u << 20, live);  // next collection after as much again
  ++collections_;
}

}  // namespace stoffel::vm
