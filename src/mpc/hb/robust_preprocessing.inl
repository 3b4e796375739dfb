// HbPartyImpl<F>: the fault handling of robust preprocessing (docs/mpc.md, "Robust
// preprocessing"): records broadcast with agreement, and dispute resolution from agreed data
// only, so every honest party updates the fault state identically. Included only
// by the per-field translation units (field_<name>.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "math/rng.h"
#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

inline constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
// What a party received from a dealer in a run (reported in dispute resolution).
inline constexpr std::uint8_t kNothing = 0, kValid = 1, kInvalid = 2;

// State of one preprocessing attempt that fault resolution needs.
template <typename F>
struct HbPartyImpl<F>::Run {
  std::vector<std::size_t> dealers;  // D, ascending
  std::vector<std::size_t> pos;      // party -> index in D, or kNone
  // Columns per dealer: kr degree-t ones (the last kb of them bounded values and range-check
  // masks, decision P12), kd degree-t and kd degree-2t halves of double sharings.
  std::size_t t_d = 0, kr = 0, kb = 0, kd = 0, cols = 0;
  const math::Matrix<F>* him = nullptr;  // |D| x |D|
  std::vector<F> dealt;                  // this party's dealing, n x cols (empty: not a dealer)
  std::vector<F> in;                     // received dealings, |D| x cols (zeros where missing)
  std::vector<std::uint8_t> got;         // per dealer: kNothing, kValid or kInvalid
  std::size_t off_ab = 0, nt = 0, nb = 0;  // where triple factors and bit seeds sit in rnd
  std::vector<std::uint8_t> erased;        // parties this party erases in the opening
};

namespace record {

// Records (verdicts, opening status, revealed columns) are byte strings: a tag byte (never
// empty, so they differ from "bottom"), then fixed-layout integers and field elements.
inline constexpr std::uint8_t kOk = 1, kFail = 2, kData = 3;
// What a FAIL record says about one party's value: received (and then the value follows),
// missing (the party was awaited and nothing usable came), or erased by the reporter (silent to
// it or known faulty to it: left out of its check or decoding).
inline constexpr std::uint8_t kMissing = 0, kPresent = 1, kErased = 2;

inline void put_u32(BaValue& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
template <typename F>
void put_elem(BaValue& b, const F& v) {
  const math::Limbs x = v.to_canonical();
  const std::size_t at = b.size();
  b.resize(at + 32);
  std::memcpy(b.data() + at, x.data(), 32);
}
// One party's value in a FAIL record: flag byte (kMissing, kPresent, kErased) and 32 bytes.
template <typename F>
void put_value(BaValue& b, std::uint8_t flag, const F& v) {
  b.push_back(flag);
  put_elem(b, flag == kPresent ? v : F::zero());
}

// Bounds-checked reading; any failure makes the whole record malformed.
class Reader {
 public:
  explicit Reader(const BaValue& b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (at_ + 1 > b_.size()) return false;
    v = b_[at_++];
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (at_ + 4 > b_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b_[at_ + i]) << (8 * i);
    at_ += 4;
    return true;
  }
  template <typename F>
  bool elem(F& v) {
    if (at_ + 32 > b_.size()) return false;
    if (!wire::decode_elements<F>(std::span<const std::uint8_t>(b_.data() + at_, 32),
                                  std::span<F>(&v, 1))) {
      return false;
    }
    at_ += 32;
    return true;
  }
  template <typename F>
  bool value(std::uint8_t& flag, F& v) {
    return u8(flag) && flag <= kErased && elem(v);
  }
  bool done() const { return at_ == b_.size(); }

 private:
  const BaValue& b_;
  std::size_t at_ = 0;
};

}  // namespace record

template <typename F>
bool HbPartyImpl<F>::wait_for(std::size_t p) const {
  return !faults_.excluded(p) && !silent_[p] &&
         !std::binary_search(suspects_.begin(), suspects_.end(), p);
}

template <typename F>
std::vector<std::uint8_t> HbPartyImpl<F>::erasures_2t() const {
  // An excluded party (faulty, but possibly running this code with broken links) cannot take
  // its dispute partners for faulty; it erases only the other excluded parties, which keeps it
  // in step with the others instead of failing on its own.
  std::vector<std::uint8_t> erased = faults_.excluded(cfg_.id)
                                         ? faults_.excluded_mask()
                                         : faults_.known_faulty_to(cfg_.id);
  for (std::size_t p = 0; p < cfg_.n; ++p) erased[p] |= silent_[p];
  erased[cfg_.id] = 0;
  return erased;
}

template <typename F>
std::vector<std::uint8_t> HbPartyImpl<F>::erasures_check() const {
  std::vector<std::uint8_t> erased = faults_.excluded_mask();
  for (std::size_t p = 0; p < cfg_.n; ++p) erased[p] |= silent_[p];
  erased[cfg_.id] = 0;
  return erased;
}

template <typename F>
const math::Matrix<F>& HbPartyImpl<F>::him(std::size_t size) {
  if (size == cfg_.n) return alg_->him;
  auto it = him_.find(size);
  if (it == him_.end()) {
    it = him_.emplace(size, math::small_hyperinvertible_matrix<F>(size)).first;
  }
  return it->second;
}

template <typename F>
const math::RobustDecoder<F>& HbPartyImpl<F>::decoder_2t(std::size_t faults) {
  if (faults == cfg_.t) return alg_->dec_2t;
  auto it = dec_2t_by_t_.find(faults);
  if (it == dec_2t_by_t_.end()) {
    // Cannot fail: the same domain and degree as alg_->dec_2t, a smaller bound.
    auto d = math::RobustDecoder<F>::create(alg_->domain, 2 * cfg_.t, faults);
    it = dec_2t_by_t_.emplace(faults, std::move(*d)).first;
  }
  return it->second;
}

template <typename F>
const math::RobustDecoder<F>& HbPartyImpl<F>::decoder_reveal(std::size_t faults) {
  if (faults == cfg_.t) return alg_->recon_2t.decoder();
  auto it = dec_reveal_by_t_.find(faults);
  if (it == dec_reveal_by_t_.end()) {
    // Cannot fail: the same domain and degree as alg_->recon_2t's decoder, a smaller bound.
    auto d = math::RobustDecoder<F>::create(alg_->recon_2t.eval_domain(), 2 * cfg_.t, faults);
    it = dec_reveal_by_t_.emplace(faults, std::move(*d)).first;
  }
  return it->second;
}

template <typename F>
void HbPartyImpl<F>::settle_faults() {
  faults_.exclude_by_disputes();
  // Convicted parties are named in the warnings like parties caught sending wrong shares; silent
  // ones are not (they are reported as silent by the parties that waited for them in vain), and
  // nobody waits for either again.
  for (std::size_t p : faults_.convicted_parties()) suspect(p);
  for (std::size_t p : faults_.silent_parties()) {
    if (p < silent_.size() && p != cfg_.id) silent_[p] = 1;
  }
}

// Check index c < kr: random-share column c (degree t). kr <= c < kr + kd: double sharing c - kr
// (columns c, degree t, and c + kd, degree 2t, with equal values at 0).
template <typename F>
std::size_t HbPartyImpl<F>::first_failing_check(const Run& run, const std::vector<F>& word,
                                             const std::vector<std::uint8_t>& erased) const {
  const std::size_t n = cfg_.n, t = cfg_.t, cols = run.cols;
  std::vector<std::size_t> present;
  for (std::size_t p = 0; p < n; ++p) {
    if (!erased[p]) present.push_back(p);
  }
  // Plans over the non-erased parties: at least 2t + 1 of them at an honest checker (it erases
  // only faulty parties). Fewer cannot be checked: a failure, reported as such.
  if (present.size() < 2 * t + 1) return 0;
  const InterpPlan<F> pt = InterpPlan<F>::make(alg_->domain, present, t, 1);
  const InterpPlan<F> p2 = InterpPlan<F>::make(alg_->domain, present, 2 * t, 1);
  auto at = [&](std::size_t col) {
    return [&word, col, cols](std::size_t p) { return word.data() + p * cols + col; };
  };
  {
    // Fast path: every column at once (the common case, nothing wrong).
    std::vector<F> z1(run.kd), z2(run.kd);
    if (check_words<F>(pt, at(0), run.kr) &&
        check_words<F>(pt, at(run.kr), run.kd, std::span<F>(z1)) &&
        check_words<F>(p2, at(run.kr + run.kd), run.kd, std::span<F>(z2)) &&
        std::equal(z1.begin(), z1.end(), z2.begin())) {
      return kNone;
    }
  }
  for (std::size_t c = 0; c < run.kr + run.kd; ++c) {
    F z1{}, z2{};
    if (c < run.kr) {
      if (!check_words<F>(pt, at(c), 1)) return c;
    } else if (!check_words<F>(pt, at(c), 1, std::span<F>(&z1, 1)) ||
               !check_words<F>(p2, at(c + run.kd), 1, std::span<F>(&z2, 1)) || !(z1 == z2)) {
      return c;
    }
  }
  return kNone;
}

// A ChaCha20 key from a public field element (a checker's challenge, the range checks' coin):
// its 32 canonical bytes.
template <typename F>
std::array<std::uint8_t, 32> key_of(const F& seed) {
  const math::Limbs x = seed.to_canonical();
  std::array<std::uint8_t, 32> key{};
  std::memcpy(key.data(), x.data(), key.size());
  return key;
}

namespace combined {

// The challenge of a combined check (decision P11): one coefficient per random-share column, then
// one per double sharing (the same for its degree-t and degree-2t halves), expanded with ChaCha20
// from the checker's seed, a field element it chose after every party had closed its dealing.
template <typename F>
std::vector<F> coefficients(const F& seed, std::size_t count) {
  math::SeededRng rng(key_of(seed));
  std::vector<F> c(count);
  F::random_fill(rng, std::span<F>(c));
  return c;
}

// The three combinations of one row of kr + 2 kd values: z[0] = sum rho_c row[c] over the random
// shares, z[1] and z[2] = sum sigma_q row[kr + q] (resp. row[kr + kd + q]) over the double
// sharings' halves.
template <typename F>
void combine(const F* row, std::size_t kr, std::size_t kd, const std::vector<F>& coef, F* z) {
  F a = F::zero(), b = F::zero(), c = F::zero();
  for (std::size_t i = 0; i < kr; ++i) a += coef[i] * row[i];
  for (std::size_t q = 0; q < kd; ++q) {
    b += coef[kr + q] * row[kr + q];
    c += coef[kr + q] * row[kr + kd + q];
  }
  z[0] = a;
  z[1] = b;
  z[2] = c;
}

inline constexpr std::size_t kWidth = 3;  // combinations per row

}  // namespace combined

template <typename F>
typename HbPartyImpl<F>::Run HbPartyImpl<F>::combined_run(const Run& run, const F& seed) const {
  const std::vector<F> coef = combined::coefficients(seed, run.kr + run.kd);
  const std::size_t m = run.dealers.size(), n = cfg_.n, w = combined::kWidth;
  Run v;
  v.dealers = run.dealers;
  v.pos = run.pos;
  v.t_d = run.t_d;
  v.kr = 1;
  v.kd = 1;
  v.cols = w;
  v.him = run.him;
  v.got = run.got;
  v.in.resize(m * w);
  for (std::size_t idx = 0; idx < m; ++idx) {
    combined::combine(run.in.data() + idx * run.cols, run.kr, run.kd, coef, v.in.data() + idx * w);
  }
  if (!run.dealt.empty()) {
    v.dealt.resize(n * w);
    for (std::size_t k = 0; k < n; ++k) {
      combined::combine(run.dealt.data() + k * run.cols, run.kr, run.kd, coef,
                        v.dealt.data() + k * w);
    }
  }
  return v;
}

// The combined check (decision P11, docs/mpc.md "Preprocessing"): three rounds instead of one,
// and three field elements per party and checker instead of a row of `cols`.
//   closed     every party tells every checker that it has closed its dealing round
//   challenge  each checker, once every party it waits for has closed, sends a fresh seed
//   combine    every party sends each checker the three combinations of its share of that
//              checker's row under the checker's challenge (an empty message if none came)
// The challenge must be unknown to a faulty dealer while an honest party still accepts its
// dealing: otherwise the dealer could deal errors that cancel in the combination. Waiting for
// "closed" from every party gives that (a party silent to the checker is erased in its check, as
// in the row check).
template <typename F>
Result<void> HbPartyImpl<F>::combined_check(const Run& run, const std::vector<F>& out,
                                            const std::vector<std::size_t>& checkers,
                                            BaValue& verdict) {
  const std::size_t n = cfg_.n, self = cfg_.id, nc = checkers.size(), cols = run.cols;
  const std::size_t w = combined::kWidth;
  const std::size_t mine = run.pos[self] < nc ? run.pos[self] : kNone;  // checker index, if any
  // Each round number is taken only when this party enters the round, never ahead: a waiting
  // party's keep-alives carry the last round it has started (router.h), and a checker still
  // waiting for "closed" must announce the closed round, so that parties awaiting its challenge
  // see it is still behind and keep waiting. Taking all three at once made a checker held up by
  // a crashed party look as if it were past the challenge round, and everybody gave it up.
  const std::uint64_t closed_round = router_.next_round();
  auto wait_all = [&](auto& awaited) {
    return [&]() -> Result<bool> {
      for (std::size_t p = 0; p < n; ++p) {
        if (awaited(p)) return false;
      }
      return true;
    };
  };

  for (std::size_t c : checkers) {
    if (c == self) continue;
    if (auto ok = router_.send(c, wire::encode_shares<F>(wire::Channel::kRound, closed_round,
                                                           std::span<const F>{}));
        !ok) {
      return ok;
    }
  }
  std::vector<F> seeds(nc, F::zero());
  std::vector<std::uint8_t> has_seed(nc, 0);
  if (mine != kNone) {
    std::vector<std::uint8_t> heard(n, 0);
    heard[self] = 1;
    auto on_closed = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t>) {
      heard[from] = 1;
      return cnt == 0;
    };
    auto awaited = [&](std::size_t p) { return !heard[p] && wait_for(p); };
    if (auto ok = router_.gather(closed_round, "preprocessing dealing closed", on_closed,
                                 wait_all(awaited), awaited, true);
        !ok) {
      return ok;
    }
    for (std::size_t p = 0; p < n; ++p) {
      if (awaited(p)) mark_silent(p);
    }
  }
  const std::uint64_t seed_round = router_.next_round();
  if (mine != kNone) {
    F::random_fill(*rng_, std::span<F>(&seeds[mine], 1));
    has_seed[mine] = 1;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == self) continue;
      if (auto ok = router_.send(j, wire::encode_shares<F>(wire::Channel::kRound, seed_round,
                                                             std::span<const F>(&seeds[mine], 1)));
          !ok) {
        return ok;
      }
    }
  }
  {
    std::vector<std::uint8_t> heard(n, 0);
    heard[self] = 1;
    auto on_seed = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      const std::size_t i = run.pos[from];
      if (i == kNone || i >= nc) return false;  // not a checker of this run
      heard[from] = 1;
      if (cnt != 1 || !wire::decode_shares<F>(body, std::span<F>(&seeds[i], 1))) {
        seeds[i] = F::zero();
        return false;
      }
      has_seed[i] = 1;
      return true;
    };
    auto awaited = [&](std::size_t p) {
      return run.pos[p] != kNone && run.pos[p] < nc && !heard[p] && wait_for(p);
    };
    if (auto ok = router_.gather(seed_round, "preprocessing challenges", on_seed,
                                 wait_all(awaited), awaited, true);
        !ok) {
      return ok;
    }
    for (std::size_t p = 0; p < n; ++p) {
      if (awaited(p)) mark_silent(p);
    }
  }

  const std::uint64_t check_round = router_.next_round();
  std::vector<F> word;  // the checker's: word[k * w + j], party k's combination j
  std::vector<std::uint8_t> have;
  if (mine != kNone) {
    word.assign(n * w, F::zero());
    have.assign(n, 0);
  }
  for (std::size_t i = 0; i < nc; ++i) {
    F z[combined::kWidth] = {};
    std::span<const F> answer;  // empty: no challenge came from this checker
    if (has_seed[i]) {
      combined::combine(out.data() + i * cols, run.kr, run.kd,
                        combined::coefficients(seeds[i], run.kr + run.kd), z);
      answer = std::span<const F>(z, w);
    }
    if (checkers[i] == self) {
      std::copy_n(z, w, word.begin() + static_cast<std::ptrdiff_t>(self * w));
      have[self] = 1;
    } else if (auto ok = router_.send(checkers[i], wire::encode_shares<F>(
                                                       wire::Channel::kRound, check_round, answer));
               !ok) {
      return ok;
    }
    math::wipe(std::span<F>(z, w));
  }
  if (mine == kNone) return {};

  verdict = BaValue{record::kOk};
  std::vector<std::uint8_t> heard(have);
  auto on_check = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
    heard[from] = 1;
    if (cnt == 0) return true;  // it had no challenge of this checker: counted as missing
    const std::span<F> dst(word.data() + from * w, w);
    if (cnt != w || !wire::decode_shares<F>(body, dst)) {
      std::fill(dst.begin(), dst.end(), F::zero());
      return false;
    }
    have[from] = 1;
    return true;
  };
  auto awaited = [&](std::size_t p) { return !heard[p] && wait_for(p); };
  if (auto ok = router_.gather(check_round, "preprocessing combined check shares", on_check,
                               wait_all(awaited), awaited, true);
      !ok) {
    return ok;
  }
  for (std::size_t p = 0; p < n; ++p) {
    if (awaited(p)) mark_silent(p);
  }
  // As the row check (try_run), on the combinations: the random shares' on a degree-t
  // polynomial, the double sharings' on degree t and 2t with equal values at 0.
  const std::vector<std::uint8_t> erased = erasures_check();
  bool missing = false;
  for (std::size_t p = 0; p < n; ++p) missing |= !erased[p] && !have[p];
  Run shape;
  shape.kr = 1;
  shape.kd = 1;
  shape.cols = w;
  const std::size_t c = missing ? 0 : first_failing_check(shape, word, erased);
  if (c != kNone) {
    verdict = BaValue{record::kFail};
    record::put_u32(verdict, static_cast<std::uint32_t>(c));
    record::put_elem(verdict, seeds[mine]);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint8_t flag = erased[k] ? record::kErased
                                : have[k] ? record::kPresent
                                          : record::kMissing;
      record::put_value(verdict, flag, word[k * w + c]);
      if (c >= shape.kr) record::put_value(verdict, flag, word[k * w + c + shape.kd]);
    }
  }
  math::wipe(std::span<F>(word));
  return {};
}

// Range checks of bounded values (decision P12; docs/mpc.md, "Bounded random values"): an
// approximate range proof per dealer. The coin is a random share of this accepted run, opened
// robustly now: uniform, and unknown to everybody until every dealing was fixed. Row l of
// dealer j opens z = y_l + sum_c rho_(l,c) x_c over its bounded values x with public random bits
// rho and its mask y_l, in one robust opening for all dealers and rows. Honest values and masks
// give z < 2^kRangeMaskBits + kRunItems 2^kBoundedBits < 2^kBoundedSlack, and y_l hides the sum
// up to 2^-kRangeKappa. If some x_c is not in (-2^S, 2^S) (as a signed field element, S =
// kBoundedSlack), then of the two values of rho_(l,c) at most one gives z < 2^S, so each row
// passes with probability at most 1/2 and all kRangeRows with at most 2^-kRangeRows. The run
// passed the combined check, so every dealing is consistent and the opened z is the dealer's
// own: a dealer with z >= 2^S is convicted on agreed data.
template <typename F>
Result<bool> HbPartyImpl<F>::range_check(const Run& run, const F& coin_share) {
  const std::size_t m = run.dealers.size(), cols = run.cols;
  const std::size_t nbd = run.kb - kRangeRows, base = run.kr - run.kb;
  const std::size_t stride = (nbd + 7) / 8;
  std::vector<std::uint8_t> rho(kRangeRows * stride);
  {
    F coin;
    auto ok = open_t(std::span<const F>(&coin_share, 1), std::span<F>(&coin, 1));
    --stats_.openings;  // preprocessing's own openings are not the program's (PartyStats)
    if (!ok) return ok.error().with_context("range checks of bounded values: coin: ");
    math::SeededRng rng(key_of(coin));
    rng.fill(std::span<std::uint8_t>(rho));
  }
  // Four columns at a time: the 16 sums of their subsets (15 additions), then one addition per
  // row, picked by the row's four bits of rho (public, so the lookup leaks nothing): 79
  // additions per four columns instead of 128 on average, and no branch on random bits.
  std::vector<F> z(m * kRangeRows);
  std::array<F, 16> sums{};
  for (std::size_t idx = 0; idx < m; ++idx) {
    const F* col = run.in.data() + idx * cols + base;
    F* acc = z.data() + idx * kRangeRows;
    for (std::size_t l = 0; l < kRangeRows; ++l) acc[l] = col[nbd + l];
    for (std::size_t c0 = 0; c0 < nbd; c0 += 4) {
      sums[0] = F::zero();
      for (unsigned set = 1; set < 16; ++set) {
        const unsigned low = set & (0u - set);  // lowest member of the subset
        const std::size_t c = c0 + static_cast<std::size_t>(std::countr_zero(low));
        sums[set] = sums[set ^ low] + (c < nbd ? col[c] : F::zero());
      }
      const std::size_t byte = c0 / 8, shift = c0 % 8;  // c0 % 8 is 0 or 4
      for (std::size_t l = 0; l < kRangeRows; ++l) {
        acc[l] += sums[(rho[l * stride + byte] >> shift) & 15u];
      }
    }
  }
  math::wipe(std::span<F>(sums));
  std::vector<F> opened(z.size());
  auto ok = open_t(z, opened);
  stats_.openings -= z.size();
  math::wipe(std::span<F>(z));
  if (!ok) return ok.error().with_context("range checks of bounded values: ");
  // Any failing dealer discards the run, also one excluded earlier in this run (convict() then
  // reports no progress): the retry's dealers are only parties not excluded.
  bool failed = false;
  for (std::size_t idx = 0; idx < m; ++idx) {
    for (std::size_t l = 0; l < kRangeRows; ++l) {
      const math::Limbs v = opened[idx * kRangeRows + l].to_canonical();
      if (comparison::low_bits(v, kBoundedSlack) != v) {
        faults_.convict(run.dealers[idx]);
        failed = true;
        break;
      }
    }
  }
  if (failed) settle_faults();
  return !failed;
}

template <typename F>
Result<std::optional<std::vector<F>>> HbPartyImpl<F>::reveal_columns(
    const Run& run, const std::vector<std::size_t>& columns) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::size_t m = run.dealers.size(), ns = columns.size();
  // Mine: my dealt shares of these columns if I am a dealer, then what I received from each
  // dealer (a flag: nothing, a valid dealing, an invalid one; then the shares, zeros if none).
  BaValue mine{record::kData};
  if (run.pos[self] != kNone) {
    for (std::size_t col : columns) {
      for (std::size_t k = 0; k < n; ++k) record::put_elem(mine, run.dealt[k * run.cols + col]);
    }
  }
  for (std::size_t idx = 0; idx < m; ++idx) {
    mine.push_back(run.got[idx]);
    for (std::size_t col : columns) record::put_elem(mine, run.in[idx * run.cols + col]);
  }
  std::vector<std::size_t> everyone(n);
  for (std::size_t p = 0; p < n; ++p) everyone[p] = p;
  Agreement ba = make_agreement();
  const std::size_t max_bytes = 1 + 32 * ns * (n + m) + m;
  auto agreed = ba.broadcast(everyone, mine, max_bytes);
  if (!agreed) return agreed.error();

  // Parse: polys[(idx * ns + s) * n + k], claims[((k * m) + idx) * ns + s], got[k * m + idx].
  std::vector<F> polys(m * ns * n), claims(n * m * ns);
  std::vector<std::uint8_t> got(n * m, 0);
  bool changed = false;
  for (std::size_t p = 0; p < n; ++p) {
    const BaValue& v = (*agreed)[p];
    record::Reader r(v);
    std::uint8_t tag = 0;
    bool ok = r.u8(tag) && tag == record::kData;
    if (ok && run.pos[p] != kNone) {
      F* dst = polys.data() + run.pos[p] * ns * n;
      for (std::size_t i = 0; ok && i < ns * n; ++i) ok = r.elem(dst[i]);
    }
    for (std::size_t idx = 0; ok && idx < m; ++idx) {
      ok = r.u8(got[p * m + idx]) && got[p * m + idx] <= kInvalid;
      for (std::size_t s = 0; ok && s < ns; ++s) ok = r.elem(claims[(p * m + idx) * ns + s]);
    }
    ok = ok && r.done();
    // An honest party's record is well formed and agreed as sent (validity): a missing one means
    // its sender did not answer (silent), a malformed one proves it faulty.
    if (v.empty()) {
      changed |= faults_.mark_silent(p);
    } else if (!ok) {
      changed |= faults_.convict(p);
    }
  }
  if (changed) return std::optional<std::vector<F>>{};

  // (a) Every dealer's sharing must have the right degree, and a double sharing equal values at
  // zero.
  auto degree_of = [&](std::size_t col) { return col >= run.kr + run.kd ? 2 * t : t; };
  for (std::size_t idx = 0; idx < m; ++idx) {
    std::vector<F> zero(ns);
    bool ok = true;
    for (std::size_t s = 0; ok && s < ns; ++s) {
      const F* vals = polys.data() + (idx * ns + s) * n;
      auto at = [vals](std::size_t k) { return vals + k; };
      ok = check_words<F>(degree_of(columns[s]) == t ? alg_->all_t : alg_->all_2t, at, 1,
                          std::span<F>(&zero[s], 1));
    }
    for (std::size_t s = 0; ok && s < ns; ++s) {
      const std::size_t col = columns[s];
      if (col < run.kr || col >= run.kr + run.kd) continue;
      const auto it = std::find(columns.begin(), columns.end(), col + run.kd);
      ok = it != columns.end() && zero[s] == zero[static_cast<std::size_t>(it - columns.begin())];
    }
    if (!ok) changed |= faults_.convict(run.dealers[idx]);
  }
  if (changed) return std::optional<std::vector<F>>{};

  // (b) Every claimed share must be the dealer's value (a claimant that received nothing claims
  // zeros): otherwise dealer and claimant dispute, about a missing dealing if the claimant says
  // it received none. A dealer contradicting its own dealing is convicted.
  for (std::size_t idx = 0; idx < m; ++idx) {
    const std::size_t d = run.dealers[idx];
    for (std::size_t k = 0; k < n; ++k) {
      bool differs = false;
      for (std::size_t s = 0; s < ns; ++s) {
        differs |= !(claims[(k * m + idx) * ns + s] == polys[(idx * ns + s) * n + k]);
      }
      if (!differs) continue;
      const auto issue = got[k * m + idx] == kNothing ? FaultState::Issue::kMissing
                                                      : FaultState::Issue::kWrong;
      changed |= k == d ? faults_.convict(d) : faults_.add_dispute(k, d, issue);
    }
  }
  if (changed) return std::optional<std::vector<F>>{};
  return std::optional<std::vector<F>>(std::move(polys));
}

template <typename F>
F HbPartyImpl<F>::expected_share(const Run& run, const std::vector<std::size_t>& columns,
                              const std::vector<F>& polys, std::size_t row, std::size_t column,
                              std::size_t k) const {
  const std::size_t n = cfg_.n, ns = columns.size();
  const std::size_t s =
      static_cast<std::size_t>(std::find(columns.begin(), columns.end(), column) - columns.begin());
  F acc = F::zero();
  for (std::size_t idx = 0; idx < run.dealers.size(); ++idx) {
    acc += run.him->at(row, idx) * polys[(idx * ns + s) * n + k];
  }
  return acc;
}

// A checker's FAIL verdict: what it received for the failing check, against what every party
// should have sent given the revealed (and then consistent) dealings.
// With `combined` (decision P11) the verdict also carries the checker's challenge seed, and the
// columns are the three combinations under it (combined_run): a party that answered with another
// challenge than the agreed one (a faulty checker's equivocation) disputes with the checker.
template <typename F>
Result<void> HbPartyImpl<F>::resolve_check(const Run& full, std::size_t checker,
                                        const BaValue& verdict, bool combined) {
  const std::size_t n = cfg_.n;
  record::Reader r(verdict);
  std::uint8_t tag = 0;
  std::uint32_t c = 0;
  bool ok = r.u8(tag) && tag == record::kFail && r.u32(c);
  std::optional<Run> mixed;
  if (ok && combined) {
    F seed{};
    ok = r.elem(seed);
    if (ok) mixed = combined_run(full, seed);
  }
  struct WipeMixed {  // the combinations are of secret shares: wiped on every way out
    std::optional<Run>& r;
    ~WipeMixed() {
      if (r) {
        math::wipe(std::span<F>(r->in));
        math::wipe(std::span<F>(r->dealt));
      }
    }
  } wipe_mixed{mixed};
  const Run& run = mixed ? *mixed : full;
  ok = ok && c < run.kr + run.kd;
  std::vector<std::size_t> columns;
  if (ok) columns = c < run.kr ? std::vector<std::size_t>{c} : std::vector<std::size_t>{c, c + run.kd};
  std::vector<std::uint8_t> flag(n * columns.size());
  std::vector<F> got(n * columns.size());
  for (std::size_t i = 0; ok && i < got.size(); ++i) ok = r.value(flag[i], got[i]);
  ok = ok && r.done();
  if (!ok) {
    // An honest checker's verdict is well formed: an agreed malformed one convicts it.
    faults_.convict(checker);
    settle_faults();
    return {};
  }
  auto polys = reveal_columns(run, columns);
  if (!polys) return polys.error();
  if (*polys) {
    // (c) Dealings and claims are consistent: the checker either lied or received wrong row
    // shares. Every difference is a dispute with the checker; none at all convicts it.
    // A party the checker erased (silent to it, or excluded) is not held against anyone: an
    // honest checker erases only faulty parties, and its check failed on the others.
    const std::size_t row = run.pos[checker];
    bool changed = false;
    for (std::size_t k = 0; k < n; ++k) {
      if (faults_.excluded(k)) continue;
      bool differs = false, erased = false;
      for (std::size_t s = 0; s < columns.size(); ++s) {
        const std::size_t i = k * columns.size() + s;
        erased |= flag[i] == record::kErased;
        differs |= flag[i] != record::kPresent ||
                   !(got[i] == expected_share(run, columns, **polys, row, columns[s], k));
      }
      if (erased && k != checker) continue;
      if (!differs) continue;
      const bool missing = std::any_of(flag.begin() + static_cast<std::ptrdiff_t>(k * columns.size()),
                                       flag.begin() + static_cast<std::ptrdiff_t>((k + 1) * columns.size()),
                                       [](std::uint8_t f) { return f == record::kMissing; });
      changed |= k == checker ? faults_.convict(k)
                              : faults_.add_dispute(checker, k,
                                                    missing ? FaultState::Issue::kMissing
                                                            : FaultState::Issue::kWrong);
    }
    if (!changed) faults_.convict(checker);
  }
  settle_faults();
  return {};
}

// A failed degree-2t opening: the failing party's received values for one group against the
// values every party should have sent, from the revealed dealings of the columns involved.
template <typename F>
Result<void> HbPartyImpl<F>::resolve_open(const Run& run, std::size_t party, const BaValue& status) {
  const std::size_t n = cfg_.n, t = cfg_.t, k2 = 2 * t + 1;
  const std::size_t total = run.nt + run.nb;
  record::Reader r(status);
  std::uint8_t tag = 0, step = 0;
  std::uint32_t group = 0;
  bool ok = r.u8(tag) && tag == record::kFail && r.u8(step) && (step == 1 || step == 2) &&
            r.u32(group) && std::size_t{group} * k2 < total;
  std::vector<std::uint8_t> flag(n);
  std::vector<F> got(n);
  for (std::size_t i = 0; ok && i < n; ++i) ok = r.value(flag[i], got[i]);
  ok = ok && r.done();
  if (!ok) {
    faults_.convict(party);
    settle_faults();
    return {};
  }
  // Output value layout (see try_run): random value q at row 2t_D + q / kru, column q % kru;
  // double sharing q at row 2t_D + q / kd, columns kr + q % kd and kr + kd + q % kd.
  struct Where {
    std::size_t row, col;
  };
  const std::size_t kru = run.kr - run.kb;  // uniform columns (the bounded ones follow them)
  auto rnd_at = [&](std::size_t q) { return Where{2 * run.t_d + q / kru, q % kru}; };
  auto dbl_at = [&](std::size_t q, bool second) {
    return Where{2 * run.t_d + q / run.kd, run.kr + (second ? run.kd : 0) + q % run.kd};
  };
  // The factors of each value of the group: x = a * b - r2 (triple) or a^2 + r2 - r1 (bit).
  struct Parts {
    Where a, b, r1, r2;
    bool bit;
  };
  std::vector<Parts> parts;
  std::vector<std::size_t> columns;
  for (std::size_t w = 0; w < k2; ++w) {
    const std::size_t v = group * k2 + w;
    if (v >= total) break;
    Parts p{};
    p.bit = v >= run.nt;
    if (!p.bit) {
      p.a = rnd_at(run.off_ab + 2 * v);
      p.b = rnd_at(run.off_ab + 2 * v + 1);
    } else {
      p.a = p.b = rnd_at(run.off_ab + 2 * run.nt + (v - run.nt));
    }
    p.r1 = dbl_at(v, false);
    p.r2 = dbl_at(v, true);
    for (const Where& x : {p.a, p.b, p.r1, p.r2}) columns.push_back(x.col);
    parts.push_back(p);
  }
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  auto polys = reveal_columns(run, columns);
  if (!polys) return polys.error();
  if (*polys) {
    // Every party's share of every x of the group, then the values the failing party should have
    // received: Eval, y_party = eval_at(x, party) of each party's shares x of the group; Reveal,
    // the decoded y_l of every party l.
    std::vector<F> xs(n * k2, F::zero());  // xs[k * k2 + w]
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t w = 0; w < parts.size(); ++w) {
        const Parts& p = parts[w];
        auto share = [&](const Where& x) {
          return expected_share(run, columns, **polys, x.row, x.col, k);
        };
        const F a = share(p.a), r1 = share(p.r1), r2 = share(p.r2);
        xs[k * k2 + w] = p.bit ? a * a + r2 - r1 : a * share(p.b) - r2;
      }
    }
    auto eval_at = [&](const F* x, std::size_t j) {  // what Eval gives party j (P18: scaled)
      return alg_->recon_2t.eval_at(std::span<const F>(x, k2), j);
    };
    std::vector<F> want(n);
    if (step == 1) {
      for (std::size_t k = 0; k < n; ++k) want[k] = eval_at(xs.data() + k * k2, party);
    } else {
      // The opened x_w: degree-2t interpolation at 0 of the (consistent) expected shares.
      std::vector<F> x0(k2), col(n);
      const InterpPlan<F>& plan = alg_->all_2t;
      for (std::size_t w = 0; w < k2; ++w) {
        F acc = F::zero();
        for (std::size_t i = 0; i < plan.base.size(); ++i) {
          acc += plan.coef[i] * xs[plan.base[i] * k2 + w];
        }
        x0[w] = acc;
      }
      for (std::size_t l = 0; l < n; ++l) want[l] = eval_at(x0.data(), l);
    }
    // Parties the reporter erased (known faulty or silent to it) are not held against anyone.
    const std::vector<std::uint8_t> known = faults_.known_faulty_to(party);
    bool changed = false;
    for (std::size_t k = 0; k < n; ++k) {
      if (known[k] || (flag[k] == record::kErased && k != party)) continue;
      if (flag[k] == record::kPresent && got[k] == want[k]) continue;
      changed |= k == party ? faults_.convict(k)
                            : faults_.add_dispute(party, k,
                                                  flag[k] == record::kMissing
                                                      ? FaultState::Issue::kMissing
                                                      : FaultState::Issue::kWrong);
    }
    if (!changed) faults_.convict(party);
  }
  settle_faults();
  return {};
}

}  // namespace stoffel::mpc
