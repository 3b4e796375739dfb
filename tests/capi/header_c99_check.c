/* Compile-only check: stoffel_vm.h is valid C99 under -Wpedantic (built with -std=c99). */
#include "stoffel_vm.h"

int stoffel_header_c99_check(void);
int stoffel_header_c99_check(void) {
  StoffelValue v;
  v.value_type = STOFFEL_VALUE_BOOL;
  v.data.bool_val = 1;
  return (int)sizeof(v) + v.data.bool_val;
}
