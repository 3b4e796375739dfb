#!/usr/bin/env python3
"""Using the Stoffel VM from Python through ctypes and libstoffel_vm.so.

    python3 stoffel_ctypes.py <libstoffel_vm.so> <demo.stflb> [fibonacci_recursive.stflb]

The library path may also come from the STOFFEL_VM_LIB environment variable (then give only the
program paths). demo.stflb is examples/c/demo.stfa assembled with stoffel-asm. The test suite
runs this script and compares its output with expected_output.txt.
"""
import ctypes
import os
import sys

# --- the ABI of include/stoffel_vm.h ---------------------------------------------------------

UNIT, INT, FLOAT, BOOL, STRING, OBJECT, ARRAY, FOREIGN, CLOSURE = range(9)


class StoffelValueData(ctypes.Union):
    _fields_ = [
        ("int_val", ctypes.c_int64),
        ("float_val", ctypes.c_double),
        ("bool_val", ctypes.c_int),
        # c_void_p, not c_char_p: ctypes would turn a c_char_p into bytes and lose the pointer
        # that stoffel_free_string needs.
        ("string_val", ctypes.c_void_p),
        ("object_id", ctypes.c_size_t),
        ("array_id", ctypes.c_size_t),
        ("foreign_id", ctypes.c_size_t),
        ("closure_id", ctypes.c_size_t),
    ]


class StoffelValue(ctypes.Structure):
    _fields_ = [("value_type", ctypes.c_int), ("data", StoffelValueData)]


assert ctypes.sizeof(StoffelValue) == (16 if ctypes.sizeof(ctypes.c_void_p) == 8 else 12)

CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(StoffelValue), ctypes.c_int,
                            ctypes.POINTER(StoffelValue))


def load_library(path):
    lib = ctypes.CDLL(path)
    vm_p = ctypes.c_void_p
    val_p = ctypes.POINTER(StoffelValue)
    lib.stoffel_create_vm.restype = vm_p
    lib.stoffel_create_vm.argtypes = []
    lib.stoffel_destroy_vm.restype = None
    lib.stoffel_destroy_vm.argtypes = [vm_p]
    lib.stoffel_load_bytecode.restype = ctypes.c_int
    lib.stoffel_load_bytecode.argtypes = [vm_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.stoffel_execute.restype = ctypes.c_int
    lib.stoffel_execute.argtypes = [vm_p, ctypes.c_char_p, val_p]
    lib.stoffel_execute_with_args.restype = ctypes.c_int
    lib.stoffel_execute_with_args.argtypes = [vm_p, ctypes.c_char_p, val_p, ctypes.c_int, val_p]
    lib.stoffel_register_foreign_function.restype = ctypes.c_int
    lib.stoffel_register_foreign_function.argtypes = [vm_p, ctypes.c_char_p, CALLBACK]
    lib.stoffel_free_string.restype = None
    lib.stoffel_free_string.argtypes = [ctypes.c_void_p]
    lib.stoffel_set_result_string.restype = ctypes.c_int
    lib.stoffel_set_result_string.argtypes = [val_p, ctypes.c_char_p]
    lib.stoffel_release_value.restype = ctypes.c_int
    lib.stoffel_release_value.argtypes = [vm_p, val_p]
    lib.stoffel_last_error.restype = ctypes.c_char_p
    lib.stoffel_last_error.argtypes = [vm_p]
    return lib


# --- a small Pythonic wrapper ------------------------------------------------------------------

class VMError(Exception):
    pass


class VM:
    def __init__(self, lib):
        self.lib = lib
        self.handle = lib.stoffel_create_vm()
        if not self.handle:
            raise MemoryError("stoffel_create_vm failed")
        self.callbacks = []  # ctypes callback objects must outlive their registration

    def close(self):
        self.lib.stoffel_destroy_vm(self.handle)
        self.handle = None

    def error(self):
        return self.lib.stoffel_last_error(self.handle).decode("utf-8")

    def load(self, path):
        with open(path, "rb") as f:
            data = f.read()
        if self.lib.stoffel_load_bytecode(self.handle, data, len(data)) != 0:
            raise VMError(self.error())

    def register(self, name, fn):
        """Registers fn(*args) -> value as the VM function `name`. A Python exception in fn
        makes the call fail with error code 1."""
        lib = self.lib

        def trampoline(args, argc, result):
            try:
                value = fn(*[to_python(args[i]) for i in range(argc)])
                if isinstance(value, str):
                    # The VM copies the text when the callback returns.
                    return lib.stoffel_set_result_string(result, value.encode("utf-8"))
                result[0] = from_python(value, [])
                return 0
            except Exception as e:  # noqa: BLE001 - never let an exception into C
                print("callback %s failed: %r" % (name, e), file=sys.stderr)
                return 1

        callback = CALLBACK(trampoline)
        self.callbacks.append(callback)
        if lib.stoffel_register_foreign_function(self.handle, name.encode("utf-8"), callback):
            raise VMError(self.error())

    def call(self, name, *args):
        out = StoffelValue()
        keep = []  # string buffers: the VM copies them during the call
        argv = (StoffelValue * max(len(args), 1))(*[from_python(a, keep) for a in args])
        rc = self.lib.stoffel_execute_with_args(self.handle, name.encode("utf-8"), argv,
                                                len(args), ctypes.byref(out))
        if rc != 0:
            raise VMError("%s -> %d: %s" % (name, rc, self.error()))
        if out.value_type == STRING:
            # Our string: read it, then free it with the library's own function.
            text = ctypes.string_at(out.data.string_val).decode("utf-8")
            self.lib.stoffel_free_string(out.data.string_val)
            return text
        return to_python(out)


class Handle:
    """An OBJECT, ARRAY or CLOSURE id held by Python."""

    def __init__(self, value_type, ident):
        self.value_type, self.ident = value_type, ident

    def __repr__(self):
        kind = {OBJECT: "OBJECT", ARRAY: "ARRAY", CLOSURE: "CLOSURE", FOREIGN: "FOREIGN"}
        return "%s %d" % (kind[self.value_type], self.ident)


def from_python(v, keep):
    """Converts v; a string's buffer is appended to `keep`, which must outlive the call."""
    s = StoffelValue()
    if v is None:
        s.value_type = UNIT
    elif isinstance(v, bool):
        s.value_type, s.data.bool_val = BOOL, int(v)
    elif isinstance(v, int):
        s.value_type, s.data.int_val = INT, v
    elif isinstance(v, float):
        s.value_type, s.data.float_val = FLOAT, v
    elif isinstance(v, str):
        buf = ctypes.create_string_buffer(v.encode("utf-8"))
        keep.append(buf)
        s.value_type, s.data.string_val = STRING, ctypes.addressof(buf)
    elif isinstance(v, Handle):
        s.value_type, s.data.object_id = v.value_type, v.ident
    else:
        raise TypeError("cannot pass %r to the VM" % (v,))
    return s


def to_python(s):
    t = s.value_type
    if t == UNIT:
        return None
    if t == INT:
        return s.data.int_val
    if t == FLOAT:
        return s.data.float_val
    if t == BOOL:
        return s.data.bool_val != 0
    if t == STRING:  # a callback argument: owned by the VM, copy it now
        return ctypes.string_at(s.data.string_val).decode("utf-8")
    return Handle(t, s.data.object_id)


# --- the demo ----------------------------------------------------------------------------------

def main(argv):
    lib_path = os.environ.get("STOFFEL_VM_LIB")
    if lib_path is None:
        if len(argv) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        lib_path, argv = argv[1], argv[1:]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    lib = load_library(lib_path)
    vm = VM(lib)
    try:
        vm.load(argv[1])
        vm.register("host_add", lambda a, b: a + b)
        vm.register("host_greet", lambda name: "Hello, %s!" % name)

        print("main() =", vm.call("main"))
        print("greet(%r) = %r" % ("Python", vm.call("greet", "Python")))
        point = vm.call("make_point", 3, 4)
        print("make_point(3, 4) =", point)
        print("norm1(point) =", vm.call("norm1", point))
        value = StoffelValue(point.value_type, StoffelValueData(object_id=point.ident))
        print("release(point) =", lib.stoffel_release_value(vm.handle, ctypes.byref(value)))
        try:
            vm.call("norm1", point)
        except VMError as e:
            print("norm1(released point) fails:", e)
        print("host_add called directly:", vm.call("host_add", 2, 3))
        try:
            vm.call("host_add", "two", 3)
        except VMError as e:
            print("host_add with a string fails:", e)
        if len(argv) > 2:
            vm.load(argv[2])
            print("fibonacci_recursive main() =", vm.call("main"))
    finally:
        vm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
