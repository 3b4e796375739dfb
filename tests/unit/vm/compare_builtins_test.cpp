// Share.lt/le/gt/ge/eq/ne, Share.select and Share.batch_lt/batch_eq (builtins_compare.cpp) against
// the fake single-party engine: what the VM asks the engine (the differences, k = bits + 1, one
// call per batch), the types of the results, clear operands, and the errors. The protocols
// themselves are tested in tests/mpc/comparison_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_backend.h"
#include "test_util.h"
#include "vm/secret.h"
#include "vm/value_format.h"

namespace stoffel::vm {
namespace {

using testing::FakeBackend;
using testing::vm_from_asm;

// One wrapper per builtin: calls it and opens the result (Share.open, or Share.batch_open for the
// batches), so the test sees clear values.
std::string wrappers() {
  std::string text;
  for (const char* name : {"lt", "le", "gt", "ge", "eq", "ne"}) {
    text += std::string(".function ") + name + " regs=3 params=(a, b)\n PUSHARG r0\n PUSHARG r1\n" +
            " CALL \"Share." + name + "\"\n PUSHARG r0\n CALL \"Share.open\"\n RET r0\n.end\n";
  }
  for (const char* name : {"batch_lt", "batch_eq"}) {
    text += std::string(".function ") + name + " regs=3 params=(a, b)\n PUSHARG r0\n PUSHARG r1\n" +
            " CALL \"Share." + name + "\"\n PUSHARG r0\n CALL \"Share.batch_open\"\n RET r0\n.end\n";
  }
  text +=
      ".function select regs=4 params=(c, a, b)\n PUSHARG r0\n PUSHARG r1\n PUSHARG r2\n"
      " CALL \"Share.select\"\n PUSHARG r0\n CALL \"Share.open\"\n RET r0\n.end\n";
  text += ".function raw_lt regs=3 params=(a, b)\n PUSHARG r0\n PUSHARG r1\n CALL \"Share.lt\"\n"
          " RET r0\n.end\n";
  return text;
}

class CompareBuiltins : public ::testing::Test {
 protected:
  void SetUp() override {
    vm_ = vm_from_asm(wrappers());
    vm_->set_engine(&e_);
  }
  Value int_share(int64_t v) {
    return make_share(*vm_, ShareType::secret_int(64), e_.share_public(e_.encode_int(v)));
  }
  Value fixed_share(double v) {
    return make_share(*vm_, ShareType::fixed_point(64, 16), *encode_fixed(e_, v, 16));
  }
  Value bit_share(bool b) {
    return make_share(*vm_, ShareType::secret_int(1), e_.share_public(e_.encode_int(b ? 1 : 0)));
  }
  Value array(const std::vector<Value>& vs) {
    Value a = vm_->make_array(vs.size());
    for (size_t i = 0; i < vs.size(); ++i) {
      (void)vm_->set_field(a, Value::i64(static_cast<int64_t>(i)), vs[i]);
    }
    return a;
  }
  std::string call(const char* fn, std::vector<Value> args) {
    auto r = vm_->execute_with_args(fn, args);
    return r ? display_string(*r) : "error: " + r.error().message;
  }

  FakeBackend e_;
  std::unique_ptr<VirtualMachine> vm_;
};

TEST_F(CompareBuiltins, IntegersAgainstPlaintext) {
  const std::vector<std::pair<int64_t, int64_t>> pairs = {
      {0, 0}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}, {-5, -5}, {7, -7}, {-7, 7}, {1000000, 999999}};
  for (auto [a, b] : pairs) {
    const std::string what = std::to_string(a) + " vs " + std::to_string(b);
    auto expect = [](bool v) { return std::string(v ? "true" : "false"); };
    EXPECT_EQ(call("lt", {int_share(a), int_share(b)}), expect(a < b)) << what;
    EXPECT_EQ(call("le", {int_share(a), int_share(b)}), expect(a <= b)) << what;
    EXPECT_EQ(call("gt", {int_share(a), int_share(b)}), expect(a > b)) << what;
    EXPECT_EQ(call("ge", {int_share(a), int_share(b)}), expect(a >= b)) << what;
    EXPECT_EQ(call("eq", {int_share(a), int_share(b)}), expect(a == b)) << what;
    EXPECT_EQ(call("ne", {int_share(a), int_share(b)}), expect(a != b)) << what;
  }
  EXPECT_EQ(e_.last_compare_bits, 65u);  // differences of 64-bit values need 65 bits
  EXPECT_EQ(e_.mul_calls, 0);            // the complements are local: 1 - bit
}

TEST_F(CompareBuiltins, ResultIsASecretBitShareObject) {
  auto r = vm_->execute_with_args("raw_lt", std::vector<Value>{int_share(1), int_share(2)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ShareObj* s = share_behind(*r);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->share_type, ShareType::secret_int(1));
  EXPECT_EQ(*e_.decode_int(share_field(s)), 1);
  EXPECT_EQ(e_.open_calls, 0);  // a comparison reveals nothing
}

TEST_F(CompareBuiltins, ClearOperandsAreSharedAsConstants) {
  EXPECT_EQ(call("lt", {int_share(3), Value::i64(4)}), "true");
  EXPECT_EQ(call("lt", {Value::i64(4), int_share(3)}), "false");
  EXPECT_EQ(call("eq", {Value::u8(3), int_share(3)}), "true");
  EXPECT_EQ(call("lt", {Value::i64(-2), Value::i64(1)}), "true");  // both clear: SecretInt(64)
  // Fixed point: a clear integer is scaled by 2^f, a Float encoded with the share's f.
  EXPECT_EQ(call("lt", {fixed_share(1.5), Value::i64(2)}), "true");
  EXPECT_EQ(call("gt", {fixed_share(1.5), Value::i64(1)}), "true");
  EXPECT_EQ(call("eq", {fixed_share(-0.25), Value::f64(-0.25)}), "true");
  EXPECT_EQ(e_.last_compare_bits, 65u);
}

TEST_F(CompareBuiltins, FixedPointResolutionStep) {
  const double step = 1.0 / 65536;  // 2^-16, one unit of SecretFixedPoint(64, 16)
  EXPECT_EQ(call("lt", {fixed_share(0.5), fixed_share(0.5 + step)}), "true");
  EXPECT_EQ(call("gt", {fixed_share(0.5), fixed_share(0.5 + step)}), "false");
  EXPECT_EQ(call("eq", {fixed_share(0.5), fixed_share(0.5 + step)}), "false");
  EXPECT_EQ(call("eq", {fixed_share(-step), fixed_share(-step)}), "true");
  EXPECT_EQ(call("lt", {fixed_share(-step), fixed_share(0.0)}), "true");
}

TEST_F(CompareBuiltins, SelectBySecretOrClearBit) {
  EXPECT_EQ(call("select", {bit_share(true), int_share(10), int_share(20)}), "10");
  EXPECT_EQ(call("select", {bit_share(false), int_share(10), int_share(20)}), "20");
  EXPECT_EQ(e_.mul_calls, 2);  // one product per secret selection
  EXPECT_EQ(call("select", {bit_share(true), fixed_share(1.25), Value::i64(3)}), "1.25f64");
  EXPECT_EQ(call("select", {bit_share(false), fixed_share(1.25), Value::i64(3)}), "3f64");
  EXPECT_EQ(call("select", {Value::boolean(false), int_share(10), Value::i64(-4)}), "-4");
  EXPECT_EQ(e_.mul_calls, 4);  // a clear condition needs no product
  EXPECT_EQ(call("select", {int_share(1), int_share(10), int_share(20)}),
            "error: Share.select: the condition must be a secret bit (SecretInt(1), as Share.lt "
            "and the other comparisons return) or a Bool, got SecretInt(64)");
}

TEST_F(CompareBuiltins, BatchesTakeOneEngineCall) {
  const Value a = array({int_share(1), int_share(5), Value::i64(-3), int_share(7)});
  const Value b = array({int_share(2), int_share(5), int_share(-4), Value::i64(7)});
  EXPECT_EQ(call("batch_lt", {a, b}), "[true, false, false, false]");
  EXPECT_EQ(e_.compare_calls, 1);
  EXPECT_EQ(e_.open_calls, 1);
  EXPECT_EQ(call("batch_eq", {a, b}), "[false, true, false, true]");
  EXPECT_EQ(e_.compare_calls, 2);
  EXPECT_EQ(call("batch_lt", {array({}), array({})}), "[]");
  EXPECT_EQ(e_.compare_calls, 2);  // nothing to compare, no protocol run
}

TEST_F(CompareBuiltins, Errors) {
  EXPECT_EQ(call("lt", {int_share(1), fixed_share(1.0)}),
            "error: Share.lt: share types differ (SecretInt(64) and SecretFixedPoint(64, 16))");
  EXPECT_EQ(call("lt", {int_share(1), Value::f64(1.5)}),
            "error: Share.lt: cannot use 1.5f64 as SecretInt(64)");
  EXPECT_EQ(call("batch_lt", {array({int_share(1)}), array({})}),
            "error: Share.batch_lt: arrays differ in length (1 and 0)");
  EXPECT_EQ(call("batch_eq", {Value::i64(1), array({})}),
            "error: Share.batch_eq: expected an array, got 1");
  EXPECT_EQ(call("lt", {fixed_share(1.0), Value::i64(int64_t{1} << 50)}).rfind("error: ", 0), 0u);
  vm_->set_engine(nullptr);
  EXPECT_EQ(call("eq", {Value::i64(1), Value::i64(1)}), "error: MPC engine not configured");
}

}  // namespace
}  // namespace stoffel::vm
