// Binary agreement (MMR with CONF and a robustly opened common coin, aba.h) among n = 4, 5, 7, 10
// parties on in-memory links. The coin's shares come from a test dealer over the same links and
// are reconstructed robustly. Every run has several sessions with unanimous and split honest
// inputs; checked: all honest parties decide, they decide alike (agreement), a unanimous honest
// input is the decision (validity). Faults: t silent parties, t parties whose every message is
// corrupted, t Byzantine parties voting for the other bit (BVAL, AUX, CONF, TERM) and sending
// wrong coin shares, equivocating parties (a different vote to each party), delayed and
// reordered links.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "async_test_util.h"
#include "mpc/aba.h"

namespace stoffel::mpc::test {
namespace {

constexpr std::size_t kCoins = 16;

AsyncConfig config(std::size_t n, std::size_t self) {
  AsyncConfig c;
  c.n = n;
  c.t = threshold_for(n);
  c.self = self;
  c.aba_coins = kCoins;
  return c;
}

// kSplit: the honest parties form two groups (even and odd ids) whose messages to each other
// are slow, and the faulty parties vote 0 to one group and 1 to the other. It is the schedule
// most likely to give honest parties different views of a round.
bool group_of(std::size_t party) {
  return party % 2 == 1;
}

// Honest inputs per session: all 0, all 1, alternating, the first t + 1 honest parties 1 and the
// rest 0, by group (twice), and pseudo-random patterns.
constexpr std::size_t kSessions = 10;
bool input_of(std::size_t session, std::size_t party, std::size_t t) {
  switch (session) {
    case 0:
      return false;
    case 1:
      return true;
    case 2:
      return party % 2 == 1;
    case 3:
      return party <= t;
    case 4:
    case 5:
      return group_of(party);
    default:
      return ((party * 2654435761u + session * 40503u) >> 7) & 1;
  }
}

enum class Fault {
  kNone,
  kSilent,
  kCorrupt,
  kOppose,
  kEquivocate,
  kDelays,
  kEquivocateDelays,
  kSplit,
};

net::Bytes aba_msg(AbaKind kind, std::uint8_t value, std::uint32_t round, std::uint64_t session,
                   std::span<const std::uint8_t> content = {}) {
  return async_wire::build(async_wire::Protocol::kAba, static_cast<std::uint8_t>(kind), value, 0,
                           round, session, {content});
}

// A Byzantine party. kOppose: in every session and round it votes for the opposite of the honest
// majority input (BVAL both bits, AUX / CONF / TERM for the minority bit) and sends a random,
// well-formed but wrong, coin share. kEquivocate: a different random vote to each party.
void byzantine(net::Endpoint& ep, std::size_t n, std::size_t t, Fault how, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::uint64_t s = 0; s < kSessions; ++s) {
    // The bit fewer honest parties propose (the honest majority's opposite).
    std::size_t ones = 0;
    for (std::size_t p = 0; p < n - t; ++p) ones += input_of(s, p, t);
    const std::uint8_t minority = ones * 2 >= n - t ? 0 : 1;
    for (std::uint32_t r = 0; r < 6; ++r) {
      for (std::size_t p = 0; p < n; ++p) {
        if (p == ep.id()) continue;
        const std::uint8_t v = how == Fault::kOppose  ? minority
                               : how == Fault::kSplit ? static_cast<std::uint8_t>(group_of(p))
                                                      : static_cast<std::uint8_t>(rng() & 1);
        (void)ep.send(p, aba_msg(AbaKind::kBval, v, r, s));
        if (how != Fault::kSplit) (void)ep.send(p, aba_msg(AbaKind::kBval, 1 - v, r, s));
        (void)ep.send(p, aba_msg(AbaKind::kAux, v, r, s));
        (void)ep.send(p, aba_msg(AbaKind::kConf, static_cast<std::uint8_t>(v ? 2 : 1), r, s));
        CoinShare share{};
        const auto x = CoinField::from_i64(static_cast<std::int64_t>(rng() >> 2)).to_bytes();
        std::copy(x.begin(), x.end(), share.begin());
        (void)ep.send(p, aba_msg(AbaKind::kCoin, 0, r, s, share));
      }
    }
    for (std::size_t p = 0; p < n; ++p) {
      if (p == ep.id()) continue;
      const std::uint8_t v = how == Fault::kOppose  ? minority
                             : how == Fault::kSplit ? static_cast<std::uint8_t>(group_of(p))
                                                    : static_cast<std::uint8_t>(rng() & 1);
      (void)ep.send(p, aba_msg(AbaKind::kTerm, v, 0, s));
    }
  }
}

struct AbaRun {
  std::vector<std::vector<std::optional<bool>>> decided;  // [party][session]
  std::vector<std::string> errors;
  std::size_t coins_used = 0;  // shares handed out by the coin sources of honest parties
};

AbaRun run_aba(std::size_t n, Fault fault, std::uint64_t seed) {
  const std::size_t t = threshold_for(n);
  std::vector<std::size_t> bad;
  if (fault != Fault::kNone && fault != Fault::kDelays) {
    for (std::size_t k = 0; k < t; ++k) bad.push_back(n - 1 - k);
  }
  auto is_bad = [&](std::size_t i) { return std::find(bad.begin(), bad.end(), i) != bad.end(); };
  // Endpoint n is the dealer of the coins.
  auto inner = std::make_unique<net::InMemoryNetwork>(n + 1);
  std::unique_ptr<net::Network> net = std::move(inner);
  const bool delays = fault == Fault::kDelays || fault == Fault::kEquivocateDelays;
  if (fault == Fault::kCorrupt || delays || fault == Fault::kSplit) {
    net::FaultPlan plan;
    plan.seed = seed;
    for (std::size_t p = 0; p < n; ++p) {
      if (delays) plan.senders[p].jitter_ms = 10;
      if (fault == Fault::kSplit && !is_bad(p)) {
        plan.senders[p].jitter_ms = 2;
        for (std::size_t q = 0; q < n; ++q) {
          if (group_of(q) != group_of(p)) plan.senders[p].delay_to_ms[q] = 30;
        }
      }
      if (fault == Fault::kCorrupt && is_bad(p)) plan.senders[p].corrupt_probability = 1.0;
    }
    net = std::make_unique<net::FaultyNetwork>(std::move(net), plan);
  }
  deal_coins(net->endpoint(n), n, t, kSessions, kCoins, seed);

  AbaRun out;
  out.decided.assign(n, std::vector<std::optional<bool>>(kSessions));
  out.errors.resize(n);
  std::vector<std::size_t> used(n, 0);
  Barrier barrier(n - bad.size());
  run_threads(*net, n, [&](std::size_t i) {
    net::Endpoint& ep = net->endpoint(i);
    const bool honest_code = !is_bad(i) || fault == Fault::kCorrupt;
    if (!honest_code) {
      if (fault == Fault::kOppose || fault == Fault::kSplit) byzantine(ep, n, t, fault, i);
      if (fault == Fault::kEquivocate || fault == Fault::kEquivocateDelays) {
        byzantine(ep, n, t, Fault::kEquivocate, i);
      }
      return;  // kSilent: nothing at all
    }
    Node node(ep, config(n, i));
    if (!node.coins().receive(ep, n, kSessions, kCoins)) {
      out.errors[i] = "no coin shares from the dealer";
      return;
    }
    // Propose in every session at once (as a program may), then wait for all decisions.
    for (std::size_t s = 0; s < kSessions; ++s) node.hub().propose(input_of(s, i, t));
    if (is_bad(i)) {  // honest code on corrupting links: serve until the honest parties are done
      node.run_until([&] { return barrier.all(); }, milliseconds(30'000));
      return;
    }
    auto all = [&] {
      for (std::size_t s = 0; s < kSessions; ++s) {
        auto r = node.hub().result(s);
        if (!r) {
          out.errors[i] = r.error().message;
          return true;
        }
        if (!r->has_value()) return false;
      }
      return true;
    };
    if (!node.run_until(all, milliseconds(30'000))) out.errors[i] = "not all sessions decided";
    for (std::size_t s = 0; s < kSessions; ++s) {
      auto r = node.hub().result(s);
      if (r && r->has_value()) out.decided[i][s] = **r;
    }
    barrier.arrive();
    node.run_until([&] { return barrier.all(); }, milliseconds(30'000));
    node.run_quiet(milliseconds(100), milliseconds(5'000));
    used[i] = node.coins().used();
  });
  for (std::size_t i = 0; i < n; ++i) out.coins_used += used[i];
  // Faulty parties' results are not checked (those running honest code over corrupting links
  // may decide or not; they are faulty).
  for (std::size_t i : bad) {
    out.decided[i].assign(kSessions, std::nullopt);
    out.errors[i].clear();
  }
  return out;
}

void check(std::size_t n, const AbaRun& r, Fault fault) {
  const std::size_t t = threshold_for(n);
  const std::size_t honest = (fault == Fault::kNone || fault == Fault::kDelays) ? n : n - t;
  for (std::size_t i = 0; i < honest; ++i) EXPECT_EQ(r.errors[i], "") << "party " << i;
  for (std::size_t s = 0; s < kSessions; ++s) {
    std::optional<bool> first;
    bool unanimous = true;
    for (std::size_t i = 0; i < honest; ++i) {
      unanimous = unanimous && input_of(s, i, t) == input_of(s, 0, t);
      ASSERT_TRUE(r.decided[i][s].has_value()) << "party " << i << " session " << s;
      if (!first) first = r.decided[i][s];
      EXPECT_EQ(*r.decided[i][s], *first) << "agreement: party " << i << " session " << s;
    }
    if (unanimous) {
      EXPECT_EQ(*first, input_of(s, 0, t)) << "validity: session " << s;
    }
  }
}

struct Case {
  std::size_t n;
  Fault fault;
};

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  const char* names[] = {"Honest",     "Silent", "Corrupt",          "Oppose",
                         "Equivocate", "Delays", "EquivocateDelays", "Split"};
  return names[static_cast<int>(info.param.fault)] + std::string("_n") +
         std::to_string(info.param.n);
}

class AbaTest : public ::testing::TestWithParam<Case> {};

TEST_P(AbaTest, AgreementValidityTermination) {
  const Case c = GetParam();
  for (std::uint64_t seed : {1, 2}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const AbaRun r = run_aba(c.n, c.fault, seed);
    check(c.n, r, c.fault);
    // Split inputs cannot all be settled without a coin: the dealt shares were used.
    EXPECT_GT(r.coins_used, 0u);
  }
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (Fault f : {Fault::kNone, Fault::kSilent, Fault::kCorrupt, Fault::kOppose, Fault::kEquivocate,
                  Fault::kDelays, Fault::kEquivocateDelays, Fault::kSplit}) {
    for (std::size_t n : {4, 5, 7, 10}) v.push_back({n, f});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(Faults, AbaTest, ::testing::ValuesIn(cases()), name_of);

// A coin source that must never be asked beyond what was reserved, and the deterministic
// coin beyond: with zero coins reserved the protocol still agrees (validity and agreement never
// depend on the coin).
TEST(Aba, AgreesWithoutReservedCoins) {
  const std::size_t n = 4;
  net::InMemoryNetwork net(n + 1);
  deal_coins(net.endpoint(n), n, 1, kSessions, kCoins, 3);
  std::vector<std::vector<std::optional<bool>>> decided(n);
  run_threads(net, n, [&](std::size_t i) {
    AsyncConfig cfg = config(n, i);
    cfg.aba_coins = 0;
    Node node(net.endpoint(i), cfg);
    ASSERT_TRUE(node.coins().receive(net.endpoint(i), n, kSessions, kCoins));
    for (std::size_t s = 0; s < kSessions; ++s) node.hub().propose(input_of(s, i, 1));
    node.run_until(
        [&] {
          for (std::size_t s = 0; s < kSessions; ++s) {
            auto r = node.hub().result(s);
            if (!r || !r->has_value()) return false;
          }
          return true;
        },
        milliseconds(20'000));
    for (std::size_t s = 0; s < kSessions; ++s) {
      auto r = node.hub().result(s);
      decided[i].push_back(r && r->has_value() ? std::optional<bool>(**r) : std::nullopt);
    }
    EXPECT_EQ(node.coins().used(), 0u);
    node.run_quiet(milliseconds(100), milliseconds(5'000));
  });
  for (std::size_t s = 0; s < kSessions; ++s) {
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(decided[i][s].has_value());
      EXPECT_EQ(decided[i][s], decided[0][s]);
    }
  }
}

TEST(Aba, ResultOfUnknownSessionIsAnError) {
  net::InMemoryNetwork net(4);
  Node node(net.endpoint(0), config(4, 0));
  EXPECT_FALSE(node.hub().result(0).ok());
  EXPECT_EQ(node.hub().propose(true), 0u);
  auto r = node.hub().result(0);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());  // the others never answer
  EXPECT_FALSE(node.hub().result(1).ok());
}

}  // namespace
}  // namespace stoffel::mpc::test
