// Helpers for the MPC tests: a trusted test dealer (Shamir shares of known secrets, so results
// can be compared with a plaintext reference), running one thread per party under a hard time
// limit, and byte conversions.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "math/domain.h"
#include "math/field_kind.h"
#include "math/rng.h"
#include "math/shamir.h"
#include "mpc/local_session.h"

namespace stoffel::mpc::test {

// Sanitizer builds run BLS12-381 arithmetic (6-limb portable kernel) 100x slower or more: tests
// heavy on it run fewer or smaller cases there (the same code paths, bounded time in CI).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

// Time limit for one multi-party step of a test. Generous: ASan builds on a shared 2-core machine
// are slow, and a hang must turn into a failure, not a stuck test run.
inline constexpr std::chrono::seconds kStepLimit{60};

inline std::unique_ptr<LocalSessionImpl> make_session(const SessionParams& cfg,
                                                      std::vector<ClientInputs> clients = {},
                                                      std::optional<net::FaultPlan> faults = {}) {
  auto s = LocalSessionImpl::make(cfg, std::move(clients), std::move(faults));
  if (!s) {
    ADD_FAILURE() << "session: " << s.error().message;
    return nullptr;
  }
  return std::move(*s);
}

// Runs fn(i) on one thread per party (fn must not throw) and, if a client thread is wanted,
// the clients. If the parties have not finished within `limit`, the session is aborted (which
// unblocks them) and the test fails.
inline void run_parties(LocalSessionImpl& session, const std::function<void(std::size_t)>& fn,
                        std::chrono::seconds limit = kStepLimit) {
  const std::size_t n = session.config().n;
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
      ADD_FAILURE() << "parties did not finish within " << limit.count() << " s; aborting";
      lock.unlock();
      session.abort("test time limit");
    }
  }
  for (auto& th : threads) th.join();
}

template <typename F>
FieldBytes to_bytes(const F& v) {
  return v.to_bytes();
}

template <typename F>
F from_bytes(const FieldBytes& b) {
  auto v = F::from_bytes(b);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : F::zero();
}

// A trusted dealer for tests: per party, its degree-t shares of `secrets`.
template <typename F>
std::vector<std::vector<FieldBytes>> deal(std::size_t n, std::size_t t,
                                          const std::vector<F>& secrets, std::uint64_t seed) {
  auto dom = math::Domain<F>::create(n);
  auto sharer = math::ShamirSharer<F>::create(*dom, t);
  math::SeededRng rng(seed);
  std::vector<F> out(n * secrets.size());
  sharer->share_many(secrets, rng, out);
  std::vector<std::vector<FieldBytes>> per(n, std::vector<FieldBytes>(secrets.size()));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t s = 0; s < secrets.size(); ++s)
      per[i][s] = out[i * secrets.size() + s].to_bytes();
  }
  return per;
}

template <typename F>
std::vector<F> random_values(std::size_t count, std::uint64_t seed) {
  math::SeededRng rng(seed);
  std::vector<F> v(count);
  F::random_fill(rng, std::span<F>(v));
  return v;
}

inline SessionParams config_for(std::size_t n, math::FieldKind field, std::uint64_t seed = 7) {
  SessionParams c;
  c.n = n;
  c.t = (n - 1) / 3;
  c.field = field;
  c.seed = seed;
  c.initial_triples = 16;
  c.initial_randoms = 8;
  c.receive_timeout_ms = 20'000;
  return c;
}

}  // namespace stoffel::mpc::test
