// HbPartyImpl<F>: preprocessing (docs/mpc.md, "Preprocessing"; decision M4). Included only by
// the per-field translation units (field_<name>.cpp).
//
// One generation run produces everything that is missing at once; it is robust (docs/mpc.md,
// "Robust preprocessing"): the dealers are the parties D the agreed fault state allows, the
// n x n matrix becomes |D| x |D|, the checkers' verdicts are broadcast with Byzantine agreement,
// and a failed check (or, at n = 3t + 1, a failed degree-2t opening) leads to dispute resolution
// (robust_preprocessing.inl), which excludes a party or adds a dispute; the run is then discarded
// and retried. Only accepted runs fill the pools. Parties silent to this one (docs/mpc.md,
// "Silent parties") are not waited for and are erased in its checks and decodings.
//   round 1  deal       dealers in D deal Kr random degree-t sharings and Kd double sharings
//   (local)             the |D| x |D| hyper-invertible matrix on each column of dealt values
//   round 2  check      rows 0..2t_D-1 go to the first 2t_D dealers, which check exactly
//   Eval, Reveal        triples and bits open a*b - r (resp. a^2 + 0) at degree 2t
//   1 + 3(t+1) rounds   broadcast + agreement of the verdicts, (at n = 3t + 1 while a faulty
//                       party may not be excluded) of every party's opening status, and of the
//                       parties silent to each; skipped when t_D = 0 and n >= 4t + 1 - excluded

#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

template <typename F>
Result<void> HbPartyImpl<F>::ensure(const Needs& want) {
  // Every party computes the same amounts from the same pool sizes, so refills happen at the
  // same point and with the same size everywhere (M4). A second pass is needed only in the rare
  // case that a run yields fewer bits than asked for (a zero seed).
  for (;;) {
    // Stored material first (M4): what the agreed plan still holds is taken before anything is
    // generated; generation below only makes what the store could not give.
    if (store_ != nullptr) {
      auto short_by = [](std::size_t have, std::size_t wanted) {
        return have >= wanted ? std::size_t{0} : wanted - have;
      };
      if (auto ok = load_stored(Needs{short_by(randoms_.size(), want.randoms),
                                      short_by(masks_.size(), want.masks),
                                      short_by(triples_.size(), want.triples),
                                      short_by(bits_.size(), want.bits)});
          !ok) {
        return ok;
      }
    }
    Needs need;
    bool any = false;
    auto plan = [&](std::size_t have, std::size_t wanted, std::size_t& chunk, std::size_t& out) {
      if (have >= wanted) return;
      out = std::max(wanted - have, chunk);
      chunk = next_chunk(chunk);
      any = true;
    };
    // The first refill also makes the configured initial amounts, unless the parties agreed on a
    // store: then nothing is generated ahead of need.
    const bool first = !initial_done_ && !store_agreed_;
    std::size_t mask_chunk = 0;  // masks are made to measure: clients ask for exact counts
    plan(triples_.size(), std::max(want.triples, first ? cfg_.initial_triples : 0), chunk_triples_,
         need.triples);
    plan(randoms_.size(), std::max(want.randoms, first ? cfg_.initial_randoms : 0), chunk_randoms_,
         need.randoms);
    plan(masks_.size(), want.masks, mask_chunk, need.masks);
    plan(bits_.size(), want.bits, chunk_bits_, need.bits);
    plan(doubles_.size(), want.doubles, chunk_doubles_, need.doubles);
    plan(bounded_.size(), want.bounded, chunk_bounded_, need.bounded);
    if (!any) return {};
    initial_done_ = true;
    if (auto ok = generate(need); !ok) return ok;
  }
}

template <typename F>
Result<void> HbPartyImpl<F>::preprocess(const PoolSizes& at_least) {
  return ensure(Needs{at_least.randoms, at_least.masks, at_least.triples, at_least.bits,
                      at_least.doubles, at_least.bounded});
}

template <typename F>
Result<void> HbPartyImpl<F>::generate(const Needs& need) {
  // Large requests are split into runs of bounded size: the working set of a run (dealt values,
  // matrix outputs, messages) then stays in cache, which is faster than one huge run with the
  // same number of rounds per item.
  Needs left = need;
  // Double sharings for products come from pseudo-random secret sharing where the session is
  // small enough and its keys were agreed (decision P17): no dealing, no checks, no rounds.
  if (left.doubles > 0 && prss_possible()) {
    auto made = prss_doubles(left.doubles);
    if (!made) return made.error();
    if (*made) left.doubles = 0;
  }
  // So do random bits (P17), from kPrssBitsMin on: a pseudo-random a, its square opened under a
  // pseudo-random zero sharing; unless such an opening failed once (n = 3t + 1), then they are
  // dealt. A bit lost to a = 0 is made up by ensure().
  if (left.bits >= kPrssBitsMin && prss_possible() && !prss_bits_failed_) {
    auto made = prss_bits(left.bits);
    if (!made) return made.error();
    if (*made) left.bits = 0;
  }
  while (left.randoms + left.masks + left.triples + left.bits + left.doubles + left.bounded > 0) {
    Needs run;
    run.triples = std::min(left.triples, kRunItems);
    run.bits = std::min(left.bits, kRunItems - run.triples);
    // A double sharing costs about a third of a triple (no factors, nothing opened), so a run
    // makes up to 4 kRunItems of them when they are alone.
    run.doubles = run.triples + run.bits == 0
                      ? std::min(left.doubles, 4 * kRunItems)
                      : std::min(left.doubles, kRunItems - run.triples - run.bits);
    run.masks = std::min(left.masks, kRunItems);
    run.randoms = std::min(left.randoms, kRunItems);
    run.bounded = std::min(left.bounded, kRunItems);
    if (auto ok = generate_run(run); !ok) return ok;
    left.triples -= run.triples;
    left.bits -= run.bits;
    left.doubles -= run.doubles;
    left.masks -= run.masks;
    left.randoms -= run.randoms;
    left.bounded -= run.bounded;
  }
  return {};
}

template <typename F>
Result<void> HbPartyImpl<F>::generate_run(const Needs& need) {
  // Every failed attempt convicts a party or adds a new dispute with a faulty member; a faulty
  // party is convicted at its (t+1)-th partner. So at most t convictions and t(t+1) disputes:
  // t(t+2) failed attempts (docs/mpc.md).
  const std::size_t attempts = cfg_.t * (cfg_.t + 2) + 1;
  for (std::size_t a = 0; a < attempts; ++a) {
    auto ok = try_run(need);
    if (!ok) return ok.error();
    if (*ok) return {};
  }
  return make_error(ErrorKind::Protocol,
                    "preprocessing: faults found in " + std::to_string(attempts) +
                        " attempts in a row: more than t = " + std::to_string(cfg_.t) +
                        " parties are faulty");
}

template <typename F>
Result<bool> HbPartyImpl<F>::try_run(const Needs& need) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  pending_suspects_.clear();
  Run run;
  run.dealers = faults_.dealers();
  run.t_d = faults_.dealer_threshold();
  const std::size_t m = run.dealers.size();
  if (m <= 2 * run.t_d) {
    return make_error(ErrorKind::Protocol,
                      "preprocessing: only " + std::to_string(m) + " parties may deal and up to " +
                          std::to_string(run.t_d) +
                          " of them may be faulty: the disputes exclude too many parties");
  }
  run.pos.assign(n, kNone);
  for (std::size_t i = 0; i < m; ++i) run.pos[run.dealers[i]] = i;
  const bool dealer = run.pos[self] != kNone;
  const std::size_t per_run = m - 2 * run.t_d;
  // With bounded values (P12) and a possibly faulty dealer, one more random share: the coin of
  // the range checks, opened once the run is accepted (so after every dealing was fixed).
  const bool range_checked = need.bounded > 0 && run.t_d > 0;
  const std::size_t total_r =
      need.randoms + need.masks + 2 * need.triples + need.bits + (range_checked ? 1 : 0);
  const std::size_t total_d = need.triples + need.bits + need.doubles;
  // Bounded random values (decision P12): one column per value at every dealer (the value is the
  // sum over D), then kRangeRows masks of the range checks. They are degree-t columns like the
  // random shares and sit after them; at least one uniform column is dealt with them, since the
  // combined check hides their combinations behind the uniform ones'.
  const std::size_t nbd = need.bounded;
  const std::size_t kb = nbd > 0 ? nbd + kRangeRows : 0;
  const std::size_t kru =
      std::max<std::size_t>((total_r + per_run - 1) / per_run, kb > 0 ? 1 : 0);
  const std::size_t kr = kru + kb;
  const std::size_t kd = (total_d + per_run - 1) / per_run;
  // Per dealer: kru uniform shares, kb bounded values and masks, kd degree-t, kd degree-2t.
  const std::size_t cols = kr + 2 * kd;
  if (cols == 0) return true;
  run.kr = kr;
  run.kb = kb;
  run.kd = kd;
  run.cols = cols;
  run.him = &him(m);

  // Round 1: the dealers in D deal to all n parties (every party holds shares).
  // dealt[j * cols + c] is party j's share of column c; in[idx * cols + c] what dealer
  // dealers[idx] dealt to this party (zeros if it sent nothing usable).
  run.in.assign(m * cols, F::zero());
  run.got.assign(m, kNothing);
  if (dealer) {
    run.dealt.resize(n * cols);
    std::vector<F> secrets(std::max(kr, kd)), tmp(n * std::max(kr, kd));
    auto scatter = [&](std::size_t width, std::size_t offset) {
      for (std::size_t j = 0; j < n; ++j) {
        std::copy_n(tmp.begin() + static_cast<std::ptrdiff_t>(j * width), width,
                    run.dealt.begin() + static_cast<std::ptrdiff_t>(j * cols + offset));
      }
    };
    F::random_fill(*rng_, std::span<F>(secrets.data(), kru));
    if (kb > 0) {
      // Bounded values uniform in [0, 2^kBoundedBits), masks in [0, 2^kRangeMaskBits).
      std::vector<std::uint8_t> raw(32 * kb);
      rng_->fill(std::span<std::uint8_t>(raw));
      for (std::size_t c = 0; c < kb; ++c) {
        math::Limbs l{};
        std::memcpy(l.data(), raw.data() + 32 * c, 32);
        secrets[kru + c] = F::from_canonical(
            comparison::low_bits(l, c < nbd ? kBoundedBits : kRangeMaskBits));
        if (test_out_of_range_ && c < nbd) secrets[kru + c] += comparison::pow2<F>(240);
      }
      math::secure_wipe(raw.data(), raw.size());
    }
    alg_->sharer_t.share_many(std::span<const F>(secrets.data(), kr), *rng_,
                              std::span<F>(tmp.data(), n * kr));
    scatter(kr, 0);
    F::random_fill(*rng_, std::span<F>(secrets.data(), kd));
    alg_->sharer_t.share_many(std::span<const F>(secrets.data(), kd), *rng_,
                              std::span<F>(tmp.data(), n * kd));
    scatter(kd, kr);
    alg_->sharer_2t.share_many(std::span<const F>(secrets.data(), kd), *rng_,
                               std::span<F>(tmp.data(), n * kd));
    scatter(kd, kr + kd);
    math::wipe(std::span<F>(secrets));
    math::wipe(std::span<F>(tmp));
  }
  const std::uint64_t deal_round = router_.next_round();
  if (dealer) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::span<const F> mine(run.dealt.data() + j * cols, cols);
      if (j == self) {
        std::copy(mine.begin(), mine.end(),
                  run.in.begin() + static_cast<std::ptrdiff_t>(run.pos[self] * cols));
        run.got[run.pos[self]] = kValid;
        continue;
      }
      if (auto ok =
              router_.send(j, wire::encode_shares<F>(wire::Channel::kRound, deal_round, mine));
          !ok) {
        return ok.error();
      }
    }
  }
  {
    std::vector<std::uint8_t> heard(n, 0);
    heard[self] = 1;
    auto on_deal = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      const std::size_t idx = run.pos[from];
      if (idx == kNone) return false;  // not a dealer of this run
      heard[from] = 1;
      const std::span<F> dst(run.in.data() + idx * cols, cols);
      if (cnt != cols || !wire::decode_shares<F>(body, dst)) {
        std::fill(dst.begin(), dst.end(), F::zero());  // unusable: the checks will say who
        run.got[idx] = kInvalid;
        return false;
      }
      run.got[idx] = kValid;
      return true;
    };
    auto awaited = [&](std::size_t p) {
      return run.pos[p] != kNone && !heard[p] && wait_for(p);
    };
    auto all_dealt = [&]() -> Result<bool> {
      for (std::size_t d : run.dealers) {
        if (awaited(d)) return false;
      }
      return true;
    };
    // A dealer not heard from in time counts as having dealt zeros (not an error).
    if (auto ok = router_.gather(deal_round, "preprocessing shares", on_deal, all_dealt, awaited,
                                 true);
        !ok) {
      return ok.error().with_context("preprocessing: ");
    }
    for (std::size_t d : run.dealers) {
      if (!heard[d] && wait_for(d)) mark_silent(d);
    }
  }

  // out[j * cols + c] = sum_idx M[j][idx] * in[idx * cols + c]: this party's share of row j.
  // In blocks of columns, so that the m x m passes over a block stay in the first-level caches
  // (a large run's rows are megabytes).
  std::vector<F> out(m * cols);
  // The bounded columns [kru, kr) need only the check rows: their values are sums over D, not
  // outputs of the matrix (P12).
  constexpr std::size_t kBlock = 256;
  auto combine_rows = [&](F* row, std::size_t j, std::size_t lo, std::size_t hi) {
    if (hi <= lo) return;
    if (!run.him->small.empty()) {  // small integer entries: one reduction per output
      F::small_combination(std::span<const std::uint64_t>(run.him->small.data() + j * m, m),
                           run.in.data() + lo, cols, hi - lo, row + lo);
      return;
    }
    for (std::size_t idx = 0; idx < m; ++idx) {
      const F mc = run.him->at(j, idx);
      const F* src = run.in.data() + idx * cols;
      if (idx == 0) {
        for (std::size_t c = lo; c < hi; ++c) row[c] = mc * src[c];
      } else {
        for (std::size_t c = lo; c < hi; ++c) row[c] += mc * src[c];
      }
    }
  };
  for (std::size_t c0 = 0; c0 < cols; c0 += kBlock) {
    const std::size_t c1 = std::min(cols, c0 + kBlock);
    for (std::size_t j = 0; j < m; ++j) {
      F* row = out.data() + j * cols;
      if (j < 2 * run.t_d) {
        combine_rows(row, j, c0, c1);
      } else {
        combine_rows(row, j, c0, std::max(c0, std::min(c1, kru)));
        combine_rows(row, j, std::min(c1, std::max(c0, kr)), c1);
      }
    }
  }

  const std::size_t nc = 2 * run.t_d;
  const std::vector<std::size_t> checkers(run.dealers.begin(),
                                          run.dealers.begin() + static_cast<std::ptrdiff_t>(nc));
  BaValue verdict;  // this party's, if it is a checker
  // Large runs are checked on random combinations of their columns (decision P11), small ones
  // row by row; the choice depends only on the run's size, so every party makes the same.
  // A run with bounded values is always checked on combinations: a faulty checker would learn
  // its row, linear combinations of the dealt bounded values, which may give them away (P12).
  const bool combined = run.t_d > 0 && (cols >= kCombinedCheckColumns || kb > 0);
  if (combined) {
    if (auto ok = combined_check(run, out, checkers, verdict); !ok) {
      return ok.error().with_context("preprocessing: ");
    }
  }
  if (run.t_d > 0 && !combined) {
    // Round 2: rows 0..2t_D-1 to their checkers, the first 2t_D dealers.
    const std::uint64_t check_round = router_.next_round();
    for (std::size_t i = 0; i < nc; ++i) {
      if (checkers[i] == self) continue;
      if (auto ok = router_.send(
              checkers[i], wire::encode_shares<F>(wire::Channel::kRound, check_round,
                                                    std::span<const F>(out.data() + i * cols, cols)));
          !ok) {
        return ok.error();
      }
    }
    if (run.pos[self] < nc) {
      verdict = BaValue{record::kOk};
      std::vector<F> word(n * cols, F::zero());
      std::vector<std::uint8_t> have(n, 0);
      std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(run.pos[self] * cols), cols,
                  word.begin() + static_cast<std::ptrdiff_t>(self * cols));
      have[self] = 1;
      std::vector<std::uint8_t> heard(have);
      auto on_check = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
        heard[from] = 1;
        const std::span<F> dst(word.data() + from * cols, cols);
        if (cnt != cols || !wire::decode_shares<F>(body, dst)) {
          std::fill(dst.begin(), dst.end(), F::zero());
          return false;
        }
        have[from] = 1;
        return true;
      };
      auto awaited = [&](std::size_t p) { return !heard[p] && wait_for(p); };
      auto all_rows = [&]() -> Result<bool> {
        for (std::size_t p = 0; p < n; ++p) {
          if (awaited(p)) return false;
        }
        return true;
      };
      if (auto ok = router_.gather(check_round, "preprocessing check shares", on_check, all_rows,
                                   awaited, true);
          !ok) {
        return ok.error().with_context("preprocessing: ");
      }
      for (std::size_t p = 0; p < n; ++p) {
        if (awaited(p)) mark_silent(p);
      }
      // Exact checks over every party neither excluded nor silent to this one (an honest checker
      // erases only faulty parties, so the honest shares are still all checked); a missing or
      // malformed row share of any other party counts as a wrong one (reported as missing).
      const std::vector<std::uint8_t> erased = erasures_check();
      bool missing = false;
      for (std::size_t p = 0; p < n; ++p) missing |= !erased[p] && !have[p];
      const std::size_t c = missing ? 0 : first_failing_check(run, word, erased);
      if (c != kNone) {
        verdict = BaValue{record::kFail};
        record::put_u32(verdict, static_cast<std::uint32_t>(c));
        for (std::size_t k = 0; k < n; ++k) {
          const std::uint8_t flag = erased[k] ? record::kErased
                                    : have[k] ? record::kPresent
                                              : record::kMissing;
          record::put_value(verdict, flag, word[k * cols + c]);
          if (c >= kr) record::put_value(verdict, flag, word[k * cols + c + kd]);
        }
      }
      math::wipe(std::span<F>(word));
    }
  }

  // Outputs: rows 2t_D..|D|-1. Random shares column-block first, then the double sharings.
  // (Bounded values are not outputs of the matrix: they are sums over D, made once accepted.)
  // Double sharing q is column q % kd of output row q / kd. Those of the triples and bits are
  // gathered here; those for products go from the rows to their pool once the run is accepted.
  const std::size_t nd_opened = std::min(need.triples + need.bits, per_run * kd);
  auto dbl_row = [&](std::size_t q) { return out.data() + (2 * run.t_d + q / kd) * cols; };
  std::vector<F> rnd, dbl_t(nd_opened), dbl_2t(nd_opened);
  rnd.reserve(per_run * kru);
  for (std::size_t j = 2 * run.t_d; j < m; ++j) {
    const F* row = out.data() + j * cols;
    rnd.insert(rnd.end(), row, row + kru);
  }
  for (std::size_t q = 0; q < nd_opened; ++q) {
    dbl_t[q] = dbl_row(q)[kr + q % kd];
    dbl_2t[q] = dbl_row(q)[kr + kd + q % kd];
  }
  auto wipe_all = [&] {
    math::wipe(std::span<F>(out));
    math::wipe(std::span<F>(rnd));
    math::wipe(std::span<F>(dbl_t));
    math::wipe(std::span<F>(dbl_2t));
    math::wipe(std::span<F>(run.in));
    math::wipe(std::span<F>(run.dealt));
  };

  // Random shares: masks, plain randoms, triple factors, bit seeds; the surplus joins the plain
  // randoms (nothing is wasted, nothing used twice). Pools are filled only once the run is
  // accepted.
  run.off_ab = need.masks + need.randoms;
  run.nt = need.triples;
  run.nb = need.bits;
  const std::size_t nt = need.triples, nb = need.bits;
  const F* ab = rnd.data() + run.off_ab;
  const F* seeds = ab + 2 * nt;
  const std::size_t coin_at = run.off_ab + 2 * nt + nb;  // the range checks' coin, if any
  std::vector<F> opened(nt + nb);
  bool open_ok = true;
  BaValue failure;
  if (nt + nb > 0) {
    // Values opened at degree 2t: a*b - r (triples) and a^2 + ([r]_2t - [r]_t) (bits: a
    // random degree-2t sharing of zero hides every coefficient but the constant a^2). Opened
    // before the verdicts are agreed (one agreement per run instead of two): if a check fails,
    // everything of this run is discarded, so the opened values reveal nothing that is used.
    std::vector<F> x(nt + nb);
    for (std::size_t i = 0; i < nt; ++i) x[i] = ab[2 * i] * ab[2 * i + 1] - dbl_2t[i];
    for (std::size_t i = 0; i < nb; ++i) {
      x[nt + i] = seeds[i].square() + dbl_2t[nt + i] - dbl_t[nt + i];
    }
    auto st = open_2t(x, opened, &failure);
    math::wipe(std::span<F>(x));
    if (!st) {
      wipe_all();
      return st.error().with_context("preprocessing: ");
    }
    open_ok = *st;
  }

  // With n >= 4t + 1 - (excluded) the opening always succeeds at honest parties (erasing the
  // excluded, Gao corrects the rest). Below that (n = 3t + 1 with a faulty party not excluded)
  // an honest party may fail while another succeeds, so the outcome is agreed too. It is also
  // agreed while a dispute is live (a faulty party known to exist but not excluded): an OK
  // status then names the parties whose values the decoder corrected, and each such accusation
  // becomes a dispute, so a party that keeps lying in the opening ends up convicted.
  const bool live_dispute = faults_.live_dispute();
  const bool need_status =
      nt + nb > 0 && (n + faults_.num_excluded() < 4 * t + 1 || live_dispute);
  if (run.t_d > 0 || need_status) {
    // One broadcast + agreement from every party not excluded: the checkers' verdicts, (if
    // needed) everyone's opening status, and everyone's list of parties silent to it (docs/mpc.md,
    // "Silent parties"). Record: u32 length + verdict, u32 length + status (each empty where not
    // applicable), then the silent list as a bit mask of ceil(n / 8) bytes.
    std::vector<std::size_t> senders;
    for (std::size_t p = 0; p < n; ++p) {
      // Excluded parties have no say: a complaint of theirs could only repeat an exclusion, so it
      // would make a run fail without progress.
      if (!faults_.excluded(p)) senders.push_back(p);
    }
    BaValue status;
    if (need_status && open_ok) {
      std::vector<std::size_t> accused(pending_suspects_);
      std::sort(accused.begin(), accused.end());
      accused.erase(std::unique(accused.begin(), accused.end()), accused.end());
      status.push_back(record::kOk);
      for (std::size_t k : accused) {
        if (k < n && k != self) status.push_back(static_cast<std::uint8_t>(k));
      }
    } else if (need_status) {
      status = failure;
    }
    const std::size_t mask_bytes = (n + 7) / 8;
    BaValue mine;
    record::put_u32(mine, static_cast<std::uint32_t>(verdict.size()));
    // Byte loops rather than insert/assign: g++ 12 reports a false memmove overflow on those.
    for (std::uint8_t b : verdict) mine.push_back(b);
    record::put_u32(mine, static_cast<std::uint32_t>(status.size()));
    for (std::uint8_t b : status) mine.push_back(b);
    for (std::size_t b = 0; b < mask_bytes; ++b) {
      std::uint8_t bits = 0;
      for (std::size_t i = 0; i < 8 && 8 * b + i < n; ++i) {
        const std::size_t p = 8 * b + i;
        if (silent_[p] && !faults_.excluded(p)) bits |= static_cast<std::uint8_t>(1u << i);
      }
      mine.push_back(bits);
    }
    Agreement ba = make_agreement();
    const std::size_t max_record = 8 + (5 + 32 + 2 * 33 * n) + (6 + 33 * n) + mask_bytes;
    auto agreed = ba.broadcast(senders, mine, max_record);
    if (!agreed) {
      wipe_all();
      return agreed.error().with_context("preprocessing: ");
    }
    // Split each agreed record. An honest party's record is agreed as sent (validity), so a
    // missing one means its sender did not answer (silent) and a malformed one proves it faulty;
    // either way its verdict and status are faulty and are ignored.
    std::vector<BaValue> verdicts(n), statuses(n);
    std::vector<std::size_t> silent_votes(n, 0);
    bool excluded_now = false;
    for (std::size_t i = 0; i < senders.size(); ++i) {
      const std::size_t p = senders[i];
      const BaValue& v = (*agreed)[i];
      if (v.empty()) {
        excluded_now |= faults_.mark_silent(p);
        continue;
      }
      record::Reader r(v);
      std::uint32_t len = 0, len2 = 0;
      bool ok = r.u32(len) && len <= v.size() - 4;
      const std::size_t at2 = 4 + std::size_t{len};
      if (ok) {
        ok = v.size() - at2 >= 4;
        for (int b = 0; ok && b < 4; ++b) {
          len2 |= static_cast<std::uint32_t>(v[at2 + b]) << (8 * b);
        }
        ok = ok && v.size() - at2 - 4 >= len2 && v.size() - at2 - 4 - len2 == mask_bytes;
      }
      if (!ok) {
        excluded_now |= faults_.convict(p);
        continue;
      }
      for (std::size_t b = 4; b < at2; ++b) verdicts[p].push_back(v[b]);
      const std::size_t at3 = at2 + 4 + len2;
      for (std::size_t b = at2 + 4; b < at3; ++b) statuses[p].push_back(v[b]);
      for (std::size_t q = 0; q < n; ++q) {
        if ((v[at3 + q / 8] >> (q % 8)) & 1u) ++silent_votes[q];
      }
    }
    // A party reported silent by more than t parties was reported by an honest one, and an
    // honest party reports only parties that missed their deadline: it is faulty.
    for (std::size_t q = 0; q < n; ++q) {
      if (silent_votes[q] > t) excluded_now |= faults_.mark_silent(q);
    }
    auto is_ok = [](const BaValue& v) { return v.size() == 1 && v[0] == record::kOk; };
    // An OK status, possibly followed by accused parties (n <= 255: one byte each).
    auto status_ok = [](const BaValue& v) { return !v.empty() && v[0] == record::kOk; };
    // Only the records of parties still taking part count: the others are faulty, and what they
    // checked or decoded does not matter (at least t_D honest checkers remain, and every honest
    // party's status is among the rest).
    auto counts = [&](std::size_t p) { return !faults_.excluded(p); };
    bool failed = false;
    for (std::size_t i = 0; i < nc; ++i) {
      failed |= counts(checkers[i]) && !is_ok(verdicts[checkers[i]]);
    }
    for (std::size_t p = 0; need_status && p < n; ++p) {
      failed |= counts(p) && !status_ok(statuses[p]);
    }
    if (excluded_now) {
      settle_faults();
      if (failed) {
        // The fault state changed in this very run (progress): the complaints are not resolved
        // against the new state (the reporters' erasures were computed under the old one); the
        // run is discarded and retried, and a complaint that still stands comes back.
        wipe_all();
        return false;
      }
    }
    for (std::size_t i = 0; i < nc; ++i) {
      if (!counts(checkers[i]) || is_ok(verdicts[checkers[i]])) continue;
      // The lowest failing checker's complaint is resolved; this run's output is discarded.
      auto ok = resolve_check(run, checkers[i], verdicts[checkers[i]], combined);
      wipe_all();
      if (!ok) return ok.error().with_context("preprocessing: ");
      return false;
    }
    if (need_status) {
      // Eval failures first: a party whose Eval failed reveals nothing, so others' Reveal
      // failures may be its consequence, not a fault of the silent party. Once no honest party's
      // Eval failed, every honest party revealed the right value.
      auto reveal_failure = [](const BaValue& v) {
        return v.size() >= 2 && v[0] == record::kFail && v[1] == 2;
      };
      for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t p = 0; p < n; ++p) {
          if (!counts(p) || status_ok(statuses[p])) continue;
          if ((pass == 0) == reveal_failure(statuses[p])) continue;
          auto ok = resolve_open(run, p, statuses[p]);
          wipe_all();
          if (!ok) return ok.error().with_context("preprocessing: ");
          return false;
        }
      }
      // Accepted: accusations become disputes (an honest accuser's are true once the checks
      // passed; a faulty accuser is in every dispute it starts). Entries out of range are ignored.
      for (std::size_t p = 0; p < n; ++p) {
        if (!counts(p)) continue;
        const BaValue& v = statuses[p];
        for (std::size_t i = 1; i < v.size(); ++i) {
          if (v[i] < n) faults_.add_dispute(p, v[i], FaultState::Issue::kWrong);
        }
      }
      settle_faults();
    }
  }
  if (!open_ok && !need_status) {
    wipe_all();
    return make_error(ErrorKind::Protocol,
                      "preprocessing: cannot decode the degree-2t values: more than t = " +
                          std::to_string(t) + " parties sent wrong or invalid shares");
  }

  if (range_checked) {
    // Some dealer may be faulty: its bounded values must be proven small (P12). A dealer that
    // fails is convicted, and the run is discarded and retried without it.
    auto passed = range_check(run, rnd[coin_at]);
    if (!passed || !*passed) {
      wipe_all();
      if (!passed) return passed.error().with_context("preprocessing: ");
      return false;
    }
  }
  if (nbd > 0) {
    // u = sum over D of (x + 2^kBoundedSlack): every dealt x lies in (-2^S, 2^S) (range checks,
    // or all dealers honest), so u is in [0, |D| 2^(S+1)) with no reduction mod p.
    const F shift = comparison::pow2<F>(kBoundedSlack) * F::from_u64(m);
    std::vector<F> u(nbd, shift);
    for (std::size_t idx = 0; idx < m; ++idx) {
      const F* col = run.in.data() + idx * cols + kru;
      for (std::size_t c = 0; c < nbd; ++c) u[c] += col[c];
    }
    bounded_.append(u);
    math::wipe(std::span<F>(u));
  }

  std::size_t next = 0;
  auto take = [&](std::size_t count) {
    std::span<const F> s(rnd.data() + next, count);
    next += count;
    return s;
  };
  if (need.doubles > 0) {
    // Double sharings for products (decision P10): after those of the triples and bits, straight
    // from the output rows (a row's kd columns at a time).
    for (std::size_t q = nt + nb, end = nt + nb + need.doubles; q < end;) {
      const std::size_t c = q % kd, len = std::min(kd - c, end - q);
      const F* row = dbl_row(q);
      doubles_.append_pairs(std::span<const F>(row + kr + c, len),
                            std::span<const F>(row + kr + kd + c, len));
      q += len;
    }
  }
  masks_.append(take(need.masks));
  randoms_.append(take(need.randoms));
  next += 2 * nt + nb + (range_checked ? 1 : 0);  // the coin share is spent
  randoms_.append(std::span<const F>(rnd.data() + next, rnd.size() - next));

  if (nt + nb > 0) {
    std::vector<F> triples(3 * nt);
    for (std::size_t i = 0; i < nt; ++i) {
      triples[3 * i] = ab[2 * i];
      triples[3 * i + 1] = ab[2 * i + 1];
      triples[3 * i + 2] = dbl_t[i] + opened[i];
    }
    triples_.append(triples);
    math::wipe(std::span<F>(triples));
    if (nb > 0) {
      if (auto ok = bits_from_squares(std::span<const F>(opened.data() + nt, nb),
                                      std::span<const F>(seeds, nb));
          !ok) {
        wipe_all();
        return ok.error().with_context("preprocessing: ");
      }
    }
  }
  wipe_all();
  for (std::size_t p : pending_suspects_) suspect(p);
  // A bit lost to a zero seed is made up by another run in ensure() (the same on every party:
  // the opened values are public).
  return true;
}

// RandBit's last step: b = sqrt(a^2) is +-a; a / b is +-1 with equal probability and (a/b + 1) / 2
// is a uniformly random bit nobody knows. a = 0 (probability count / p) gives no bit. The squares
// are public and the same at every honest party (agreed, or decoded at n >= 4t + 1).
template <typename F>
Result<void> HbPartyImpl<F>::bits_from_squares(std::span<const F> squares,
                                               std::span<const F> seeds) {
  const std::size_t nb = squares.size();
  std::vector<F> roots, seeds_ok, scratch;
  roots.reserve(nb);
  seeds_ok.reserve(nb);
  // Every root at once: the exponentiations run eight at a time where the CPU allows.
  std::vector<std::optional<F>> all_roots(nb);
  if (nb >= kSplitRootsMin) {
    if (auto ok = split_square_roots(squares, all_roots); !ok) return ok;
  } else {
    F::sqrt_many(squares, all_roots);
  }
  for (std::size_t i = 0; i < nb; ++i) {
    if (squares[i].is_zero()) continue;
    const auto& r = all_roots[i];
    if (!r) {
      return make_error(ErrorKind::Protocol,
                        "an opened square is not a square (inconsistent shares)");
    }
    roots.push_back(*r);
    seeds_ok.push_back(seeds[i]);
  }
  scratch.resize(roots.size());
  math::batch_inverse(std::span<F>(roots), std::span<F>(scratch));
  // Written straight into the pool: (a / b + 1) / 2.
  const std::span<F> bits = bits_.append_room(roots.size());
  F::mul_many(seeds_ok, roots, bits);
  for (F& b : bits) b = (b + F::one()).halve();
  math::wipe(std::span<F>(seeds_ok));
  return {};
}

// Square roots shared out (decision P16; docs/mpc.md, "Preprocessing — robust", step 5). The
// squares are public and agreed (a robust opening), so every party would compute the same roots:
// instead party alive[q] computes the roots of the squares i with i % |alive| == q (alive: the
// parties not excluded, agreed) and sends them to all. A root is accepted only if it is *the*
// root every party would compute: it squares to the square and is at most (p - 1) / 2 (F6); so
// a faulty party can make the others compute its share of the roots, never accept a wrong one.
// Slices not received by the deadline (synchronous model, as the dealing round) or wrong are
// computed here; their senders are marked silent or suspected.
template <typename F>
Result<void> HbPartyImpl<F>::split_square_roots(std::span<const F> squares,
                                                std::span<std::optional<F>> roots) {
  const std::size_t n = cfg_.n, self = cfg_.id, count = squares.size();
  std::vector<std::size_t> alive;
  for (std::size_t p = 0; p < n; ++p) {
    if (!faults_.excluded(p)) alive.push_back(p);
  }
  std::vector<std::size_t> slot(n, kNone);
  for (std::size_t q = 0; q < alive.size(); ++q) slot[alive[q]] = q;
  const std::size_t stride = alive.size();
  auto slice_size = [&](std::size_t p) -> std::size_t {
    const std::size_t q = slot[p];
    return q == kNone || q >= count ? 0 : (count - q + stride - 1) / stride;
  };
  // Computes the roots of party p's slice here.
  std::vector<F> in;
  std::vector<std::optional<F>> out;
  auto compute = [&](std::size_t p) {
    const std::size_t k = slice_size(p), q = slot[p];
    in.resize(k);
    out.resize(k);
    for (std::size_t j = 0; j < k; ++j) in[j] = squares[q + j * stride];
    F::sqrt_many(std::span<const F>(in), std::span<std::optional<F>>(out));
    for (std::size_t j = 0; j < k; ++j) roots[q + j * stride] = out[j];
  };
  const std::uint64_t round = router_.next_round();
  if (slot[self] != kNone) {
    compute(self);
    // A non-square (impossible for consistent shares; the caller reports it) is sent as 0,
    // which fails the check at the receivers, who then find it out themselves.
    std::vector<F> mine(slice_size(self));
    for (std::size_t j = 0; j < mine.size(); ++j) {
      mine[j] = roots[slot[self] + j * stride].value_or(F::zero());
    }
    const net::Bytes msg =
        wire::encode_shares<F>(wire::Channel::kRound, round, std::span<const F>(mine));
    net::Bytes wrong;  // testing only (send_wrong_roots_for_testing): the other roots
    if (test_wrong_roots_to_ < n) {
      for (F& x : mine) x = -x;
      wrong = wire::encode_shares<F>(wire::Channel::kRound, round, std::span<const F>(mine));
    }
    for (std::size_t j = 0; j < n && !mine.empty(); ++j) {
      if (j == self) continue;
      if (auto ok = router_.send(j, j == test_wrong_roots_to_ ? wrong : msg); !ok) return ok;
    }
  }
  std::vector<std::uint8_t> done(n, 0);
  done[self] = 1;
  std::vector<F> got;
  auto on_roots = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
    const std::size_t k = slice_size(from), q = slot[from];
    if (k == 0 || done[from]) return false;
    got.resize(k);
    if (cnt != k || !wire::decode_shares<F>(body, std::span<F>(got))) return false;
    for (std::size_t j = 0; j < k; ++j) {
      const F& y = squares[q + j * stride];
      if (!(got[j].square() == y) || got[j].is_lexicographically_largest()) {
        return false;  // wrong: the whole slice is computed here (below)
      }
    }
    for (std::size_t j = 0; j < k; ++j) roots[q + j * stride] = got[j];
    done[from] = 1;
    return true;
  };
  auto awaited = [&](std::size_t p) { return !done[p] && slice_size(p) > 0 && wait_for(p); };
  auto all_in = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < n; ++p) {
      if (awaited(p)) return false;
    }
    return true;
  };
  if (auto ok = router_.gather(round, "square roots of random bits", on_roots, all_in, awaited,
                               true);
      !ok) {
    return ok;
  }
  for (std::size_t p = 0; p < n; ++p) {
    if (done[p] || slice_size(p) == 0) continue;
    if (wait_for(p)) mark_silent(p);  // not heard from in time
    compute(p);
  }
  return {};
}

}  // namespace stoffel::mpc
