// vm::Table against std::map: every size across the small-to-indexed switch (kSmall = 8) and
// well past several index doublings, with overwrites and lookups of absent keys. A table whose
// index filled up once made the ninth insert probe forever (found by fuzz_interp).
#include "vm/table.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>

#include "vm/value.h"

namespace stoffel::vm {
namespace {

TEST(Table, AgreesWithMapAcrossEverySize) {
  for (int n = 0; n <= 200; ++n) {
    Table t;
    std::map<int64_t, int64_t> oracle;
    for (int i = 0; i < n; ++i) {
      const int64_t k = (i * 7919) % 1000;  // distinct for i < 1000
      Value old = t.set(Value::i64(k), Value::i64(i));
      EXPECT_EQ(old.type, ValueType::Unit) << "n=" << n << " i=" << i;
      oracle[k] = i;
    }
    // Overwrite every other key: the previous value comes back, the size does not change.
    for (auto& [k, v] : oracle) {
      if (k % 2 != 0) continue;
      Value old = t.set(Value::i64(k), Value::i64(v + 1'000'000));
      ASSERT_EQ(old.type, ValueType::I64);
      EXPECT_EQ(old.i, v);
      v += 1'000'000;
    }
    ASSERT_EQ(t.size(), oracle.size()) << "n=" << n;
    for (const auto& [k, v] : oracle) {
      const Value* found = t.find(Value::i64(k));
      ASSERT_NE(found, nullptr) << "n=" << n << " key=" << k;
      EXPECT_EQ(found->i, v);
    }
    EXPECT_EQ(t.find(Value::i64(5000)), nullptr);
    EXPECT_EQ(t.find(Value::i32(0)), nullptr) << "keys of another type are other keys";
  }
}

TEST(Table, FloatKeysNormaliseZeroAndNaN) {
  Table t;
  for (int i = 0; i < 20; ++i) t.set(Value::f64(i + 0.5), Value::i64(i));
  t.set(Value::f64(0.0), Value::i64(100));
  t.set(Value::f64(-0.0), Value::i64(101));
  t.set(Value::f64(std::numeric_limits<double>::quiet_NaN()), Value::i64(102));
  t.set(Value::f64(-std::numeric_limits<double>::quiet_NaN()), Value::i64(103));
  EXPECT_EQ(t.size(), 22u);
  EXPECT_EQ(t.find(Value::f64(0.0))->i, 101);
  EXPECT_EQ(t.find(Value::f64(std::numeric_limits<double>::quiet_NaN()))->i, 103);
}

}  // namespace
}  // namespace stoffel::vm
