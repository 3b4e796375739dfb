// Cross-checks of the group code against an independent implementation: @noble/curves, run by
// Node.js (tests/oracle/curve_oracle.js, pinned by tests/oracle/package-lock.json and installed
// by scripts/install-deps). The script prints random cases with noble's answers; this test
// recomputes each with our code. If node or the npm packages are missing, the test fails (it
// never skips): run scripts/install-deps.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "math/bls12_381.h"
#include "math/bn254.h"
#include "math/ed25519.h"
#include "math/hash_to_curve.h"

namespace stoffel::math {
namespace {

std::vector<std::uint8_t> unhex(const std::string& s) {
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoi(s.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::string hex(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// Runs the oracle; the output and the exit status (0 on success).
std::pair<std::string, int> run_oracle(const std::string& seed) {
  const char* node_env = std::getenv("STOFFEL_NODE");
  const std::string node = node_env ? node_env : "node";
  const std::string dir = std::string(STOFFEL_SOURCE_DIR) + "/tests/oracle";
  const std::string cmd = "cd '" + dir + "' && '" + node + "' curve_oracle.js " + seed + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {"popen failed", -1};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  const int status = pclose(f);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

template <typename G>
G point(const std::string& h) {
  auto p = G::from_bytes(unhex(h));
  EXPECT_TRUE(p.ok()) << G::name() << " rejects noble's encoding " << h << ": "
                      << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : G::identity();
}

template <typename G>
typename G::Scalar scalar(const std::string& h) {
  auto k = G::Scalar::from_bytes(unhex(h));
  EXPECT_TRUE(k.ok()) << h;
  return k.ok() ? *k : G::Scalar::zero();
}

// Checks one line for group G; returns the number of checks made.
template <typename G>
int check_line(const std::vector<std::string>& f, const std::string& line) {
  const std::string& op = f[0];
  if (op == "mul") {
    const G p = point<G>(f[3]);
    const auto k = scalar<G>(f[2]);
    EXPECT_EQ(hex(p.mul(k).to_bytes()), f[4]) << line;
    EXPECT_EQ(hex(p.mul_vartime(k).to_bytes()), f[4]) << line;
    return 2;
  }
  if (op == "add") {
    EXPECT_EQ(hex((point<G>(f[2]) + point<G>(f[3])).to_bytes()), f[4]) << line;
    return 1;
  }
  if (op == "dbl") {
    EXPECT_EQ(hex(point<G>(f[2]).dbl().to_bytes()), f[3]) << line;
    return 1;
  }
  if (op == "neg") {
    EXPECT_EQ(hex((-point<G>(f[2])).to_bytes()), f[3]) << line;
    return 1;
  }
  if (op == "msm") {
    std::vector<typename G::Scalar> ks;
    std::vector<G> ps;
    for (const auto& k : split(f[2], ',')) ks.push_back(scalar<G>(k));
    for (const auto& p : split(f[3], ',')) ps.push_back(point<G>(p));
    EXPECT_EQ(hex(G::msm(ps, ks).to_bytes()), f[4]) << line;
    return 1;
  }
  if (op == "dec") {
    const auto bytes = unhex(f[2]);
    auto p = G::from_bytes(bytes);
    const bool expected = f[3] == "1";
    EXPECT_EQ(p.ok(), expected) << G::name() << " decoding " << f[2] << ": "
                                << (p.ok() ? "accepted" : p.error().message);
    if (p.ok() && expected) {
      EXPECT_EQ(hex(p->to_bytes()), f[2]);
    }
    return 1;
  }
  ADD_FAILURE() << "unknown oracle line: " << line;
  return 0;
}

TEST(CurveOracle, NobleCurvesAgree) {
  const auto [out, status] = run_oracle("stoffel-1");
  ASSERT_EQ(status, 0) << "the @noble/curves oracle did not run (install node and the npm "
                          "packages with scripts/install-deps):\n"
                       << out;
  std::map<std::string, int> checks;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto f = split(line, ' ');
    ASSERT_GE(f.size(), 3u) << line;
    if (f[0] == "h2g") {
      const auto msg = unhex(f[1]);
      auto p = hash_to_g1(msg);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(hex(p->to_bytes()), f[2]) << "hash_to_g1(" << f[1] << ")";
      ++checks["h2g"];
      continue;
    }
    int n = 0;
    if (f[1] == "g1") {
      n = check_line<Bls12_381_G1>(f, line);
    } else if (f[1] == "g2") {
      n = check_line<Bls12_381_G2>(f, line);
    } else if (f[1] == "bn") {
      n = check_line<Bn254_G1>(f, line);
    } else if (f[1] == "ed") {
      n = check_line<Ed25519Point>(f, line);
    } else {
      ADD_FAILURE() << "unknown group in " << line;
    }
    checks[f[1] + " " + f[0]] += n;
  }
  // Every kind of case was present (a truncated or empty oracle output must not pass).
  for (const char* g : {"g1", "g2", "bn", "ed"}) {
    for (const char* op : {"mul", "add", "dbl", "neg", "msm", "dec"}) {
      EXPECT_GT(checks[std::string(g) + " " + op], 0) << g << " " << op;
    }
  }
  EXPECT_GE(checks["h2g"], 10);
}

}  // namespace
}  // namespace stoffel::math
