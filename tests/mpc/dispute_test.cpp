// Dispute resolution of a failed degree-2t opening in preprocessing (docs/mpc.md, "Dispute
// resolution" (c); decision P18 for the values expected in Eval). At n = 4 = 3t + 1 a party that
// sends one victim a wrong Eval value makes the victim's decoding fail; the parties agree on the
// failure, reveal the run's columns, compute what the victim should have received, and put the
// liar and the victim in dispute: nobody is convicted, the retried run succeeds (the victim
// erases the liar), and the products are right.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "math/fields.h"
#include "mpc/hb/party_impl.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

template <typename F>
void wrong_eval(math::FieldKind kind, std::size_t liar, std::size_t victim) {
  auto cfg = config_for(4, kind, 71);
  cfg.double_sharing_min_batch = 0;  // triples only: every degree-2t opening is preprocessing's
  auto session = make_session(cfg);
  ASSERT_TRUE(session);
  dynamic_cast<HbPartyImpl<F>&>(session->engine(liar)).send_wrong_eval_for_testing(victim);
  const std::size_t count = 40;
  const auto x = random_values<F>(count, 710), y = random_values<F>(count, 711);
  const auto xs = deal<F>(4, 1, x, 712), ys = deal<F>(4, 1, y, 713);
  std::vector<std::string> errors(4);
  run_parties(*session, [&](std::size_t i) {
    Party& p = session->party(i);
    auto prod = p.mul(xs[i], ys[i]);
    if (!prod) return void(errors[i] = prod.error().message);
    auto open = p.open(*prod);
    if (!open) return void(errors[i] = open.error().message);
    for (std::size_t k = 0; k < count; ++k) {
      if (!(from_bytes<F>((*open)[k]) == x[k] * y[k])) {
        return void(errors[i] = "product " + std::to_string(k) + " is wrong");
      }
    }
  });
  const std::pair<std::size_t, std::size_t> pair{std::min(liar, victim), std::max(liar, victim)};
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    EXPECT_TRUE(session->engine(i).convicted_parties().empty()) << "party " << i;
    EXPECT_TRUE(session->engine(i).silent_parties().empty()) << "party " << i;
    EXPECT_EQ(session->engine(i).dispute_pairs(),
              (std::vector<std::pair<std::size_t, std::size_t>>{pair}))
        << "party " << i;
  }
}

TEST(DisputeTest, WrongEvalValuePutsLiarAndVictimInDispute) {
  wrong_eval<math::Bls12_381_Fr>(math::FieldKind::Bls12_381, 2, 0);
}
TEST(DisputeTest, WrongEvalValuePutsLiarAndVictimInDisputeBn254) {
  wrong_eval<math::Bn254_Fr>(math::FieldKind::Bn254, 1, 3);
}

}  // namespace
}  // namespace stoffel::mpc::test
