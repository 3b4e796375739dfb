// Every fixture: read -> write gives the same bytes, and the verifier accepts it.
#include <gtest/gtest.h>

#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"
#include "stfl_test_util.h"

namespace stoffel::bytecode {
namespace {

using test::Bytes;

TEST(FixtureList, FindsTheSharedFixtures) {
  // Guards the parameterized tests below against passing vacuously on an empty folder.
  const auto files = test::fixture_files();
  EXPECT_GE(files.size(), 26u) << "fixtures dir: " << test::fixtures_dir();
}

class FixtureRoundTrip : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(FixtureRoundTrip, ReadWriteGivesIdenticalBytes) {
  const Bytes bytes = test::read_bytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  auto program = read_program(bytes);
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto written = write_program(*program);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, bytes);
}

TEST_P(FixtureRoundTrip, VerifierAccepts) {
  auto program = read_program_file(GetParam().string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto verified = verify_program(*program);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  for (const Function& f : program->functions) {
    EXPECT_TRUE(verify_function(*program, f).ok()) << f.name;
    EXPECT_GE(effective_register_count(f), f.register_count);
  }
}

TEST_P(FixtureRoundTrip, ReadingTheWrittenBytesGivesTheSameModel) {
  auto program = read_program_file(GetParam().string());
  ASSERT_TRUE(program.ok()) << program.error().message;
  auto written = write_program(*program);
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto again = read_program(*written);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *program);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureRoundTrip, ::testing::ValuesIn(test::fixture_files()),
                         [](const auto& param_info) {
                           return test::fixture_test_name(param_info.param);
                         });

}  // namespace
}  // namespace stoffel::bytecode
