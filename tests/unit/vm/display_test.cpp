// The display format's bounds: arrays print in what they store (runs of holes), and one value's
// display is cut at kMaxDisplayBytes, so that no single `print` can run away.
#include <gtest/gtest.h>

#include <string>

#include "vm/value_format.h"
#include "vm/vm.h"

namespace stoffel::vm {
namespace {

// a_0 = [1], a_(k+1) = [a_k, a_k]: k levels display 2^k ones.
Value shared_tree(VirtualMachine& vm, int levels) {
  Value a = vm.make_array();
  EXPECT_TRUE(vm.set_field(a, Value::i64(0), Value::i64(1)).ok());
  for (int k = 0; k < levels; ++k) {
    Value b = vm.make_array();
    EXPECT_TRUE(vm.set_field(b, Value::i64(0), a).ok());
    EXPECT_TRUE(vm.set_field(b, Value::i64(1), a).ok());
    a = b;
  }
  return a;
}

TEST(Display, SharedContainersPrintInFull) {
  VirtualMachine vm;
  EXPECT_EQ(display_string(shared_tree(vm, 2)), "[[[1], [1]], [[1], [1]]]");
}

// 2^60 ones would take forever: the display stops at the bound and says so.
TEST(Display, AValueThatWouldDisplayForeverIsCut) {
  VirtualMachine vm;
  const std::string s = display_string(shared_tree(vm, 60));
  const std::string marker = "...<display cut at 16777216 bytes>";
  ASSERT_GE(s.size(), marker.size());
  EXPECT_LE(s.size(), kMaxDisplayBytes + marker.size());
  EXPECT_GT(s.size(), kMaxDisplayBytes - 64);
  EXPECT_EQ(s.substr(s.size() - marker.size()), marker);
  EXPECT_EQ(s.substr(0, 8), "[[[[[[[[");
}

// The bound is per value: what was in `out` before does not count.
TEST(Display, TheBoundIsPerValue) {
  VirtualMachine vm;
  std::string out(100, 'x');
  append_display(out, Value::i64(7));
  EXPECT_EQ(out, std::string(100, 'x') + "7");
}

}  // namespace
}  // namespace stoffel::vm
