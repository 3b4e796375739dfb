// The AVSS backend on in-process links (docs/performance.md, "AVSS backend and threshold
// signatures"): per field and n, the first DKG'd key (which includes the one-time broadcast of
// the parties' encryption keys), then `repeat` further dealings (every party deals one secret,
// all at once; each gives n - t committed random shares), a checked opening and a checked
// opening in the exponent of one key; and the computation of one dealer's dealing alone
// (commitments, n ECDH multiplications, n encryptions) without the network.
//
//   avss_bench [--parties 5,16] [--repeat 5]
//
// Every party has its own thread on the machine's cores, so figures for large n are bounded by
// the CPU, not by the protocol. Wall-clock milliseconds, median over the repeats.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "math/rng.h"
#include "mpc/avss/avss_party.h"
#include "mpc/avss/feldman.h"
#include "mpc/groups.h"
#include "mpc/local_session.h"

namespace {

using namespace stoffel;
using Clock = std::chrono::steady_clock;

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

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs fn(i) on one thread per party; the wall time until all are done.
double on_parties(std::size_t n, const std::function<void(std::size_t)>& fn) {
  const auto start = Clock::now();
  std::vector<std::thread> th;
  for (std::size_t i = 0; i < n; ++i) th.emplace_back([&, i] { fn(i); });
  for (auto& t : th) t.join();
  return ms_since(start);
}

// One dealer's computation for one secret: t + 1 commitments, n ECDH keys and share evaluations.
template <typename F>
double deal_compute(std::size_t n, std::size_t t, std::size_t repeat) {
  using G = typename mpc::CommitmentGroup<F>::type;
  math::SeededRng rng(9);
  std::vector<G> pks;
  for (std::size_t j = 0; j < n; ++j) pks.push_back(G::generator().mul(F::random(rng)));
  std::vector<double> times;
  for (std::size_t r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    std::vector<F> coeffs(t + 1);
    F::random_fill(rng, std::span<F>(coeffs));
    auto commits = mpc::feldman::commit<G>(coeffs);
    const F e = F::random(rng);
    G acc = G::generator().mul(e);
    F shares = F::zero();
    for (std::size_t j = 0; j < n; ++j) {
      acc += pks[j].mul(e);
      F x = F::from_u64(j + 1), v = F::zero();
      for (std::size_t c = t + 1; c-- > 0;) v = v * x + coeffs[c];
      shares += v;
    }
    times.push_back(ms_since(start));
    if (acc.is_identity() && shares.is_zero() && commits.empty()) std::printf(" ");
  }
  return median(times);
}

template <typename F>
void bench_field(math::FieldKind field, const char* name, std::size_t n, std::size_t repeat) {
  const std::size_t t = (n - 1) / 3;
  mpc::SessionParams c;
  c.n = n;
  c.t = t;
  c.field = field;
  c.seed = 5;
  c.avss = true;
  c.initial_triples = 1;
  c.initial_randoms = 1;
  c.receive_timeout_ms = 60'000;
  auto s = mpc::LocalSessionImpl::make(c, {});
  if (!s) {
    std::fprintf(stderr, "session: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  auto party = [&](std::size_t i) -> mpc::AvssParty& {
    return dynamic_cast<mpc::AvssParty&>((*s)->engine(i));
  };
  std::atomic<bool> failed{false};
  std::vector<mpc::AvssParty::Committed> key(n);
  // The first key: key setup plus one dealing.
  const double first = on_parties(n, [&](std::size_t i) {
    auto k = party(i).random_committed();
    if (!k)
      failed = true;
    else
      key[i] = *k;
    // Drain the rest of this dealing's outputs so every timed dealing below starts afresh.
    for (std::size_t r = 1; r < n - t; ++r) {
      if (!party(i).random_committed()) failed = true;
    }
  });
  const std::uint64_t bytes_before = (*s)->party(0).stats().bytes_sent;
  std::vector<double> dealing;
  for (std::size_t r = 0; r < repeat; ++r) {
    dealing.push_back(on_parties(n, [&](std::size_t i) {
      for (std::size_t k = 0; k < n - t; ++k) {
        if (!party(i).random_committed()) failed = true;
      }
    }));
  }
  const double bytes_per_dealing =
      repeat ? double((*s)->party(0).stats().bytes_sent - bytes_before) / double(repeat) : 0;
  std::vector<double> open, exp;
  for (std::size_t r = 0; r < repeat; ++r) {
    open.push_back(on_parties(n, [&](std::size_t i) {
      std::vector<mpc::FieldBytes> v{key[i].value};
      std::vector<std::vector<std::uint8_t>> cm{key[i].commitments};
      if (!party(i).open_committed(v, cm)) failed = true;
    }));
    exp.push_back(on_parties(n, [&](std::size_t i) {
      if (!party(i).open_exp_committed(key[i].value, key[i].commitments, "", {})) failed = true;
    }));
  }
  std::printf("%-10s %3zu %2zu %10.1f %10.1f %12.0f %9.2f %9.2f %10.2f%s\n", name, n, t, first,
              median(dealing), bytes_per_dealing / 1024.0, median(open), median(exp),
              deal_compute<F>(n, t, repeat), failed ? "  (an operation failed)" : "");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> parties{5, 16};
  std::size_t repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--parties")
      parties = parse_list(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::stoul(argv[i + 1]);
  }
  std::printf("%-10s %3s %2s %10s %10s %12s %9s %9s %10s\n", "field", "n", "t", "first key",
              "dealing", "KiB/deal p0", "open", "open_exp", "deal cpu");
  std::printf("%-10s %3s %2s %10s %10s %12s %9s %9s %10s\n", "", "", "", "ms", "ms", "", "ms", "ms",
              "ms");
  for (std::size_t n : parties) {
    bench_field<math::Bls12_381_Fr>(math::FieldKind::Bls12_381, "bls12-381", n, repeat);
    bench_field<math::Bn254_Fr>(math::FieldKind::Bn254, "bn254", n, repeat);
    bench_field<math::Curve25519_Fr>(math::FieldKind::Curve25519, "ed25519", n, repeat);
  }
  return 0;
}
