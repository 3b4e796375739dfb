// Reliable broadcast (AVID and Bracha, rbc.h) among n = 4, 5, 7, 10 parties on in-memory links:
// honest broadcasts of every size are delivered to every honest party in session order, with t
// silent parties, t parties whose every message is corrupted, t parties sending garbage, and
// delayed, reordered links; an equivocating broadcaster (two payloads, two modes), corrupt shards
// (no codeword), non-canonical framing, oversized shards and wrong Merkle proofs never make two
// honest parties deliver different payloads, nor one deliver while another does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "async_test_util.h"
#include "math/erasure_code.h"
#include "mpc/merkle.h"
#include "mpc/rbc.h"

namespace stoffel::mpc::test {
namespace {

net::Bytes bytes_of(const std::string& s) {
  return net::Bytes(s.begin(), s.end());
}

net::Bytes pattern(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  net::Bytes b(size);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

AsyncConfig config(std::size_t n, std::size_t self) {
  AsyncConfig c;
  c.n = n;
  c.t = threshold_for(n);
  c.self = self;
  c.rbc_max_payload = std::size_t{1} << 20;
  return c;
}

// An AVID dealing built by hand, so a faulty broadcaster can bend it: `framed` is the k data
// shards back to back (length prefix included); `mutate` changes shards before they are hashed.
struct Dealing {
  merkle::Digest root{};
  std::size_t size = 0;
  std::vector<net::Bytes> shards, proofs;
};

Dealing deal_avid(std::size_t n, std::size_t t, net::Bytes framed,
                  const std::function<void(std::vector<net::Bytes>&)>& mutate = {}) {
  const std::size_t k = t + 1;
  Dealing d;
  d.size = framed.size() / k;
  net::Bytes all(n * d.size, 0);
  std::copy(framed.begin(), framed.end(), all.begin());
  auto code = math::ErasureCode::create(k, n);
  EXPECT_TRUE(code->encode(all, d.size).ok());
  for (std::size_t i = 0; i < n; ++i) {
    d.shards.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i * d.size),
                          all.begin() + static_cast<std::ptrdiff_t>((i + 1) * d.size));
  }
  if (mutate) mutate(d.shards);
  std::vector<merkle::Digest> leaves;
  for (const auto& s : d.shards) leaves.push_back(merkle::leaf_hash(s));
  merkle::Tree tree(leaves);
  d.root = tree.root();
  for (std::size_t i = 0; i < n; ++i) {
    net::Bytes p;
    for (const auto& x : tree.proof(i)) p.insert(p.end(), x.begin(), x.end());
    d.proofs.push_back(p);
  }
  return d;
}

// The canonical framing of a payload: u64 LE length, payload, zero padding to k equal shards.
net::Bytes frame(const net::Bytes& payload, std::size_t k, std::uint64_t length_field) {
  const std::size_t size = RbcInstance::shard_size(payload.size(), k);
  net::Bytes f(k * size, 0);
  for (int i = 0; i < 8; ++i) f[i] = static_cast<std::uint8_t>(length_field >> (8 * i));
  std::copy(payload.begin(), payload.end(), f.begin() + 8);
  return f;
}

net::Bytes avid_msg(RbcKind kind, std::size_t broadcaster, std::uint64_t session, const Dealing& d,
                    std::size_t index) {
  return async_wire::build(async_wire::Protocol::kRbc, static_cast<std::uint8_t>(kind),
                           static_cast<std::uint8_t>(RbcMode::kAvid),
                           static_cast<std::uint32_t>(broadcaster), 0, session,
                           {d.root, d.proofs[index], d.shards[index]});
}

net::Bytes avid_ready(std::size_t broadcaster, std::uint64_t session, const merkle::Digest& root) {
  return async_wire::build(async_wire::Protocol::kRbc, static_cast<std::uint8_t>(RbcKind::kReady),
                           static_cast<std::uint8_t>(RbcMode::kAvid),
                           static_cast<std::uint32_t>(broadcaster), 0, session, {root});
}

net::Bytes bracha_msg(RbcKind kind, std::size_t broadcaster, std::uint64_t session,
                      const net::Bytes& payload) {
  return async_wire::build(async_wire::Protocol::kRbc, static_cast<std::uint8_t>(kind),
                           static_cast<std::uint8_t>(RbcMode::kBracha),
                           static_cast<std::uint32_t>(broadcaster), 0, session, {payload});
}

// What the honest parties ended up with for one watched broadcast.
struct Watched {
  std::vector<std::optional<net::Bytes>> got;  // per party (faulty ones: nullopt)
  std::vector<std::vector<std::uint8_t>> suspected;
};

// Runs honest parties that broadcast `payloads[i]` (their sessions 0, 1, ...) and then take every
// honest party's broadcasts in order; faulty parties (in `faulty`) run `bad(i, endpoint)`. The
// honest results are checked against the payloads; if `watch` names a faulty broadcaster, its
// session 0 is watched: after the network is quiet each honest party reports whether it
// delivered it.
void run_rbc(std::size_t n, const std::vector<std::size_t>& faulty,
             const std::vector<std::vector<net::Bytes>>& payloads,
             const std::function<void(std::size_t, net::Endpoint&)>& bad,
             std::optional<net::FaultPlan> plan, std::optional<std::size_t> watch,
             Watched* watched = nullptr) {
  auto inner = std::make_unique<net::InMemoryNetwork>(n);
  std::unique_ptr<net::Network> net;
  if (plan) {
    net = std::make_unique<net::FaultyNetwork>(std::move(inner), *plan);
  } else {
    net = std::move(inner);
  }
  auto is_faulty = [&](std::size_t i) {
    return std::find(faulty.begin(), faulty.end(), i) != faulty.end();
  };
  const std::size_t honest = n - faulty.size();
  Barrier barrier(honest);
  std::atomic<std::int64_t> last_activity{0};
  Watched w;
  w.got.resize(n);
  w.suspected.resize(n);
  std::vector<std::string> errors(n);
  run_threads(*net, n, [&](std::size_t i) {
    net::Endpoint& ep = net->endpoint(i);
    if (is_faulty(i) && bad) {
      bad(i, ep);
      return;
    }
    if (is_faulty(i)) return;  // silent, or faults injected by the plan on honest code
    Node node(ep, config(n, i));
    for (const auto& p : payloads[i]) {
      auto s = node.hub().broadcast(p);
      if (!s) errors[i] = s.error().message;
    }
    // Take every honest party's broadcasts, in session order.
    std::vector<std::size_t> taken(n, 0);
    auto all_taken = [&] {
      for (std::size_t b = 0; b < n; ++b) {
        if (is_faulty(b) && b != i) continue;
        while (taken[b] < payloads[b].size()) {
          auto got = node.hub().take(b);
          if (!got) return false;
          if (*got != payloads[b][taken[b]]) {
            errors[i] += "party " + std::to_string(b) + " session " + std::to_string(taken[b]) +
                         " delivered a different payload; ";
          }
          ++taken[b];
        }
      }
      return true;
    };
    if (!node.run_until(all_taken, milliseconds(30'000))) {
      errors[i] += "not every honest broadcast was delivered; ";
    }
    barrier.arrive();
    node.run_until([&] { return barrier.all(); }, milliseconds(30'000));
    // A watched faulty broadcast is judged once no honest party has had a message for a while.
    node.run_quiet(milliseconds(watch ? 150 : 30), milliseconds(10'000), &last_activity);
    if (watch) w.got[i] = node.hub().take(*watch);
    w.suspected[i] = node.suspected();
  });
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_faulty(i)) {
      EXPECT_EQ(errors[i], "") << "party " << i;
    }
  }
  if (watch) {
    // Agreement and totality: all honest parties delivered the same payload, or none did.
    std::optional<net::Bytes> first;
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (is_faulty(i) || !w.got[i]) continue;
      ++delivered;
      if (!first) first = w.got[i];
      EXPECT_EQ(*w.got[i], *first) << "party " << i << " delivered a different payload";
    }
    EXPECT_TRUE(delivered == 0 || delivered == honest)
        << delivered << " of " << honest << " honest parties delivered";
  }
  if (watched) *watched = std::move(w);
}

std::vector<std::vector<net::Bytes>> mixed_payloads(std::size_t n,
                                                    const std::vector<std::size_t>& faulty) {
  std::vector<std::vector<net::Bytes>> p(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::find(faulty.begin(), faulty.end(), i) != faulty.end()) continue;
    // Empty, Bracha-sized, just above the Bracha bound, and a 200 KB AVID payload.
    p[i] = {net::Bytes{}, bytes_of("party " + std::to_string(i)),
            pattern(AsyncConfig{}.rbc_bracha_max + 1, i), pattern(200'000 + i, 100 + i)};
  }
  return p;
}

std::vector<std::size_t> last_t(std::size_t n) {
  std::vector<std::size_t> v;
  for (std::size_t k = 0; k < threshold_for(n); ++k) v.push_back(n - 1 - k);
  return v;
}

class RbcTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RbcTest, EveryHonestBroadcastDeliveredInOrder) {
  const std::size_t n = GetParam();
  run_rbc(n, {}, mixed_payloads(n, {}), {}, std::nullopt, std::nullopt);
}

TEST_P(RbcTest, TSilentParties) {
  const std::size_t n = GetParam();
  const auto bad = last_t(n);
  run_rbc(n, bad, mixed_payloads(n, bad), {}, std::nullopt, std::nullopt);
}

// The t faulty parties run the honest code but every message they send is corrupted (a random
// byte flipped): their broadcasts may or may not arrive, but all honest parties agree, and
// honest broadcasts are delivered.
TEST_P(RbcTest, TPartiesWithCorruptedMessages) {
  const std::size_t n = GetParam();
  const auto bad = last_t(n);
  net::FaultPlan plan;
  plan.seed = 5;
  for (std::size_t p : bad) plan.senders[p].corrupt_probability = 1.0;
  std::vector<std::vector<net::Bytes>> payloads = mixed_payloads(n, bad);
  // The corrupted parties run honest nodes that broadcast (their sends are what gets corrupted).
  run_rbc(
      n, bad, payloads,
      [&](std::size_t i, net::Endpoint& ep) {
        Node node(ep, config(n, i));
        (void)node.hub().broadcast(pattern(5000, i));
        node.run_quiet(milliseconds(400), milliseconds(20'000));
      },
      plan, bad[0]);
}

// t parties send garbage: random bodies under valid kAsync headers, truncated messages, and
// well-formed messages with impossible fields.
TEST_P(RbcTest, TPartiesSendingGarbage) {
  const std::size_t n = GetParam();
  const auto bad = last_t(n);
  Watched w;
  run_rbc(
      n, bad, mixed_payloads(n, bad),
      [&](std::size_t i, net::Endpoint& ep) {
        std::mt19937_64 rng(i);
        for (int k = 0; k < 300; ++k) {
          for (std::size_t p = 0; p < n; ++p) {
            if (p == i) continue;
            net::Bytes m;
            switch (k % 4) {
              case 0:  // random body under a valid header
                m = wire::make_message(wire::Channel::kAsync, rng() % 4, 1 + rng() % 4);
                for (std::size_t x = wire::kHeaderSize; x < m.size(); ++x) {
                  m[x] = static_cast<std::uint8_t>(rng());
                }
                m[wire::kHeaderSize] = 1;  // RBC
                break;
              case 1:  // a truncated header
                m = pattern(rng() % wire::kHeaderSize, rng());
                break;
              case 2:  // a SEND for a broadcaster that is somebody else
                m = bracha_msg(RbcKind::kSend, (i + 1) % n, 0, bytes_of("forged"));
                break;
              default:  // a Bracha payload above the bound, as ECHO for party 0's session 1
                m = bracha_msg(RbcKind::kEcho, 0, 1, pattern(5000, rng()));
                break;
            }
            (void)ep.send(p, std::move(m));
          }
        }
      },
      std::nullopt, std::nullopt, &w);
  for (std::size_t i = 0; i < n - bad.size(); ++i) {
    for (std::size_t b : bad) EXPECT_TRUE(w.suspected[i][b]) << i << " did not suspect " << b;
  }
}

TEST_P(RbcTest, DelayedAndReorderedLinks) {
  const std::size_t n = GetParam();
  net::FaultPlan plan;
  plan.seed = 9;
  for (std::size_t p = 0; p < n; ++p) plan.senders[p].jitter_ms = 15;
  run_rbc(n, {}, mixed_payloads(n, {}), {}, plan, std::nullopt);
}

// The faulty broadcaster (party n-1, with its t-1 accomplices) sends SEND for payload X to one
// group of honest parties and for Y to the others, and ECHOes and READYs X to the first group
// and Y to the second. `mode_x`, `mode_y` choose AVID or Bracha for each.
void equivocate(std::size_t n, RbcMode mode_x, RbcMode mode_y, std::size_t group_x) {
  const std::size_t t = threshold_for(n);
  const auto bad = last_t(n);
  const std::size_t b = bad[0];
  const net::Bytes x = mode_x == RbcMode::kAvid ? pattern(3000, 1) : bytes_of("X");
  const net::Bytes y = mode_y == RbcMode::kAvid ? pattern(2000, 2) : bytes_of("Y");
  const Dealing dx = deal_avid(n, t, frame(x, t + 1, x.size()));
  const Dealing dy = deal_avid(n, t, frame(y, t + 1, y.size()));
  auto msg = [&](bool is_x, RbcKind kind, std::size_t index) {
    const RbcMode mode = is_x ? mode_x : mode_y;
    const Dealing& d = is_x ? dx : dy;
    if (mode == RbcMode::kBracha) return bracha_msg(kind, b, 0, is_x ? x : y);
    if (kind == RbcKind::kReady) return avid_ready(b, 0, d.root);
    return avid_msg(kind, b, 0, d, index);
  };
  Watched w;
  run_rbc(
      n, bad, mixed_payloads(n, bad),
      [&](std::size_t i, net::Endpoint& ep) {
        for (std::size_t p = 0; p < n; ++p) {
          if (std::find(bad.begin(), bad.end(), p) != bad.end()) continue;
          const bool is_x = p < group_x;
          if (i == b) (void)ep.send(p, msg(is_x, RbcKind::kSend, p));
          (void)ep.send(p, msg(is_x, RbcKind::kEcho, i));
          (void)ep.send(p, msg(is_x, RbcKind::kReady, i));
        }
      },
      std::nullopt, b, &w);
  // With more than E - t honest parties in the X group, X gathers E ECHOs there: everybody
  // delivers X (the test above checks that all agree; here that it is X).
  const std::size_t echo_threshold = std::max((n + t + 2) / 2, t + 1);
  if (group_x + t >= echo_threshold && n - t - group_x + t < echo_threshold) {
    for (std::size_t i = 0; i < n - t; ++i) {
      ASSERT_TRUE(w.got[i].has_value()) << "party " << i;
      EXPECT_EQ(*w.got[i], x) << "party " << i;
    }
  }
}

TEST_P(RbcTest, EquivocatingBroadcasterAvid) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  equivocate(n, RbcMode::kAvid, RbcMode::kAvid, n - t - 1);    // X to all honest but one
  equivocate(n, RbcMode::kAvid, RbcMode::kAvid, (n - t) / 2);  // an even split
}

TEST_P(RbcTest, EquivocatingBroadcasterBracha) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  equivocate(n, RbcMode::kBracha, RbcMode::kBracha, n - t - 1);
  equivocate(n, RbcMode::kBracha, RbcMode::kBracha, (n - t) / 2);
}

TEST_P(RbcTest, EquivocatingBroadcasterMixingModes) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  equivocate(n, RbcMode::kAvid, RbcMode::kBracha, n - t - 1);
  equivocate(n, RbcMode::kBracha, RbcMode::kAvid, (n - t) / 2);
}

// A faulty broadcaster whose dealing is not what an honest one sends; every honest party is
// sent its proper SEND (with a valid Merkle proof), and the faulty parties ECHO and READY it.
// `expect_delivery`: the dealing is acceptable after all.
void bad_dealing(std::size_t n, const Dealing& d, bool expect_delivery,
                 const net::Bytes& payload = {}) {
  const auto bad = last_t(n);
  const std::size_t b = bad[0];
  Watched w;
  run_rbc(
      n, bad, mixed_payloads(n, bad),
      [&](std::size_t i, net::Endpoint& ep) {
        for (std::size_t p = 0; p < n; ++p) {
          if (std::find(bad.begin(), bad.end(), p) != bad.end()) continue;
          if (i == b) (void)ep.send(p, avid_msg(RbcKind::kSend, b, 0, d, p));
          (void)ep.send(p, avid_msg(RbcKind::kEcho, b, 0, d, i));
          (void)ep.send(p, avid_ready(b, 0, d.root));
        }
      },
      std::nullopt, b, &w);
  for (std::size_t i = 0; i < n - bad.size(); ++i) {
    if (expect_delivery) {
      ASSERT_TRUE(w.got[i].has_value()) << "party " << i;
      EXPECT_EQ(*w.got[i], payload);
    } else {
      EXPECT_FALSE(w.got[i].has_value()) << "party " << i << " delivered a bad dealing";
    }
  }
}

TEST_P(RbcTest, CorruptShardsAreNeverDelivered) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  const net::Bytes payload = pattern(4000, 7);
  // Control: the same construction without corruption is delivered.
  bad_dealing(n, deal_avid(n, t, frame(payload, t + 1, payload.size())), true, payload);
  // One parity shard changed after encoding (committed in the tree, so its proof is valid):
  // the shards are not a codeword.
  bad_dealing(n,
              deal_avid(n, t, frame(payload, t + 1, payload.size()),
                        [&](std::vector<net::Bytes>& s) { s[n - 1][17] ^= 0x5A; }),
              false);
  // One data shard changed.
  bad_dealing(n,
              deal_avid(n, t, frame(payload, t + 1, payload.size()),
                        [&](std::vector<net::Bytes>& s) { s[0][100] ^= 1; }),
              false);
  // Shards of different sizes under one root.
  bad_dealing(n,
              deal_avid(n, t, frame(payload, t + 1, payload.size()),
                        [&](std::vector<net::Bytes>& s) { s[1].push_back(0); }),
              false);
}

TEST_P(RbcTest, NonCanonicalFramingIsNeverDelivered) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  const net::Bytes payload = pattern(4000, 8);
  // A consistent codeword whose length field claims more than the shards hold, one that claims
  // less (non-zero bytes in the padding), and one above the payload bound.
  bad_dealing(n, deal_avid(n, t, frame(payload, t + 1, payload.size() + 100)), false);
  bad_dealing(n, deal_avid(n, t, frame(payload, t + 1, payload.size() - 100)), false);
  bad_dealing(n, deal_avid(n, t, frame(payload, t + 1, std::uint64_t{1} << 40)), false);
}

// A faulty party (not the broadcaster) ECHOes wrong proofs, another index's shard, a tampered
// shard and an oversized one, and READYs a made-up root, for party 0's session 3 (which must
// still be delivered everywhere) and for session 10 of parties 0 and 1 (never broadcast, so the
// lies always reach an open instance at every party but that broadcaster, whereas session 3 may
// be over at a party before they arrive): every honest party suspects the liar.
TEST_P(RbcTest, WrongMerkleProofsAndBogusVotes) {
  const std::size_t n = GetParam();
  const std::size_t t = threshold_for(n);
  const auto bad = last_t(n);
  const auto payloads = mixed_payloads(n, bad);
  // Party 0's session 3 (the 200 KB AVID payload): the liar builds the same dealing.
  const net::Bytes& target = payloads[0][3];
  const Dealing d = deal_avid(n, t, frame(target, t + 1, target.size()));
  auto lie = [&](std::size_t i, std::size_t p, std::size_t broadcaster, std::uint64_t session) {
    Dealing x = d;
    switch (p % 4) {
      case 0:  // its own shard with a corrupted proof
        if (!x.proofs[i].empty()) x.proofs[i][3] ^= 1;
        break;
      case 1:  // another party's shard and proof
        x.shards[i] = d.shards[(i + 1) % n];
        x.proofs[i] = d.proofs[(i + 1) % n];
        break;
      case 2:  // a tampered shard
        x.shards[i][5] ^= 0xFF;
        break;
      default:  // a shard above the size bound
        x.shards[i].resize(RbcInstance::max_shard(RbcParams{n, t, 0, 1u << 20, 128}) + 1);
        break;
    }
    return avid_msg(RbcKind::kEcho, broadcaster, session, x, i);
  };
  Watched w;
  run_rbc(
      n, bad, payloads,
      [&](std::size_t i, net::Endpoint& ep) {
        for (std::size_t p = 0; p < n; ++p) {
          if (std::find(bad.begin(), bad.end(), p) != bad.end()) continue;
          const std::pair<std::size_t, std::uint64_t> targets[] = {{0, 3}, {0, 10}, {1, 10}};
          for (const auto& [broadcaster, session] : targets) {
            (void)ep.send(p, lie(i, p, broadcaster, session));
            merkle::Digest fake{};
            fake[0] = 42;
            (void)ep.send(p, avid_ready(broadcaster, session, fake));
          }
        }
      },
      std::nullopt, std::nullopt, &w);
  for (std::size_t i = 0; i < n - bad.size(); ++i) {
    EXPECT_TRUE(w.suspected[i][bad[0]]) << "party " << i;
  }
}

std::string n_name(const ::testing::TestParamInfo<std::size_t>& p) {
  return "n" + std::to_string(p.param);
}

INSTANTIATE_TEST_SUITE_P(Parties, RbcTest, ::testing::Values(4, 5, 7, 10), n_name);

TEST(Rbc, PayloadBoundCheckedBeforeSending) {
  net::InMemoryNetwork net(4);
  Node node(net.endpoint(0), config(4, 0));
  auto r = node.hub().broadcast(net::Bytes((1u << 20) + 1, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("at most"), std::string::npos) << r.error().message;
  EXPECT_TRUE(node.hub().broadcast(net::Bytes(1u << 20, 0)).ok());
}

TEST(Rbc, BadConfigurationRejected) {
  DealtCoins coins(4, 1);
  auto send = [](std::size_t, net::Bytes) -> Result<void> { return {}; };
  AsyncConfig c = config(4, 0);
  c.t = 2;  // n < 3t + 1
  EXPECT_FALSE(AsyncHub::create(c, coins, send, {}).ok());
  c = config(4, 4);  // self out of range
  EXPECT_FALSE(AsyncHub::create(c, coins, send, {}).ok());
  c = config(4, 0);
  c.rbc_bracha_max = c.rbc_max_payload + 1;
  EXPECT_FALSE(AsyncHub::create(c, coins, send, {}).ok());
}

}  // namespace
}  // namespace stoffel::mpc::test
