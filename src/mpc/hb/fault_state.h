// The agreed fault state of robust preprocessing (docs/mpc.md, "Robust preprocessing" and
// "Silent parties"): which parties are excluded, either convicted (proven to have sent wrong or
// malformed data) or silent (agreed not to have answered), and which pairs are in dispute (at
// least one of the two is faulty). It changes only from agreed data, so it is identical at every
// honest party, and everything derived from it (dealers, their fault bound, erasures) is too.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
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
  // What a dispute is about: a value that was wrong (received, but not what it should have
  // been) or missing (nothing usable arrived). Disputes are symmetric; `wrong_by` records for
  // which member the other reported a wrong value.
  enum class Issue : std::uint8_t { kMissing, kWrong };
  // A new dispute between `accuser` and `accused` (the accused's value was wrong or missing, or
  // the accused claims so about the accuser); false (no progress) if the pair is known already,
  // accuser == accused, or one of them is excluded (the dispute then says nothing new).
  bool add_dispute(std::size_t accuser, std::size_t accused, Issue issue) {
    if (accuser == accused || accuser >= n_ || accused >= n_ || excluded(accuser) ||
        excluded(accused)) {
      return false;
    }
    const std::pair<std::size_t, std::size_t> key{std::min(accuser, accused),
                                                  std::max(accuser, accused)};
    if (issue == Issue::kWrong) wrong_by_[key].insert(accused);
    return disputes_.insert(key).second;
  }
  // An honest party disputes only with faulty ones, and every excluded party is faulty: so for
  // an honest party, its dispute partners and the excluded parties are at most t. A party with
  // more is faulty, and excluded. It is convicted (named as having sent wrong data) only if more
  // than t of its partners reported a wrong value of it, so at least one honest party did;
  // otherwise it is excluded as silent (an honest partner may only have missed its values, or
  // it may be in no dispute with an honest party at all). Repeated until nothing changes (an
  // exclusion adds to the others' counts). Returns the parties excluded by this rule.
  std::vector<std::size_t> exclude_by_disputes() {
    std::vector<std::size_t> out;
    for (bool again = true; again;) {
      again = false;
      std::vector<std::set<std::size_t>> partners(n_);
      std::vector<std::size_t> wrong(n_, 0);
      for (const auto& key : disputes_) {
        partners[key.first].insert(key.second);
        partners[key.second].insert(key.first);
        if (auto it = wrong_by_.find(key); it != wrong_by_.end()) {
          for (std::size_t p : it->second) ++wrong[p];
        }
      }
      for (std::size_t p = 0; p < n_; ++p) {
        if (excluded(p)) continue;
        std::set<std::size_t>& known = partners[p];
        for (std::size_t q = 0; q < n_; ++q) {
          if (q != p && excluded(q)) known.insert(q);
        }
        if (known.size() <= t_) continue;
        if (wrong[p] > t_ ? convict(p) : mark_silent(p)) {
          out.push_back(p);
          again = true;
        }
      }
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
  std::map<std::pair<std::size_t, std::size_t>, std::set<std::size_t>> wrong_by_;
};

}  // namespace stoffel::mpc
