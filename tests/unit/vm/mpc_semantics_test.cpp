// The VM's MPC semantics (docs/decisions.md, E10, E11, E12, M5; docs/semantics.md, "Secret
// registers") against a fake single-party engine: what matters here is what the VM asks the engine
// and what it does with the answers, not the protocols (tested in tests/mpc).
#include <gtest/gtest.h>

#include "fake_backend.h"
#include "test_util.h"
#include "vm/secret.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::FakeBackend;
using testing::vm_from_asm;

std::string run(VirtualMachine& vm, const char* entry = "main") {
  auto r = vm.execute(entry);
  return r ? display_string(*r) : "error: " + r.error().message;
}

TEST(MpcSemantics, WithoutAnEngineSecretMovesFailAndAreNoted) {
  auto vm = vm_from_asm(".function main regs=17\n LDI r0, 5\n MOV r16, r0\n RET r0\n.end\n");
  EXPECT_EQ(run(*vm), "error: MPC engine not configured");
  EXPECT_TRUE(vm->engine_was_needed());
  FakeBackend e;
  e.ready = false;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm), "error: MPC engine configured but not ready");
}

TEST(MpcSemantics, ShareAndRevealRoundTripsEveryPrimitiveType) {
  auto vm = vm_from_asm(R"(
.function roundtrip regs=17 params=(x)
    MOV r16, r0
    MOV r1, r16
    RET r1
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  for (auto [in, out] :
       std::vector<std::pair<Value, std::string>>{{Value::i64(-42), "-42"},
                                                  {Value::i64(7), "7"},
                                                  {Value::boolean(true), "true"},
                                                  {Value::f64(1.5), "1.5f64"},
                                                  {Value::f64(-2.25), "-2.25f64"}}) {
    const Value args[] = {in};
    auto r = vm->execute_with_args("roundtrip", args);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(display_string(*r), out);
  }
  const Value bad[] = {vm->make_string("s")};
  auto r = vm->execute_with_args("roundtrip", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "Only primitive types (Int, Float, Bool) can be converted to shares, got \"s\" "
            "(MOV r16, r0: registers r16 and above are secret, and a value moved into one is "
            "secret-shared; keep other values in r0..r15)");
}

TEST(MpcSemantics, RevealsAreBatchedIntoOneOpening) {
  // Two reveals, then one instruction reads both: one batch opening of two values.
  auto vm = vm_from_asm(R"(
.function main regs=18
    LDI r0, 20
    MOV r16, r0
    LDI r0, 22
    MOV r17, r0
    MOV r1, r16
    MOV r2, r17
    ADD r3, r1, r2
    RET r3
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm), "42");
  EXPECT_EQ(e.open_calls, 1);
  EXPECT_EQ(e.opened_values, 2u);
}

TEST(MpcSemantics, AFlushNeverWritesAStaleRegister) {
  // E11: r1 is overwritten before anything reads it; the flush must not clobber the new value.
  auto vm = vm_from_asm(R"(
.function main regs=18
    LDI r0, 5
    MOV r16, r0
    MOV r1, r16
    LDI r1, 99
    MOV r2, r16
    ADD r3, r1, r2
    RET r3
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm), "104");
}

TEST(MpcSemantics, RevealsTargetTheFrameThatQueuedThem) {
  // The callee queues a reveal into its r1 and returns it: RET resolves first, so the caller
  // gets the value, and no later flush writes into the caller's registers.
  auto vm = vm_from_asm(R"(
.function main regs=3
    LDI r1, 1000
    CALL "reveal"
    ADD r2, r0, r1
    RET r2
.end
.function reveal regs=17
    LDI r0, 7
    MOV r16, r0
    MOV r1, r16
    RET r1
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm), "1007");
}

TEST(MpcSemantics, ShareArithmeticFollowsTheReference) {
  FakeBackend e;
  auto check = [&](const char* body, const std::string& expected) {
    std::string text = std::string(".function main regs=20\n") + body + "\n.end\n";
    auto vm = vm_from_asm(text);
    vm->set_engine(&e);
    EXPECT_EQ(run(*vm), expected) << body;
  };
  // share op share
  check(
      " LDI r0, 6\n MOV r16, r0\n LDI r0, 7\n MOV r17, r0\n MUL r18, r16, r17\n MOV r1, r18\n RET "
      "r1",
      "42");
  check(
      " LDI r0, 6\n MOV r16, r0\n LDI r0, 7\n MOV r17, r0\n SUB r18, r16, r17\n MOV r1, r18\n RET "
      "r1",
      "-1");
  // share op I64 and I64 op share
  check(" LDI r0, 6\n MOV r16, r0\n LDI r1, 10\n SUB r18, r1, r16\n MOV r1, r18\n RET r1", "4");
  check(" LDI r0, 6\n MOV r16, r0\n LDI r1, 10\n MUL r18, r16, r1\n MOV r1, r18\n RET r1", "60");
  check(" LDI r0, 42\n MOV r16, r0\n LDI r1, 6\n DIV r18, r16, r1\n MOV r1, r18\n RET r1", "7");
  // fixed point: + I64 scales the integer by 2^16; x fixed truncates; / I64 is FPDivConst
  check(" LDI r0, 1.5f64\n MOV r16, r0\n LDI r1, 2\n ADD r18, r16, r1\n MOV r1, r18\n RET r1",
        "3.5f64");
  check(
      " LDI r0, 1.5f64\n MOV r16, r0\n LDI r0, 2.5f64\n MOV r17, r0\n MUL r18, r16, r17\n MOV r1, "
      "r18\n RET r1",
      "3.75f64");
  {
    // FPDivConst truncates (probabilistically, in a real engine): within one 2^-16 step.
    auto vm = vm_from_asm(
        ".function main regs=20\n LDI r0, 7.5f64\n MOV r16, r0\n LDI r1, 3\n"
        " DIV r18, r16, r1\n MOV r1, r18\n RET r1\n.end\n");
    vm->set_engine(&e);
    auto r = vm->execute("main");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->type, ValueType::Float);
    EXPECT_NEAR(r->f, 2.5, 1.0 / 65536);
  }
  // errors
  check(" LDI r0, 1\n MOV r16, r0\n LDI r0, 2\n MOV r17, r0\n DIV r18, r16, r17\n RET r0",
        "error: Share/Share division is not supported on secret shares");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r0, 2\n MOV r17, r0\n MOD r18, r16, r17\n RET r0",
        "error: Share/Share modulo is not supported on secret shares");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r0, 1.5f64\n MOV r17, r0\n ADD r18, r16, r17\n RET r0",
        "error: Share type mismatch in ADD operation: SecretInt(64) and SecretFixedPoint(64, 16)");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r0, 2\n MOV r17, r0\n CMP r16, r17\n RET r0",
        "error: Cannot compare secret shares; reveal them first");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r0, 2\n MOV r17, r0\n AND r18, r16, r17\n RET r0",
        "error: Bitwise AND is not supported on secret shares");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r1, 0\n DIV r18, r16, r1\n RET r0",
        "error: Division by zero");
  check(" LDI r0, 1\n MOV r16, r0\n LDI r1, 1.5f64\n ADD r18, r16, r1\n RET r0",
        "error: Type error in ADD operation: Share and Float (a share's clear operand must be an "
        "I64)");
}

TEST(MpcSemantics, ShareBuiltinsAndBatchMul) {
  auto vm = vm_from_asm(R"(
.function main regs=6
    LDI r1, 0
    PUSHARG r1
    CALL "create_array"
    MOV r2, r0
    PUSHARG r1
    CALL "create_array"
    MOV r3, r0
    LDI r1, 3
    PUSHARG r1
    CALL "Share.from_clear"
    PUSHARG r2
    PUSHARG r0
    CALL "array_push"
    LDI r1, 4
    PUSHARG r1
    CALL "Share.from_clear"
    PUSHARG r2
    PUSHARG r0
    CALL "array_push"
    LDI r1, 10
    PUSHARG r1
    CALL "Share.from_clear"
    PUSHARG r3
    PUSHARG r0
    CALL "array_push"
    LDI r1, 20
    PUSHARG r1
    CALL "Share.from_clear"
    PUSHARG r3
    PUSHARG r0
    CALL "array_push"
    PUSHARG r2
    PUSHARG r3
    CALL "Share.batch_mul"
    PUSHARG r0
    CALL "Share.batch_open"
    RET r0
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  EXPECT_EQ(run(*vm), "[30, 80]");
  EXPECT_EQ(e.mul_calls, 1);  // one round for the whole batch
  EXPECT_EQ(e.open_calls, 1);
}

TEST(MpcSemantics, ClientSharesAndOutputs) {
  auto vm = vm_from_asm(R"(
.function main regs=18
    CALL "ClientStore.get_number_clients"
    MOV r2, r0
    LDI r0, 0
    LDI r1, 1
    PUSHARG r0
    PUSHARG r1
    CALL "ClientStore.take_share"
    MOV r16, r0
    LDI r1, 9
    PUSHARG r1
    PUSHARG r16
    CALL "MpcOutput.send_to_client"
    MOV r1, r16
    ADD r1, r1, r2
    RET r1
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  const FieldBytes v0 = e.encode_int(5), v1 = e.encode_int(-8);
  vm->client_store().clients.push_back(
      {100,
       {std::vector<uint8_t>(v0.begin(), v0.end()), std::vector<uint8_t>(v1.begin(), v1.end())},
       {}});
  EXPECT_EQ(run(*vm), "-7");  // -8 + 1 client
  ASSERT_EQ(e.outputs.size(), 1u);
  EXPECT_EQ(e.outputs[0], (std::pair<uint64_t, int64_t>{9, -8}));
}

// The value a program returns is opened as a whole (issue 20, bug 1): every share in it, raw
// or a Share object, through arrays and objects, cycles included, in ONE opening.
TEST(MpcSemantics, OpenSharesInOpensEverySecretOfAValueInOneBatch) {
  auto vm = vm_from_asm(R"(
.function main regs=20
    CALL "create_array"
    MOV r1, r0
    LDI r0, 4
    PUSHARG r0
    CALL "Share.from_clear"
    MOV r2, r0
    PUSHARG r1
    PUSHARG r2
    CALL "array_push"
    LDI r3, 1.5f64
    MOV r16, r3
    CALL "create_object"
    MOV r4, r0
    LDI r5, "f"
    PUSHARG r4
    PUSHARG r5
    PUSHARG r16
    CALL "set_field"
    PUSHARG r1
    PUSHARG r4
    CALL "array_push"
    PUSHARG r1
    PUSHARG r1
    CALL "array_push"
    PUSHARG r1
    PUSHARG r2
    CALL "array_push"
    RET r1
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  auto r = vm->execute("main");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const int opens_before = e.open_calls;
  const size_t values_before = e.opened_values;
  auto opened = open_shares_in(*vm, *r);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(e.open_calls, opens_before + 1);
  EXPECT_EQ(e.opened_values, values_before + 2);  // the Share object (twice) and the raw share
  const Value arr = *opened;
  ASSERT_EQ(arr.type, ValueType::Array);
  EXPECT_EQ(display_string(vm->get_field(arr, Value::i64(0))), "4");
  EXPECT_EQ(display_string(vm->get_field(arr, Value::i64(1))), "{\"f\": 1.5f64}");
  EXPECT_EQ(vm->get_field(arr, Value::i64(2)).arr, arr.arr);  // the cycle is kept
  EXPECT_EQ(display_string(vm->get_field(arr, Value::i64(3))), "4");
  // A value without secrets is returned as it is, without an opening.
  auto plain = open_shares_in(*vm, Value::i64(3));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(display_string(*plain), "3");
  EXPECT_EQ(e.open_calls, opens_before + 1);
}

// A client input whose type is known cannot be read as the other kind (issue 20, bug 6).
TEST(MpcSemantics, ClientInputsOfAKnownTypeAreReadAsThatType) {
  auto vm = vm_from_asm(R"(
.function as_int regs=2 params=(i)
    LDI r1, 0
    PUSHARG r1
    PUSHARG r0
    CALL "ClientStore.take_share"
    RET r0
.end
.function as_fixed regs=2 params=(i)
    LDI r1, 0
    PUSHARG r1
    PUSHARG r0
    CALL "ClientStore.take_share_fixed"
    RET r0
.end)");
  FakeBackend e;
  vm->set_engine(&e);
  const FieldBytes v0 = e.encode_int(7), v1 = e.encode_int(98304);
  vm->client_store().clients.push_back(
      {3,
       {std::vector<uint8_t>(v0.begin(), v0.end()), std::vector<uint8_t>(v1.begin(), v1.end())},
       {ShareType::secret_int(64), ShareType::fixed_point(64, 16)}});
  const Value zero[] = {Value::i64(0)}, one[] = {Value::i64(1)};
  EXPECT_TRUE(vm->execute_with_args("as_int", zero).ok());
  EXPECT_TRUE(vm->execute_with_args("as_fixed", one).ok());
  auto bad = vm->execute_with_args("as_int", one);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "ClientStore.take_share: input 1 of client 3 is a fixed-point value "
            "(SecretFixedPoint), not an integer (SecretInt); read it with "
            "ClientStore.take_share_fixed");
  auto bad2 = vm->execute_with_args("as_fixed", zero);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.error().message.find("input 0 of client 3 is an integer (SecretInt)"),
            std::string::npos);
}

}  // namespace
}  // namespace stoffel::vm
