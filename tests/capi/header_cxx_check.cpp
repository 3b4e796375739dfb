// Compile-only check: stoffel_vm.h is valid C++ (its static_assert included) and declares the
// API with C linkage, so a C++ program can use it as is.
#include "stoffel_vm.h"

#include <cstddef>
#include <type_traits>

static_assert(std::is_standard_layout_v<StoffelValue>);
static_assert(sizeof(void*) != 8 || offsetof(StoffelValue, data) == 8);
static_assert(
    std::is_same_v<decltype(&stoffel_execute), int (*)(VMHandle, const char*, StoffelValue*)>);

int stoffel_header_cxx_check();
int stoffel_header_cxx_check() {
  return STOFFEL_VALUE_CLOSURE;
}
