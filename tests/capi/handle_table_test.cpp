// White-box tests of the C API layer: the handle table keeps exported values alive across
// collections (also when the export happens inside a native entry run by execute_with_args),
// releases let the collector free them, and exceptions never leave an entry point.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "bytecode/assembler.h"
#include "bytecode/writer.h"
#include "capi/vm_handle.h"
#include "stoffel_vm.h"

namespace stoffel::capi {
namespace {

using stoffel::Result;

constexpr const char* kProgram = R"(
.function make_point regs=3 params=(x)
    MOV r2, r0
    CALL "create_object"
    MOV r1, r0
    LDI r0, "x"
    PUSHARG r1
    PUSHARG r0
    PUSHARG r2
    CALL "set_field"
    RET r1
.end
.function leak regs=1
    CALL "make_share"
    PUSHARG r0
    CALL "sink"
    RET r0
.end
.function get_x regs=2 params=(p)
    LDI r1, "x"
    PUSHARG r0
    PUSHARG r1
    CALL "get_field"
    RET r0
.end
)";

class CapiHandles : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = stoffel_create_vm();
    ASSERT_NE(h_, nullptr);
    auto program = bytecode::assemble(kProgram, "handles");
    ASSERT_TRUE(program.ok()) << program.error().message;
    auto bytes = bytecode::write_program(*program);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    ASSERT_EQ(stoffel_load_bytecode(h_, bytes->data(), bytes->size()), 0) << stoffel_last_error(h_);
  }
  void TearDown() override { stoffel_destroy_vm(h_); }

  StoffelValue make_point(int64_t x) {
    StoffelValue arg = int_value(x), out;
    EXPECT_EQ(stoffel_execute_with_args(h_, "make_point", &arg, 1, &out), 0)
        << stoffel_last_error(h_);
    return out;
  }
  int64_t get_x(const StoffelValue& point) {
    StoffelValue out;
    EXPECT_EQ(stoffel_execute_with_args(h_, "get_x", &point, 1, &out), 0) << stoffel_last_error(h_);
    return out.data.int_val;
  }
  static StoffelValue int_value(int64_t v) {
    StoffelValue s;
    s.value_type = STOFFEL_VALUE_INT;
    s.data.int_val = v;
    return s;
  }
  // Garbage the collector can free: enough to matter in live_bytes.
  void allocate_garbage() {
    for (int i = 0; i < 2000; ++i) h_->vm.make_string(std::string(1000, 'g'));
  }

  VMHandle h_ = nullptr;
};

TEST_F(CapiHandles, ExportedObjectsSurviveCollections) {
  const StoffelValue point = make_point(7);
  ASSERT_EQ(point.value_type, STOFFEL_VALUE_OBJECT);
  EXPECT_EQ(h_->handles.size(), 1u);
  for (int round = 0; round < 3; ++round) {
    allocate_garbage();
    h_->vm.collect_garbage();
    EXPECT_EQ(get_x(point), 7);
  }
}

TEST_F(CapiHandles, ReleasedObjectsAreCollected) {
  h_->vm.collect_garbage();
  const size_t baseline = h_->vm.heap().object_count();
  StoffelValue points[50];
  for (int i = 0; i < 50; ++i) points[i] = make_point(i);
  h_->vm.collect_garbage();
  const size_t with_points = h_->vm.heap().object_count();
  EXPECT_GE(with_points, baseline + 50);  // the objects, kept by their handles
  for (auto& p : points) ASSERT_EQ(stoffel_release_value(h_, &p), 0);
  EXPECT_EQ(h_->handles.size(), 0u);
  h_->vm.collect_garbage();
  EXPECT_LE(h_->vm.heap().object_count(), with_points - 50);
  // Freed slots are reused: exporting again does not grow the hidden cell list.
  const StoffelValue again = make_point(99);
  EXPECT_EQ(get_x(again), 99);
}

// The export happens while a native function runs as the entry of execute_with_args (the VM pins
// that call's arguments and unpins "the last N" afterwards). A handle pinned on its own during
// that window would be dropped; the handle table must still hold it.
TEST_F(CapiHandles, ExportsDuringANativeEntrySurvive) {
  static StoffelValue exported;
  auto outer = [](const StoffelValue*, int, StoffelValue* result, void* user_data) -> int {
    auto* h = static_cast<VMHandle>(user_data);
    StoffelValue arg;
    arg.value_type = STOFFEL_VALUE_INT;
    arg.data.int_val = 41;
    if (stoffel_execute_with_args(h, "make_point", &arg, 1, &exported) != 0) return 1;
    *result = exported;
    return 0;
  };
  ASSERT_EQ(stoffel_register_foreign_function_ex(h_, "outer", outer, h_), 0);
  const StoffelValue none = int_value(0);
  StoffelValue out;
  ASSERT_EQ(stoffel_execute_with_args(h_, "outer", &none, 1, &out), 0) << stoffel_last_error(h_);
  ASSERT_EQ(out.value_type, STOFFEL_VALUE_OBJECT);
  allocate_garbage();
  h_->vm.collect_garbage();
  EXPECT_EQ(get_x(exported), 41);
}

TEST_F(CapiHandles, ClosureIdsStartAtOneAndAreStable) {
  // A closure made by the VM's builtin, exported twice: one id, from 1.
  StoffelValue name;
  name.value_type = STOFFEL_VALUE_STRING;
  name.data.string_val = "get_x";
  StoffelValue c1, c2;
  ASSERT_EQ(stoffel_execute_with_args(h_, "create_closure", &name, 1, &c1), 0);
  ASSERT_EQ(c1.value_type, STOFFEL_VALUE_CLOSURE);
  EXPECT_EQ(c1.data.closure_id, 1u);
  // The same closure passed through a native and back keeps its id.
  ASSERT_EQ(stoffel_register_foreign_function(
                h_, "identity",
                [](const StoffelValue* args, int, StoffelValue* result) -> int {
                  *result = args[0];
                  return 0;
                }),
            0);
  ASSERT_EQ(stoffel_execute_with_args(h_, "identity", &c1, 1, &c2), 0);
  EXPECT_EQ(c2.value_type, STOFFEL_VALUE_CLOSURE);
  EXPECT_EQ(c2.data.closure_id, 1u);
  StoffelValue call[2] = {c1, make_point(5)};
  StoffelValue out;
  ASSERT_EQ(stoffel_execute_with_args(h_, "call_closure", call, 2, &out), 0)
      << stoffel_last_error(h_);
  EXPECT_EQ(out.data.int_val, 5);
}

TEST_F(CapiHandles, TheHiddenRootUsesNoObjectId) {
  // Programs see the reference's first ids: the first object made is Object(1).
  const StoffelValue point = make_point(1);
  EXPECT_EQ(point.data.object_id, 1u);
}

TEST_F(CapiHandles, CallbackExceptionsBecomeErrors) {
  // A C++ callback registered through the C API throws: the program fails with a message and
  // nothing unwinds through the C boundary.
  auto thrower = [](const StoffelValue*, int, StoffelValue*, void*) -> int {
    throw std::runtime_error("boom");
  };
  ASSERT_EQ(stoffel_register_foreign_function_ex(h_, "thrower", thrower, nullptr), 0);
  StoffelValue out;
  EXPECT_EQ(stoffel_execute_with_args(h_, "thrower", nullptr, 0, &out), -4);
  EXPECT_NE(std::string(stoffel_last_error(h_)).find("Foreign function thrower failed: boom"),
            std::string::npos)
      << stoffel_last_error(h_);
}

TEST_F(CapiHandles, SecretsAndNulStringsNeverLeaveTheVm) {
  h_->vm.register_native(
      "make_share", [](vm::VirtualMachine& m, std::span<const vm::Value>) -> Result<vm::Value> {
        const std::uint8_t bytes[] = {1, 2, 3};
        return vm::Value::share_value(m.heap().new_share(vm::ShareType::secret_int(64), bytes));
      });
  h_->vm.register_native("make_pending",
                         [](vm::VirtualMachine&, std::span<const vm::Value>) -> Result<vm::Value> {
                           return vm::Value::pending_reveal(0);
                         });
  h_->vm.register_native(
      "make_nul", [](vm::VirtualMachine& m, std::span<const vm::Value>) -> Result<vm::Value> {
        return m.make_string(std::string_view("a\0b", 3));
      });
  StoffelValue out;
  EXPECT_EQ(stoffel_execute_with_args(h_, "make_share", nullptr, 0, &out), -5);
  EXPECT_NE(std::string(stoffel_last_error(h_)).find("a secret share cannot leave the VM"),
            std::string::npos)
      << stoffel_last_error(h_);
  EXPECT_EQ(out.value_type, STOFFEL_VALUE_UNIT);
  EXPECT_EQ(stoffel_execute_with_args(h_, "make_pending", nullptr, 0, &out), -5);
  EXPECT_EQ(stoffel_execute_with_args(h_, "make_nul", nullptr, 0, &out), -5);
  EXPECT_NE(std::string(stoffel_last_error(h_)).find("NUL byte at offset 1"), std::string::npos);

  // As a callback argument: the program stops before the callback runs.
  static bool sink_called = false;
  ASSERT_EQ(stoffel_register_foreign_function(h_, "sink",
                                              [](const StoffelValue*, int, StoffelValue*) -> int {
                                                sink_called = true;
                                                return 0;
                                              }),
            0);
  EXPECT_EQ(stoffel_execute(h_, "leak", &out), -3);
  EXPECT_NE(std::string(stoffel_last_error(h_))
                .find("Cannot pass argument 0 to foreign function sink: a secret share cannot "
                      "leave the VM"),
            std::string::npos)
      << stoffel_last_error(h_);
  EXPECT_FALSE(sink_called);
}

}  // namespace
}  // namespace stoffel::capi
