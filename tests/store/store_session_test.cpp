// The parties with real stores, in process (decisions M4, R4): the offline phase fills every
// party's store, later runs use the stored items once and in step, a party that consumed more
// (it crashed later) is respected, a party that stops mid-run does not make the next run reuse
// anything, a lot some party lacks is not used, a party that cannot write makes everyone drop the
// lot, and a faulty party can only make the others generate.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "../mpc/mpc_test_util.h"
#include "math/fields.h"
#include "store_test_util.h"

namespace stoffel::store::test {
namespace {

using F = math::Bls12_381_Fr;
using mpc::FieldBytes;
using mpc::HbParty;
using mpc::LocalSessionImpl;
using mpc::StoredKind;

constexpr std::size_t kN = 4, kT = 1;

mpc::SessionParams session_config() {
  mpc::SessionParams c;
  c.n = kN;
  c.t = kT;
  c.seed = 0;  // stores refuse seeded engines
  c.initial_triples = 16;
  c.initial_randoms = 8;
  c.receive_timeout_ms = 20'000;
  return c;
}

FieldBytes enc(std::int64_t v) {
  return F::from_i64(v).to_bytes();
}
std::int64_t dec(const FieldBytes& b) {
  return *(*F::from_bytes(b)).to_i64();
}

// One store per party under one directory, as the embedded engine keeps them.
class PartyStores {
 public:
  PartyStores() { open(true); }
  void open(bool create = false) {
    stores_.clear();
    for (std::uint32_t i = 0; i < kN; ++i) {
      StoreOptions o;
      o.create = create;
      auto s = PreprocStore::open(dir(i), binding_for(kN, kT, i), key_for(i), o);
      ASSERT_TRUE(s.ok()) << s.error().message;
      stores_.push_back(std::move(*s));
    }
  }
  void close() { stores_.clear(); }
  std::string dir(std::size_t i) const { return tmp_.sub("party-" + std::to_string(i)); }
  PreprocStore& operator[](std::size_t i) { return *stores_.at(i); }

 private:
  TempDir tmp_;
  std::vector<std::unique_ptr<PreprocStore>> stores_;
};

// The offline phase: every party fills its store; returns the lot id (the same everywhere).
mpc::LotId fill(PartyStores& stores, std::size_t triples, std::size_t randoms) {
  auto session = mpc::test::make_session(session_config());
  EXPECT_TRUE(session);
  std::vector<Result<mpc::FilledLot>> filled(kN, Error{"not run"});
  mpc::test::run_parties(*session, [&](std::size_t i) {
    filled[i] = session->engine(i).fill_store(&stores[i], {triples, randoms, 0, 0});
  });
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_TRUE(filled[i].ok()) << "party " << i << ": " << filled[i].error().message;
  }
  if (!filled[0].ok()) return {};
  for (std::size_t i = 1; i < kN; ++i) {
    if (filled[i].ok()) {
      EXPECT_EQ(filled[i]->id, filled[0]->id);
    }
  }
  EXPECT_EQ(filled[0]->triples, triples);
  return filled[0]->id;
}

struct RunResult {
  std::vector<mpc::StoredAmounts> amounts;
  std::vector<std::string> errors;
  std::vector<std::vector<std::int64_t>> opened;  // per party
  std::vector<mpc::PartyStats> stats;
  std::vector<std::vector<RecordingStore::Taken>> taken;  // per party
};

// One online run: the client's inputs (a, b, c) arrive through the input protocol (masks from the
// store), then rounds of `batch` products x_i * y_i (x_i = i + 1, y_i = a + i) and one product of
// two inputs, opened and checked by the caller. `stop_after` (party, rounds): that party stops
// after so many rounds, as if it crashed.
RunResult online_run(PartyStores& stores, std::size_t rounds, std::size_t batch,
                     std::optional<std::pair<std::size_t, std::size_t>> stop_after = {},
                     std::optional<net::FaultPlan> faults = {}) {
  RunResult r;
  r.amounts.resize(kN);
  r.errors.resize(kN);
  r.opened.resize(kN);
  r.stats.resize(kN);
  r.taken.resize(kN);
  std::vector<std::unique_ptr<RecordingStore>> rec;
  for (std::size_t i = 0; i < kN; ++i) rec.push_back(std::make_unique<RecordingStore>(stores[i]));
  auto session = mpc::test::make_session(session_config(), {{0, {enc(6), enc(7), enc(-3)}}},
                                         std::move(faults));
  if (!session) return r;
  Result<void> client_result;
  std::thread client_thread([&] { client_result = session->run_clients(); });
  mpc::test::run_parties(*session, [&](std::size_t i) {
    HbParty& p = session->engine(i);
    auto fail = [&](const std::string& m) { r.errors[i] = m; };
    auto amounts = p.use_store(rec[i].get());
    if (!amounts) return fail(amounts.error().message);
    r.amounts[i] = *amounts;
    auto in = p.receive_client_inputs(std::vector<mpc::Party::ClientInputCount>{{0, 3}});
    if (!in) return fail(in.error().message);
    const auto& abc = (*in)[0];
    std::vector<FieldBytes> all;
    for (std::size_t round = 0; round < rounds; ++round) {
      if (stop_after && stop_after->first == i && stop_after->second == round) {
        r.stats[i] = p.stats();
        return fail("stopped");
      }
      std::vector<FieldBytes> x(batch), y(batch);
      for (std::size_t k = 0; k < batch; ++k) {
        x[k] = p.share_public(enc(static_cast<std::int64_t>(round * batch + k + 1)));
        y[k] = p.add(abc[0], p.share_public(enc(static_cast<std::int64_t>(k))));
      }
      auto prod = p.mul(x, y);
      if (!prod) return fail(prod.error().message);
      all.insert(all.end(), prod->begin(), prod->end());
    }
    auto bc = p.mul(std::vector<FieldBytes>{abc[1]}, std::vector<FieldBytes>{abc[2]});
    if (!bc) return fail(bc.error().message);
    all.push_back((*bc)[0]);
    auto opened = p.open(all);
    if (!opened) return fail(opened.error().message);
    for (const auto& v : *opened) r.opened[i].push_back(dec(v));
    r.stats[i] = p.stats();
  });
  session->finish_clients();
  client_thread.join();
  for (std::size_t i = 0; i < kN; ++i) r.taken[i] = rec[i]->taken();
  return r;
}

// What online_run must open: (round * batch + k + 1) * (6 + k) for every product, then 7 * -3.
std::vector<std::int64_t> expected(std::size_t rounds, std::size_t batch) {
  std::vector<std::int64_t> out;
  for (std::size_t round = 0; round < rounds; ++round) {
    for (std::size_t k = 0; k < batch; ++k) {
      out.push_back(static_cast<std::int64_t>((round * batch + k + 1) * (6 + k)));
    }
  }
  out.push_back(-21);
  return out;
}

void expect_right(const RunResult& r, std::size_t rounds, std::size_t batch,
                  std::set<std::size_t> skip = {}) {
  for (std::size_t i = 0; i < kN; ++i) {
    if (skip.count(i)) continue;
    EXPECT_EQ(r.errors[i], "") << "party " << i;
    EXPECT_EQ(r.opened[i], expected(rounds, batch)) << "party " << i;
  }
}

// Every item position (lot, kind, index) a party was handed.
using Position = std::tuple<mpc::LotId, StoredKind, std::uint64_t>;
std::set<Position> positions(const std::vector<RecordingStore::Taken>& taken) {
  std::set<Position> out;
  for (const auto& t : taken) {
    for (std::uint64_t p = t.from; p < t.to; ++p) out.insert({t.lot, t.kind, p});
  }
  return out;
}
std::set<FieldBytes> elements(const std::vector<RecordingStore::Taken>& taken) {
  std::set<FieldBytes> out;
  for (const auto& t : taken) out.insert(t.items.begin(), t.items.end());
  return out;
}

template <typename T>
std::size_t overlap(const std::set<T>& a, const std::set<T>& b) {
  std::size_t n = 0;
  for (const auto& x : a) n += b.count(x);
  return n;
}

TEST(StoreSessionTest, TwoRunsUseDisjointStoredItemsInStepAndGenerateNothing) {
  PartyStores stores;
  fill(stores, 300, 60);
  stores.close();
  stores.open();  // a later process
  const RunResult one = online_run(stores, 3, 20);
  expect_right(one, 3, 20);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(one.amounts[i].triples, 300u);
    EXPECT_EQ(one.amounts[i].randoms, 60u);
    EXPECT_EQ(one.amounts[i].note, "");
    // No preprocessing ran: everything came from the store.
    EXPECT_EQ(one.stats[i].triples_generated, 0u);
    EXPECT_EQ(one.stats[i].randoms_generated, 0u);
    EXPECT_EQ(one.stats[i].masks_generated, 0u);
    EXPECT_EQ(one.stats[i].masks_loaded, 3u);
    EXPECT_GE(one.stats[i].triples_loaded, 61u);
    // Every party took the same positions (their shares of the same sharings).
    EXPECT_EQ(positions(one.taken[i]), positions(one.taken[0])) << "party " << i;
  }
  stores.close();
  stores.open();
  const RunResult two = online_run(stores, 3, 20);
  expect_right(two, 3, 20);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(two.stats[i].triples_generated, 0u);
    // Nothing of run 1 (triples, masks) appears in run 2: neither positions nor values.
    const auto p1 = positions(one.taken[i]), p2 = positions(two.taken[i]);
    EXPECT_FALSE(p2.empty());
    EXPECT_EQ(overlap(p1, p2), 0u) << "party " << i;
    EXPECT_EQ(overlap(elements(one.taken[i]), elements(two.taken[i])), 0u) << "party " << i;
    EXPECT_EQ(two.amounts[i].triples + one.stats[i].triples_loaded, 300u);
  }
}

TEST(StoreSessionTest, FallsBackToGeneratingWhenTheStoreRunsOut) {
  PartyStores stores;
  fill(stores, 40, 10);
  const RunResult r = online_run(stores, 2, 50);
  expect_right(r, 2, 50);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(r.stats[i].triples_loaded, 40u);
    EXPECT_GE(r.stats[i].triples_generated, 61u);
  }
  auto lots = stores[0].lots();
  ASSERT_TRUE(lots.ok());
  EXPECT_TRUE(lots->empty() || (*lots)[0].consumed[0] == 40u);
}

TEST(StoreSessionTest, APartyThatConsumedMoreBeforeACrashIsRespected) {
  PartyStores stores;
  const mpc::LotId lot = fill(stores, 200, 20);
  // Party 2 committed more than the others (it got further before everything went down).
  std::vector<FieldBytes> scratch(3 * 37);
  ASSERT_TRUE(stores[2].consume(lot, StoredKind::kTriple, 0, scratch).ok());
  std::vector<FieldBytes> one(1);
  ASSERT_TRUE(stores[1].consume(lot, StoredKind::kRandom, 5, one).ok());
  const RunResult r = online_run(stores, 2, 10);
  expect_right(r, 2, 10);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(r.amounts[i].triples, 200u - 37u);
    EXPECT_EQ(r.amounts[i].randoms, 20u - 6u);
    for (const auto& t : r.taken[i]) {
      EXPECT_GE(t.from, t.kind == StoredKind::kTriple ? 37u : 6u) << "party " << i;
    }
  }
}

TEST(StoreSessionTest, APartyStoppingMidRunDoesNotMakeTheNextRunReuseAnything) {
  PartyStores stores;
  fill(stores, 400, 30);
  net::FaultPlan plan;  // no faults: only the handle, to cut party 3 off when it stops
  const RunResult one =
      online_run(stores, 6, 20, std::make_pair(std::size_t{3}, std::size_t{2}), plan);
  expect_right(one, 6, 20, {3});
  EXPECT_EQ(one.errors[3], "stopped");
  std::set<Position> used;
  for (std::size_t i = 0; i < kN; ++i) {
    const auto p = positions(one.taken[i]);
    used.insert(p.begin(), p.end());
  }
  // Party 3 consumed less than the others.
  EXPECT_LT(positions(one.taken[3]).size(), positions(one.taken[0]).size());
  const RunResult two = online_run(stores, 3, 20);
  expect_right(two, 3, 20);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(overlap(used, positions(two.taken[i])), 0u) << "party " << i;
    EXPECT_EQ(positions(two.taken[i]), positions(two.taken[0]));
  }
}

TEST(StoreSessionTest, ALotSomePartyDoesNotHoldIsNotUsed) {
  PartyStores stores;
  const mpc::LotId lot = fill(stores, 50, 10);
  ASSERT_TRUE(stores[1].drop_lot(lot).ok());
  const RunResult r = online_run(stores, 1, 10);
  expect_right(r, 1, 10);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(r.amounts[i].triples, 0u);
    EXPECT_NE(r.amounts[i].note.find("party 1 does not hold it"), std::string::npos)
        << r.amounts[i].note;
    EXPECT_TRUE(r.taken[i].empty());
    EXPECT_EQ(r.stats[i].triples_loaded, 0u);
  }
}

TEST(StoreSessionTest, APartyThatCannotWriteMakesEveryoneDropTheLot) {
  PartyStores stores;
  auto session = mpc::test::make_session(session_config());
  ASSERT_TRUE(session);
  std::vector<Result<mpc::FilledLot>> filled(kN, Error{"not run"});
  mpc::test::run_parties(*session, [&](std::size_t i) {
    filled[i] = session->engine(i).fill_store(i == 2 ? nullptr : &stores[i], {30, 5, 0, 0});
  });
  for (std::size_t i = 0; i < kN; ++i) {
    ASSERT_FALSE(filled[i].ok()) << "party " << i;
    EXPECT_NE(filled[i].error().message.find("was dropped"), std::string::npos)
        << filled[i].error().message;
    if (i != 2) {
      EXPECT_TRUE(stores[i].lots()->empty()) << "party " << i;
    }
  }
}

TEST(StoreSessionTest, AFaultyPartyCanOnlyMakeTheOthersGenerate) {
  PartyStores stores;
  fill(stores, 100, 20);
  net::FaultPlan plan;
  plan.seed = 5;
  plan.senders[1].corrupt_probability = 1.0;  // garbage from party 1 from its first message on
  const RunResult r = online_run(stores, 1, 10, std::nullopt, plan);
  expect_right(r, 1, 10, {1});
  for (std::size_t i : {0u, 2u, 3u}) {
    EXPECT_EQ(r.amounts[i].triples, 0u);
    EXPECT_NE(r.amounts[i].note.find("party 1 has no usable preprocessing store"),
              std::string::npos)
        << r.amounts[i].note;
    EXPECT_TRUE(r.taken[i].empty());
  }
  // Nothing was consumed at the honest parties: the material is still there for a later run.
  for (std::size_t i : {0u, 2u, 3u}) {
    EXPECT_EQ((*stores[i].lots())[0].consumed, (std::array<std::uint64_t, 3>{0, 0, 0}));
  }
}

// A store holding fewer random bits than a comparison's mask takes (decision P12: while stored
// bits last, masks are all bits): the refill uses the stored bits up and generates the rest, and
// the comparison must keep to the kind of mask it planned before the refill (bits), although
// bounded values would be used from then on. The second comparison, with no stored bits left,
// takes bounded values. Both give the right bits at every party.
TEST(StoreSessionTest, ComparisonsAcrossTheEndOfStoredBits) {
  PartyStores stores;
  {
    auto session = mpc::test::make_session(session_config());
    ASSERT_TRUE(session);
    std::vector<std::string> errors(kN);
    mpc::test::run_parties(*session, [&](std::size_t i) {
      auto filled = session->engine(i).fill_store(&stores[i], {0, 0, 0, 100});
      if (!filled) errors[i] = filled.error().message;
    });
    for (std::size_t i = 0; i < kN; ++i) ASSERT_EQ(errors[i], "") << "party " << i;
  }
  const std::vector<std::int64_t> values = {-5, 0, 7};
  auto session = mpc::test::make_session(session_config());
  ASSERT_TRUE(session);
  std::vector<std::string> errors(kN);
  std::vector<std::vector<std::int64_t>> got(kN);
  std::vector<mpc::PartyStats> stats(kN);
  mpc::test::run_parties(*session, [&](std::size_t i) {
    HbParty& p = session->engine(i);
    auto used = p.use_store(&stores[i]);
    if (!used) return void(errors[i] = used.error().message);
    std::vector<FieldBytes> x;
    for (auto v : values) x.push_back(p.share_public(enc(v)));
    auto first = p.less_than_zero(x, 65);  // 3 x 105 bits, 100 of them stored
    if (!first) return void(errors[i] = first.error().message);
    auto second = p.less_than_zero(x, 65);  // no stored bits left: 64 bits + 1 bounded each
    if (!second) return void(errors[i] = second.error().message);
    std::vector<FieldBytes> both = *first;
    both.insert(both.end(), second->begin(), second->end());
    auto opened = p.open(both);
    if (!opened) return void(errors[i] = opened.error().message);
    for (const auto& v : *opened) got[i].push_back(dec(v));
    stats[i] = p.stats();
  });
  for (std::size_t i = 0; i < kN; ++i) {
    ASSERT_EQ(errors[i], "") << "party " << i;
    EXPECT_EQ(got[i], (std::vector<std::int64_t>{1, 0, 0, 1, 0, 0})) << "party " << i;
    EXPECT_EQ(stats[i].bits_loaded, 100u) << "party " << i;
    EXPECT_EQ(stats[i].bits_consumed, 3u * 105 + 3 * 64) << "party " << i;
    EXPECT_EQ(stats[i].bounded_consumed, 3u) << "party " << i;
  }
}

TEST(StoreSessionTest, SeededEnginesRefuseStores) {
  PartyStores stores;
  mpc::SessionParams cfg = session_config();
  cfg.seed = 11;
  auto session = mpc::test::make_session(cfg);
  ASSERT_TRUE(session);
  auto used = session->engine(0).use_store(&stores[0]);
  ASSERT_FALSE(used.ok());
  EXPECT_NE(used.error().message.find("fixed seed"), std::string::npos);
  auto filled = session->engine(0).fill_store(&stores[0], {1, 1, 0, 0});
  ASSERT_FALSE(filled.ok());
  EXPECT_NE(filled.error().message.find("fixed seed"), std::string::npos);
}

}  // namespace
}  // namespace stoffel::store::test
