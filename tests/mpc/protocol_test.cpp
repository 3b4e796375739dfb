// Robust opening, Beaver multiplication and random shares for n = 4, 5, 7, 10 (t = (n-1)/3) in
// every field, against a plaintext reference computed from the test dealer's secrets.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "math/fields.h"
#include "mpc/hb/party_impl.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

class ProtocolTest : public ::testing::TestWithParam<std::tuple<std::size_t, math::FieldKind>> {};

template <typename F>
void open_mul_random(std::size_t n, math::FieldKind kind) {
  const SessionParams cfg = config_for(n, kind, 11 + n);
  auto session = make_session(cfg);
  ASSERT_TRUE(session);
  const std::size_t t = cfg.t, w = 40, chain = 4;
  const auto xs = random_values<F>(w, 100 + n), ys = random_values<F>(w, 200 + n);
  const auto xsh = deal<F>(n, t, xs, 300 + n), ysh = deal<F>(n, t, ys, 400 + n);

  // Plaintext reference.
  std::vector<F> prod(w), chained(w);
  for (std::size_t i = 0; i < w; ++i) {
    prod[i] = xs[i] * ys[i];
    chained[i] = xs[i];
    for (std::size_t c = 0; c < chain; ++c) chained[i] *= ys[i];
  }

  std::vector<std::string> errors(n);
  std::vector<std::vector<FieldBytes>> opened_x(n), opened_prod(n), opened_chain(n), opened_rand(n);
  run_parties(*session, [&](std::size_t i) {
    Party& p = session->party(i);
    auto fail = [&](const std::string& what, const Error& e) {
      errors[i] = what + ": " + e.message;
    };
    auto ox = p.open(xsh[i]);
    if (!ox) return fail("open", ox.error());
    opened_x[i] = *ox;
    // Many products in one batch (one opening round).
    auto z = p.mul(xsh[i], ysh[i]);
    if (!z) return fail("mul", z.error());
    auto oz = p.open(*z);
    if (!oz) return fail("open product", oz.error());
    opened_prod[i] = *oz;
    // A chain of dependent multiplications.
    std::vector<FieldBytes> acc = xsh[i];
    for (std::size_t c = 0; c < chain; ++c) {
      auto next = p.mul(acc, ysh[i]);
      if (!next) return fail("chain mul", next.error());
      acc = *next;
    }
    auto oc = p.open(acc);
    if (!oc) return fail("open chain", oc.error());
    opened_chain[i] = *oc;
    std::vector<FieldBytes> r;
    for (int k = 0; k < 3; ++k) {
      auto rk = p.random();
      if (!rk) return fail("random", rk.error());
      r.push_back(*rk);
    }
    auto orr = p.open(r);
    if (!orr) return fail("open random", orr.error());
    opened_rand[i] = *orr;
  });
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    ASSERT_EQ(opened_x[i].size(), w);
    for (std::size_t k = 0; k < w; ++k) {
      EXPECT_EQ(opened_x[i][k], xs[k].to_bytes()) << "party " << i << " open " << k;
      EXPECT_EQ(opened_prod[i][k], prod[k].to_bytes()) << "party " << i << " product " << k;
      EXPECT_EQ(opened_chain[i][k], chained[k].to_bytes()) << "party " << i << " chain " << k;
    }
    // Random shares open to the same value everywhere, and differ from each other.
    EXPECT_EQ(opened_rand[i], opened_rand[0]);
    const PartyStats& st = session->party(i).stats();
    EXPECT_EQ(st.multiplications, w * (1 + chain));
    EXPECT_EQ(st.triples_consumed, w * (1 + chain));
    EXPECT_GE(st.triples_generated, st.triples_consumed);
    EXPECT_EQ(st.randoms_consumed, 3u);
    EXPECT_TRUE(st.suspected_parties.empty()) << "party " << i << " suspects someone";
    EXPECT_GT(st.bytes_sent, 0u);
  }
  std::set<FieldBytes> distinct(opened_rand[0].begin(), opened_rand[0].end());
  EXPECT_EQ(distinct.size(), 3u);
}

TEST_P(ProtocolTest, OpenMultiplyChainRandom) {
  // Plain variables, not a structured binding: clang 14 cannot capture bindings in lambdas.
  const size_t n = std::get<0>(GetParam());
  const math::FieldKind kind = std::get<1>(GetParam());
  math::visit_field(kind, [&](auto tag) {
    using F = typename decltype(tag)::type;
    open_mul_random<F>(n, kind);
  });
}

INSTANTIATE_TEST_SUITE_P(
    AllSizesAndFields, ProtocolTest,
    ::testing::Combine(::testing::Values(std::size_t{4}, std::size_t{5}, std::size_t{7},
                                         std::size_t{10}),
                       ::testing::Values(math::FieldKind::Bls12_381, math::FieldKind::Bn254,
                                         math::FieldKind::Curve25519)),
    [](const auto& p) {
      return "n" + std::to_string(std::get<0>(p.param)) + "_" +
             std::string(math::field_kind_name(std::get<1>(p.param))).substr(0, 4);
    });

}  // namespace
}  // namespace stoffel::mpc::test
