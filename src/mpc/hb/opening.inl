// HbPartyImpl<F>: robust openings. Degree t (decision M3): one round, error-correcting, late
// shares still checked; degree 2t (preprocessing): batch reconstruction with the parties known
// to be faulty erased. Included only by the per-field translation units (field_<name>.cpp).
#pragma once

#include <algorithm>
#include <string>

#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

// --- robust opening of degree-t shares (decision M3) ----------------------------------------
//
// One round: every party sends all its shares of the batch to every other party in one message.
// A party decodes as soon as its inbox is momentarily empty and it holds at least 2t + 1
// shares per value (its own included); every present share is checked against the interpolant
// and disagreeing words go to Gao's decoder. The value returned is always the honest one: it is
// accepted only when at least 2t + 1 shares, so at least t + 1 honest ones, agree.

template <typename F>
Result<void> HbPartyImpl<F>::open_t(std::span<const F> shares, std::span<F> out) {
  const std::size_t w = shares.size();
  if (w == 0) return {};
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::uint64_t round = router_.next_round();
  stats_.openings += w;
  if (auto ok = send_to_others(wire::encode_shares<F>(wire::Channel::kRound, round, shares));
      !ok) {
    return ok;
  }
  std::vector<F> recv(n * w);
  std::vector<std::uint8_t> have(n, 0);
  std::copy(shares.begin(), shares.end(), recv.begin() + static_cast<std::ptrdiff_t>(self * w));
  have[self] = 1;
  std::size_t count = 1;
  std::vector<std::uint8_t> corrected(w, 0);
  std::vector<std::size_t> present, fast;
  const InterpPlan<F>* used = nullptr;
  auto values_of = [&](std::size_t p) { return recv.data() + p * w; };
  std::size_t heard = 1;  // parties heard from, valid message or not
  auto on_message = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
    ++heard;
    if (cnt != w || !wire::decode_shares<F>(body, std::span<F>(recv.data() + from * w, w))) {
      return false;
    }
    have[from] = 1;
    ++count;
    return true;
  };
  auto undecodable = [&]() -> Result<bool> {
    if (heard < n) return false;  // more shares may make it decodable
    return make_error(ErrorKind::Protocol,
                      "robust opening failed: the shares of all " + std::to_string(n) +
                          " parties do not determine a value (more than t = " + std::to_string(t) +
                          " parties sent wrong or invalid shares)");
  };
  auto progress = [&]() -> Result<bool> {
    if (count < 2 * t + 1) return undecodable();
    present.clear();
    fast.clear();
    for (std::size_t p = 0; p < n; ++p) {
      if (!have[p]) continue;
      present.push_back(p);
      if (!silent_[p] && !std::binary_search(suspects_.begin(), suspects_.end(), p)) {
        fast.push_back(p);
      }
    }
    // Known offenders are left out of the fast path when enough others are present; words that
    // still disagree are decoded from everything received.
    if (fast.size() < 2 * t + 1) fast = present;
    used = &plans_.get(alg_->domain, fast, t, 1);
    std::fill(corrected.begin(), corrected.end(), 0);
    std::vector<std::size_t> faulty;
    auto r = decode_words<F>(*used, alg_->dec_t, present, values_of, w, out, faulty, &corrected);
    if (!r) return r.error();
    if (!*r) return undecodable();
    for (std::size_t p : faulty) suspect(p);
    return true;
  };
  // The deadline follows the parties still expected to send (not silent to this one).
  auto awaited = [&](std::size_t p) { return wait_for(p); };
  if (auto ok = router_.gather(round, "shares to open", on_message, progress, awaited); !ok) {
    return ok;
  }
  if (count < n && w <= kLateMaxWords) {
    // Keep what is needed to check the shares still in flight.
    LateOpen& late = late_[late_next_];
    late_next_ = (late_next_ + 1) % kLateOpens;
    late.round = round;
    late.words = w;
    late.base = used->base;
    late.base_weights = used->weights;
    late.base_values.resize(used->base.size() * w);
    for (std::size_t i = 0; i < used->base.size(); ++i) {
      std::copy_n(values_of(used->base[i]), w,
                  late.base_values.begin() + static_cast<std::ptrdiff_t>(i * w));
    }
    late.have = have;
    late.corrected = std::move(corrected);
  }
  return {};
}

template <typename F>
void HbPartyImpl<F>::check_late(std::uint64_t round, std::size_t from, std::uint32_t count,
                             std::span<const std::uint8_t> body) {
  if (round == 0 || from >= cfg_.n) return;
  LateOpen* found = nullptr;
  for (auto& l : late_) {
    if (l.round == round) found = &l;
  }
  if (!found || found->have[from]) return;
  LateOpen& late = *found;
  late.have[from] = 1;
  const std::size_t w = late.words, k = late.base.size();
  std::vector<F> vals(w);
  if (count != w || !wire::decode_shares<F>(body, std::span<F>(vals))) {
    suspect(from);
    return;
  }
  std::vector<F> xs(k), row(k);
  for (std::size_t i = 0; i < k; ++i) xs[i] = alg_->domain.point(late.base[i]);
  math::lagrange_coefficients_at<F>(xs, late.base_weights, alg_->domain.point(from), row);
  for (std::size_t v = 0; v < w; ++v) {
    if (late.corrected[v]) continue;
    F acc = F::zero();
    for (std::size_t i = 0; i < k; ++i) acc += row[i] * late.base_values[i * w + v];
    if (!(acc == vals[v])) {
      suspect(from);
      return;
    }
  }
}

template <typename F>
Result<void> HbPartyImpl<F>::open_values(std::span<const F> shares, std::span<F> out) {
  if (out.size() != shares.size()) return make_error("open: output size mismatch");
  return open_t(shares, out);
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::open(std::span<const FieldBytes> shares) {
  auto in = load_all(shares, "open");
  if (!in) return in.error();
  std::vector<F> out(in->size());
  if (auto ok = open_t(*in, out); !ok) return ok.error();
  std::vector<FieldBytes> res(out.size());
  F::write_bytes_many(out, res);
  return res;
}

// Batch reconstruction at degree 2t (docs/mpc.md, "Preprocessing" step 4; HoneyBadgerMPC Fig. 2), in groups
// of 2t + 1 values: party j learns y_j = s sum_k x_k (j + 1)^k (Eval; s = 2^-64 with small
// integer entries, decision P18), reveals it, and everyone decodes the polynomial with
// coefficients s x_0..s x_2t over the points 1..n (Reveal). Parties known to be faulty to
// this one (excluded, in dispute with it, or silent to it) are erased; with f of them, decoding
// tolerates t - f more errors and needs 2t + (t - f) + 1 agreeing values, so a wrong value is
// never returned. A party that misses its deadline in one of the two rounds becomes silent to
// this one and is erased from then on: with t parties crashed at n = 3t + 1 the 2t + 1 honest
// values then suffice.
template <typename F>
Result<bool> HbPartyImpl<F>::open_2t(std::span<const F> x, std::span<F> opened, BaValue* failure) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::size_t k = 2 * t + 1;
  const std::size_t groups = (x.size() + k - 1) / k;
  if (groups == 0) return true;
  // The values are headed for the opening, and so is everything computed from them here: none
  // of it is wiped (decision F12). A short last group counts as padded with zeros.
  const std::span<F> y = room(hot_.y, n * groups);  // party-major: y[j * groups + g]
  alg_->recon_2t.eval_shares_many(x, y);

  // Eval: party j receives everyone's share of its y_j. Only the rows of parties heard from are
  // read (a failure record shows zeros for the others).
  const std::span<F> recv = room(hot_.recv, n * groups);
  std::vector<std::uint8_t> have(n, 0);
  const std::uint64_t eval_round = router_.next_round();
  for (std::size_t j = 0; j < n; ++j) {
    const std::span<const F> part(y.data() + j * groups, groups);
    if (j == self) {
      std::copy(part.begin(), part.end(), recv.begin() + static_cast<std::ptrdiff_t>(j * groups));
      continue;
    }
    net::Bytes msg = wire::encode_shares<F>(wire::Channel::kRound, eval_round, part);
    if (j == test_wrong_eval_to_) {
      std::vector<F> wrong(part.begin(), part.end());
      wrong[0] += F::one();
      msg = wire::encode_shares<F>(wire::Channel::kRound, eval_round, std::span<const F>(wrong));
    }
    if (auto ok = router_.send(j, std::move(msg)); !ok) return ok.error();
  }
  const std::span<F> mine = room(hot_.mine, groups);
  // Gathers one vector of `groups` values per party into recv and decodes them with `ncoeffs`
  // coefficients per word into `dest`. false: not decodable (failure record written, step).
  auto run = [&](std::uint64_t round, const char* what, std::size_t ncoeffs, std::span<F> dest,
                 std::uint8_t step) -> Result<bool> {
    have.assign(n, 0);
    have[self] = 1;
    std::vector<std::uint8_t> heard(have);
    std::vector<std::uint8_t> erased = erasures_2t();
    bool decoded = false;
    std::vector<std::size_t> present;
    auto values_of = [&](std::size_t p) { return recv.data() + p * groups; };
    auto on_message = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      heard[from] = 1;
      if (cnt == 0) return true;  // a party that could not decode has nothing to reveal
      if (cnt != groups ||
          !wire::decode_shares<F>(body, std::span<F>(recv.data() + from * groups, groups))) {
        return false;
      }
      have[from] = 1;
      return true;
    };
    auto try_decode = [&](std::span<F> out, std::size_t words,
                          std::size_t first) -> Result<bool> {
      const std::size_t f = static_cast<std::size_t>(std::count(erased.begin(), erased.end(), 1));
      const std::size_t tf = f >= t ? 0 : t - f;
      const std::size_t need = 2 * t + tf + 1;
      present.clear();
      for (std::size_t p = 0; p < n; ++p) {
        if (have[p] && !erased[p]) present.push_back(p);
      }
      if (present.size() < need) return false;
      // Eval decodes shares (the sharing's points), Reveal the y_j (the evaluation points, P18).
      const bool eval = step == 1;
      const InterpPlan<F>& plan =
          eval ? plans_.get(alg_->domain, present, 2 * t, ncoeffs)
               : reveal_plans_.get(alg_->recon_2t.eval_domain(), present, 2 * t, ncoeffs,
                                   alg_->recon_2t.eval_unscale());
      std::vector<std::size_t> faulty;
      auto of = [&](std::size_t p) { return values_of(p) + first; };
      auto r = decode_words<F>(plan, eval ? decoder_2t(tf) : decoder_reveal(tf), present, of,
                               words, out, faulty);
      if (!r) return r.error();
      // Suspected only once the run is accepted: before the verdicts are known the sharings may
      // be inconsistent, and the decoder would then blame honest parties.
      if (*r) pending_suspects_.insert(pending_suspects_.end(), faulty.begin(), faulty.end());
      return *r;
    };
    auto awaited = [&](std::size_t p) { return !heard[p] && !erased[p] && wait_for(p); };
    auto progress = [&]() -> Result<bool> {
      auto r = try_decode(dest, groups, 0);
      if (!r) return r.error();
      if (*r) {
        decoded = true;
        return true;
      }
      for (std::size_t p = 0; p < n; ++p) {
        if (awaited(p)) return false;  // more may help
      }
      return true;
    };
    if (auto ok = router_.gather(round, what, on_message, progress, awaited, true); !ok) {
      return ok.error();
    }
    if (decoded) return true;
    // Parties that missed the deadline are silent to this one from now on: erased, which may
    // make the values at hand decodable (a crashed party's value is no longer needed).
    bool more = false;
    for (std::size_t p = 0; p < n; ++p) {
      if (awaited(p)) {
        mark_silent(p);
        more = true;
      }
    }
    if (more) {
      erased = erasures_2t();
      auto r = try_decode(dest, groups, 0);
      if (!r) return r.error();
      if (*r) return true;
    }
    // The first group that cannot be decoded, and what this party received for it.
    std::size_t g = 0;
    std::vector<F> scratch(ncoeffs);
    for (; g + 1 < groups; ++g) {
      auto r = try_decode(std::span<F>(scratch), 1, g);
      if (!r) return r.error();
      if (!*r) break;
    }
    BaValue rec{record::kFail, step};
    record::put_u32(rec, static_cast<std::uint32_t>(g));
    for (std::size_t p = 0; p < n; ++p) {
      const std::uint8_t flag = (erased[p] && p != self) ? record::kErased
                                : have[p]                ? record::kPresent
                                                         : record::kMissing;
      record::put_value(rec, flag, have[p] ? recv[p * groups + g] : F::zero());
    }
    *failure = std::move(rec);
    return false;
  };
  auto eval_ok = run(eval_round, "degree-2t shares (Eval)", 1, mine, 1);
  if (!eval_ok) return eval_ok.error();

  // Reveal: everyone gets every y_j and decodes the x's. A party whose Eval failed still takes
  // part in the round (so round numbers stay aligned) with an empty message.
  const std::uint64_t reveal_round = router_.next_round();
  if (!*eval_ok) {
    if (auto ok = send_to_others(wire::make_message(wire::Channel::kRound, reveal_round, 0)); !ok)
      return ok.error();
    return false;
  }
  if (auto ok = send_to_others(
          wire::encode_shares<F>(wire::Channel::kRound, reveal_round, std::span<const F>(mine)));
      !ok) {
    return ok.error();
  }
  std::copy(mine.begin(), mine.end(), recv.begin() + static_cast<std::ptrdiff_t>(self * groups));
  const std::span<F> coeffs = room(hot_.coeffs, groups * k);
  auto reveal_ok = run(reveal_round, "revealed values (Reveal)", k, coeffs, 2);
  if (!reveal_ok) return reveal_ok.error();
  if (!*reveal_ok) return false;
  // The y_j were scaled by eval_scale() (2^-64 on small entries, P18), and the x's with them:
  // the Reveal plans undo it (their coefficient rows hold eval_unscale()).
  std::copy_n(coeffs.begin(), x.size(), opened.begin());
  return true;
}

}  // namespace stoffel::mpc
