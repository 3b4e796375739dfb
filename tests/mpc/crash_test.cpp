// Crashed, silent and slow parties (issue 12, docs/mpc.md "Silent parties"): a party that stops
// at any message (also half-way through sending a round to everybody), alone or with a liar,
// while a small program runs (client input, preprocessing on demand, multiplication,
// truncation, opening, output). Every honest party gets the right results, names no honest
// party, never calls a crashed party a liar, and the run costs about one receive timeout, not
// one per round.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fault_workload.h"

namespace stoffel::mpc::test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Short enough to keep the tests quick (a crash costs about one), long enough that an honest
// party is never quiet that long: its computations between two messages take milliseconds here,
// but several sessions run at once and a loaded 2-core machine can hold a thread back for
// hundreds of milliseconds (more under sanitizers).
constexpr std::uint32_t kTimeoutMs = kSanitized ? 3000 : 1500;
// The bound for a run with crashed parties; a run waiting a timeout per round would
// take dozens of timeouts.
constexpr double kRunLimitSeconds = 15.0;

// Message counts after which a party crashes: the points, and some later ones that land
// in later preprocessing runs and in the online phase. Most are not multiples of n - 1, so the
// crash falls half-way through sending a round to everybody.
const std::vector<std::uint64_t> kCrashPoints = {0, 1, 2, 5, 20, 60, 120, 200};

WorkloadSpec base_spec(std::size_t n, std::string name, std::uint64_t seed) {
  WorkloadSpec s;
  s.name = std::move(name);
  s.n = n;
  s.seed = seed;
  s.timeout_ms = kTimeoutMs;
  s.faulty.assign(n, 0);
  s.liar.assign(n, 0);
  s.plan.seed = seed;
  s.plan.corrupt = lie;
  return s;
}

void crash(WorkloadSpec& s, std::size_t p, std::uint64_t after) {
  s.faulty[p] = 1;
  s.plan.senders[p].crash_after_messages = after;
}

void liar(WorkloadSpec& s, std::size_t p, std::uint64_t after) {
  s.faulty[p] = 1;
  s.liar[p] = 1;
  s.plan.senders[p].corrupt_probability = 1.0;
  s.plan.senders[p].start_after_messages = after;
}

// Returns the runs (for checks of their own).
std::vector<WorkloadRun> expect_all_right(const std::vector<WorkloadSpec>& specs) {
  auto results = workload::run_all(specs, specs.size());
  std::vector<WorkloadRun> runs;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& [run, bad] = results[i];
    for (const auto& b : bad) ADD_FAILURE() << specs[i].name << ": " << b;
    EXPECT_LT(run.seconds, kRunLimitSeconds) << specs[i].name;
    runs.push_back(std::move(run));
  }
  return runs;
}

class CrashAtAnyPoint : public ::testing::TestWithParam<std::size_t> {};

// n = 5, t = 1: party P crashes after A messages, for every A of kCrashPoints at once.
TEST_P(CrashAtAnyPoint, FiveParties) {
  const std::size_t p = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::uint64_t a : kCrashPoints) {
    auto s = base_spec(5, "n=5 crash " + std::to_string(p) + " after " + std::to_string(a),
                       100 + 10 * p + a);
    crash(s, p, a);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

// n = 4 = 3t + 1: with the crashed party silent, the 2t + 1 = 3 others hold exactly as many
// shares of a degree-2t value as decoding needs.
class CrashAtAnyPointOfFour : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CrashAtAnyPointOfFour, FourParties) {
  const std::size_t p = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::uint64_t a : kCrashPoints) {
    auto s = base_spec(4, "n=4 crash " + std::to_string(p) + " after " + std::to_string(a),
                       200 + 10 * p + a);
    s.field = math::FieldKind::Curve25519;
    crash(s, p, a);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

INSTANTIATE_TEST_SUITE_P(Party, CrashAtAnyPoint, ::testing::Values(0, 1, 2, 3, 4));

// The same with a batch large enough for products with double sharings (decision P10): the
// crash lands in the preprocessing of the double sharings and in their degree-2t opening too.
class CrashAtAnyPointLargeBatch : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CrashAtAnyPointLargeBatch, FiveParties) {
  const std::size_t p = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::uint64_t a : kCrashPoints) {
    auto s =
        base_spec(5, "n=5 large batch crash " + std::to_string(p) + " after " + std::to_string(a),
                  400 + 10 * p + a);
    s.products = kDoubleSharingMinBatch + 100;
    crash(s, p, a);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

INSTANTIATE_TEST_SUITE_P(Party, CrashAtAnyPointLargeBatch, ::testing::Values(0, 2, 4));

// n = 5, t = 1, a large batch: one party lies (wrong values or garbage in every message) from
// some point on, in the preprocessing of the double sharings or in their degree-2t opening.
// Every honest party gets the right products and names nobody but the liar.
class LiarLargeBatch : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LiarLargeBatch, FiveParties) {
  const std::size_t p = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::uint64_t a : kCrashPoints) {
    auto s =
        base_spec(5, "n=5 large batch liar " + std::to_string(p) + " from " + std::to_string(a),
                  500 + 10 * p + a);
    s.products = kDoubleSharingMinBatch + 100;
    liar(s, p, a);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

INSTANTIATE_TEST_SUITE_P(Party, LiarLargeBatch, ::testing::Values(0, 3));

// n = 4 = 3t + 1, a large batch: the outcome of the degree-2t opening is agreed (P10). A crash
// at any point, or a liar from any point (whose wrong values make the opening fail somewhere, so
// the batch falls back to triples): right products everywhere, nobody honest named.
TEST(LargeBatchOfFour, CrashOrLiar) {
  std::vector<WorkloadSpec> specs;
  for (std::size_t p : {0, 3}) {
    for (std::uint64_t a : kCrashPoints) {
      for (bool lies : {false, true}) {
        auto s = base_spec(4,
                           std::string("n=4 large batch ") + (lies ? "liar " : "crash ") +
                               std::to_string(p) + " at " + std::to_string(a),
                           600 + 10 * p + a + (lies ? 1000 : 0));
        s.field = math::FieldKind::Curve25519;
        s.products = kDoubleSharingMinBatch + 100;
        if (lies) {
          liar(s, p, a);
        } else {
          crash(s, p, a);
        }
        specs.push_back(std::move(s));
      }
    }
  }
  const auto runs = expect_all_right(specs);
  // The fallback was taken somewhere: a liar in the opening makes it fail at some honest party
  // (unless it was excluded during preprocessing), and then every honest party multiplies the
  // batch with triples (more than the 2 + 2 small products of the workload).
  bool fell_back = false;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t q = 0; q < 4; ++q) {
      fell_back |= !specs[i].faulty[q] && runs[i].triples_used[q] >= specs[i].products;
    }
  }
  EXPECT_TRUE(fell_back);
}

// n = 7 = 3t + 1, t = 2, a large batch: one party crashes and another lies.
TEST(CrashAndLiarLargeBatch, SevenParties) {
  std::vector<WorkloadSpec> specs;
  for (std::uint64_t a : kCrashPoints) {
    auto s = base_spec(7, "n=7 large batch crash 1, liar 5 from " + std::to_string(a), 700 + a);
    s.field = math::FieldKind::Bn254;
    s.products = kDoubleSharingMinBatch + 100;
    crash(s, 1, kCrashPoints[(a + 3) % kCrashPoints.size()]);
    liar(s, 5, a);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}
INSTANTIATE_TEST_SUITE_P(Party, CrashAtAnyPointOfFour, ::testing::Values(0, 1, 2, 3));

class TwoCrashes : public ::testing::TestWithParam<std::size_t> {};

// n = 7 = 3t + 1, t = 2: every pair {a, b} crashes (at different points), so the five honest
// parties hold exactly 2t + 1 shares of every degree-2t value.
TEST_P(TwoCrashes, SevenParties) {
  const std::size_t a = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::size_t b = a + 1; b < 7; ++b) {
    const std::uint64_t at_a = kCrashPoints[(a + b) % kCrashPoints.size()];
    const std::uint64_t at_b = kCrashPoints[(a + 2 * b + 3) % kCrashPoints.size()];
    auto s = base_spec(7,
                       "n=7 crash " + std::to_string(a) + " after " + std::to_string(at_a) + ", " +
                           std::to_string(b) + " after " + std::to_string(at_b),
                       300 + 10 * a + b);
    s.field = math::FieldKind::Bn254;
    crash(s, a, at_a);
    crash(s, b, at_b);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

INSTANTIATE_TEST_SUITE_P(FirstParty, TwoCrashes, ::testing::Values(0, 1, 2, 3, 4, 5));

class CrashAndLiar : public ::testing::TestWithParam<std::size_t> {};

// n = 7, t = 2: party c crashes and every other party in turn lies (wrong values or garbage in
// every message from some point on): the liar is named, the crashed party is not called a liar.
TEST_P(CrashAndLiar, SevenParties) {
  const std::size_t c = GetParam();
  std::vector<WorkloadSpec> specs;
  for (std::size_t l = 0; l < 7; ++l) {
    if (l == c) continue;
    const std::uint64_t at = kCrashPoints[(c + l) % kCrashPoints.size()];
    const std::uint64_t lie_from = (c + 3 * l) % 3 == 0 ? 0 : kCrashPoints[(2 * c + l) % 5];
    auto s = base_spec(7,
                       "n=7 crash " + std::to_string(c) + " after " + std::to_string(at) +
                           ", liar " + std::to_string(l) + " from " + std::to_string(lie_from),
                       400 + 10 * c + l);
    crash(s, c, at);
    liar(s, l, lie_from);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

INSTANTIATE_TEST_SUITE_P(CrashedParty, CrashAndLiar, ::testing::Values(0, 1, 2, 3, 4, 5, 6));

// An honest party whose messages are delayed by well over half the timeout (and reordered) for
// a stretch of the run, while another party crashes in that stretch: the slow party is waited
// for and never named, the crashed one is given up after about one timeout.
TEST(SlowParty, DelayUnderTheTimeoutIsNeverBlamed) {
  std::vector<WorkloadSpec> specs;
  for (std::size_t slow = 0; slow < 5; ++slow) {
    const std::uint64_t from = kCrashPoints[slow % 5];
    auto s = base_spec(5, "n=5 slow " + std::to_string(slow) + " from " + std::to_string(from),
                       500 + slow);
    net::SenderFaults& f = s.plan.senders[slow];
    f.delay_ms = kTimeoutMs * 3 / 5;
    f.jitter_ms = kTimeoutMs / 10;
    f.start_after_messages = from;
    f.end_after_messages = from + 12;
    crash(s, (slow + 2) % 5, from + 2 + slow);
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

// A party that keeps talking to some parties and ignores the others (a link down, or on
// purpose): whoever waits for it in vain stops waiting and reports it as silent, never as a
// liar; the results are right.
TEST(SelectiveSilence, OmittingPartyIsNeverCalledALiar) {
  std::vector<WorkloadSpec> specs;
  for (std::size_t p = 0; p < 7; ++p) {
    auto s = base_spec(7, "n=7 party " + std::to_string(p) + " ignores two peers", 600 + p);
    s.faulty[p] = 1;
    s.plan.senders[p].omit_to = {(p + 1) % 7, (p + 4) % 7};
    s.plan.senders[p].start_after_messages = kCrashPoints[p];
    specs.push_back(std::move(s));
  }
  expect_all_right(specs);
}

}  // namespace
}  // namespace stoffel::mpc::test
