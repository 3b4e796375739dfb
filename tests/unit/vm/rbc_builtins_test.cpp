// The Rbc.* and Aba.* builtins against a fake single-party backend: argument checks, the payload
// tag that brings strings back as strings and byte arrays as byte arrays, the receive_any object,
// timeouts, and the error of a backend without the protocols (the protocols themselves are
// tested in tests/mpc, the builtins on the real engine in tests/programs/cases/rbc_aba.stfa).
#include <gtest/gtest.h>

#include "fake_backend.h"
#include "test_util.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::FakeBackend;
using testing::vm_from_asm;

std::string run(VirtualMachine& vm, const char* entry) {
  auto r = vm.execute(entry);
  return r ? display_string(*r) : "error: " + r.error().message;
}

constexpr const char* kProgram = R"(
.function strings regs=4
    LDI r1, "hello"
    PUSHARG r1
    CALL "Rbc.broadcast"
    LDI r1, 0
    PUSHARG r1
    LDI r2, 250
    PUSHARG r2
    CALL "Rbc.receive"
    RET r0
.end
.function bytes regs=4
    LDI r1, 0
    PUSHARG r1
    CALL "create_array"
    MOV r3, r0
    LDI r1, 1u8
    PUSHARG r3
    PUSHARG r1
    CALL "array_push"
    LDI r1, 200u8
    PUSHARG r3
    PUSHARG r1
    CALL "array_push"
    PUSHARG r3
    CALL "Rbc.broadcast"
    LDI r1, 0
    PUSHARG r1
    LDI r2, 5
    PUSHARG r2
    CALL "Rbc.receive"
    RET r0
.end
.function any regs=4
    LDI r1, "x"
    PUSHARG r1
    CALL "Rbc.broadcast"
    LDI r2, 7u32
    PUSHARG r2
    CALL "Rbc.receive_any"
    RET r0
.end
.function session_numbers regs=4
    LDI r1, "a"
    PUSHARG r1
    CALL "Rbc.broadcast"
    PUSHARG r1
    CALL "Rbc.broadcast"
    RET r0
.end
.function vote regs=4
    LDI r1, true
    PUSHARG r1
    LDI r2, 10
    PUSHARG r2
    CALL "Aba.propose_and_wait"
    RET r0
.end
.function vote_sessions regs=4
    LDI r1, false
    PUSHARG r1
    CALL "Aba.propose"
    LDI r1, true
    PUSHARG r1
    CALL "Aba.propose"
    MOV r3, r0
    PUSHARG r3
    LDI r2, 10
    PUSHARG r2
    CALL "Aba.result"
    RET r0
.end
.function negative_timeout regs=4
    LDI r1, 0
    PUSHARG r1
    LDI r2, -1
    PUSHARG r2
    CALL "Rbc.receive"
    RET r0
.end
.function negative_party regs=4
    LDI r1, -2
    PUSHARG r1
    LDI r2, 10
    PUSHARG r2
    CALL "Rbc.receive"
    RET r0
.end
.function not_bytes regs=4
    LDI r1, 0
    PUSHARG r1
    CALL "create_array"
    MOV r3, r0
    LDI r1, 300
    PUSHARG r3
    PUSHARG r1
    CALL "array_push"
    PUSHARG r3
    CALL "Rbc.broadcast"
    RET r0
.end
.function arity regs=2
    CALL "Aba.result"
    RET r0
.end
.function nothing_to_receive regs=4
    LDI r1, 0
    PUSHARG r1
    LDI r2, 30
    PUSHARG r2
    CALL "Rbc.receive"
    RET r0
.end
)";

TEST(RbcBuiltins, RoundTripsAndResults) {
  auto vm = vm_from_asm(kProgram);
  FakeBackend e;
  e.async = true;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm, "strings"), "\"hello\"");
  ASSERT_EQ(e.broadcasts, 1u);
  EXPECT_EQ(e.last_timeout, 250u);
  EXPECT_EQ(run(*vm, "bytes"), "byte[2] 0x01c8");
  EXPECT_EQ(run(*vm, "any"), "{\"party_id\": 0, \"message\": \"x\"}");
  EXPECT_EQ(e.last_timeout, 7u);
  EXPECT_EQ(run(*vm, "session_numbers"), "4");  // the fifth broadcast of this party
  EXPECT_EQ(run(*vm, "vote"), "true");
  EXPECT_EQ(run(*vm, "vote_sessions"), "true");
  EXPECT_EQ(e.proposals, (std::vector<bool>{true, false, true}));
  e.delivered.clear();  // the two broadcasts of session_numbers
  EXPECT_EQ(run(*vm, "nothing_to_receive"), "error: nothing within 30");
}

TEST(RbcBuiltins, PayloadsCarryTheirType) {
  auto vm = vm_from_asm(kProgram);
  FakeBackend e;
  e.async = true;
  vm->set_engine(&e);
  (void)run(*vm, "session_numbers");
  ASSERT_EQ(e.delivered.size(), 2u);
  EXPECT_EQ(e.delivered[0], (std::vector<uint8_t>{1, 'a'}));  // tag 1: a string
  e.delivered.clear();
  // A payload whose tag is neither (only a faulty party sends one) comes back as all its bytes.
  e.delivered.push_back({9, 8, 7});
  EXPECT_EQ(run(*vm, "nothing_to_receive"), "byte[3] 0x090807");
  e.delivered.push_back({});
  EXPECT_EQ(run(*vm, "nothing_to_receive"), "[]");
}

TEST(RbcBuiltins, ArgumentErrors) {
  auto vm = vm_from_asm(kProgram);
  FakeBackend e;
  e.async = true;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm, "negative_timeout"),
            "error: Rbc.receive: timeout_ms must be a non-negative integer, got -1");
  EXPECT_EQ(run(*vm, "negative_party"),
            "error: Rbc.receive: from_party must be a non-negative integer, got -2");
  EXPECT_EQ(run(*vm, "not_bytes"), "error: Expected U8 at index 0, got 300");
  EXPECT_EQ(run(*vm, "arity"), "error: Aba.result expects 2 arguments but got 0");
}

TEST(RbcBuiltins, BackendWithoutTheProtocols) {
  auto vm = vm_from_asm(kProgram);
  FakeBackend e;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm, "strings"), "error: Rbc.broadcast is not supported by the fake backend");
  EXPECT_EQ(run(*vm, "vote"), "error: Aba.propose is not supported by the fake backend");
  auto bare = vm_from_asm(kProgram);
  EXPECT_EQ(run(*bare, "strings"), "error: MPC engine not configured");
}

}  // namespace
}  // namespace stoffel::vm
