// The 16 standard builtins, with the reference's names, arities, results and error texts
// (docs/builtins.md). Builtins that read or write containers, upvalues or create closures fire
// the corresponding hook events (checked on every call, docs/decisions.md, E9).
#include "vm/builtins.h"

#include <string>

#include "vm/heap_objects.h"
#include "vm/interpreter.h"
#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {

namespace {

using Args = std::span<const Value>;

// Arity errors: the reference's text (E5), then how many came, in the words of the function
// arity error (`Function f expects 2 arguments but got 3`).
Error arity_at_least(std::string_view name, size_t n, size_t got) {
  return make_error(std::string(name) + " expects at least " + std::to_string(n) +
                    (n == 1 ? " argument" : " arguments") + " but got " + std::to_string(got));
}
Error arity_exactly(std::string_view name, size_t n, size_t got) {
  return make_error(std::string(name) + " expects " + std::to_string(n) +
                    (n == 1 ? " argument" : " arguments") + " but got " + std::to_string(got));
}
// What a check of the first argument saw: "nothing", or the argument in debug format.
std::string first_argument(Args args) {
  return args.empty() ? std::string("nothing") : debug_string(args[0]);
}

Result<void> fire(VirtualMachine& vm, HookEvent ev) {
  if (!vm.hooks_active()) return {};
  return vm.fire_hook(ev);
}

Result<Value> print(VirtualMachine& vm, Args args) {
  std::string line;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) line += ' ';
    if (args[i].type == ValueType::String) {
      line += args[i].str->view();
    } else {
      append_display(line, args[i]);
    }
  }
  line += '\n';
  vm.write_output(line);
  return Value::unit();
}

Result<Value> type(VirtualMachine& vm, Args args) {
  if (args.size() != 1) return arity_exactly("type", 1, args.size());
  return vm.make_string(type_name(args[0].type));
}

Result<Value> create_object(VirtualMachine& vm, Args) {
  return vm.make_object();
}

Result<Value> create_array(VirtualMachine& vm, Args args) {
  size_t hint = 0;
  if (!args.empty() && args[0].type == ValueType::I64) {
    // The reference panics on a negative capacity (D21); it is only a hint, so reject it cleanly.
    if (args[0].i < 0) {
      return make_error("create_array capacity must be non-negative, but got " +
                        std::to_string(args[0].i));
    }
    hint = static_cast<size_t>(args[0].i);
  }
  return vm.make_array(hint);
}

Result<Value> get_field(VirtualMachine& vm, Args args) {
  if (args.size() < 2) return arity_at_least("get_field", 2, args.size());
  const Value& target = args[0];
  const Value v = vm.get_field(target, args[1]);
  if (target.type == ValueType::Object || target.type == ValueType::Array) {
    HookEvent ev{target.type == ValueType::Object ? HookEventKind::ObjectFieldRead
                                                  : HookEventKind::ArrayElementRead};
    ev.container_id = target.type == ValueType::Object ? target.obj->id : target.arr->id;
    ev.key = args[1];
    ev.value = v;
    if (auto r = fire(vm, ev); !r) return r.error();
  }
  return v;
}

Result<Value> set_field(VirtualMachine& vm, Args args) {
  if (args.size() < 3) return arity_at_least("set_field", 3, args.size());
  const Value& target = args[0];
  auto old = vm.set_field(target, args[1], args[2]);
  if (!old) return old.error();
  HookEvent ev{target.type == ValueType::Object ? HookEventKind::ObjectFieldWrite
                                                : HookEventKind::ArrayElementWrite};
  ev.container_id = target.type == ValueType::Object ? target.obj->id : target.arr->id;
  ev.key = args[1];
  ev.old_value = *old;
  ev.value = args[2];
  if (auto r = fire(vm, ev); !r) return r.error();
  return Value::unit();
}

Result<Value> array_length(VirtualMachine& vm, Args args) {
  if (args.empty() || args[0].type != ValueType::Array) {
    return make_error("First argument must be an array, but got " + first_argument(args));
  }
  return Value::i64(vm.array_length(args[0]));
}

Result<Value> array_push(VirtualMachine& vm, Args args) {
  if (args.empty() || args[0].type != ValueType::Array) {
    return make_error("First argument must be an array, but got " + first_argument(args));
  }
  for (size_t i = 1; i < args.size(); ++i) {
    auto r = vm.set_field(args[0], Value::i64(args[0].arr->length), args[i]);
    if (!r) return r.error();
  }
  return Value::i64(args[0].arr->length);
}

Result<Value> create_closure(VirtualMachine& vm, Args args) {
  if (args.empty() || args[0].type != ValueType::String) {
    return make_error("First argument must be a string, but got " + first_argument(args));
  }
  CellListObj* upvalues = vm.heap().new_cell_list();
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].type != ValueType::String) {
      return make_error("Upvalue names must be strings, but argument " + std::to_string(i) +
                        " is " + debug_string(args[i]));
    }
    CellObj* cell = Interpreter::find_variable_cell(vm, args[i].str);
    if (cell == nullptr) {
      return make_error("Could not find upvalue " + std::string(args[i].str->view()) +
                        " when creating closure");
    }
    upvalues->items.push_back(Upvalue{args[i].str, cell});
  }
  Value closure = Value::closure_value(
      vm.heap().new_closure(args[0].str, upvalues, vm.call_slot(args[0].str->view())));
  if (vm.hooks_active()) {
    HookEvent ev{HookEventKind::ClosureCreated};
    ev.name = args[0].str->view();
    ev.value = closure;
    if (auto r = fire(vm, ev); !r) return r.error();
  }
  return closure;
}

Result<Value> call_closure(VirtualMachine& vm, Args args) {
  if (args.empty() || args[0].type != ValueType::Closure) {
    return make_error("First argument must be a closure, but got " +
                      std::string(args.empty() ? "nothing" : type_name(args[0].type)));
  }
  const Args call_args = args.subspan(1);
  if (vm.hooks_active()) {
    HookEvent ev{HookEventKind::BeforeFunctionCall};
    ev.callee = args[0];
    ev.args = call_args;
    if (auto r = fire(vm, ev); !r) return r.error();
  }
  if (auto r = Interpreter::enter_closure_from_native(vm, args[0].closure, call_args); !r) {
    return r.error();
  }
  return Value::unit();  // ignored: the pushed frame's RET delivers the result
}

Upvalue* find_upvalue(VirtualMachine& vm, std::string_view name) {
  CellListObj* ups = Interpreter::current_upvalues(vm);
  if (ups == nullptr) return nullptr;
  for (size_t i = ups->items.size(); i-- > 0;) {  // last match wins, as the reference
    if (ups->items[i].name->view() == name) return &ups->items[i];
  }
  return nullptr;
}

Result<Value> get_upvalue(VirtualMachine& vm, Args args) {
  if (args.empty() || args[0].type != ValueType::String) {
    return make_error("First argument must be a string, but got " + first_argument(args));
  }
  Upvalue* u = find_upvalue(vm, args[0].str->view());
  if (u == nullptr)
    return make_error("Upvalue '" + std::string(args[0].str->view()) + "' not found");
  HookEvent ev{HookEventKind::UpvalueRead};
  ev.name = args[0].str->view();
  ev.value = u->cell->value;
  if (auto r = fire(vm, ev); !r) return r.error();
  return u->cell->value;
}

Result<Value> set_upvalue(VirtualMachine& vm, Args args) {
  if (args.size() < 2) return arity_at_least("set_upvalue", 2, args.size());
  if (args[0].type != ValueType::String) {
    return make_error("First argument must be a string, but got " + first_argument(args));
  }
  Upvalue* u = find_upvalue(vm, args[0].str->view());
  if (u == nullptr) {
    return make_error("Upvalue '" + std::string(args[0].str->view()) + "' not found for writing");
  }
  const Value old = u->cell->value;
  u->cell->value = args[1];  // the shared cell: every copy of the closure sees it (E6)
  HookEvent ev{HookEventKind::UpvalueWrite};
  ev.name = args[0].str->view();
  ev.old_value = old;
  ev.value = args[1];
  if (auto r = fire(vm, ev); !r) return r.error();
  return Value::unit();
}

Result<Value> get_number_clients(VirtualMachine& vm, Args) {
  return Value::i64(static_cast<int64_t>(vm.client_store().clients.size()));
}

// Index arguments: a non-negative I64 or any U64 (reference).
Result<uint64_t> index_arg(const Value& v, std::string_view what) {
  if (v.type == ValueType::I64 && v.i >= 0) return static_cast<uint64_t>(v.i);
  if (v.type == ValueType::U64) return v.u;
  return make_error(std::string(what) + " must be a non-negative integer, but got " +
                    debug_string(v));
}

Result<Value> take_share_common(VirtualMachine& vm, Args args, std::string_view name,
                                ShareType type) {
  if (args.size() != 2) return arity_exactly(name, 2, args.size());
  auto ci = index_arg(args[0], "client_index");
  if (!ci) return ci.error();
  auto si = index_arg(args[1], "share_index");
  if (!si) return si.error();
  const auto& clients = vm.client_store().clients;
  if (*ci >= clients.size()) return make_error("No client at index " + std::to_string(*ci));
  const auto& client = clients[*ci];
  if (*si >= client.shares.size()) {
    return make_error("No share found for client " + std::to_string(client.client_id) +
                      " at index " + std::to_string(*si));
  }
  // An input given as fixed point and read as an integer (or the reverse) would silently be a
  // number scaled by 2^f (or down by it): refuse it when the input's type is known.
  if (*si < client.types.size() && client.types[*si].kind != type.kind) {
    auto what = [](const ShareType& t) {
      return t.kind == ShareType::Kind::SecretInt
                 ? std::string("an integer (SecretInt)")
                 : std::string("a fixed-point value (SecretFixedPoint)");
    };
    return make_error(std::string(name) + ": input " + std::to_string(*si) + " of client " +
                      std::to_string(client.client_id) + " is " + what(client.types[*si]) +
                      ", not " + what(type) + "; read it with " +
                      (client.types[*si].kind == ShareType::Kind::SecretInt
                           ? "ClientStore.take_share"
                           : "ClientStore.take_share_fixed"));
  }
  return Value::share_value(vm.heap().new_share(type, client.shares[*si]));
}

Result<Value> take_share(VirtualMachine& vm, Args args) {
  return take_share_common(vm, args, "ClientStore.take_share", ShareType::secret_int(64));
}

Result<Value> take_share_fixed(VirtualMachine& vm, Args args) {
  return take_share_common(vm, args, "ClientStore.take_share_fixed",
                           ShareType::fixed_point(64, 16));
}

}  // namespace

void register_standard_builtins(VirtualMachine& vm) {
  vm.register_native("print", print);
  vm.register_native("type", type);
  vm.register_native("create_object", create_object);
  vm.register_native("create_array", create_array);
  vm.register_builtin("get_field", get_field, BuiltinId::GetField);
  vm.register_builtin("set_field", set_field, BuiltinId::SetField);
  vm.register_builtin("array_length", array_length, BuiltinId::ArrayLength);
  vm.register_builtin("array_push", array_push, BuiltinId::ArrayPush);
  vm.register_native("create_closure", create_closure);
  vm.register_builtin("call_closure", call_closure, BuiltinId::CallClosure);
  vm.register_builtin("get_upvalue", get_upvalue, BuiltinId::GetUpvalue);
  vm.register_builtin("set_upvalue", set_upvalue, BuiltinId::SetUpvalue);
  vm.register_native("ClientStore.get_number_clients", get_number_clients);
  vm.register_native("ClientStore.take_share", take_share);
  vm.register_native("ClientStore.take_share_fixed", take_share_fixed);
  register_mpc_builtins(vm);
  register_compare_builtins(vm);
}

}  // namespace stoffel::vm
