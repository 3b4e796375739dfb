// HbEngine<F>: preprocessing (reference-mpc.md §2.4-2.7, decision M4). Included by
// engine_<field>.cpp only.
//
// One generation run produces everything that is missing at once:
//   round 1  deal       every party deals Kr random degree-t sharings and Kd double sharings
//                       (degree t and 2t of one secret); one message per peer
//   (local)             apply the n x n hyper-invertible matrix M to each column of dealt values
//   round 2  check      output rows 0..2t-1 go to checker parties 0..2t-1, which verify exactly
//                       (no error correction) the degrees and, for double sharings, equal secrets
//   round 3  verdict    the checkers broadcast OK / FAIL; everyone needs all 2t verdicts
//   rounds 4-5          triples and random bits open a_i*b_i - r_i (resp. a_i^2 + 0) at degree 2t
//                       by batch reconstruction (Eval, then Reveal)
// Rows 2t..n-1 of M * dealt are the output, n - 2t values per column (random shares, double
// sharings). By hyper-invertibility the adversary, who sees at most t dealt inputs and t checked
// rows, learns nothing about them; and if the >= t rows checked by honest parties are consistent
// then so is every row (any n of the 2n inputs and outputs determine the rest).
//
// Preprocessing detects faults but does not correct them: an inconsistent dealing, a missing
// party or a wrong share in the degree-2t opening makes the run fail with an error on the honest
// parties (never a wrong triple). The online phase (open, mul, truncation, client I/O) corrects
// up to t faults.

#pragma once

#include <algorithm>
#include <string>

#include "mpc/hb_engine.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

template <typename F>
Result<void> HbEngine<F>::ensure(const Needs& want) {
  // Every party computes the same amounts from the same pool sizes, so refills happen at the
  // same point and with the same size everywhere (M4). A second pass is needed only in the rare
  // case that a run yields fewer bits than asked for (a zero seed).
  for (;;) {
    Needs need;
    bool any = false;
    auto plan = [&](std::size_t have, std::size_t wanted, std::size_t& chunk, std::size_t& out) {
      if (have >= wanted) return;
      out = std::max(wanted - have, chunk);
      chunk = std::min(std::max<std::size_t>(chunk * 2, 1), kMaxChunk);
      any = true;
    };
    const bool first = !initial_done_;
    std::size_t mask_chunk = 0;  // masks are made to measure: clients ask for exact counts
    plan(triples_.size(), std::max(want.triples, first ? cfg_.initial_triples : 0), chunk_triples_,
         need.triples);
    plan(randoms_.size(), std::max(want.randoms, first ? cfg_.initial_randoms : 0), chunk_randoms_,
         need.randoms);
    plan(masks_.size(), want.masks, mask_chunk, need.masks);
    plan(bits_.size(), want.bits, chunk_bits_, need.bits);
    if (!any) return {};
    initial_done_ = true;
    if (auto ok = generate(need); !ok) return ok;
  }
}

template <typename F>
Result<void> HbEngine<F>::preprocess(const PoolSizes& at_least) {
  return ensure(Needs{at_least.randoms, at_least.masks, at_least.triples, at_least.bits});
}

template <typename F>
Result<void> HbEngine<F>::generate(const Needs& need) {
  // Large requests are split into runs of bounded size: the working set of a run (dealt values,
  // matrix outputs, messages) then stays in cache, which is faster than one huge run with the
  // same number of rounds per item.
  Needs left = need;
  while (left.randoms + left.masks + left.triples + left.bits > 0) {
    Needs run;
    run.triples = std::min(left.triples, kRunItems);
    run.bits = std::min(left.bits, kRunItems - run.triples);
    run.masks = std::min(left.masks, kRunItems);
    run.randoms = std::min(left.randoms, kRunItems);
    if (auto ok = generate_run(run); !ok) return ok;
    left.triples -= run.triples;
    left.bits -= run.bits;
    left.masks -= run.masks;
    left.randoms -= run.randoms;
  }
  return {};
}

template <typename F>
Result<void> HbEngine<F>::generate_run(const Needs& need) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::size_t per_run = n - 2 * t;
  const std::size_t total_r = need.randoms + need.masks + 2 * need.triples + need.bits;
  const std::size_t total_d = need.triples + need.bits;
  const std::size_t kr = (total_r + per_run - 1) / per_run;
  const std::size_t kd = (total_d + per_run - 1) / per_run;
  const std::size_t cols = kr + 2 * kd;  // per dealer: kr shares, kd degree-t, kd degree-2t
  if (cols == 0) return {};

  // Round 1: deal. dealt[j * cols + c] is party j's share of column c.
  std::vector<F> dealt(n * cols), in(n * cols);
  {
    std::vector<F> secrets(std::max(kr, kd)), tmp(n * std::max(kr, kd));
    auto scatter = [&](std::size_t width, std::size_t offset) {
      for (std::size_t j = 0; j < n; ++j) {
        std::copy_n(tmp.begin() + static_cast<std::ptrdiff_t>(j * width), width,
                    dealt.begin() + static_cast<std::ptrdiff_t>(j * cols + offset));
      }
    };
    F::random_fill(*rng_, std::span<F>(secrets.data(), kr));
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
  for (std::size_t j = 0; j < n; ++j) {
    const std::span<const F> mine(dealt.data() + j * cols, cols);
    if (j == self) {
      std::copy(mine.begin(), mine.end(), in.begin() + static_cast<std::ptrdiff_t>(self * cols));
      continue;
    }
    if (auto ok =
            router_.send(j, wire::encode_elements<F>(wire::Channel::kRound, deal_round, mine));
        !ok) {
      return ok;
    }
  }
  math::wipe(std::span<F>(dealt));
  std::size_t received = 1;
  auto on_deal = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
    if (cnt != cols ||
        !wire::decode_elements<F>(body, std::span<F>(in.data() + from * cols, cols))) {
      return false;
    }
    ++received;
    return true;
  };
  // Preprocessing needs every dealer: the checks below are exact.
  if (auto ok = router_.gather(deal_round, "preprocessing shares (every party must deal)", on_deal,
                               [&]() -> Result<bool> { return received == n; });
      !ok) {
    return make_error("preprocessing: " + ok.error().message);
  }

  // out[j * cols + c] = sum_k M[j][k] * in[k * cols + c]: this party's share of row j.
  std::vector<F> out(n * cols);
  for (std::size_t j = 0; j < n; ++j) {
    F* row = out.data() + j * cols;
    for (std::size_t k = 0; k < n; ++k) {
      const F m = alg_->him.at(j, k);
      const F* src = in.data() + k * cols;
      if (k == 0) {
        for (std::size_t c = 0; c < cols; ++c) row[c] = m * src[c];
      } else {
        for (std::size_t c = 0; c < cols; ++c) row[c] += m * src[c];
      }
    }
  }
  math::wipe(std::span<F>(in));

  if (t > 0) {
    // Round 2: rows 0..2t-1 to their checkers.
    const std::size_t checkers = 2 * t;
    const std::uint64_t check_round = router_.next_round();
    for (std::size_t i = 0; i < checkers; ++i) {
      if (i == self) continue;
      if (auto ok = router_.send(
              i, wire::encode_elements<F>(wire::Channel::kRound, check_round,
                                          std::span<const F>(out.data() + i * cols, cols)));
          !ok) {
        return ok;
      }
    }
    bool my_verdict = true;
    if (self < checkers) {
      std::vector<F> word(n * cols);
      std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(self * cols), cols,
                  word.begin() + static_cast<std::ptrdiff_t>(self * cols));
      std::size_t got = 1;
      auto on_check = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
        if (cnt != cols ||
            !wire::decode_elements<F>(body, std::span<F>(word.data() + from * cols, cols))) {
          return false;
        }
        ++got;
        return true;
      };
      if (auto ok = router_.gather(check_round, "preprocessing check shares", on_check,
                                   [&]() -> Result<bool> { return got == n; });
          !ok) {
        return make_error("preprocessing: " + ok.error().message);
      }
      auto at = [&](std::size_t offset) {
        return [&word, offset, cols](std::size_t p) { return word.data() + p * cols + offset; };
      };
      std::vector<F> zero_t(kd), zero_2t(kd);
      my_verdict = check_words<F>(alg_->all_t, at(0), kr) &&
                   check_words<F>(alg_->all_t, at(kr), kd, std::span<F>(zero_t)) &&
                   check_words<F>(alg_->all_2t, at(kr + kd), kd, std::span<F>(zero_2t)) &&
                   std::equal(zero_t.begin(), zero_t.end(), zero_2t.begin());
      math::wipe(std::span<F>(word));
    }
    // Round 3: verdicts.
    const std::uint64_t verdict_round = router_.next_round();
    if (self < checkers) {
      const F v = my_verdict ? F::one() : F::zero();
      if (auto ok = send_to_others(
              wire::encode_elements<F>(wire::Channel::kRound, verdict_round, std::span(&v, 1)));
          !ok) {
        return ok;
      }
    }
    std::size_t verdicts = self < checkers ? 1 : 0;
    std::size_t failed_checker = my_verdict ? n : self;
    auto on_verdict = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      if (from >= checkers) return false;
      F v{};
      const bool valid = cnt == 1 && wire::decode_elements<F>(body, std::span(&v, 1)) &&
                         (v == F::one() || v.is_zero());
      // A malformed verdict counts as a failure: waiting for a better one could take forever.
      if ((!valid || v.is_zero()) && failed_checker == n) failed_checker = from;
      ++verdicts;
      return valid;
    };
    if (auto ok = router_.gather(verdict_round, "preprocessing verdicts", on_verdict,
                                 [&]() -> Result<bool> { return verdicts == checkers; });
        !ok) {
      return make_error("preprocessing: " + ok.error().message);
    }
    if (failed_checker != n) {
      return make_error("preprocessing aborted: party " + std::to_string(failed_checker) +
                        " found an inconsistent sharing (a dealer or a sender of check shares is "
                        "faulty)");
    }
  }

  // Outputs: rows 2t..n-1. Random shares column-block first, then the double sharings.
  std::vector<F> rnd, dbl_t, dbl_2t;
  rnd.reserve(per_run * kr);
  dbl_t.reserve(per_run * kd);
  dbl_2t.reserve(per_run * kd);
  for (std::size_t j = 2 * t; j < n; ++j) {
    const F* row = out.data() + j * cols;
    rnd.insert(rnd.end(), row, row + kr);
    dbl_t.insert(dbl_t.end(), row + kr, row + kr + kd);
    dbl_2t.insert(dbl_2t.end(), row + kr + kd, row + cols);
  }
  math::wipe(std::span<F>(out));

  // Hand out random shares: masks, plain randoms, triple factors, bit seeds; the surplus of the
  // last run joins the plain randoms (nothing is wasted, nothing used twice).
  std::size_t next = 0;
  auto take = [&](std::size_t count) {
    std::span<const F> s(rnd.data() + next, count);
    next += count;
    return s;
  };
  masks_.append(take(need.masks));
  randoms_.append(take(need.randoms));
  const std::span<const F> ab = take(2 * need.triples);
  const std::span<const F> seeds = take(need.bits);
  randoms_.append(std::span<const F>(rnd.data() + next, rnd.size() - next));

  const std::size_t nt = need.triples, nb = need.bits;
  if (nt + nb > 0) {
    // Values opened at degree 2t: a*b - r (triples) and a^2 + ([r]_2t - [r]_t) (bits: a
    // random degree-2t sharing of zero hides every coefficient but the constant a^2).
    std::vector<F> x(nt + nb), opened(nt + nb);
    for (std::size_t i = 0; i < nt; ++i) x[i] = ab[2 * i] * ab[2 * i + 1] - dbl_2t[i];
    for (std::size_t i = 0; i < nb; ++i) {
      x[nt + i] = seeds[i].square() + dbl_2t[nt + i] - dbl_t[nt + i];
    }
    if (auto ok = open_2t(x, opened); !ok)
      return make_error("preprocessing: " + ok.error().message);
    std::vector<F> triples(3 * nt);
    for (std::size_t i = 0; i < nt; ++i) {
      triples[3 * i] = ab[2 * i];
      triples[3 * i + 1] = ab[2 * i + 1];
      triples[3 * i + 2] = dbl_t[i] + opened[i];
    }
    triples_.append(triples);
    math::wipe(std::span<F>(triples));
    if (nb > 0) {
      // RandBit: b = sqrt(a^2) is +-a; a / b is +-1 with equal probability and (a/b + 1) / 2 is a
      // uniformly random bit nobody knows. a = 0 (probability n_b / p) gives no bit.
      std::vector<F> roots, seeds_ok, scratch;
      roots.reserve(nb);
      seeds_ok.reserve(nb);
      for (std::size_t i = 0; i < nb; ++i) {
        const F& sq = opened[nt + i];
        if (sq.is_zero()) continue;
        auto r = sq.sqrt();
        if (!r) {
          return make_error(
              "preprocessing: an opened square is not a square (inconsistent "
              "shares)");
        }
        roots.push_back(*r);
        seeds_ok.push_back(seeds[i]);
      }
      scratch.resize(roots.size());
      math::batch_inverse(std::span<F>(roots), std::span<F>(scratch));
      const F half = F::from_u64(2).inverse();
      std::vector<F> bits(roots.size());
      for (std::size_t i = 0; i < roots.size(); ++i) {
        bits[i] = (seeds_ok[i] * roots[i] + F::one()) * half;
      }
      bits_.append(bits);
      math::wipe(std::span<F>(bits));
      math::wipe(std::span<F>(seeds_ok));
    }
  }
  math::wipe(std::span<F>(rnd));
  math::wipe(std::span<F>(dbl_t));
  math::wipe(std::span<F>(dbl_2t));
  // A bit lost to a zero seed is made up by another run in ensure() (the same on every party:
  // the opened values are public).
  return {};
}

// Batch reconstruction at degree 2t (reference-mpc.md §2.3, HoneyBadgerMPC Fig. 2), in groups
// of 2t + 1 values: party j learns y_j = sum_k x_k * point(j)^k (Eval), reveals it, and everyone
// decodes the polynomial with coefficients x_0..x_2t (Reveal). Both decodings need 3t + 1
// agreeing values, so with n = 3t + 1 a fault is detected (error), and with more parties some
// are corrected; a wrong value is never returned.
template <typename F>
Result<void> HbEngine<F>::open_2t(std::span<const F> x, std::span<F> opened) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::size_t k = 2 * t + 1;
  const std::size_t groups = (x.size() + k - 1) / k;
  if (groups == 0) return {};
  std::vector<F> padded(groups * k);
  std::copy(x.begin(), x.end(), padded.begin());
  std::vector<F> y(n * groups);  // party-major: y[j * groups + g]
  alg_->recon_2t.eval_shares_many(padded, y);
  math::wipe(std::span<F>(padded));
  const std::size_t need = 3 * t + 1;

  // Eval: party j receives everyone's share of its y_j.
  std::vector<F> recv(n * groups);
  std::vector<std::uint8_t> have(n, 0);
  const std::uint64_t eval_round = router_.next_round();
  for (std::size_t j = 0; j < n; ++j) {
    const std::span<const F> part(y.data() + j * groups, groups);
    if (j == self) {
      std::copy(part.begin(), part.end(), recv.begin() + static_cast<std::ptrdiff_t>(j * groups));
      continue;
    }
    if (auto ok =
            router_.send(j, wire::encode_elements<F>(wire::Channel::kRound, eval_round, part));
        !ok) {
      return ok;
    }
  }
  math::wipe(std::span<F>(y));
  std::vector<F> mine(groups);
  // Gathers one vector of `groups` values per party into recv and decodes them with `degree`,
  // `ncoeffs` coefficients per word, into `dest`.
  auto run = [&](std::uint64_t round, const char* what, std::size_t ncoeffs,
                 std::span<F> dest) -> Result<void> {
    have.assign(n, 0);
    have[self] = 1;
    std::size_t count = 1, heard = 1;
    std::vector<std::size_t> present;
    auto values_of = [&](std::size_t p) { return recv.data() + p * groups; };
    auto on_message = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      ++heard;
      if (cnt != groups ||
          !wire::decode_elements<F>(body, std::span<F>(recv.data() + from * groups, groups))) {
        return false;
      }
      have[from] = 1;
      ++count;
      return true;
    };
    auto progress = [&]() -> Result<bool> {
      auto undecodable = [&]() -> Result<bool> {
        if (heard < n) return false;  // more shares may make it decodable
        return make_error(std::string("cannot decode ") + what + ": more than t = " +
                          std::to_string(t) + " parties sent wrong or invalid shares");
      };
      if (count < need) return undecodable();
      present.clear();
      for (std::size_t p = 0; p < n; ++p) {
        if (have[p]) present.push_back(p);
      }
      const InterpPlan<F>& plan = plans_.get(alg_->domain, present, 2 * t, ncoeffs);
      std::vector<std::size_t> faulty;
      auto r = decode_words<F>(plan, alg_->dec_2t, present, values_of, groups, dest, faulty);
      if (!r) return r.error();
      if (!*r) return undecodable();
      for (std::size_t p : faulty) suspect(p);
      return true;
    };
    return router_.gather(round, what, on_message, progress);
  };
  if (auto ok = run(eval_round, "degree-2t shares (Eval)", 1, mine); !ok) return ok;

  // Reveal: everyone gets every y_j and decodes the x's.
  const std::uint64_t reveal_round = router_.next_round();
  if (auto ok = send_to_others(
          wire::encode_elements<F>(wire::Channel::kRound, reveal_round, std::span<const F>(mine)));
      !ok) {
    return ok;
  }
  std::copy(mine.begin(), mine.end(), recv.begin() + static_cast<std::ptrdiff_t>(self * groups));
  std::vector<F> coeffs(groups * k);
  if (auto ok = run(reveal_round, "revealed values (Reveal)", k, coeffs); !ok) return ok;
  std::copy_n(coeffs.begin(), x.size(), opened.begin());
  return {};
}

}  // namespace stoffel::mpc
