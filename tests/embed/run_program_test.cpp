// embed::run_program: the run policy of stoffel-run (one VM first, the embedded engine when the
// program needs MPC), its errors by kind, and the root cause of a failed MPC run.
#include <gtest/gtest.h>

#include "embed_test_util.h"

namespace stoffel::embed::test {
namespace {

constexpr std::string_view kClear = R"(
.function main regs=2
    LDI r0, "clear"
    PUSHARG r0
    CALL "print"
    LDI r0, 3
    RET r0
.end
)";

// Prints, then needs the engine (MOV into r16), then reveals a product.
constexpr std::string_view kSecret = R"(
.function main regs=20
    LDI r0, "before the secret"
    PUSHARG r0
    CALL "print"
    LDI r0, 6
    MOV r16, r0
    MUL r17, r16, r16
    MOV r1, r17
    RET r1
.end
)";

TEST(RunProgram, AClearProgramRunsOnOneVm) {
  Collected c;
  auto r = run_program(program_from(kClear), "main", small_session(), c.sinks());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->ok);
  EXPECT_FALSE(r->used_engine);
  EXPECT_EQ(r->result, "3");
  EXPECT_EQ(c.output, "clear\n");
  EXPECT_EQ(r->stats, "");
}

TEST(RunProgram, AProgramThatNeedsMpcRunsAgainOnTheEngineAndPrintsOnce) {
  Collected c;
  auto r = run_program(program_from(kSecret), "main", small_session(), c.sinks());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->ok) << r->error.message;
  EXPECT_TRUE(r->used_engine);
  EXPECT_EQ(r->result, "36");
  EXPECT_EQ(c.output, "before the secret\n");  // the held-back first attempt was dropped
  EXPECT_NE(r->stats.find("[stats] party 3: multiplications 1"), std::string::npos) << r->stats;
}

TEST(RunProgram, StartOnEngineSkipsTheOneVmAttempt) {
  ProgramRunOptions o = small_session();
  o.start_on_engine = true;
  Collected c;
  auto r = run_program(program_from(kClear), "main", o, c.sinks());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->used_engine);
  EXPECT_EQ(r->result, "3");
  EXPECT_EQ(c.output, "clear\n");
}

TEST(RunProgram, SettingsAreCheckedEvenForAClearProgram) {
  Collected c;
  auto r = run_program(program_from(kClear), "main", small_session(3, 1), c.sinks());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Usage);
  EXPECT_NE(r.error().message.find("n >= 3t + 1"), std::string::npos) << r.error().message;
  EXPECT_EQ(c.output, "");  // nothing ran
}

TEST(RunProgram, UnusableProgramsAreLoadErrors) {
  Collected c;
  auto none = run_program(bytecode::Program{}, "main", small_session(), c.sinks());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::Load);
  EXPECT_EQ(none.error().message, "compiled program contains no functions");
  // A jump to a label that does not exist: the reader accepts it, the verifier does not.
  auto bad = run_program(program_from(".function main regs=1\n    JMP !nowhere\n.end\n"), "main",
                         small_session(), c.sinks());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Load);
  ProgramRunOptions engine_first = small_session();
  engine_first.start_on_engine = true;
  auto bad2 = run_program(program_from(".function main regs=1\n    JMP !nowhere\n.end\n"), "main",
                          engine_first, c.sinks());
  ASSERT_FALSE(bad2.ok());
  EXPECT_EQ(bad2.error().kind, ErrorKind::Load);
}

TEST(RunProgram, AFailingClearProgramReportsTheErrorAndItsLocation) {
  Collected c;
  auto r = run_program(program_from(R"(
.function main regs=3
    LDI r0, 1
    LDI r1, "one"
    SUB r2, r0, r1
    RET r2
.end
)"),
                       "main", small_session(), c.sinks());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_FALSE(r->used_engine);
  EXPECT_EQ(r->error.kind, ErrorKind::Execution);
  EXPECT_NE(r->error.message.find("Type error in SUB operation"), std::string::npos);
  EXPECT_EQ(r->error_location, "at function 'main', instruction 2 (SUB)");
}

// Party 2 fails on its own (a type error only it reaches); the others are waiting in a
// multiplication and are aborted. The report names party 2's error, not the aborts (found by
// the kind AbortedByPeer, not by the message text).
TEST(RunProgram, TheRootCauseOfAFailedMpcRunIsThePartyThatFailed) {
  Collected c;
  auto r = run_program(program_from(R"(
.function main regs=20
    CALL "Mpc.party_id"
    MOV r1, r0
    LDI r2, 2
    CMP r1, r2
    JMPEQ fail
    LDI r3, 5
    MOV r16, r3
    MUL r17, r16, r16
    MOV r4, r17
    RET r4
fail:
    LDI r5, "x"
    SUB r6, r1, r5
    RET r6
.end
)"),
                       "main", small_session(), c.sinks());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r->ok);
  EXPECT_TRUE(r->used_engine);
  EXPECT_EQ(r->error.kind, ErrorKind::Execution) << r->error.message;
  EXPECT_NE(r->error.message.find("Type error in SUB operation"), std::string::npos)
      << r->error.message;
  EXPECT_EQ(r->error_location, "at function 'main', instruction 11 (SUB)");
}

}  // namespace
}  // namespace stoffel::embed::test
