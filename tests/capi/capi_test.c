/* The C API exercised from C, through libstoffel_vm.so: results, every return code, string
 * ownership, callbacks, handles and stoffel_last_error.
 *
 *   capi_test <fibonacci_recursive.stflb> <capi_program.stflb>
 *
 * Prints one line per failed check and ends with "N passed, N failed"; exits non-zero on any
 * failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stoffel_vm.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      ++passed;                                                                \
    } else {                                                                   \
      ++failed;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_CODE(expr, code)                                                                \
  do {                                                                                        \
    int rc_ = (expr);                                                                         \
    if (rc_ == (code)) {                                                                      \
      ++passed;                                                                               \
    } else {                                                                                  \
      ++failed;                                                                               \
      fprintf(stderr, "%s:%d: %s returned %d, expected %d\n", __FILE__, __LINE__, #expr, rc_, \
              (code));                                                                        \
    }                                                                                         \
  } while (0)

/* True if the handle's last error contains `text`. */
static int error_has(VMHandle vm, const char* text) {
  const char* e = stoffel_last_error(vm);
  if (e == NULL || strstr(e, text) == NULL) {
    fprintf(stderr, "  last error was: \"%s\", wanted it to contain \"%s\"\n", e ? e : "(null)",
            text);
    return 0;
  }
  return 1;
}

static uint8_t* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t* data = NULL;
  size_t size = 0;
  size_t cap = 0;
  for (;;) {
    if (size == cap) {
      cap = cap == 0 ? 4096 : cap * 2;
      uint8_t* grown = realloc(data, cap);
      if (grown == NULL) break;
      data = grown;
    }
    size_t n = fread(data + size, 1, cap - size, f);
    size += n;
    if (n == 0) break;
  }
  fclose(f);
  *len = size;
  return data;
}

static StoffelValue int_value(int64_t v) {
  StoffelValue s;
  s.value_type = STOFFEL_VALUE_INT;
  s.data.int_val = v;
  return s;
}

static StoffelValue string_value(const char* v) {
  StoffelValue s;
  s.value_type = STOFFEL_VALUE_STRING;
  s.data.string_val = v;
  return s;
}

/* --- callbacks ----------------------------------------------------------------------------- */

static int c_add(const StoffelValue* args, int argc, StoffelValue* result) {
  if (argc != 2 || args[0].value_type != STOFFEL_VALUE_INT ||
      args[1].value_type != STOFFEL_VALUE_INT) {
    return 1;
  }
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = args[0].data.int_val + args[1].data.int_val;
  return 0;
}

static int c_sum(const StoffelValue* args, int argc, StoffelValue* result) {
  int64_t sum = 0;
  for (int i = 0; i < argc; ++i) {
    if (args[i].value_type != STOFFEL_VALUE_INT) return 1;
    sum += args[i].data.int_val;
  }
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = sum;
  return 0;
}

/* Builds its answer in a local buffer, which dies when the callback returns: the text must be
 * handed over with stoffel_set_result_string. The argument string belongs to the VM. */
static int c_greet(const StoffelValue* args, int argc, StoffelValue* result) {
  char buffer[128];
  if (argc != 1 || args[0].value_type != STOFFEL_VALUE_STRING) return 2;
  snprintf(buffer, sizeof buffer, "Hello, %s!", args[0].data.string_val);
  return stoffel_set_result_string(result, buffer) == 0 ? 0 : 3;
}

static int c_fail(const StoffelValue* args, int argc, StoffelValue* result) {
  (void)args;
  (void)argc;
  /* The result slot arrives as UNIT. */
  return result->value_type == STOFFEL_VALUE_UNIT ? 7 : 8;
}

static int c_bad_result(const StoffelValue* args, int argc, StoffelValue* result) {
  (void)args;
  (void)argc;
  result->value_type = STOFFEL_VALUE_STRING;
  result->data.string_val = "\xff\xfe not UTF-8";
  return 0;
}

/* user_data is the VM: runs the closure args[0] on args[1] through the API (re-entrancy). */
static int c_apply(const StoffelValue* args, int argc, StoffelValue* result, void* user_data) {
  VMHandle vm = (VMHandle)user_data;
  StoffelValue call_args[2];
  if (argc != 2 || args[0].value_type != STOFFEL_VALUE_CLOSURE) return 4;
  call_args[0] = args[0];
  call_args[1] = args[1];
  return stoffel_execute_with_args(vm, "call_closure", call_args, 2, result) == 0 ? 0 : 5;
}

/* user_data is the VM: looks the foreign object up and increments the int behind it. */
static int c_bump(const StoffelValue* args, int argc, StoffelValue* result, void* user_data) {
  void* object = NULL;
  if (argc != 1 || args[0].value_type != STOFFEL_VALUE_FOREIGN) return 6;
  if (stoffel_get_foreign_object((VMHandle)user_data, args[0].data.foreign_id, &object) != 0) {
    return 9;
  }
  int* counter = (int*)object;
  ++*counter;
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = *counter;
  return 0;
}

static int c_two(const StoffelValue* args, int argc, StoffelValue* result) {
  (void)args;
  (void)argc;
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = 2;
  return 0;
}

/* Replaces itself (the running function) with c_two, then still completes normally. */
static int c_rebind(const StoffelValue* args, int argc, StoffelValue* result, void* user_data) {
  (void)args;
  (void)argc;
  if (stoffel_register_foreign_function((VMHandle)user_data, "c_rebind", c_two) != 0) return 1;
  result->value_type = STOFFEL_VALUE_INT;
  result->data.int_val = 1;
  return 0;
}

static int destroy_was_refused = 0;

static int c_self_destroy(const StoffelValue* args, int argc, StoffelValue* result,
                          void* user_data) {
  VMHandle vm = (VMHandle)user_data;
  (void)args;
  (void)argc;
  (void)result;
  stoffel_destroy_vm(vm); /* must be refused: the VM is running */
  destroy_was_refused = strstr(stoffel_last_error(vm), "ignored") != NULL;
  return 0;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_null_handle(void) {
  StoffelValue out = int_value(99);
  void* object = &out;
  const uint8_t byte = 0;
  CHECK_CODE(stoffel_execute(NULL, "main", &out), -1);
  CHECK(out.value_type == STOFFEL_VALUE_UNIT); /* failures leave UNIT */
  CHECK_CODE(stoffel_execute_with_args(NULL, "main", NULL, 0, &out), -1);
  CHECK_CODE(stoffel_load_bytecode(NULL, &byte, 1), -1);
  CHECK_CODE(stoffel_register_foreign_function(NULL, "f", c_add), -1);
  CHECK_CODE(stoffel_register_foreign_function_ex(NULL, "f", c_apply, NULL), -1);
  CHECK_CODE(stoffel_register_foreign_object(NULL, &out, &out), -1);
  CHECK_CODE(stoffel_get_foreign_object(NULL, 1, &object), -1);
  CHECK(object == NULL);
  CHECK_CODE(stoffel_create_string(NULL, "x", &out), -1);
  CHECK_CODE(stoffel_release_value(NULL, &out), -1);
  CHECK(stoffel_last_error(NULL) == NULL);
  stoffel_destroy_vm(NULL); /* NULL-safe */
  stoffel_free_string(NULL);
}

static void test_fixture(const char* fixture_path) {
  size_t len = 0;
  uint8_t* bytes = read_file(fixture_path, &len);
  CHECK(bytes != NULL && len > 0);
  if (bytes == NULL) return;
  VMHandle vm = stoffel_create_vm();
  CHECK(vm != NULL);

  CHECK_CODE(stoffel_load_bytecode(vm, NULL, 10), -1);
  CHECK_CODE(stoffel_load_bytecode(vm, bytes, len / 2), -2); /* truncated */
  CHECK(error_has(vm, "Cannot load bytecode"));
  CHECK_CODE(stoffel_load_bytecode(vm, bytes, len), 0);
  CHECK(strcmp(stoffel_last_error(vm), "") == 0);

  StoffelValue out;
  CHECK_CODE(stoffel_execute(vm, "main", &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 55);

  StoffelValue n = int_value(20);
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", &n, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 6765);

  /* Return codes of stoffel_execute. */
  CHECK_CODE(stoffel_execute(vm, NULL, &out), -1);
  CHECK_CODE(stoffel_execute(vm, "main", NULL), -1);
  CHECK_CODE(stoffel_execute(vm, "ma\xc3in", &out), -2);
  CHECK(error_has(vm, "not valid UTF-8"));
  CHECK_CODE(stoffel_execute(vm, "nope", &out), -3);
  CHECK(error_has(vm, "Execution error in 'nope': Function 'nope' not found"));
  CHECK_CODE(stoffel_execute(vm, "print", &out), -3);
  CHECK(error_has(vm, "Cannot execute foreign function print as main"));

  /* Return codes of stoffel_execute_with_args. */
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", &n, -1, &out), -1);
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", &n, 1025, &out), -1);
  CHECK(error_has(vm, "outside [0, 1024]"));
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", NULL, 1, &out), -1);
  CHECK_CODE(stoffel_execute_with_args(vm, NULL, &n, 1, &out), -1);
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", &n, 1, NULL), -1);
  CHECK_CODE(stoffel_execute_with_args(vm, "\xff", &n, 1, &out), -2);
  CHECK_CODE(stoffel_execute_with_args(vm, "main", NULL, 0, &out), 0); /* NULL args, argc 0 */
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 55);
  CHECK_CODE(stoffel_execute_with_args(vm, "fib", NULL, 0, &out), -4); /* arity */
  CHECK(error_has(vm, "Function fib expects 1 arguments but got 0"));

  /* 1024 arguments are allowed, and a callback receives them all. */
  CHECK_CODE(stoffel_register_foreign_function(vm, "c_sum", c_sum), 0);
  StoffelValue* many = malloc(1024 * sizeof *many);
  CHECK(many != NULL);
  if (many != NULL) {
    for (int i = 0; i < 1024; ++i) many[i] = int_value(i);
    CHECK_CODE(stoffel_execute_with_args(vm, "c_sum", many, 1024, &out), 0);
    CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 1023 * 1024 / 2);
    free(many);
  }

  stoffel_destroy_vm(vm);
  free(bytes);
}

static void test_argument_conversion(VMHandle vm) {
  StoffelValue out;
  StoffelValue arg;

  arg = string_value(NULL);
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  CHECK(error_has(vm, "argument 0: STRING value is NULL"));
  arg = string_value("caf\xc3");
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  CHECK(error_has(vm, "not valid UTF-8"));
  arg.value_type = STOFFEL_VALUE_OBJECT;
  arg.data.object_id = 12345;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  CHECK(error_has(vm, "unknown OBJECT id 12345"));
  arg.value_type = STOFFEL_VALUE_CLOSURE;
  arg.data.closure_id = 0; /* the reference's constant closure id is never valid */
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  arg.value_type = STOFFEL_VALUE_FOREIGN;
  arg.data.foreign_id = 999;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  CHECK(error_has(vm, "unknown FOREIGN id 999"));
  arg.value_type = (StoffelValueType)42;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), -3);
  CHECK(error_has(vm, "unknown value type 42"));

  /* Scalars round-trip. */
  arg.value_type = STOFFEL_VALUE_FLOAT;
  arg.data.float_val = 2.5;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_FLOAT && out.data.float_val == 2.5);
  arg.value_type = STOFFEL_VALUE_BOOL;
  arg.data.bool_val = 5; /* any non-zero is true; it comes back as 1 */
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_BOOL && out.data.bool_val == 1);
  arg.data.bool_val = 0;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_BOOL && out.data.bool_val == 0);
  arg.value_type = STOFFEL_VALUE_UNIT;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_UNIT);
  arg = int_value(INT64_MIN);
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == INT64_MIN);

  /* The result may alias the argument. */
  arg = int_value(31);
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &arg, 1, &arg), 0);
  CHECK(arg.value_type == STOFFEL_VALUE_INT && arg.data.int_val == 31);

  /* Integers of every width arrive as INT; a U64 above INT64_MAX cannot. */
  CHECK_CODE(stoffel_execute(vm, "small", &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 200);
  CHECK_CODE(stoffel_execute(vm, "big", &out), -4);
  CHECK(error_has(vm, "U64 value 18446744073709551615 does not fit"));
  CHECK_CODE(stoffel_execute_with_args(vm, "big", NULL, 0, &out), -5);
}

static void test_strings(VMHandle vm) {
  StoffelValue s;
  StoffelValue out;
  CHECK_CODE(stoffel_create_string(vm, "h\xc3\xa9llo", &s), 0);
  CHECK(s.value_type == STOFFEL_VALUE_STRING && strcmp(s.data.string_val, "h\xc3\xa9llo") == 0);
  CHECK_CODE(stoffel_create_string(vm, NULL, &out), -1);
  CHECK_CODE(stoffel_create_string(vm, "x", NULL), -1);
  CHECK_CODE(stoffel_create_string(vm, "\xc0\x80", &out), -2); /* overlong NUL */
  CHECK(out.value_type == STOFFEL_VALUE_UNIT);

  /* Round trip through the VM: the result is a new string, owned by the caller. */
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &s, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_STRING);
  CHECK(out.data.string_val != s.data.string_val);
  CHECK(strcmp(out.data.string_val, "h\xc3\xa9llo") == 0);
  stoffel_free_string((char*)out.data.string_val);
  stoffel_free_string((char*)s.data.string_val);

  /* A string given to a callback, and one made by the callback in a local buffer. */
  StoffelValue name = string_value("w\xc3\xb6rld");
  CHECK_CODE(stoffel_execute_with_args(vm, "greet", &name, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_STRING &&
        strcmp(out.data.string_val, "Hello, w\xc3\xb6rld!") == 0);
  if (out.value_type == STOFFEL_VALUE_STRING) stoffel_free_string((char*)out.data.string_val);

  /* stoffel_set_result_string outside a callback. */
  CHECK_CODE(stoffel_set_result_string(&out, "x"), -3);
  CHECK_CODE(stoffel_set_result_string(NULL, "x"), -1);
  CHECK_CODE(stoffel_set_result_string(&out, NULL), -1);
}

static void test_callbacks(VMHandle vm) {
  StoffelValue out;
  CHECK_CODE(stoffel_register_foreign_function(vm, NULL, c_add), -1);
  CHECK_CODE(stoffel_register_foreign_function(vm, "c_add", NULL), -1);
  CHECK(error_has(vm, "callback is NULL"));
  CHECK_CODE(stoffel_register_foreign_function(vm, "c_\xe2\x82", c_add), -2);
  CHECK_CODE(stoffel_register_foreign_function_ex(vm, "c_apply", NULL, vm), -1);

  CHECK_CODE(stoffel_execute(vm, "main", &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 42);
  CHECK(strcmp(stoffel_last_error(vm), "") == 0);

  /* A callback called directly. */
  StoffelValue pair[2];
  pair[0] = int_value(1);
  pair[1] = int_value(2);
  CHECK_CODE(stoffel_execute_with_args(vm, "c_add", pair, 2, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 3);

  /* A non-zero return becomes the VM error, with the reference's text. */
  CHECK_CODE(stoffel_execute(vm, "fails", &out), -3);
  CHECK(error_has(vm, "Execution error in 'fails': Foreign function returned error code: 7"));
  CHECK_CODE(stoffel_execute_with_args(vm, "c_fail", NULL, 0, &out), -4);
  CHECK(error_has(vm, "Foreign function returned error code: 7"));

  /* A result that cannot enter the VM. */
  CHECK_CODE(stoffel_execute(vm, "bad_result", &out), -3);
  CHECK(error_has(vm, "Foreign function c_bad_result returned an invalid value"));

  /* Run-time errors say where they happened. */
  pair[0] = int_value(1);
  pair[1] = int_value(0);
  CHECK_CODE(stoffel_execute_with_args(vm, "divide", pair, 2, &out), -4);
  CHECK(error_has(vm, "Division by zero (at function 'divide', instruction 0, DIV)"));
  /* An error that happens before any instruction runs has no location: the previous error's
   * must not be reported with it (issue 20, bug 5). */
  CHECK_CODE(stoffel_execute(vm, "nope", &out), -3);
  CHECK(error_has(vm, "Function 'nope' not found"));
  CHECK(!error_has(vm, "(at function"));
  CHECK_CODE(stoffel_execute_with_args(vm, "divide", pair, 1, &out), -4);
  CHECK(error_has(vm, "expects 2 arguments but got 1"));
  CHECK(!error_has(vm, "(at function"));

  /* Destroying the VM from inside its own callback is refused. */
  destroy_was_refused = 0;
  CHECK_CODE(stoffel_execute(vm, "self_destroy", &out), 0);
  CHECK(destroy_was_refused);
  CHECK_CODE(stoffel_execute(vm, "main", &out), 0); /* still alive */

  /* A callback may replace itself while it runs; the next call reaches the new function. */
  CHECK_CODE(stoffel_execute(vm, "rebind", &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 1);
  CHECK_CODE(stoffel_execute(vm, "rebind", &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 2);
}

static void test_handles(VMHandle vm) {
  StoffelValue out;
  StoffelValue xy[2];
  xy[0] = int_value(3);
  xy[1] = int_value(4);
  StoffelValue point;
  CHECK_CODE(stoffel_execute_with_args(vm, "make_point", xy, 2, &point), 0);
  CHECK(point.value_type == STOFFEL_VALUE_OBJECT && point.data.object_id >= 1);
  CHECK_CODE(stoffel_execute_with_args(vm, "get_x", &point, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 3);

  /* The same object comes back with the same id. */
  StoffelValue again;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &point, 1, &again), 0);
  CHECK(again.value_type == STOFFEL_VALUE_OBJECT && again.data.object_id == point.data.object_id);
  /* An OBJECT id is not an ARRAY id. */
  StoffelValue as_array = point;
  as_array.value_type = STOFFEL_VALUE_ARRAY;
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &as_array, 1, &out), -3);

  /* Only the handle table keeps the point alive now; make the collector run several times. */
  StoffelValue n = int_value(300000);
  CHECK_CODE(stoffel_execute_with_args(vm, "churn", &n, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 300000);
  CHECK_CODE(stoffel_execute_with_args(vm, "get_x", &point, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 3);

  /* Release: the id is no longer accepted. */
  StoffelValue three = int_value(3);
  CHECK_CODE(stoffel_release_value(vm, &three), -2);
  CHECK_CODE(stoffel_release_value(vm, NULL), -1);
  CHECK_CODE(stoffel_release_value(vm, &point), 0);
  CHECK_CODE(stoffel_release_value(vm, &point), -3);
  CHECK_CODE(stoffel_execute_with_args(vm, "get_x", &point, 1, &out), -3);
  CHECK(error_has(vm, "unknown OBJECT id"));

  /* Closures: a handle id C can pass back, to call_closure or to a program. */
  StoffelValue ten = int_value(10);
  StoffelValue adder;
  CHECK_CODE(stoffel_execute_with_args(vm, "make_adder", &ten, 1, &adder), 0);
  CHECK(adder.value_type == STOFFEL_VALUE_CLOSURE && adder.data.closure_id >= 1);
  StoffelValue call[2];
  call[0] = adder;
  call[1] = int_value(5);
  CHECK_CODE(stoffel_execute_with_args(vm, "call_closure", call, 2, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 15);
  call[1] = int_value(7);
  CHECK_CODE(stoffel_execute_with_args(vm, "apply_c", call, 2, &out), 0); /* C re-enters */
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 17);
  CHECK_CODE(stoffel_execute_with_args(vm, "echo", &adder, 1, &again), 0);
  CHECK(again.value_type == STOFFEL_VALUE_CLOSURE &&
        again.data.closure_id == adder.data.closure_id);
  CHECK_CODE(stoffel_release_value(vm, &adder), 0);
  CHECK_CODE(stoffel_execute_with_args(vm, "call_closure", call, 2, &out), -3);

  /* Foreign objects: a raw pointer the VM hands back by id. */
  int counter = 0;
  StoffelValue foreign;
  void* object = NULL;
  CHECK_CODE(stoffel_register_foreign_object(vm, NULL, &foreign), -1);
  CHECK_CODE(stoffel_register_foreign_object(vm, &counter, &foreign), 0);
  CHECK(foreign.value_type == STOFFEL_VALUE_FOREIGN && foreign.data.foreign_id >= 1);
  CHECK_CODE(stoffel_get_foreign_object(vm, foreign.data.foreign_id, &object), 0);
  CHECK(object == &counter);
  CHECK_CODE(stoffel_get_foreign_object(vm, 999, &object), -3);
  CHECK(object == NULL);
  CHECK_CODE(stoffel_get_foreign_object(vm, 1, NULL), -1);
  CHECK_CODE(stoffel_execute_with_args(vm, "bump_twice", &foreign, 1, &out), 0);
  CHECK(out.value_type == STOFFEL_VALUE_INT && out.data.int_val == 2);
  CHECK(counter == 2);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <fibonacci_recursive.stflb> <capi_program.stflb>\n", argv[0]);
    return 2;
  }
  test_null_handle();
  test_fixture(argv[1]);

  size_t len = 0;
  uint8_t* program = read_file(argv[2], &len);
  CHECK(program != NULL);
  VMHandle vm = stoffel_create_vm();
  CHECK(vm != NULL);
  if (program != NULL && vm != NULL) {
    CHECK_CODE(stoffel_load_bytecode(vm, program, len), 0);
    CHECK_CODE(stoffel_register_foreign_function(vm, "c_add", c_add), 0);
    CHECK_CODE(stoffel_register_foreign_function(vm, "c_greet", c_greet), 0);
    CHECK_CODE(stoffel_register_foreign_function(vm, "c_fail", c_fail), 0);
    CHECK_CODE(stoffel_register_foreign_function(vm, "c_bad_result", c_bad_result), 0);
    CHECK_CODE(stoffel_register_foreign_function_ex(vm, "c_apply", c_apply, vm), 0);
    CHECK_CODE(stoffel_register_foreign_function_ex(vm, "c_bump", c_bump, vm), 0);
    CHECK_CODE(stoffel_register_foreign_function_ex(vm, "c_self_destroy", c_self_destroy, vm), 0);
    CHECK_CODE(stoffel_register_foreign_function_ex(vm, "c_rebind", c_rebind, vm), 0);
    test_argument_conversion(vm);
    test_strings(vm);
    test_callbacks(vm);
    test_handles(vm);
  }
  stoffel_destroy_vm(vm);
  free(program);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
