// Opening in the exponent on the HoneyBadger engine ("XOP1" with every partial checked,
// src/mpc/hb/exp_opening.inl): secrets dealt by a trusted test dealer, opened as s·G in every
// group of each field (G2 too for BLS12-381) and with a caller-supplied base, compared with the
// plaintext s·B; a party sending a valid but wrong point as its partial (the message rewritten on
// the wire) does not change the result and is suspected by every honest party.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "math/hash_to_curve.h"
#include "mpc/groups.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

struct Out {
  std::string error;
  std::vector<std::vector<std::uint8_t>> points;
  std::vector<std::size_t> suspected;
};

template <typename F, typename G>
void check_group(std::size_t n, math::FieldKind field, const char* group,
                 std::span<const std::uint8_t> base_bytes, const G& base,
                 std::optional<std::size_t> liar) {
  SCOPED_TRACE(std::string(group) + " n=" + std::to_string(n));
  auto cfg = config_for(n, field);
  cfg.receive_timeout_ms = 5'000;
  std::optional<net::FaultPlan> plan;
  if (liar) {
    // Rewrites the liar's partials message (the only round message of exactly this length: one
    // two values, so four points) into a valid message whose first point is wrong but valid.
    const std::size_t blocks = (4 * G::kEncodedBytes + 31) / 32;
    net::FaultPlan p;
    p.corrupt = [blocks](std::size_t, std::size_t, net::Bytes& payload, std::mt19937_64&) {
      if (payload.size() != wire::kHeaderSize + 32 * blocks || payload[0] != 1) return;
      const auto wrong = (G::generator() + G::generator()).to_bytes();
      std::copy(wrong.begin(), wrong.end(), payload.begin() + wire::kHeaderSize);
    };
    net::SenderFaults f;
    f.corrupt_probability = 1.0;
    p.senders[*liar] = f;
    plan = p;
  }
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const auto secrets = random_values<F>(2, 11);
  const auto shares = deal<F>(n, cfg.t, secrets, 5);
  std::vector<Out> out(n);
  run_parties(*s, [&](std::size_t i) {
    auto r = s->party(i).open_exp(shares[i], group, base_bytes);
    if (!r) {
      out[i].error = r.error().message;
      return;
    }
    out[i].points = *r;
    out[i].suspected = s->party(i).stats().suspected_parties;
  });
  for (std::size_t i = 0; i < n; ++i) {
    if (liar && i == *liar) continue;
    ASSERT_EQ(out[i].error, "") << "party " << i;
    ASSERT_EQ(out[i].points.size(), 2u);
    for (std::size_t k = 0; k < 2; ++k) {
      const auto expected = base.mul(secrets[k]).to_bytes();
      EXPECT_EQ(out[i].points[k], std::vector<std::uint8_t>(expected.begin(), expected.end()))
          << "party " << i << " value " << k;
    }
    if (liar) {
      EXPECT_EQ(out[i].suspected, std::vector<std::size_t>{*liar}) << "party " << i;
    } else {
      EXPECT_TRUE(out[i].suspected.empty()) << "party " << i;
    }
  }
}

template <typename F, typename G>
void check_all(math::FieldKind field, const char* group) {
  // Under sanitizers BLS12-381 is slow (mpc_test_util.h): n = 4 and one liar only.
  const bool small = kSanitizedBuild && std::is_same_v<F, math::Bls12_381_Fr>;
  check_group<F, G>(4, field, group, {}, G::generator(), std::nullopt);
  if (small) {
    check_group<F, G>(4, field, group, {}, G::generator(), std::size_t{3});
    return;
  }
  check_group<F, G>(7, field, group, {}, G::generator(), std::nullopt);
  // A base given by the caller (3·G, encoded), and a liar.
  const G three = G::generator() + G::generator() + G::generator();
  const auto enc = three.to_bytes();
  check_group<F, G>(4, field, group, enc, three, std::nullopt);
  check_group<F, G>(4, field, group, {}, G::generator(), std::size_t{3});
  check_group<F, G>(7, field, group, enc, three, std::size_t{5});
}

TEST(OpenExpHb, Bls12_381_G1) {
  check_all<math::Bls12_381_Fr, math::Bls12_381_G1>(math::FieldKind::Bls12_381, "bls12-381-g1");
}
TEST(OpenExpHb, Bls12_381_G2) {
  check_all<math::Bls12_381_Fr, math::Bls12_381_G2>(math::FieldKind::Bls12_381, "bls12-381-g2");
}
TEST(OpenExpHb, Bn254_G1) {
  check_all<math::Bn254_Fr, math::Bn254_G1>(math::FieldKind::Bn254, "bn254-g1");
}
TEST(OpenExpHb, Edwards25519) {
  check_all<math::Curve25519_Fr, math::Ed25519Point>(math::FieldKind::Curve25519,
                                                     "ed25519-edwards");
}

TEST(OpenExpHb, HashToG1Base) {
  const std::string msg = "threshold BLS";
  auto h = math::hash_to_g1(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()));
  ASSERT_TRUE(h.ok());
  const auto enc = h->to_bytes();
  check_group<math::Bls12_381_Fr, math::Bls12_381_G1>(5, math::FieldKind::Bls12_381, "bls12-381-g1",
                                                      enc, *h, std::nullopt);
}

TEST(OpenExpHb, BadArguments) {
  auto s = make_session(config_for(4, math::FieldKind::Bn254));
  ASSERT_TRUE(s);
  const FieldBytes one = s->party(0).encode_int(1);
  auto r = s->party(0).open_exp(std::vector<FieldBytes>{one}, "bls12-381-g2", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not belong"), std::string::npos) << r.error().message;
  r = s->party(0).open_exp(std::vector<FieldBytes>{one}, "secp256k1", {});
  ASSERT_FALSE(r.ok());
  std::vector<std::uint8_t> junk(32, 0xff);
  r = s->party(0).open_exp(std::vector<FieldBytes>{one}, "bn254-g1", junk);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("invalid base"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace stoffel::mpc::test
