#include "vm/hooks.h"

#include <algorithm>

namespace stoffel::vm {

std::string_view hook_event_name(HookEventKind k) {
  switch (k) {
    case HookEventKind::BeforeInstructionExecute:
      return "BeforeInstructionExecute";
    case HookEventKind::AfterInstructionExecute:
      return "AfterInstructionExecute";
    case HookEventKind::RegisterRead:
      return "RegisterRead";
    case HookEventKind::RegisterWrite:
      return "RegisterWrite";
    case HookEventKind::StackPush:
      return "StackPush";
    case HookEventKind::StackPop:
      return "StackPop";
    case HookEventKind::BeforeFunctionCall:
      return "BeforeFunctionCall";
    case HookEventKind::AfterFunctionCall:
      return "AfterFunctionCall";
    case HookEventKind::UpvalueRead:
      return "UpvalueRead";
    case HookEventKind::UpvalueWrite:
      return "UpvalueWrite";
    case HookEventKind::ObjectFieldRead:
      return "ObjectFieldRead";
    case HookEventKind::ObjectFieldWrite:
      return "ObjectFieldWrite";
    case HookEventKind::ArrayElementRead:
      return "ArrayElementRead";
    case HookEventKind::ArrayElementWrite:
      return "ArrayElementWrite";
    case HookEventKind::ClosureCreated:
      return "ClosureCreated";
  }
  return "Unknown";
}

uint64_t HookRegistry::add(HookPredicate predicate, HookCallback callback, int32_t priority) {
  uint64_t id = next_id_++;
  Hook h{id, std::move(predicate), std::move(callback), priority, true};
  auto pos = std::find_if(hooks_.begin(), hooks_.end(),
                          [&](const Hook& other) { return other.priority < priority; });
  hooks_.insert(pos, std::move(h));
  return id;
}

bool HookRegistry::remove(uint64_t id) {
  auto it = std::find_if(hooks_.begin(), hooks_.end(), [&](const Hook& h) { return h.id == id; });
  if (it == hooks_.end()) return false;
  hooks_.erase(it);
  return true;
}

bool HookRegistry::set_enabled(uint64_t id, bool enabled) {
  for (Hook& h : hooks_) {
    if (h.id == id) {
      h.enabled = enabled;
      return true;
    }
  }
  return false;
}

Result<void> HookRegistry::fire(const HookEvent& event, const VirtualMachine& vm) {
  // Iterate by index: a callback may register or remove hooks (docs/decisions.md, E9: takes effect
  // at once).
  for (size_t i = 0; i < hooks_.size(); ++i) {
    if (!hooks_[i].enabled) continue;
    // Copy the callable so that removal of this hook inside its own callback is safe.
    Hook h = hooks_[i];
    if (h.predicate && !h.predicate(event)) continue;
    if (auto r = h.callback(event, vm); !r) return r;
    // Re-find our position in case the list changed.
    if (i >= hooks_.size() || hooks_[i].id != h.id) {
      auto it =
          std::find_if(hooks_.begin(), hooks_.end(), [&](const Hook& x) { return x.id == h.id; });
      if (it == hooks_.end()) {
        // We were removed; continue with whatever now sits at i.
        --i;
        continue;
      }
      i = static_cast<size_t>(it - hooks_.begin());
    }
  }
  return {};
}

}  // namespace stoffel::vm
