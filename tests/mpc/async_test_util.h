// Helpers for the tests of reliable broadcast and binary agreement: a party node (Router +
// AsyncHub on one endpoint), a coin source whose shares a test dealer sends over the same
// in-memory links and which reconstructs robustly, and a runner that gives every party a thread
// under a hard time limit.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "math/domain.h"
#include "math/fields.h"
#include "math/rng.h"
#include "math/shamir.h"
#include "mpc/async_hub.h"
#include "mpc/router.h"
#include "mpc/wire.h"
#include "net/fault_network.h"
#include "net/memory_network.h"

namespace stoffel::mpc::test {

using CoinField = math::Bls12_381_Fr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// This party's shares of the coins, as dealt by the test dealer (one message on the network from
// the dealer endpoint n), reconstructed robustly with the math layer's decoder: a coin is
// accepted only when a degree-t polynomial agrees with 2t + 1 of the received shares.
class DealtCoins final : public CoinSource {
 public:
  DealtCoins(std::size_t n, std::size_t t) : t_(t), domain_(*math::Domain<CoinField>::create(n)) {}

  // Reads the dealer's message: sessions x coins shares, session-major.
  bool receive(net::Endpoint& ep, std::size_t dealer, std::size_t sessions, std::size_t coins) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      auto m = ep.receive(milliseconds(100));
      if (!m || !*m) continue;
      if ((*m)->from != dealer) {
        ADD_FAILURE() << "a party message arrived before the dealer's";
        return false;
      }
      const auto& b = (*m)->payload;
      if (b.size() != sessions * coins * 32) return false;
      for (std::size_t s = 0; s < sessions; ++s) {
        auto& v = shares_[s];
        for (std::size_t c = 0; c < coins; ++c) {
          CoinShare x;
          std::copy(b.begin() + static_cast<std::ptrdiff_t>((s * coins + c) * 32),
                    b.begin() + static_cast<std::ptrdiff_t>((s * coins + c + 1) * 32), x.begin());
          v.push_back(x);
        }
      }
      return true;
    }
    return false;
  }

  std::optional<CoinShare> share(std::uint64_t session, std::uint32_t index) override {
    auto it = shares_.find(session);
    if (it == shares_.end() || index >= it->second.size()) return std::nullopt;
    ++used_;
    return it->second[index];
  }
  bool valid(const CoinShare& s) const override { return CoinField::from_bytes(s).ok(); }
  std::optional<bool> reconstruct(std::span<const std::size_t> parties,
                                  std::span<const CoinShare> shares) const override {
    std::vector<CoinField> v;
    for (const auto& s : shares) v.push_back(*CoinField::from_bytes(s));
    auto r = math::reconstruct_secret_robust<CoinField>(domain_, t_, parties, v);
    if (!r || !r->has_value()) return std::nullopt;
    return ((**r).to_canonical()[0] & 1) != 0;
  }
  void release(std::uint64_t session) override { shares_.erase(session); }

  std::size_t used() const { return used_; }

 private:
  std::size_t t_;
  math::Domain<CoinField> domain_;
  std::map<std::uint64_t, std::vector<CoinShare>> shares_;
  std::size_t used_ = 0;
};

// The dealer (endpoint `dealer`): Shamir shares of sessions x coins random secrets to every
// party, one message each. Returns the secrets' low bits (the coins), session-major.
inline std::vector<bool> deal_coins(net::Endpoint& dealer, std::size_t n, std::size_t t,
                                    std::size_t sessions, std::size_t coins, std::uint64_t seed) {
  auto dom = math::Domain<CoinField>::create(n);
  auto sharer = math::ShamirSharer<CoinField>::create(*dom, t);
  math::SeededRng rng(seed);
  const std::size_t m = sessions * coins;
  std::vector<CoinField> secrets(m);
  CoinField::random_fill(rng, std::span<CoinField>(secrets));
  std::vector<CoinField> out(n * m);
  sharer->share_many(secrets, rng, out);
  for (std::size_t p = 0; p < n; ++p) {
    net::Bytes b(m * 32);
    for (std::size_t i = 0; i < m; ++i) {
      const auto x = out[p * m + i].to_bytes();
      std::copy(x.begin(), x.end(), b.begin() + static_cast<std::ptrdiff_t>(i * 32));
    }
    EXPECT_TRUE(dealer.send(p, std::move(b)).ok());
  }
  std::vector<bool> bits;
  for (const auto& s : secrets) bits.push_back((s.to_canonical()[0] & 1) != 0);
  return bits;
}

// One honest party: its router (which hands kAsync messages to the hub) and hub.
class Node {
 public:
  Node(net::Endpoint& ep, const AsyncConfig& cfg)
      : router_(ep, cfg.n, milliseconds(1000), [this](std::size_t p) { suspected_[p] = 1; }),
        coins_(cfg.n, cfg.t),
        suspected_(cfg.n, 0) {
    auto hub = AsyncHub::create(
        cfg, coins_, [&ep](std::size_t to, net::Bytes b) { return ep.send(to, std::move(b)); },
        [this](std::size_t p) { suspected_[p] = 1; });
    EXPECT_TRUE(hub.ok()) << hub.error().message;
    hub_ = std::move(*hub);
    router_.set_async_handler(
        [this](std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body) {
          hub_->handle(from, id, body);
        });
  }

  AsyncHub& hub() { return *hub_; }
  DealtCoins& coins() { return coins_; }
  const std::vector<std::uint8_t>& suspected() const { return suspected_; }

  // Pumps messages until pred() holds or `limit` passes; returns pred().
  template <typename Pred>
  bool run_until(Pred pred, milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!pred()) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      auto r = router_.poll(std::min(left, milliseconds(20)));
      if (!r) return pred();  // network closed
    }
    return true;
  }
  // Pumps until nothing arrived for `quiet` (or `limit` passed). With `shared`, the quiet must
  // hold for every node that shares it: each records its last message there, so no node stops
  // while another is still busy (slow builds such as ASan included).
  void run_quiet(milliseconds quiet, milliseconds limit,
                 std::atomic<std::int64_t>* shared = nullptr) {
    const auto deadline = Clock::now() + limit;
    auto now_ms = [] {
      return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
    };
    std::atomic<std::int64_t> local{now_ms()};
    std::atomic<std::int64_t>& last = shared ? *shared : local;
    if (shared) last.store(std::max(last.load(), now_ms()));
    while (Clock::now() < deadline && now_ms() - last.load() < quiet.count()) {
      auto r = router_.poll(milliseconds(5));
      if (!r) return;
      if (*r) last.store(now_ms());
    }
  }

 private:
  Router router_;
  DealtCoins coins_;
  std::vector<std::uint8_t> suspected_;
  std::unique_ptr<AsyncHub> hub_;
};

// Runs fn(i) for every party i < n on its own thread; closes the network if they have not all
// returned within `limit` (so a hang is a failure, not a stuck test).
inline void run_threads(net::Network& net, std::size_t n,
                        const std::function<void(std::size_t)>& fn,
                        std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t done = 0;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      fn(i);
      std::lock_guard lock(mu);
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, limit, [&] { return done == n; })) {
      ADD_FAILURE() << "parties did not finish within " << limit.count() << " s";
      lock.unlock();
      net.close(make_error(ErrorKind::Network, "test time limit"));
    }
  }
  for (auto& th : threads) th.join();
}

// Counts honest parties that finished their own part; each keeps serving the others until all
// have (a party that stopped pumping would stop echoing).
class Barrier {
 public:
  explicit Barrier(std::size_t parties) : parties_(parties) {}
  void arrive() { ++arrived_; }
  bool all() const { return arrived_.load() >= parties_; }

 private:
  std::size_t parties_;
  std::atomic<std::size_t> arrived_{0};
};

inline std::size_t threshold_for(std::size_t n) {
  return (n - 1) / 3;
}

}  // namespace stoffel::mpc::test
