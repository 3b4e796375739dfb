// One binary agreement instance (aba.h) driven message by message, n = 4, t = 1, as party 0: the
// rules of a round (BV-broadcast thresholds, AUX, CONF, when the coin share is released, how the
// coin decides or sets the estimate), TERM handling and the validation of every message kind.
// The coin here is scripted per round (the protocol tests use dealt shares).
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "mpc/aba.h"
#include "mpc/wire.h"

namespace stoffel::mpc {
namespace {

constexpr std::size_t kN = 4, kT = 1;

// Shares carry the round in byte 0 and the round's coin in byte 1; reconstruction needs 2t + 1
// of them and they must agree.
class ScriptedCoins final : public CoinSource {
 public:
  explicit ScriptedCoins(std::vector<bool> bits) : bits_(std::move(bits)) {}
  std::optional<CoinShare> share(std::uint64_t, std::uint32_t index) override {
    if (index >= bits_.size()) return std::nullopt;
    ++handed_out;
    return make(index);
  }
  bool valid(const CoinShare& s) const override { return s[2] == 0; }
  std::optional<bool> reconstruct(std::span<const std::size_t> parties,
                                  std::span<const CoinShare> shares) const override {
    if (parties.size() < 2 * kT + 1) return std::nullopt;
    for (const auto& s : shares) {
      if (s != shares[0]) return std::nullopt;
    }
    return shares[0][1] != 0;
  }
  void release(std::uint64_t) override { released = true; }

  CoinShare make(std::uint32_t round) const {
    CoinShare s{};
    s[0] = static_cast<std::uint8_t>(round);
    s[1] = bits_[round] ? 1 : 0;
    return s;
  }

  std::size_t handed_out = 0;
  bool released = false;

 private:
  std::vector<bool> bits_;
};

struct Sent {
  AbaKind kind;
  std::uint8_t value;
  std::uint32_t round;
};

// Party 0's outbox: records what it sends and hands its own messages back to it.
class Driver final : public async_wire::Outbox {
 public:
  explicit Driver(ScriptedCoins& coins) : inst(params(), 7, coins) {}

  static AbaParams params() {
    AbaParams p;
    p.n = kN;
    p.t = kT;
    p.self = 0;
    p.coins = 4;
    p.max_rounds = 16;
    p.round_window = 4;
    return p;
  }

  void to_all(net::Bytes payload) override { pending_.push_back(std::move(payload)); }
  void to(std::size_t, net::Bytes payload) override { pending_.push_back(std::move(payload)); }

  bool feed(std::size_t from, AbaKind kind, std::uint8_t value, std::uint32_t round,
            std::span<const std::uint8_t> content = {}) {
    const net::Bytes m = async_wire::build(
        async_wire::Protocol::kAba, static_cast<std::uint8_t>(kind), value, 0, round, 7, {content});
    const bool ok = deliver(from, m);
    loop_back();
    return ok;
  }
  void propose(bool v) {
    inst.propose(v, *this);
    loop_back();
  }
  // How many messages of this kind/value/round party 0 has sent.
  std::size_t count(AbaKind kind, std::optional<std::uint8_t> value, std::uint32_t round) const {
    std::size_t c = 0;
    for (const auto& s : sent) {
      if (s.kind == kind && (!value || s.value == *value) && s.round == round) ++c;
    }
    return c;
  }

  AbaInstance inst;
  std::vector<Sent> sent;

 private:
  bool deliver(std::size_t from, const net::Bytes& m) {
    auto h = wire::parse_header(m);
    auto msg = async_wire::parse(h->id, wire::body(m));
    EXPECT_TRUE(msg.has_value());
    return inst.handle(from, *msg, *this);
  }
  void loop_back() {
    while (!pending_.empty()) {
      net::Bytes m = std::move(pending_.front());
      pending_.erase(pending_.begin());
      auto h = wire::parse_header(m);
      auto msg = async_wire::parse(h->id, wire::body(m));
      sent.push_back({static_cast<AbaKind>(msg->kind), msg->value, msg->round});
      EXPECT_TRUE(inst.handle(0, *msg, *this));
    }
  }
  std::vector<net::Bytes> pending_;
};

// Parties 1 and 2 go through round r with value v up to CONF.
void round_votes(Driver& d, std::uint8_t v, std::uint32_t r) {
  for (std::size_t p : {1, 2}) EXPECT_TRUE(d.feed(p, AbaKind::kBval, v, r));
  for (std::size_t p : {1, 2}) EXPECT_TRUE(d.feed(p, AbaKind::kAux, v, r));
  for (std::size_t p : {1, 2}) {
    EXPECT_TRUE(d.feed(p, AbaKind::kConf, static_cast<std::uint8_t>(v ? 2 : 1), r));
  }
}

void coin_shares(Driver& d, ScriptedCoins& coins, std::uint32_t r) {
  const CoinShare s = coins.make(r);
  for (std::size_t p : {1, 2}) EXPECT_TRUE(d.feed(p, AbaKind::kCoin, 0, r, s));
}

TEST(AbaInstance, DecidesWhenTheCoinMatchesTheOnlyValue) {
  ScriptedCoins coins({false, true});
  Driver d(coins);
  d.propose(false);
  EXPECT_EQ(d.count(AbaKind::kBval, 0, 0), 1u);
  round_votes(d, 0, 0);
  EXPECT_EQ(d.count(AbaKind::kAux, 0, 0), 1u);
  EXPECT_EQ(d.count(AbaKind::kConf, 1, 0), 1u);
  EXPECT_EQ(d.count(AbaKind::kCoin, std::nullopt, 0), 1u);  // released after CONF
  EXPECT_FALSE(d.inst.decision());
  coin_shares(d, coins, 0);
  ASSERT_TRUE(d.inst.decision());
  EXPECT_FALSE(*d.inst.decision());
  EXPECT_EQ(d.count(AbaKind::kTerm, 0, 0), 1u);
  // Keeps going (est 0) until 2t + 1 TERMs.
  EXPECT_EQ(d.count(AbaKind::kBval, 0, 1), 1u);
  EXPECT_FALSE(d.inst.halted());
  EXPECT_TRUE(d.feed(1, AbaKind::kTerm, 0, 0));
  EXPECT_FALSE(d.inst.halted());
  EXPECT_TRUE(d.feed(2, AbaKind::kTerm, 0, 0));
  EXPECT_TRUE(d.inst.halted());
  EXPECT_TRUE(coins.released);
}

TEST(AbaInstance, CoinAgainstTheOnlyValueKeepsTheEstimate) {
  ScriptedCoins coins({true, false});
  Driver d(coins);
  d.propose(false);
  round_votes(d, 0, 0);
  coin_shares(d, coins, 0);
  EXPECT_FALSE(d.inst.decision());  // vals = {0}, coin 1: no decision
  EXPECT_EQ(d.inst.round(), 1u);
  EXPECT_EQ(d.count(AbaKind::kBval, 0, 1), 1u);  // est stays 0
  EXPECT_EQ(d.count(AbaKind::kBval, 1, 1), 0u);
  round_votes(d, 0, 1);
  coin_shares(d, coins, 1);
  ASSERT_TRUE(d.inst.decision());
  EXPECT_FALSE(*d.inst.decision());
}

TEST(AbaInstance, BothValuesTakeTheCoin) {
  ScriptedCoins coins({true, true});
  Driver d(coins);
  d.propose(false);
  // Party 1 votes 0, parties 2 and 3 vote 1: BVAL(1) from t + 1 is relayed, from 2t + 1 added.
  EXPECT_TRUE(d.feed(1, AbaKind::kBval, 0, 0));
  EXPECT_TRUE(d.feed(2, AbaKind::kBval, 1, 0));
  EXPECT_EQ(d.count(AbaKind::kBval, 1, 0), 0u);
  EXPECT_TRUE(d.feed(3, AbaKind::kBval, 1, 0));
  EXPECT_EQ(d.count(AbaKind::kBval, 1, 0), 1u);  // relayed at t + 1 = 2
  // BVAL(0) from 0 and 1 only: 0 is not in bin_values yet; 1 is (0, 2, 3).
  EXPECT_EQ(d.count(AbaKind::kAux, 1, 0), 1u);
  EXPECT_TRUE(d.feed(2, AbaKind::kBval, 0, 0));  // now 0 has 2t + 1 too
  EXPECT_TRUE(d.feed(1, AbaKind::kAux, 0, 0));
  EXPECT_TRUE(d.feed(2, AbaKind::kAux, 1, 0));
  EXPECT_EQ(d.count(AbaKind::kConf, 3, 0), 1u);
  EXPECT_TRUE(d.feed(1, AbaKind::kConf, 3, 0));
  EXPECT_EQ(d.count(AbaKind::kCoin, std::nullopt, 0), 0u);  // 2 of 3 CONFs so far
  EXPECT_TRUE(d.feed(2, AbaKind::kConf, 1, 0));
  EXPECT_EQ(d.count(AbaKind::kCoin, std::nullopt, 0), 1u);
  coin_shares(d, coins, 0);
  EXPECT_FALSE(d.inst.decision());               // vals = {0, 1}: est := coin, no decision
  EXPECT_EQ(d.count(AbaKind::kBval, 1, 1), 1u);  // est = coin = 1
}

TEST(AbaInstance, TermMessages) {
  ScriptedCoins coins({false});
  Driver d(coins);
  d.propose(false);
  EXPECT_TRUE(d.feed(3, AbaKind::kTerm, 1, 0));
  EXPECT_FALSE(d.inst.decision());  // t TERMs prove nothing
  EXPECT_TRUE(d.feed(2, AbaKind::kTerm, 1, 0));
  ASSERT_TRUE(d.inst.decision());  // t + 1: an honest party decided 1
  EXPECT_TRUE(*d.inst.decision());
  EXPECT_EQ(d.count(AbaKind::kTerm, 1, 0), 1u);
  EXPECT_TRUE(d.inst.halted());                  // its own TERM makes 2t + 1
  EXPECT_TRUE(d.feed(1, AbaKind::kTerm, 1, 0));  // after halting: ignored, not blamed
}

TEST(AbaInstance, InvalidMessagesAreRejected) {
  ScriptedCoins coins({false});
  Driver d(coins);
  d.propose(false);
  EXPECT_TRUE(d.feed(1, AbaKind::kBval, 1, 0));
  EXPECT_FALSE(d.feed(1, AbaKind::kBval, 1, 0));  // twice the same BVAL
  EXPECT_TRUE(d.feed(1, AbaKind::kBval, 0, 0));   // the other bit is allowed once
  EXPECT_FALSE(d.feed(1, AbaKind::kBval, 2, 0));  // not a bit
  EXPECT_TRUE(d.feed(1, AbaKind::kAux, 0, 0));
  EXPECT_FALSE(d.feed(1, AbaKind::kAux, 1, 0));   // a second AUX
  EXPECT_FALSE(d.feed(2, AbaKind::kConf, 0, 0));  // the empty set
  EXPECT_FALSE(d.feed(2, AbaKind::kConf, 4, 0));
  const std::uint8_t shortshare[5] = {};
  EXPECT_FALSE(d.feed(2, AbaKind::kCoin, 0, 0, shortshare));
  CoinShare bad{};
  bad[2] = 1;  // not valid for the coin source
  EXPECT_FALSE(d.feed(3, AbaKind::kCoin, 0, 0, bad));
  EXPECT_FALSE(d.feed(2, AbaKind::kBval, 0, 16));  // round >= max_rounds
  EXPECT_TRUE(d.feed(2, AbaKind::kBval, 0, 15));   // far ahead: dropped, not blamed
  EXPECT_FALSE(d.feed(2, AbaKind::kTerm, 2, 0));
  EXPECT_FALSE(d.feed(2, AbaKind::kTerm, 1, 3));  // TERM has no round
  EXPECT_TRUE(d.feed(3, AbaKind::kTerm, 1, 0));
  EXPECT_FALSE(d.feed(3, AbaKind::kTerm, 0, 0));  // a second TERM
  EXPECT_FALSE(d.feed(4, AbaKind::kBval, 0, 0));  // not a party
}

}  // namespace
}  // namespace stoffel::mpc
