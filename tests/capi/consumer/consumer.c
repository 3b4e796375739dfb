/* Uses the installed libstoffel_vm: runs a compiled program, calls a C callback, and shows that
 * the C API runs programs without MPC (a secret operation fails: there is no engine).
 *   consumer <fibonacci_recursive.stflb>
 *     ->   "consumer (<method>): main() = 55, twice(21) = 42, Share.from_clear: no MPC engine"
 * Exits 0 only if all three outcomes are right. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel_vm.h>

static int twice(const StoffelValue* args, int argc, StoffelValue* result) {
  if (argc != 1 || args[0].value_type != STOFFEL_VALUE_INT) return 1;
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = 2 * args[0].data.int_val;
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  FILE* f = fopen(argv[1], "rb");
  if (f == NULL) return 3;
  static uint8_t bytes[1 << 16];
  size_t len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);

  VMHandle vm = stoffel_create_vm();
  StoffelValue out, arg;
  int ok = vm != NULL && stoffel_load_bytecode(vm, bytes, len) == 0 &&
           stoffel_execute(vm, "main", &out) == 0 && out.value_type == STOFFEL_VALUE_INT &&
           out.data.int_val == 55;
  long long fib = ok ? (long long)out.data.int_val : -1;
  arg.value_type = STOFFEL_VALUE_INT;
  arg.data.int_val = 21;
  ok = ok && stoffel_register_foreign_function(vm, "twice", twice) == 0 &&
       stoffel_execute_with_args(vm, "twice", &arg, 1, &out) == 0 && out.data.int_val == 42;
  long long twice_21 = ok ? (long long)out.data.int_val : -1;
  /* A builtin can be the entry: a secret operation reports the missing engine (-4). */
  arg.data.int_val = 5;
  ok = ok && stoffel_execute_with_args(vm, "Share.from_clear", &arg, 1, &out) == -4 &&
       strstr(stoffel_last_error(vm), "MPC engine not configured") != NULL;
  if (!ok) {
    fprintf(stderr, "consumer failed: %s\n", vm ? stoffel_last_error(vm) : "no VM");
    stoffel_destroy_vm(vm);
    return 1;
  }
  printf("consumer (%s): main() = %lld, twice(21) = %lld, Share.from_clear: no MPC engine\n",
         CONSUMER_METHOD, fib, twice_21);
  stoffel_destroy_vm(vm);
  return 0;
}
