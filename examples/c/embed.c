/* Embedding the Stoffel VM from C: load a program, register host functions, run it, pass values
 * both ways (docs/embedding.md walks through this file; the test suite runs it).
 *
 *   embed <demo.stflb>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stoffel_vm.h"

/* host_add(a, b): called by the program with two integers. */
static int host_add(const StoffelValue* args, int argc, StoffelValue* result) {
  if (argc != 2 || args[0].value_type != STOFFEL_VALUE_INT ||
      args[1].value_type != STOFFEL_VALUE_INT) {
    return 1; /* the program stops with "Foreign function returned error code: 1" */
  }
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = args[0].data.int_val + args[1].data.int_val;
  return 0;
}

/* host_greet(name): the argument string belongs to the VM (valid during the call); the answer
 * is built in a local buffer, so it is handed over with stoffel_set_result_string, which copies
 * it. `user_data` is the greeting registered with the function. */
static int host_greet(const StoffelValue* args, int argc, StoffelValue* result, void* user_data) {
  char text[256];
  if (argc != 1 || args[0].value_type != STOFFEL_VALUE_STRING) return 2;
  snprintf(text, sizeof text, "%s, %s!", (const char*)user_data, args[0].data.string_val);
  return stoffel_set_result_string(result, text);
}

static uint8_t* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t* data = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      data = malloc(size > 0 ? (size_t)size : 1);
      if (data != NULL) *len = fread(data, 1, (size_t)size, f);
    }
  }
  fclose(f);
  return data;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <demo.stflb>\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  uint8_t* bytes = read_file(argv[1], &len);
  if (bytes == NULL) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }

  VMHandle vm = stoffel_create_vm();
  if (vm == NULL || stoffel_load_bytecode(vm, bytes, len) != 0) {
    fprintf(stderr, "load failed: %s\n", vm ? stoffel_last_error(vm) : "no VM");
    stoffel_destroy_vm(vm);
    free(bytes);
    return 1;
  }
  free(bytes); /* the VM keeps its own copy of the program */

  static char greeting[] = "Hello";
  stoffel_register_foreign_function(vm, "host_add", host_add);
  stoffel_register_foreign_function_ex(vm, "host_greet", host_greet, greeting);

  /* An integer result. */
  StoffelValue out;
  if (stoffel_execute(vm, "main", &out) == 0 && out.value_type == STOFFEL_VALUE_INT) {
    printf("main() = %lld\n", (long long)out.data.int_val);
  }

  /* A string argument and a string result (owned by us: free it). */
  StoffelValue name;
  name.value_type = STOFFEL_VALUE_STRING;
  name.data.string_val = "embedder";
  if (stoffel_execute_with_args(vm, "greet", &name, 1, &out) == 0 &&
      out.value_type == STOFFEL_VALUE_STRING) {
    printf("greet(\"embedder\") = \"%s\"\n", out.data.string_val);
    stoffel_free_string((char*)out.data.string_val);
  }

  /* An object: C holds its id and passes it back; release it when done. */
  StoffelValue xy[2], point;
  xy[0].value_type = STOFFEL_VALUE_INT;
  xy[0].data.int_val = 3;
  xy[1].value_type = STOFFEL_VALUE_INT;
  xy[1].data.int_val = 4;
  if (stoffel_execute_with_args(vm, "make_point", xy, 2, &point) == 0 &&
      point.value_type == STOFFEL_VALUE_OBJECT) {
    printf("make_point(3, 4) = OBJECT %zu\n", point.data.object_id);
    if (stoffel_execute_with_args(vm, "norm1", &point, 1, &out) == 0) {
      printf("norm1(point) = %lld\n", (long long)out.data.int_val);
    }
    stoffel_release_value(vm, &point);
  }

  /* Errors: a return code, and the message. */
  int rc = stoffel_execute(vm, "missing", &out);
  printf("execute(\"missing\") = %d: %s\n", rc, stoffel_last_error(vm));

  stoffel_destroy_vm(vm);
  return 0;
}
