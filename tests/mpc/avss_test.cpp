// The AVSS backend (src/mpc/avss/): DKG by multi-dealer RanSha over verifiable dealings, openings
// checked against Feldman commitments, opening in the exponent with checked partials, and the
// faults of decision R3, each at the protocol level (mpc::AvssTestFaults) or on the wire
// (net::FaultPlan): a dealer sending a bad share to one party and to t parties (disqualified by
// every honest party, named), a false complaint (the honest dealer stays, the complainer is
// named), a wrong partial in open_exp and wrong shares in an opening (right result, named), a
// party silent from the start (disqualified, reported silent, everyone else agrees on the key).
//
// Results are checked against plaintext: the opened key x must satisfy x·G = C_0 (the public key
// every party holds), and open_exp must return x·B.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mpc/avss/avss_party.h"
#include "mpc/avss/feldman.h"
#include "mpc/groups.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

struct KeyOut {
  std::string error;
  std::vector<std::vector<std::uint8_t>> commitments;  // per key
  std::vector<FieldBytes> opened;                      // per key
  // Key 0 opened in the exponent with a base other than the commitments' generator (DLEQ
  // proofs): G2 for BLS12-381, 2·G of the commitment group otherwise.
  std::vector<std::uint8_t> exp_g2;
  std::vector<std::size_t> suspected, silent, disqualified;
};

SessionParams avss_config(std::size_t n, math::FieldKind field) {
  auto c = config_for(n, field);
  c.avss = true;
  c.receive_timeout_ms = 3'000;
  return c;
}

AvssParty& avss(LocalSessionImpl& s, std::size_t i) {
  return dynamic_cast<AvssParty&>(s.engine(i));
}

AvssTestFaults bad_shares_to(std::vector<std::size_t> parties) {
  AvssTestFaults f;
  f.bad_share_to = std::move(parties);
  return f;
}
AvssTestFaults complains_against(std::vector<std::size_t> dealers) {
  AvssTestFaults f;
  f.complain_against = std::move(dealers);
  return f;
}
AvssTestFaults wrong(bool partials, bool shares) {
  AvssTestFaults f;
  f.wrong_partials = partials;
  f.wrong_open_shares = shares;
  return f;
}

// 2·G in the session's commitment group, encoded (a base for open_exp other than G).
std::vector<std::uint8_t> double_generator(LocalSessionImpl& s) {
  return math::visit_field(s.config().field, [](auto tag) {
    using G = typename CommitmentGroup<typename decltype(tag)::type>::type;
    const auto e = (G::generator() + G::generator()).to_bytes();
    return std::vector<std::uint8_t>(e.begin(), e.end());
  });
}

// Every party (but `skip`): two DKG'd keys, their opening (checked), and key 0 opened in the
// exponent with another base (G2 for BLS12-381, else 2·G).
std::vector<KeyOut> run_keys(LocalSessionImpl& s, std::vector<std::size_t> skip = {}) {
  const std::size_t n = s.config().n;
  std::vector<KeyOut> out(n);
  run_parties(s, [&](std::size_t i) {
    if (std::find(skip.begin(), skip.end(), i) != skip.end()) return;
    AvssParty& p = avss(s, i);
    KeyOut& o = out[i];
    std::vector<FieldBytes> values;
    for (int k = 0; k < 2; ++k) {
      auto key = p.random_committed();
      if (!key) {
        o.error = "random: " + key.error().message;
        return;
      }
      values.push_back(key->value);
      o.commitments.push_back(key->commitments);
    }
    auto opened = p.open_committed(values, o.commitments);
    if (!opened) {
      o.error = "open: " + opened.error().message;
      return;
    }
    o.opened = *opened;
    const bool bls = s.config().field == math::FieldKind::Bls12_381;
    const std::vector<std::uint8_t> base = bls ? std::vector<std::uint8_t>{} : double_generator(s);
    auto pk = p.open_exp_committed(values[0], o.commitments[0], bls ? "bls12-381-g2" : "", base);
    if (!pk) {
      o.error = "open_exp: " + pk.error().message;
      return;
    }
    o.exp_g2 = *pk;
    o.suspected = p.stats().suspected_parties;
    o.silent = p.stats().silent_parties;
    o.disqualified = p.disqualified_dealers();
  });
  return out;
}

// x·G = C_0 for the opened x, with the commitment group of F.
template <typename F>
bool matches_public_key(const FieldBytes& x, const std::vector<std::uint8_t>& commitments,
                        std::size_t t) {
  using G = typename CommitmentGroup<F>::type;
  auto c = feldman::decode<G>(commitments, t + 1);
  auto v = F::from_bytes(x);
  return c && v && G::generator().mul(*v) == (*c)[0];
}

template <typename F>
void check_agreement(const std::vector<KeyOut>& out, std::size_t t,
                     const std::vector<std::size_t>& faulty) {
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (std::find(faulty.begin(), faulty.end(), i) != faulty.end()) continue;
    SCOPED_TRACE("party " + std::to_string(i));
    ASSERT_EQ(out[i].error, "");
    ASSERT_EQ(out[i].commitments.size(), 2u);
    for (int k = 0; k < 2; ++k) {
      EXPECT_TRUE(matches_public_key<F>(out[i].opened[k], out[i].commitments[k], t));
    }
    // Two keys in one program differ.
    EXPECT_NE(out[i].opened[0], out[i].opened[1]);
    EXPECT_NE(out[i].commitments[0], out[i].commitments[1]);
    if (!first) {
      first = i;
      continue;
    }
    EXPECT_EQ(out[i].commitments, out[*first].commitments);
    EXPECT_EQ(out[i].opened, out[*first].opened);
    EXPECT_EQ(out[i].disqualified, out[*first].disqualified);
    EXPECT_EQ(out[i].exp_g2, out[*first].exp_g2);
  }
  if (first) {
    auto x = F::from_bytes(out[*first].opened[0]);
    ASSERT_TRUE(x.ok());
    if constexpr (std::is_same_v<F, math::Bls12_381_Fr>) {
      const auto expected = math::Bls12_381_G2::generator().mul(*x).to_bytes();
      EXPECT_EQ(out[*first].exp_g2, std::vector<std::uint8_t>(expected.begin(), expected.end()));
    } else {
      using G = typename CommitmentGroup<F>::type;
      const auto expected = (G::generator() + G::generator()).mul(*x).to_bytes();
      EXPECT_EQ(out[*first].exp_g2, std::vector<std::uint8_t>(expected.begin(), expected.end()));
    }
  }
}

template <typename F>
void dkg_agrees(math::FieldKind field) {
  const bool small = kSanitizedBuild && std::is_same_v<F, math::Bls12_381_Fr>;
  for (std::size_t n : small ? std::vector<std::size_t>{4} : std::vector<std::size_t>{4, 5, 7}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    auto s = make_session(avss_config(n, field));
    ASSERT_TRUE(s);
    auto out = run_keys(*s);
    check_agreement<F>(out, s->config().t, {});
    for (const auto& o : out) {
      EXPECT_TRUE(o.suspected.empty());
      EXPECT_TRUE(o.disqualified.empty());
    }
  }
}

TEST(Avss, DkgAgreesBls12_381) {
  dkg_agrees<math::Bls12_381_Fr>(math::FieldKind::Bls12_381);
}
TEST(Avss, DkgAgreesBn254) {
  dkg_agrees<math::Bn254_Fr>(math::FieldKind::Bn254);
}
TEST(Avss, DkgAgreesEd25519) {
  dkg_agrees<math::Curve25519_Fr>(math::FieldKind::Curve25519);
}

// Honest parties all name exactly `culprit` (as suspected) and agree on `disqualified`.
void expect_named(const std::vector<KeyOut>& out, std::size_t culprit,
                  const std::vector<std::size_t>& disqualified) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == culprit) continue;
    SCOPED_TRACE("party " + std::to_string(i));
    EXPECT_EQ(out[i].suspected, std::vector<std::size_t>{culprit});
    EXPECT_EQ(out[i].disqualified, disqualified);
  }
}

// The fault tests run on BLS12-381 (G2 partials with DLEQ proofs across groups) except under
// sanitizers, where they run on bn254 (partials with DLEQ proofs for the base 2·G).
template <typename Body>
void on_fault_field(Body&& body) {
  if (kSanitizedBuild) {
    body(math::FieldKind::Bn254, math::Bn254_Fr{});
  } else {
    body(math::FieldKind::Bls12_381, math::Bls12_381_Fr{});
  }
}

TEST(Avss, DealerWithABadShareToOnePartyIsDisqualified) {
  on_fault_field([](math::FieldKind field, auto tag) {
    using F = decltype(tag);
    auto s = make_session(avss_config(4, field));
    ASSERT_TRUE(s);
    avss(*s, 3).set_test_faults(bad_shares_to({0}));
    auto out = run_keys(*s);
    check_agreement<F>(out, 1, {3});
    expect_named(out, 3, {3});
  });
}

TEST(Avss, DealerWithBadSharesToTPartiesIsDisqualified) {
  auto s = make_session(avss_config(7, math::FieldKind::Bn254));
  ASSERT_TRUE(s);
  avss(*s, 5).set_test_faults(bad_shares_to({0, 6}));
  auto out = run_keys(*s);
  check_agreement<math::Bn254_Fr>(out, 2, {5});
  expect_named(out, 5, {5});
}

TEST(Avss, FalseComplaintNamesTheComplainer) {
  auto s = make_session(avss_config(5, math::FieldKind::Curve25519));
  ASSERT_TRUE(s);
  avss(*s, 2).set_test_faults(complains_against({0}));
  auto out = run_keys(*s);
  check_agreement<math::Curve25519_Fr>(out, 1, {2});
  // The honest dealer 0 stays qualified; the complainer is named.
  expect_named(out, 2, {});
}

TEST(Avss, WrongPartialInOpenExpIsCaught) {
  on_fault_field([](math::FieldKind field, auto tag) {
    using F = decltype(tag);
    auto s = make_session(avss_config(4, field));
    ASSERT_TRUE(s);
    avss(*s, 1).set_test_faults(wrong(true, false));
    auto out = run_keys(*s);
    check_agreement<F>(out, 1, {1});
    expect_named(out, 1, {});
  });
}

TEST(Avss, WrongSharesInAnOpeningAreCaught) {
  on_fault_field([](math::FieldKind field, auto tag) {
    using F = decltype(tag);
    auto s = make_session(avss_config(7, field));
    ASSERT_TRUE(s);
    avss(*s, 4).set_test_faults(wrong(false, true));
    auto out = run_keys(*s);
    check_agreement<F>(out, 2, {4});
    expect_named(out, 4, {});
  });
}

TEST(Avss, PartySilentDuringDealing) {
  net::FaultPlan plan;
  net::SenderFaults crash;
  crash.crash_after_messages = 0;
  plan.senders[3] = crash;
  // bn254: the point of this test is the silence, not the curve.
  auto cfg = avss_config(5, math::FieldKind::Bn254);
  cfg.receive_timeout_ms = kSanitizedBuild ? 3'000 : 1'000;
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  auto out = run_keys(*s, {3});
  check_agreement<math::Bn254_Fr>(out, 1, {3});
  for (std::size_t i = 0; i < 5; ++i) {
    if (i == 3) continue;
    SCOPED_TRACE("party " + std::to_string(i));
    EXPECT_EQ(out[i].disqualified, std::vector<std::size_t>{3});
    EXPECT_EQ(out[i].silent, std::vector<std::size_t>{3});  // "did not answer", not a liar
    EXPECT_TRUE(out[i].suspected.empty());
  }
}

TEST(Avss, CommitmentsFollowLinearOperations) {
  auto s = make_session(avss_config(4, math::FieldKind::Bn254));
  ASSERT_TRUE(s);
  std::vector<std::string> errors(4);
  run_parties(*s, [&](std::size_t i) {
    AvssParty& p = avss(*s, i);
    auto a = p.random_committed();
    auto b = p.random_committed();
    if (!a || !b) {
      errors[i] = "random failed";
      return;
    }
    // 3a - b + 7, with commitments; then the opening checks the shares against them.
    const FieldBytes three = p.encode_int(3), minus_one = p.encode_int(-1), seven = p.encode_int(7);
    const std::span<const std::uint8_t> in[2] = {a->commitments, b->commitments};
    const FieldBytes factors[2] = {three, minus_one};
    const auto c = p.commitments_linear(in, factors, seven);
    const FieldBytes v =
        p.add(p.sub(p.mul_public(a->value, three), b->value), p.share_public(seven));
    auto opened =
        p.open_committed(std::vector<FieldBytes>{v, a->value, b->value},
                         std::vector<std::vector<std::uint8_t>>{c, a->commitments, b->commitments});
    if (!opened) {
      errors[i] = opened.error().message;
      return;
    }
    auto x = math::Bn254_Fr::from_bytes((*opened)[0]);
    auto av = math::Bn254_Fr::from_bytes((*opened)[1]);
    auto bv = math::Bn254_Fr::from_bytes((*opened)[2]);
    if (*x != math::Bn254_Fr::from_u64(3) * *av - *bv + math::Bn254_Fr::from_u64(7)) {
      errors[i] = "wrong value";
    }
    if (!matches_public_key<math::Bn254_Fr>((*opened)[0], c, 1)) errors[i] = "wrong commitments";
    if (!p.stats().suspected_parties.empty()) errors[i] = "someone suspected";
  });
  for (const auto& e : errors) EXPECT_EQ(e, "");
}

}  // namespace
}  // namespace stoffel::mpc::test
