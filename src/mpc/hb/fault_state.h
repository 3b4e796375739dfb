// The agreed fault state of robust preprocessing (docs/mpc.md, "Robust preprocessing"): which
// parties are convicted (proven faulty) and which pairs are in dispute (at least one of the two
// is faulty). It changes only from agreed data, so it is identical at every honest party, and
// everything derived from it (dealers, their fault bound, erasures) is too.
#pragma once

#include <algorithm>
#include <cstddef>
#include <set>
#include <utility>
#include <vector>

namespace stoffel::mpc {

class FaultState {
 public:
  FaultState(std::size_t n, std::size_t t) : n_(n), t_(t), convicted_(n, 0) {}

  bool convicted(std::size_t p) const { return p < n_ && convicted_[p] != 0; }
  std::size_t num_convicted() const {
    return static_cast<std::size_t>(std::count(convicted_.begin(), convicted_.end(), 1));
  }
  std::vector<std::size_t> convicted_parties() const {
    std::vector<std::size_t> out;
    for (std::size_t p = 0; p < n_; ++p) {
      if (convicted_[p]) out.push_back(p);
    }
    return out;
  }
  const std::set<std::pair<std::size_t, std::size_t>>& disputes() const { return disputes_; }

  // Returns true if p was not convicted before.
  bool convict(std::size_t p) {
    if (p >= n_ || convicted_[p]) return false;
    convicted_[p] = 1;
    return true;
  }
  // A new dispute between a and b; false (nothing changes) if it is known, a == b, or one of
  // them is convicted already (the dispute then says nothing new).
  bool add_dispute(std::size_t a, std::size_t b) {
    if (a == b || a >= n_ || b >= n_ || convicted_[a] || convicted_[b]) return false;
    return disputes_.insert({std::min(a, b), std::max(a, b)}).second;
  }
  // An honest party disputes only with faulty ones, at most t: a party with more than t distinct
  // partners is faulty. Returns the parties convicted by this rule.
  std::vector<std::size_t> convict_by_disputes() {
    std::vector<std::size_t> count(n_, 0), out;
    for (const auto& [a, b] : disputes_) {
      ++count[a];
      ++count[b];
    }
    for (std::size_t p = 0; p < n_; ++p) {
      if (count[p] > t_ && convict(p)) out.push_back(p);
    }
    return out;
  }

  const std::vector<std::uint8_t>& convicted_mask() const { return convicted_; }
  // Parties known to be faulty from p's point of view: the convicted ones and p's dispute
  // partners (if p is honest, every partner is faulty). They are erased in p's decodings.
  std::vector<std::uint8_t> known_faulty_to(std::size_t p) const {
    std::vector<std::uint8_t> out(convicted_);
    for (const auto& [a, b] : disputes_) {
      if (a == p) out[b] = 1;
      if (b == p) out[a] = 1;
    }
    return out;
  }

  // Dealer set D: not convicted, and no dispute with a party that is not convicted.
  std::vector<std::size_t> dealers() const {
    std::vector<std::uint8_t> out(convicted_);
    for (const auto& [a, b] : disputes_) {
      if (!convicted_[a] && !convicted_[b]) out[a] = out[b] = 1;
    }
    std::vector<std::size_t> d;
    for (std::size_t p = 0; p < n_; ++p) {
      if (!out[p]) d.push_back(p);
    }
    return d;
  }
  // Upper bound on the faulty parties inside D: t minus the convicted minus a greedy matching
  // of the live disputes (disjoint pairs, each with its own faulty member, all outside D).
  std::size_t dealer_threshold() const {
    std::vector<std::uint8_t> used(n_, 0);
    std::size_t matched = 0;
    for (const auto& [a, b] : disputes_) {
      if (convicted_[a] || convicted_[b] || used[a] || used[b]) continue;
      used[a] = used[b] = 1;
      ++matched;
    }
    const std::size_t known = num_convicted() + matched;
    return known >= t_ ? 0 : t_ - known;
  }

 private:
  std::size_t n_, t_;
  std::vector<std::uint8_t> convicted_;
  std::set<std::pair<std::size_t, std::size_t>> disputes_;
};

}  // namespace stoffel::mpc
