// The agreed fault state of robust preprocessing (docs/mpc.md, "Robust preprocessing" and
// "Silent parties"): which parties are excluded, either convicted (proven to have sent wrong or
// malformed data) or silent (agreed not to have answered), and which pairs are in dispute (at
// least one of the two is faulty). It changes only from agreed data, so it is identical at every
// honest party, and everything derived from it (dealers, their fault bound, erasures) is too.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace stoffel::mpc {

class FaultState {
 public:
  FaultState(std::size_t n, std::size_t t) : n_(n), t_(t), state_(n, kNone) {}

  // Excluded: convicted or silent. Both are faulty and treated alike by the protocols; they
  // differ only in how they are named (docs/mpc.md, "What is reported").
  bool excluded(std::size_t p) const { return p < n_ && state_[p] != kNone; }
  bool convicted(std::size_t p) const { return p < n_ && state_[p] == kConvicted; }
  bool silent(std::size_t p) const { return p < n_ && state_[p] == kSilent; }
  std::size_t num_excluded() const {
    return n_ - static_cast<std::size_t>(std::count(state_.begin(), state_.end(), kNone));
  }
  std::vector<std::size_t> convicted_parties() const { return with(kConvicted); }
  std::vector<std::size_t> silent_parties() const { return with(kSilent); }
  const std::set<std::pair<std::size_t, std::size_t>>& disputes() const { return disputes_; }

  // Proof of wrong or malformed data. Returns true if p was not excluded before (progress); a
  // silent party proven to have lied is renamed convicted, which is no progress.
  bool convict(std::size_t p) {
    if (p >= n_ || state_[p] == kConvicted) return false;
    const bool was_excluded = state_[p] != kNone;
    state_[p] = kConvicted;
    return !was_excluded;
  }
  // Agreed not to have answered. Returns true if p was not excluded before.
  bool mark_silent(std::size_t p) {
    if (p >= n_ || state_[p] != kNone) return false;
    state_[p] = kSilent;
    return true;
  }
  // A new dispute between a and b; false (nothing changes) if it is known, a == b, or one of
  // them is excluded already (the dispute then says nothing new).
  bool add_dispute(std::size_t a, std::size_t b) {
    if (a == b || a >= n_ || b >= n_ || excluded(a) || excluded(b)) return false;
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

  std::vector<std::uint8_t> excluded_mask() const {
    std::vector<std::uint8_t> out(n_);
    for (std::size_t p = 0; p < n_; ++p) out[p] = state_[p] != kNone ? 1 : 0;
    return out;
  }
  // Parties known to be faulty from p's point of view: the excluded ones and p's dispute
  // partners (if p is honest, every partner is faulty). They are erased in p's decodings.
  std::vector<std::uint8_t> known_faulty_to(std::size_t p) const {
    std::vector<std::uint8_t> out = excluded_mask();
    for (const auto& [a, b] : disputes_) {
      if (a == p) out[b] = 1;
      if (b == p) out[a] = 1;
    }
    return out;
  }

  // Dealer set D: not excluded, and no dispute with a party that is not excluded.
  std::vector<std::size_t> dealers() const {
    std::vector<std::uint8_t> out = excluded_mask();
    for (const auto& [a, b] : disputes_) {
      if (!excluded(a) && !excluded(b)) out[a] = out[b] = 1;
    }
    std::vector<std::size_t> d;
    for (std::size_t p = 0; p < n_; ++p) {
      if (!out[p]) d.push_back(p);
    }
    return d;
  }
  // Upper bound on the faulty parties inside D: t minus the excluded minus a greedy matching of
  // the live disputes (disjoint pairs, each with its own faulty member, all outside D).
  std::size_t dealer_threshold() const {
    std::vector<std::uint8_t> used(n_, 0);
    std::size_t matched = 0;
    for (const auto& [a, b] : disputes_) {
      if (excluded(a) || excluded(b) || used[a] || used[b]) continue;
      used[a] = used[b] = 1;
      ++matched;
    }
    const std::size_t known = num_excluded() + matched;
    return known >= t_ ? 0 : t_ - known;
  }
  // Whether a dispute is live (both members not excluded): a faulty party is known to exist
  // among parties that still take part.
  bool live_dispute() const {
    for (const auto& [a, b] : disputes_) {
      if (!excluded(a) && !excluded(b)) return true;
    }
    return false;
  }

 private:
  static constexpr std::uint8_t kNone = 0, kConvicted = 1, kSilent = 2;
  std::vector<std::size_t> with(std::uint8_t s) const {
    std::vector<std::size_t> out;
    for (std::size_t p = 0; p < n_; ++p) {
      if (state_[p] == s) out.push_back(p);
    }
    return out;
  }

  std::size_t n_, t_;
  std::vector<std::uint8_t> state_;
  std::set<std::pair<std::size_t, std::size_t>> disputes_;
};

}  // namespace stoffel::mpc
