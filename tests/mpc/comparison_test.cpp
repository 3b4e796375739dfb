// Secret comparisons (comparison.inl): Mod2m, less-than-zero and equality to zero against
// plaintext on random values and edges, with their round and material counts, and with a party
// sending wrong shares or crashing.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "math/fields.h"
#include "mpc/wire.h"
#include "mpc_test_util.h"

namespace stoffel::mpc::test {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k62 = std::int64_t{1} << 62;
constexpr std::int64_t kOne = 65536;  // 1.0 in SecretFixedPoint(64, 16)

// Pairs (a, b) to compare: the edges of the issue (equal values, negatives, 0, +-1, +-2^62, the
// ends of the 64-bit range, the fixed-point resolution step 2^-16 = 1 in the encoding), then
// random pairs over the whole 64-bit range and random pairs close to each other.
std::vector<std::pair<std::int64_t, std::int64_t>> pairs(std::size_t random_count,
                                                         std::uint64_t seed) {
  std::vector<std::pair<std::int64_t, std::int64_t>> p = {
      {0, 0},           {1, 1},          {-1, -1},         {0, 1},        {1, 0},
      {-1, 0},          {0, -1},         {-1, 1},          {1, -1},       {k62, k62},
      {k62, -k62},      {-k62, k62},     {k62, k62 - 1},   {-k62, -k62 + 1},
      {kMax, kMin},     {kMin, kMax},    {kMin, kMin},     {kMax, kMax},  {kMin, kMin + 1},
      {kMax - 1, kMax}, {kOne, kOne + 1}, {kOne + 1, kOne}, {-kOne, -kOne - 1},
      {3 * kOne / 2, 3 * kOne / 2},      {123456789, -987654321}};
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < random_count; ++i) {
    const auto a = static_cast<std::int64_t>(rng());
    const auto b = (i % 2 == 0) ? static_cast<std::int64_t>(rng())
                                : a + static_cast<std::int64_t>(rng() % 5) - 2;  // may wrap: fine
    p.emplace_back(a, b);
  }
  return p;
}

template <typename F>
std::int64_t opened_int(const FieldBytes& b) {
  auto v = from_bytes<F>(b).to_i64();
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : -999;
}

// Every party: d = a - b, then [d < 0] and [d = 0] with k = 65 (the difference of two 64-bit
// values), [a < 0] and [a = 0] with k = 64, and a mod 2^m for m = 1, 16, 63; everything opened.
template <typename F>
void against_plaintext(std::size_t n, math::FieldKind kind, std::uint64_t seed) {
  const SessionParams cfg = config_for(n, kind, seed);
  auto session = make_session(cfg);
  ASSERT_TRUE(session);
  const auto ps = pairs(12, seed);
  const std::size_t count = ps.size();
  std::vector<F> as, bs;
  for (auto [a, b] : ps) {
    as.push_back(F::from_i64(a));
    bs.push_back(F::from_i64(b));
  }
  const auto ash = deal<F>(n, cfg.t, as, seed + 1), bsh = deal<F>(n, cfg.t, bs, seed + 2);
  const std::uint32_t ms[] = {1, 16, 63};
  struct Out {
    std::string error;
    std::vector<FieldBytes> lt, eq, ltz, eqz;
    std::vector<std::vector<FieldBytes>> mod;
    std::uint64_t lt_rounds = 0, eq_rounds = 0, lt_bits = 0, lt_triples = 0, lt_doubles = 0,
                  lt_bounded = 0, eq_bits = 0, eq_bounded = 0;
  };
  std::vector<Out> out(n);
  run_parties(*session, [&](std::size_t i) {
    HbParty& p = session->engine(i);
    Out& o = out[i];
    auto fail = [&](const Error& e) { o.error = e.message; };
    // Enough material for the first two calls, so their round counts are the protocol's alone.
    // k = 65: 64 bits and one bounded value (41 bits of r'') for less-than-zero, 65 bits and one
    // (40 bits) for equality (decision P12); products as triples or double sharings (P10).
    if (auto ok = p.preprocess({2 * count * 130, 0, 0, count * (64 + 65), 2 * count, 2 * count * 130});
        !ok) {
      return fail(ok.error());
    }
    std::vector<FieldBytes> d(count);
    for (std::size_t v = 0; v < count; ++v) d[v] = p.sub(ash[i][v], bsh[i][v]);
    const PartyStats before = p.stats();
    auto lt = p.less_than_zero(d, 65);
    if (!lt) return fail(lt.error());
    const PartyStats mid = p.stats();
    auto eq = p.equal_zero(d, 65);
    if (!eq) return fail(eq.error());
    o.lt_rounds = mid.rounds - before.rounds;
    o.eq_rounds = p.stats().rounds - mid.rounds;
    o.lt_bits = mid.bits_consumed - before.bits_consumed;
    o.lt_bounded = mid.bounded_consumed - before.bounded_consumed;
    o.eq_bits = p.stats().bits_consumed - mid.bits_consumed;
    o.eq_bounded = p.stats().bounded_consumed - mid.bounded_consumed;
    o.lt_triples = mid.triples_consumed - before.triples_consumed;
    o.lt_doubles = mid.doubles_consumed - before.doubles_consumed;
    auto ltz = p.less_than_zero(ash[i], 64);
    if (!ltz) return fail(ltz.error());
    auto eqz = p.equal_zero(ash[i], 64);
    if (!eqz) return fail(eqz.error());
    std::vector<FieldBytes> all = *lt;
    for (const auto* part : {&*eq, &*ltz, &*eqz}) all.insert(all.end(), part->begin(), part->end());
    for (std::uint32_t m : ms) {
      auto r = p.mod2m(ash[i], 64, m);
      if (!r) return fail(r.error());
      all.insert(all.end(), r->begin(), r->end());
    }
    auto opened = p.open(all);
    if (!opened) return fail(opened.error());
    auto at = [&](std::size_t block) {
      return std::vector<FieldBytes>(opened->begin() + block * count,
                                     opened->begin() + (block + 1) * count);
    };
    o.lt = at(0);
    o.eq = at(1);
    o.ltz = at(2);
    o.eqz = at(3);
    for (std::size_t j = 0; j < 3; ++j) o.mod.push_back(at(4 + j));
  });
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(out[i].error, "") << "party " << i;
    // 1 opening + 6 levels of the less-than tree over 64 bits (63, 31, 15, 7, 3, 1 products per
    // value); 1 + 7 levels for the 65-bit product (32, 16, 8, 4, 2, 1, 1). A level is one round
    // with triples; with double sharings (n >= 4t + 1 and a level of at least
    // double_sharing_min_batch products, decision P10) two.
    auto doubles = [&](std::size_t per_value) {
      return n >= 4 * cfg.t + 1 && count * per_value >= cfg.double_sharing_min_batch;
    };
    std::uint64_t lt_rounds = 1, eq_rounds = 1, lt_doubles = 0;
    for (std::size_t per : {32, 31, 15, 7, 3, 1}) {
      lt_rounds += doubles(per) ? 2 : 1;
      if (doubles(per)) lt_doubles += count * per;
    }
    for (std::size_t per : {32, 16, 8, 4, 2, 1, 1}) eq_rounds += doubles(per) ? 2 : 1;
    EXPECT_EQ(out[i].lt_rounds, lt_rounds);
    EXPECT_EQ(out[i].eq_rounds, eq_rounds);
    EXPECT_EQ(out[i].lt_doubles, lt_doubles);
    EXPECT_EQ(out[i].lt_bits, count * 64);
    EXPECT_EQ(out[i].lt_bounded, count);
    EXPECT_EQ(out[i].eq_bits, count * 65);
    EXPECT_EQ(out[i].eq_bounded, count);
    // 64 bits: one product per pair of bits at the leaves (P15), then two per pair of groups
    // but one per level.
    EXPECT_EQ(out[i].lt_triples + out[i].lt_doubles, count * 89);
    for (std::size_t v = 0; v < count; ++v) {
      const auto [a, b] = ps[v];
      const std::string what = std::to_string(a) + " vs " + std::to_string(b);
      EXPECT_EQ(opened_int<F>(out[i].lt[v]), a < b ? 1 : 0) << what;
      EXPECT_EQ(opened_int<F>(out[i].eq[v]), a == b ? 1 : 0) << what;
      EXPECT_EQ(opened_int<F>(out[i].ltz[v]), a < 0 ? 1 : 0) << what;
      EXPECT_EQ(opened_int<F>(out[i].eqz[v]), a == 0 ? 1 : 0) << what;
      for (std::size_t j = 0; j < 3; ++j) {
        // Two's complement: the low m bits of a are a mod 2^m (m < 64).
        const auto expect = static_cast<std::int64_t>(static_cast<std::uint64_t>(a) &
                                                      ((std::uint64_t{1} << ms[j]) - 1));
        EXPECT_EQ(opened_int<F>(out[i].mod[j][v]), expect) << a << " mod 2^" << ms[j];
      }
    }
    EXPECT_EQ(out[i].lt, out[0].lt);
  }
}

TEST(ComparisonTest, Bls12_381N4) {
  against_plaintext<math::Bls12_381_Fr>(4, math::FieldKind::Bls12_381, 101);
}
TEST(ComparisonTest, Bn254N5) {
  against_plaintext<math::Bn254_Fr>(5, math::FieldKind::Bn254, 102);
}
TEST(ComparisonTest, Curve25519N7) {
  against_plaintext<math::Curve25519_Fr>(7, math::FieldKind::Curve25519, 103);
}

TEST(ComparisonTest, ParametersAreChecked) {
  auto session = make_session(config_for(4, math::FieldKind::Curve25519));
  ASSERT_TRUE(session);
  Party& p = session->party(0);
  const std::vector<FieldBytes> one = {p.encode_int(1)};
  EXPECT_FALSE(p.less_than_zero(one, 1).ok());
  EXPECT_FALSE(p.mod2m(one, 64, 0).ok());
  EXPECT_FALSE(p.mod2m(one, 64, 64).ok());
  for (auto r : {p.less_than_zero(one, 212), p.equal_zero(one, 212), p.mod2m(one, 212, 8)}) {
    ASSERT_FALSE(r.ok());  // 212 + 40 + 2 bits do not fit the 253-bit field
    EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
  }
  auto empty = p.less_than_zero(std::vector<FieldBytes>{}, 64);  // nothing to do, no round
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// Wrong shares (every element of every message of one party changed) and a crash: the honest
// parties' results are right; the liar is named as having sent wrong shares, the crashed party
// (crashed before the bits for the comparisons were generated) as silent, never as a liar.
void wrong_shares(std::size_t, std::size_t, net::Bytes& payload, std::mt19937_64&) {
  for (std::size_t off = wire::kHeaderSize; off + wire::kElementSize <= payload.size();
       off += wire::kElementSize) {
    payload[off] ^= 1;
  }
}

struct FaultCase {
  std::size_t n;
  std::size_t liar;     // n: none
  std::size_t crashed;  // n: none
};

class ComparisonFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ComparisonFaults, RightResultsCulpritNamed) {
  using F = math::Bls12_381_Fr;
  const FaultCase c = GetParam();
  SessionParams cfg = config_for(c.n, math::FieldKind::Bls12_381, 211 + c.liar + 7 * c.crashed);
  cfg.receive_timeout_ms = 500;  // a crash costs about one timeout
  net::FaultPlan plan;
  plan.seed = 5;
  plan.corrupt = wrong_shares;
  auto s = make_session(cfg, {}, plan);
  ASSERT_TRUE(s);
  const auto ps = pairs(12, 9);
  const std::size_t count = ps.size();
  std::vector<F> ds;
  for (auto [a, b] : ps) ds.push_back(F::from_i64(a) - F::from_i64(b));
  const auto dsh = deal<F>(c.n, cfg.t, ds, 17);
  // The liar lies from the first online message on: preprocessing (tested elsewhere) runs
  // cleanly first. The crashed party crashes before anything.
  if (c.liar < c.n) {
    std::vector<std::string> errors(c.n);
    run_parties(*s, [&](std::size_t i) {
      auto ok = s->engine(i).preprocess(
          {count * (120 + 64), 0, 0, count * (64 + 65), 2 * count, count * (120 + 64)});
      if (!ok) errors[i] = ok.error().message;
    });
    for (auto& e : errors) ASSERT_EQ(e, "");
    net::SenderFaults lie;
    lie.corrupt_probability = 1.0;
    s->faults()->set_faults(c.liar, lie);
  }
  if (c.crashed < c.n) s->faults()->crash(c.crashed);
  std::vector<std::string> errors(c.n);
  std::vector<std::vector<FieldBytes>> lt(c.n), eq(c.n);
  std::vector<std::vector<std::size_t>> suspects(c.n), silent(c.n);
  run_parties(*s, [&](std::size_t i) {
    Party& p = s->party(i);
    auto l = p.less_than_zero(dsh[i], 65);
    if (!l) return void(errors[i] = l.error().message);
    auto e = p.equal_zero(dsh[i], 65);
    if (!e) return void(errors[i] = e.error().message);
    std::vector<FieldBytes> both = *l;
    both.insert(both.end(), e->begin(), e->end());
    auto o = p.open(both);
    if (!o) return void(errors[i] = o.error().message);
    lt[i].assign(o->begin(), o->begin() + count);
    eq[i].assign(o->begin() + count, o->end());
    // One more opening: the liar's late shares of the last one are checked during it.
    auto again = p.open(std::vector<FieldBytes>{(*l)[0]});
    if (!again) return void(errors[i] = again.error().message);
    suspects[i] = p.stats().suspected_parties;
    silent[i] = s->engine(i).silent_parties();
  });
  if (c.liar < c.n) {
    EXPECT_GT(s->faults()->counters().corrupted, 0u);
  }
  if (c.crashed < c.n) {
    EXPECT_GT(s->faults()->counters().crashed_sends, 0u);
  }
  for (std::size_t i = 0; i < c.n; ++i) {
    if (i == c.liar || i == c.crashed) continue;
    ASSERT_EQ(errors[i], "") << "party " << i;
    for (std::size_t v = 0; v < count; ++v) {
      const auto [a, b] = ps[v];
      EXPECT_EQ(opened_int<F>(lt[i][v]), a < b ? 1 : 0) << a << " < " << b << ", party " << i;
      EXPECT_EQ(opened_int<F>(eq[i][v]), a == b ? 1 : 0) << a << " = " << b << ", party " << i;
    }
    if (c.liar < c.n) {
      EXPECT_EQ(suspects[i], std::vector<std::size_t>{c.liar}) << "party " << i;
    } else {
      EXPECT_TRUE(suspects[i].empty()) << "party " << i;  // a crash is never a lie
    }
    // Reported silent when it crashed before a preprocessing run (the online phase waits for
    // nobody, so a crash there is not reported: docs/mpc.md, "Silent parties").
    if (c.crashed < c.n && c.liar == c.n) {
      EXPECT_EQ(silent[i], std::vector<std::size_t>{c.crashed}) << "party " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, ComparisonFaults,
                         ::testing::Values(FaultCase{5, 2, 5}, FaultCase{4, 0, 4},
                                           FaultCase{7, 6, 7}, FaultCase{5, 5, 3},
                                           FaultCase{4, 4, 1}, FaultCase{7, 1, 4}));

}  // namespace
}  // namespace stoffel::mpc::test
