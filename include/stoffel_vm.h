/*
 * stoffel_vm.h - the C API of the Stoffel VM (libstoffel_vm.so).
 *
 * Pure C (C99 and later, and C++), source-compatible with the reference implementation's header,
 * with its defects fixed (D12 in docs/compatibility.md; docs/decisions.md, C3) and a few documented
 * extensions (docs/embedding.md). Every function returns its own set of codes, listed in its
 * comment; 0 is always success. After a failing call on a handle, stoffel_last_error() says what
 * went wrong.
 *
 * Typical use:
 *
 *     VMHandle vm = stoffel_create_vm();
 *     if (stoffel_load_bytecode(vm, bytes, len) != 0) puts(stoffel_last_error(vm));
 *     StoffelValue out;
 *     if (stoffel_execute(vm, "main", &out) == 0 && out.value_type == STOFFEL_VALUE_INT)
 *         printf("%lld\n", (long long)out.data.int_val);
 *     stoffel_destroy_vm(vm);
 *
 * Ownership of strings (the reference leaked some; these rules have no exception):
 *   - A STRING returned by stoffel_execute, stoffel_execute_with_args or stoffel_create_string
 *     is a new allocation owned by the caller: free it with stoffel_free_string() (and with
 *     nothing else). It stays valid after stoffel_destroy_vm.
 *   - A STRING in the `args` of a callback is owned by the VM and valid only until the callback
 *     returns. Copy it to keep it.
 *   - A STRING a callback stores in `*result` is copied by the VM when the callback returns; the
 *     VM never frees or keeps that pointer. So the pointer must stay valid until the callback
 *     returns and remains the callback's to manage: a string literal, a static buffer, or a
 *     buffer the callback owns. To return a string built in a local buffer, call
 *     stoffel_set_result_string(result, buffer): it copies the text into storage owned by the
 *     running call, which the VM frees after copying.
 *   - Strings passed *to* the API (names, STRING arguments) are copied; the caller keeps them.
 *
 * Handles for objects, arrays and closures: an OBJECT, ARRAY or CLOSURE value that leaves the VM
 * (a result, or a callback argument) is recorded in a per-VM handle table and kept alive by the
 * garbage collector until stoffel_release_value() or stoffel_destroy_vm(), so C may keep its id
 * and pass it back later (as an argument or a callback result). OBJECT and ARRAY ids are the
 * VM's own ids (the ones `print` shows); CLOSURE ids are handle numbers assigned by this API,
 * starting at 1 (the reference always returned 0 and could not take a closure back). The same
 * object always gets the same id. An id that is not in the table (never exported, released, or
 * from another VM) is a conversion error. FOREIGN ids name objects registered with
 * stoffel_register_foreign_object.
 *
 * Threads: a VM handle must not be used from two threads at the same time; different handles
 * are independent.
 */
#ifndef STOFFEL_VM_H
#define STOFFEL_VM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define STOFFEL_API
#elif defined(__GNUC__) || defined(__clang__)
#define STOFFEL_API __attribute__((visibility("default")))
#else
#define STOFFEL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque VM instance. (The reference declares `void*`; a distinct pointer type lets the compiler
 * catch a wrong argument, and C code written for the reference compiles unchanged.) */
typedef struct StoffelVM StoffelVM;
typedef StoffelVM* VMHandle;

/* The kind of a value crossing the boundary. Values are fixed by the reference ABI. */
typedef enum {
  STOFFEL_VALUE_UNIT = 0,    /* no payload */
  STOFFEL_VALUE_INT = 1,     /* int_val; every VM integer width arrives as INT */
  STOFFEL_VALUE_FLOAT = 2,   /* float_val */
  STOFFEL_VALUE_BOOL = 3,    /* bool_val: 0 = false, 1 = true (any non-zero is true from C) */
  STOFFEL_VALUE_STRING = 4,  /* string_val: NUL-terminated UTF-8; ownership above */
  STOFFEL_VALUE_OBJECT = 5,  /* object_id (handle table above) */
  STOFFEL_VALUE_ARRAY = 6,   /* array_id (handle table above) */
  STOFFEL_VALUE_FOREIGN = 7, /* foreign_id, from stoffel_register_foreign_object */
  STOFFEL_VALUE_CLOSURE = 8  /* closure_id (handle table above; 0 is never a valid id) */
} StoffelValueType;

typedef union {
  int64_t int_val;
  double float_val;
  /* `int` on both sides of the boundary (D12 in docs/compatibility.md: the reference's Rust side
   * used a 1-byte bool here, so only the low byte was read). */
  int bool_val;
  const char* string_val;
  size_t object_id;
  size_t array_id;
  size_t foreign_id;
  size_t closure_id;
} StoffelValueData;

/* 16 bytes on 64-bit platforms: the type, padding, then the 8-byte payload. */
typedef struct {
  StoffelValueType value_type;
  StoffelValueData data;
} StoffelValue;

#if defined(__cplusplus)
static_assert(sizeof(void*) != 8 || sizeof(StoffelValue) == 16,
              "StoffelValue must be 16 bytes on 64-bit platforms");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(void*) != 8 || sizeof(StoffelValue) == 16,
               "StoffelValue must be 16 bytes on 64-bit platforms");
#else
/* C99 has no _Static_assert: a negative array size stops the build instead. */
typedef char stoffel_value_is_16_bytes[(sizeof(void*) != 8 || sizeof(StoffelValue) == 16) ? 1 : -1];
#endif

/* A C function callable from bytecode (CALL "name") and as an entry of
 * stoffel_execute_with_args. `args` holds `argc` arguments (args may be NULL when argc is 0);
 * `*result` arrives set to UNIT. Return 0 for success, with the return value in `*result`; any
 * other return aborts the program with the VM error "Foreign function returned error code: N".
 * An argument that cannot be represented in C (a secret share, a pending reveal, a U64 above
 * INT64_MAX, a string with a NUL byte) aborts the program before the callback runs; a `*result`
 * that cannot be converted back (unknown type or id, NULL or invalid UTF-8 string) aborts it
 * after. A callback may call back into the API on the same VM (for example to run a closure
 * with stoffel_execute_with_args(vm, "call_closure", ...)), but must not destroy it. */
typedef int (*CForeignFunction)(const StoffelValue* args, int argc, StoffelValue* result);

/* Extension: the same, plus the `user_data` pointer given at registration. */
typedef int (*CForeignFunctionEx)(const StoffelValue* args, int argc, StoffelValue* result,
                                  void* user_data);

/* Creates a VM with all standard builtins registered.
 * Returns the handle, or NULL if memory ran out. */
STOFFEL_API VMHandle stoffel_create_vm(void);

/* Destroys a VM: its functions, heap, handle table and foreign-object table. Foreign objects
 * themselves belong to the caller and are not touched. Strings returned earlier stay valid.
 * NULL is ignored. Called from inside one of the VM's own callbacks it does nothing (the VM is
 * still running) and stoffel_last_error says so. */
STOFFEL_API void stoffel_destroy_vm(VMHandle handle);

/* Parses an STFL bytecode image (`len` bytes at `bytes`), verifies it, and registers every
 * function it contains (a function replaces an earlier one of the same name).
 * Returns  0  success
 *         -1  handle or bytes is NULL
 *         -2  the image is malformed or fails verification (stoffel_last_error names the byte
 *             offset, or the function and instruction); nothing is registered
 * (The reference documents a -3 it never returns; so does this one: it is never returned.) */
STOFFEL_API int stoffel_load_bytecode(VMHandle handle, const uint8_t* bytes, size_t len);

/* Runs the VM function `function_name` with no arguments (its parameters read as UNIT) and
 * stores its return value in `*result` (a STRING result is owned by the caller).
 * Returns  0  success
 *         -1  handle, function_name or result is NULL
 *         -2  function_name is not valid UTF-8
 *         -3  execution error: unknown function, a foreign function as entry, or a run-time
 *             error (stoffel_last_error: "Execution error in 'NAME': MESSAGE", plus the function,
 *             instruction index and opcode where the interpreter stopped)
 *         -4  the return value cannot be converted to C (secret share, pending reveal, U64 above
 *             INT64_MAX, string with a NUL byte)
 * On any failure `*result` (if not NULL) is set to UNIT. */
STOFFEL_API int stoffel_execute(VMHandle handle, const char* function_name, StoffelValue* result);

/* Runs `function_name` with `argc` arguments. For a VM function the count must match its
 * parameters; a registered C function or builtin is called directly with the arguments.
 * Arguments are converted as follows: INT -> 64-bit integer, FLOAT, BOOL, STRING (copied),
 * UNIT, OBJECT/ARRAY/CLOSURE by id from the handle table, FOREIGN by id.
 * Returns  0  success
 *         -1  handle, function_name or result is NULL, args is NULL while argc > 0, or argc
 *             is outside [0, 1024]
 *         -2  function_name is not valid UTF-8
 *         -3  an argument cannot be converted (unknown type; NULL, invalid UTF-8 string;
 *             unknown OBJECT/ARRAY/CLOSURE/FOREIGN id, or an id of the wrong kind)
 *         -4  execution error (as -3 of stoffel_execute, including a wrong argument count)
 *         -5  the return value cannot be converted to C (as -4 of stoffel_execute)
 * On any failure `*result` (if not NULL) is set to UNIT. */
STOFFEL_API int stoffel_execute_with_args(VMHandle handle, const char* function_name,
                                          const StoffelValue* args, int argc, StoffelValue* result);

/* Registers (or replaces) the function `name`, callable from bytecode and as an entry of
 * stoffel_execute_with_args. A VM function or builtin of the same name is replaced.
 * Returns  0  success
 *         -1  handle, name or func is NULL (the reference did not check func)
 *         -2  name is not valid UTF-8 */
STOFFEL_API int stoffel_register_foreign_function(VMHandle handle, const char* name,
                                                  CForeignFunction func);

/* Extension: like stoffel_register_foreign_function, but `func` also receives `user_data`
 * (any pointer, NULL included; the VM never dereferences or frees it, so it must stay valid
 * while the function is registered).
 * Returns  0  success
 *         -1  handle, name or func is NULL
 *         -2  name is not valid UTF-8 */
STOFFEL_API int stoffel_register_foreign_function_ex(VMHandle handle, const char* name,
                                                     CForeignFunctionEx func, void* user_data);

/* Stores the raw pointer `object` as a foreign object and sets `*result` to FOREIGN with its
 * id (ids count from 1). The VM never dereferences or frees the pointer; get it back with
 * stoffel_get_foreign_object.
 * Returns  0  success
 *         -1  handle, object or result is NULL */
STOFFEL_API int stoffel_register_foreign_object(VMHandle handle, void* object,
                                                StoffelValue* result);

/* Extension: looks up a foreign object registered on this VM by id.
 * Returns  0  success, `*object` is the pointer given to stoffel_register_foreign_object
 *         -1  handle or object is NULL
 *         -3  no foreign object with this id (`*object` is set to NULL) */
STOFFEL_API int stoffel_get_foreign_object(VMHandle handle, size_t foreign_id, void** object);

/* Sets `*result` to a STRING holding a copy of `str`, owned by the caller (free it with
 * stoffel_free_string). Nothing is stored in the VM.
 * Returns  0  success
 *         -1  handle, str or result is NULL
 *         -2  str is not valid UTF-8
 * On failure `*result` (if not NULL) is set to UNIT. */
STOFFEL_API int stoffel_create_string(VMHandle handle, const char* str, StoffelValue* result);

/* Frees a string returned by this API (stoffel_execute, stoffel_execute_with_args,
 * stoffel_create_string). NULL is ignored. Never pass any other pointer: not a callback
 * argument, not a string from stoffel_set_result_string, not stoffel_last_error's text. */
STOFFEL_API void stoffel_free_string(char* str);

/* Extension: for use inside a callback. Copies `str` into storage that belongs to the running
 * call and sets `*result` to that STRING; the VM copies it into the heap when the callback
 * returns and then frees the storage. Lets a callback return text built in a local buffer.
 * Returns  0  success
 *         -1  result or str is NULL
 *         -2  str is not valid UTF-8
 *         -3  `result` is not the result slot of a callback running on this thread */
STOFFEL_API int stoffel_set_result_string(StoffelValue* result, const char* str);

/* Extension: drops the handle-table entry of an OBJECT, ARRAY or CLOSURE value, so the
 * garbage collector may free it once the program no longer uses it. The id (in every copy C
 * holds) is invalid afterwards, until the same object leaves the VM again. Optional: all
 * handles are dropped by stoffel_destroy_vm.
 * Returns  0  success
 *         -1  handle or value is NULL
 *         -2  value is not an OBJECT, ARRAY or CLOSURE
 *         -3  the id is not in the handle table */
STOFFEL_API int stoffel_release_value(VMHandle handle, const StoffelValue* value);

/* Extension: the message of the last failing call on `handle`, or "" if the last call
 * succeeded. The text is owned by the VM and valid until the next call on that handle (do not
 * free it). Returns NULL if handle is NULL. Calling it does not change it. */
STOFFEL_API const char* stoffel_last_error(VMHandle handle);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_VM_H */
