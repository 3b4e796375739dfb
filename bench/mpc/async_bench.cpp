// Reliable broadcast and binary agreement on in-process links (docs/performance.md, "Reliable
// broadcast and binary agreement").
//
//   async_bench rbc   [--sizes 1048576] [--parties 5,16] [--repeat 8]
//       Through the engine (mpc::Party on a LocalSession, as the Rbc.* builtins run): party 0
//       broadcasts `repeat` payloads back to back; every party receives them all. Prints MiB/s
//       delivered (payload bytes x repeat / time until the last party has them all), the time per
//       broadcast, and the bytes party 0 and party 1 sent per payload byte.
//   async_bench modes [--sizes 16,64,128,256,1024,4096,16384] [--parties 4,7,16] [--repeat 200]
//       AVID against Bracha for small payloads (hubs driven directly, the mode forced by the
//       Bracha bound): microseconds per broadcast (one at a time, every party delivers) and bytes
//       sent per party per broadcast.
//   async_bench aba   [--parties 4,5,7,10,16] [--repeat 20]
//       Through the engine: sessions one after the other (propose, wait for the decision), with
//       unanimous and with split inputs. Prints ms per session and rounds per session (the
//       coins are reserved before the clock starts).
//
// Every party has its own thread (the machine's cores are shared by all of them, so figures
// for large n are bounded by the CPU, not by the protocol).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mpc/async_hub.h"
#include "mpc/hb/hb_party.h"
#include "mpc/local_session.h"
#include "mpc/router.h"
#include "net/memory_network.h"

namespace {

using namespace stoffel;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t end = s.find(',', at);
    if (end == std::string::npos) end = s.size();
    out.push_back(std::stoul(s.substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::unique_ptr<mpc::LocalSessionImpl> session(std::size_t n) {
  mpc::SessionParams c;
  c.n = n;
  c.t = (n - 1) / 3;
  c.seed = 5;
  c.initial_triples = 1;
  c.initial_randoms = 1;
  c.receive_timeout_ms = 60'000;
  auto s = mpc::LocalSessionImpl::make(c, {});
  if (!s) {
    std::fprintf(stderr, "session: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  return std::move(*s);
}

// Runs fn(i) on every party's thread, then keeps every party serving until all are done.
void on_parties(mpc::LocalSessionImpl& s, const std::function<void(std::size_t)>& fn) {
  const std::size_t n = s.config().n;
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> th;
  for (std::size_t i = 0; i < n; ++i) {
    th.emplace_back([&, i] {
      fn(i);
      ++done;
      while (done.load() < n) {
        if (!s.party(i).serve(milliseconds(5))) break;
      }
    });
  }
  for (auto& t : th) t.join();
}

void bench_rbc(const std::vector<std::size_t>& sizes, const std::vector<std::size_t>& parties,
               std::size_t repeat) {
  std::printf("%4s %3s %10s %8s %10s %12s %12s %14s\n", "n", "t", "payload", "repeat", "MiB/s",
              "ms/bcast", "sent/B (p0)", "sent/B (p1)");
  for (std::size_t n : parties) {
    for (std::size_t size : sizes) {
      auto s = session(n);
      std::vector<std::uint8_t> payload(size);
      for (std::size_t k = 0; k < size; ++k) payload[k] = static_cast<std::uint8_t>(k * 131 + 7);
      std::vector<std::uint64_t> sent_before(n);
      for (std::size_t i = 0; i < n; ++i) sent_before[i] = s->party(i).stats().bytes_sent;
      std::atomic<bool> failed{false};
      const auto start = Clock::now();
      std::vector<double> finish(n);
      on_parties(*s, [&](std::size_t i) {
        mpc::Party& p = s->party(i);
        if (i == 0) {
          for (std::size_t r = 0; r < repeat; ++r) {
            if (!p.rbc_broadcast(payload)) failed = true;
          }
        }
        for (std::size_t r = 0; r < repeat; ++r) {
          auto m = p.rbc_receive(0, milliseconds(120'000));
          if (!m || m->size() != size) failed = true;
        }
        finish[i] = seconds_since(start);
      });
      double last = 0;
      for (double f : finish) last = std::max(last, f);
      if (failed) std::printf("  (a broadcast failed)\n");
      const double mib = static_cast<double>(size) * static_cast<double>(repeat) / (1 << 20);
      auto per_byte = [&](std::size_t i) {
        return static_cast<double>(s->party(i).stats().bytes_sent - sent_before[i]) /
               (static_cast<double>(size) * static_cast<double>(repeat));
      };
      std::printf("%4zu %3zu %10zu %8zu %10.1f %12.2f %12.2f %14.2f\n", n, (n - 1) / 3, size,
                  repeat, mib / last, 1000.0 * last / static_cast<double>(repeat), per_byte(0),
                  per_byte(1));
      std::fflush(stdout);
    }
  }
}

// Hubs driven directly (no engine), for the AVID / Bracha comparison.
class NullCoins final : public mpc::CoinSource {
 public:
  std::optional<mpc::CoinShare> share(std::uint64_t, std::uint32_t) override { return {}; }
  bool valid(const mpc::CoinShare&) const override { return true; }
  std::optional<bool> reconstruct(std::span<const std::size_t>,
                                  std::span<const mpc::CoinShare>) const override {
    return std::nullopt;
  }
  void release(std::uint64_t) override {}
};

struct ModeResult {
  double us_per_broadcast = 0;
  double bytes_per_party = 0;
};

ModeResult run_mode(std::size_t n, std::size_t size, std::size_t repeat, bool bracha) {
  net::InMemoryNetwork net(n);
  NullCoins coins;
  std::vector<std::unique_ptr<mpc::Router>> routers;
  std::vector<std::unique_ptr<mpc::AsyncHub>> hubs;
  for (std::size_t i = 0; i < n; ++i) {
    mpc::AsyncConfig c;
    c.n = n;
    c.t = (n - 1) / 3;
    c.self = i;
    c.rbc_bracha_max = bracha ? std::max<std::size_t>(size, 1) : 0;
    net::Endpoint& ep = net.endpoint(i);
    routers.push_back(std::make_unique<mpc::Router>(ep, n, milliseconds(1000), [](std::size_t) {}));
    auto hub = mpc::AsyncHub::create(
        c, coins, [&ep](std::size_t to, net::Bytes b) { return ep.send(to, std::move(b)); }, {});
    hubs.push_back(std::move(*hub));
    mpc::AsyncHub* h = hubs.back().get();
    routers.back()->set_async_handler(
        [h](std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body) {
          h->handle(from, id, body);
        });
  }
  std::vector<std::uint8_t> payload(size, 0x5A);
  std::atomic<std::size_t> done{0};
  // One broadcast at a time: every party waits for broadcast r before party 0 starts r + 1
  // (a latency measurement), so a round counter is shared.
  std::atomic<std::size_t> delivered_round{0};
  const auto start = Clock::now();
  std::vector<std::thread> th;
  for (std::size_t i = 0; i < n; ++i) {
    th.emplace_back([&, i] {
      std::size_t got = 0;
      std::size_t started = 0;
      while (got < repeat) {
        if (i == 0 && started == got && delivered_round.load() == got * n) {
          (void)hubs[0]->broadcast(payload);
          ++started;
        }
        if (hubs[i]->take(0)) {
          ++got;
          ++delivered_round;
          continue;
        }
        (void)routers[i]->poll(milliseconds(1));
      }
      ++done;
      while (done.load() < n) (void)routers[i]->poll(milliseconds(1));
    });
  }
  for (auto& t : th) t.join();
  const double secs = seconds_since(start);
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) bytes += net.endpoint(i).counters().bytes_sent;
  return {1e6 * secs / static_cast<double>(repeat),
          static_cast<double>(bytes) / static_cast<double>(n) / static_cast<double>(repeat)};
}

void bench_modes(const std::vector<std::size_t>& sizes, const std::vector<std::size_t>& parties,
                 std::size_t repeat) {
  std::printf("%4s %8s %14s %14s %16s %16s\n", "n", "payload", "AVID us/bcast", "Bracha us/bcast",
              "AVID B/party", "Bracha B/party");
  for (std::size_t n : parties) {
    for (std::size_t size : sizes) {
      const ModeResult a = run_mode(n, size, repeat, false);
      const ModeResult b = run_mode(n, size, repeat, true);
      std::printf("%4zu %8zu %14.1f %15.1f %16.0f %16.0f\n", n, size, a.us_per_broadcast,
                  b.us_per_broadcast, a.bytes_per_party, b.bytes_per_party);
      std::fflush(stdout);
    }
  }
}

void bench_aba(const std::vector<std::size_t>& parties, std::size_t repeat) {
  std::printf("%4s %3s %10s %8s %10s %14s\n", "n", "t", "inputs", "sessions", "ms/session",
              "rounds/session");
  for (std::size_t n : parties) {
    for (bool split : {false, true}) {
      auto s = session(n);
      // Coins for every session, made before the clock starts.
      on_parties(*s, [&](std::size_t i) {
        if (!s->engine(i).preprocess({0, 16 * repeat + 16, 0, 0})) std::exit(1);
      });
      std::atomic<bool> failed{false};
      const auto start = Clock::now();
      on_parties(*s, [&](std::size_t i) {
        mpc::Party& p = s->party(i);
        for (std::size_t r = 0; r < repeat; ++r) {
          const bool v = split ? (i + r) % 2 == 0 : true;
          auto session_id = p.aba_propose(v);
          if (!session_id) {
            failed = true;
            return;
          }
          if (!p.aba_result(*session_id, milliseconds(60'000))) failed = true;
        }
      });
      const double secs = seconds_since(start);
      double rounds = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& st = s->party(i).stats();
        if (st.agreements_decided > 0) {
          rounds +=
              static_cast<double>(st.agreement_rounds) / static_cast<double>(st.agreements_decided);
        }
      }
      if (failed) std::printf("  (a session failed)\n");
      std::printf("%4zu %3zu %10s %8zu %10.2f %14.2f\n", n, (n - 1) / 3,
                  split ? "split" : "unanimous", repeat,
                  1000.0 * secs / static_cast<double>(repeat), rounds / static_cast<double>(n));
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: async_bench rbc|modes|aba [--sizes a,b] [--parties a,b] "
                 "[--repeat k]\n");
    return 2;
  }
  const std::string what = argv[1];
  std::vector<std::size_t> sizes, parties;
  std::size_t repeat = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--sizes") {
      sizes = parse_list(value);
    } else if (flag == "--parties") {
      parties = parse_list(value);
    } else if (flag == "--repeat") {
      repeat = std::stoul(value);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (what == "rbc") {
    bench_rbc(sizes.empty() ? std::vector<std::size_t>{1 << 20} : sizes,
              parties.empty() ? std::vector<std::size_t>{5, 16} : parties, repeat ? repeat : 8);
  } else if (what == "modes") {
    bench_modes(
        sizes.empty() ? std::vector<std::size_t>{16, 64, 128, 256, 1024, 4096, 16384} : sizes,
        parties.empty() ? std::vector<std::size_t>{4, 7, 16} : parties, repeat ? repeat : 200);
  } else if (what == "aba") {
    bench_aba(parties.empty() ? std::vector<std::size_t>{4, 5, 7, 10, 16} : parties,
              repeat ? repeat : 20);
  } else {
    std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
    return 2;
  }
  return 0;
}
