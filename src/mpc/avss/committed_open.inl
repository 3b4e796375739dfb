// AvssPartyImpl<F>: openings checked against Feldman commitments (docs/mpc.md, "AVSS backend").
// Included only by avss_<field>.cpp.
//
// Opening (one round): every party sends its shares; party p's shares are accepted iff they
// satisfy the Feldman equation, checked for a whole batch at once with a random linear
// combination (sum_k l_k s_pk)·G = sum_j x_p^j D_j, D_j = sum_k l_k C_kj (a wrong share passes
// with probability 1/r). The values are interpolated from t + 1 accepted shares; parties whose
// shares fail are suspected and named.
//
// Opening in the exponent (one round): with the commitment group's generator, party p's partial
// P_p must equal E_p = sum_j x_p^j C_j (the commitments say what s_p·G is); with any other base B
// (a caller's base, or G2 for BLS public keys) p also sends a DLEQ proof (dleq.h) that
// log_B P_p = log_G E_p. Only checked partials are combined (Lagrange at 0 over t + 1 of them).
//
// Both rounds wait for every party still expected (so a wrong value can be noticed and its
// sender named; a party silent since an earlier dealing is not waited for), and then need t + 1
// accepted values, which the at least n - t >= 2t + 1 honest parties always provide.
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>

#include "math/shamir.h"
#include "mpc/avss/avss_party_impl.h"
#include "mpc/avss/dleq.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

template <typename F>
Result<std::vector<F>> AvssPartyImpl<F>::open_checked(std::span<const F> values,
                                                      std::span<const std::vector<G>> commitments) {
  const std::size_t w = values.size(), n = cfg_.n, t = cfg_.t, self = cfg_.id;
  Router& router = hb_->router();
  const std::uint64_t round = router.next_round();
  hb_->counters().openings += w;
  std::vector<F> sent(values.begin(), values.end());
  if (faults_.wrong_open_shares) {
    for (F& v : sent) v += F::one();
  }
  if (auto ok = hb_->broadcast_to_others(
          wire::encode_shares<F>(wire::Channel::kRound, round, std::span<const F>(sent)));
      !ok) {
    return ok.error();
  }
  std::vector<F> recv(n * w);
  std::vector<std::uint8_t> have(n, 0), heard(n, 0);
  std::copy(values.begin(), values.end(), recv.begin() + static_cast<std::ptrdiff_t>(self * w));
  have[self] = heard[self] = 1;
  auto on_message = [&](std::size_t from, std::uint32_t count, std::span<const std::uint8_t> body) {
    heard[from] = 1;
    if (count != w || !wire::decode_shares<F>(body, std::span<F>(recv.data() + from * w, w))) {
      return false;
    }
    have[from] = 1;
    return true;
  };
  auto all_heard = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < n; ++p) {
      if (!heard[p] && hb_->awaits(p)) return false;
    }
    return true;
  };
  auto awaited = [&](std::size_t p) { return hb_->awaits(p); };
  if (auto ok = router.gather(round, "shares to open (checked against commitments)", on_message,
                              all_heard, awaited, /*finish_on_timeout=*/true);
      !ok) {
    return ok.error();
  }
  // D_j = sum_k l_k C_kj for a random l (local randomness: unknown to the senders).
  std::vector<F> lambda(w);
  F::random_fill(hb_->rng(), std::span<F>(lambda));
  std::vector<G> d(t + 1), column(w);
  for (std::size_t j = 0; j <= t; ++j) {
    for (std::size_t k = 0; k < w; ++k) column[k] = commitments[k][j];
    d[j] = G::msm(column, lambda);
  }
  std::vector<std::size_t> accepted{self};
  const auto& dom = hb_->algebra().domain;
  for (std::size_t p = 0; p < n; ++p) {
    if (p == self || !have[p]) continue;
    F combined = F::zero();
    for (std::size_t k = 0; k < w; ++k) combined += lambda[k] * recv[p * w + k];
    if (G::generator().mul_vartime(combined) == feldman::evaluate<G>(d, dom.point(p))) {
      accepted.push_back(p);
    } else {
      hb_->report_suspect(p);
    }
  }
  if (accepted.size() < t + 1) {
    return make_error("opening failed: only " + std::to_string(accepted.size()) +
                      " shares match their commitments, t + 1 = " + std::to_string(t + 1) +
                      " needed");
  }
  std::sort(accepted.begin(), accepted.end());
  accepted.resize(t + 1);
  auto lagrange = math::LagrangeAtZero<F>::create(dom, accepted);
  if (!lagrange) return lagrange.error();
  std::vector<F> out(w), ys(t + 1);
  for (std::size_t k = 0; k < w; ++k) {
    for (std::size_t i = 0; i <= t; ++i) ys[i] = recv[accepted[i] * w + k];
    out[k] = lagrange->apply(ys);
  }
  return out;
}

template <typename F>
Result<std::vector<FieldBytes>> AvssPartyImpl<F>::open_committed(
    std::span<const FieldBytes> shares, std::span<const std::vector<std::uint8_t>> commitments) {
  if (commitments.size() != shares.size()) return hb_->open(shares);
  // Shares with commitments are checked against them; the others (products, client inputs)
  // take the HoneyBadger robust opening. Both partitions are the same at every party.
  std::vector<std::size_t> with, without;
  std::vector<F> values;
  std::vector<std::vector<G>> commits;
  std::vector<FieldBytes> plain;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    auto c = commitments[i].empty() ? std::nullopt : decode_commitments(commitments[i]);
    auto v = F::from_bytes(shares[i]);
    if (!v) return make_error("open: share " + std::to_string(i) + " is not a field element");
    if (c) {
      with.push_back(i);
      values.push_back(*v);
      commits.push_back(std::move(*c));
    } else {
      without.push_back(i);
      plain.push_back(shares[i]);
    }
  }
  std::vector<FieldBytes> out(shares.size());
  if (!with.empty()) {
    auto opened = open_checked(values, commits);
    if (!opened) return opened.error();
    for (std::size_t i = 0; i < with.size(); ++i) out[with[i]] = (*opened)[i].to_bytes();
  }
  if (!without.empty()) {
    auto opened = hb_->open(plain);
    if (!opened) return opened.error();
    for (std::size_t i = 0; i < without.size(); ++i) out[without[i]] = (*opened)[i];
  }
  return out;
}

template <typename F>
template <typename H>
Result<H> AvssPartyImpl<F>::open_exp_checked(const F& share, const std::vector<G>& commitments,
                                             const H& base, bool standard) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  constexpr std::size_t ph = H::kEncodedBytes;
  const std::size_t len = standard ? ph : ph + dleq::kProofBytes;
  Router& router = hb_->router();
  const std::uint64_t round = router.next_round();
  hb_->counters().openings += 1;
  // The share is secret: constant-time multiplications.
  const H partial = base.mul(share);
  H sent_partial = partial;
  if (faults_.wrong_partials) sent_partial = partial + base;
  std::vector<std::uint8_t> msg;
  const auto enc = sent_partial.to_bytes();
  msg.insert(msg.end(), enc.begin(), enc.end());
  if (!standard) {
    const G a = G::generator().mul(share);
    const auto proof = dleq::prove<G, H>(context(round, self, 0), G::generator(), a, base, partial,
                                         share, hb_->rng());
    msg.insert(msg.end(), proof.begin(), proof.end());
  }
  if (auto ok = hb_->broadcast_to_others(wire::encode_bytes(wire::Channel::kRound, round, msg));
      !ok) {
    return ok.error();
  }
  std::vector<std::optional<H>> got(n);
  std::vector<std::vector<std::uint8_t>> proofs(n);
  std::vector<std::uint8_t> heard(n, 0);
  got[self] = partial;
  heard[self] = 1;
  auto on_message = [&](std::size_t from, std::uint32_t count, std::span<const std::uint8_t> body) {
    heard[from] = 1;
    auto bytes = wire::decode_bytes(body, count, len);
    if (!bytes) return false;
    auto p = H::from_bytes(bytes->first(ph));
    if (!p) return false;
    got[from] = *p;
    proofs[from].assign(bytes->begin() + static_cast<std::ptrdiff_t>(ph), bytes->end());
    return true;
  };
  auto all_heard = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < n; ++p) {
      if (!heard[p] && hb_->awaits(p)) return false;
    }
    return true;
  };
  auto awaited = [&](std::size_t p) { return hb_->awaits(p); };
  if (auto ok = router.gather(round, "partials to open in the exponent (checked)", on_message,
                              all_heard, awaited, /*finish_on_timeout=*/true);
      !ok) {
    return ok.error();
  }
  const auto& dom = hb_->algebra().domain;
  std::vector<std::size_t> accepted{self};
  for (std::size_t p = 0; p < n; ++p) {
    if (p == self || !got[p]) continue;
    const G expected = feldman::evaluate<G>(commitments, dom.point(p));
    bool ok = false;
    if constexpr (std::is_same_v<H, G>) {
      if (standard) ok = *got[p] == expected;
    }
    if (!standard) {
      ok = dleq::verify<G, H>(context(round, p, 0), G::generator(), expected, base, *got[p],
                              proofs[p]);
    }
    if (ok) {
      accepted.push_back(p);
    } else {
      hb_->report_suspect(p);
    }
  }
  if (accepted.size() < t + 1) {
    return make_error("opening in the exponent failed: only " + std::to_string(accepted.size()) +
                      " verified partials, t + 1 = " + std::to_string(t + 1) + " needed");
  }
  std::sort(accepted.begin(), accepted.end());
  accepted.resize(t + 1);
  auto lagrange = math::LagrangeAtZero<F>::create(dom, accepted);
  if (!lagrange) return lagrange.error();
  std::vector<H> pts(t + 1);
  for (std::size_t i = 0; i <= t; ++i) pts[i] = *got[accepted[i]];
  return H::msm(pts, lagrange->coefficients());
}

template <typename F>
Result<std::vector<std::uint8_t>> AvssPartyImpl<F>::open_exp_committed(
    const FieldBytes& share, std::span<const std::uint8_t> commitments, std::string_view group,
    std::span<const std::uint8_t> base) {
  auto c = commitments.empty() ? std::nullopt : decode_commitments(commitments);
  if (!c) {
    // No commitments (a product, a client input): the HoneyBadger masked check.
    auto r = hb_->open_exp(std::span<const FieldBytes>(&share, 1), group, base);
    if (!r) return r.error();
    return std::move((*r)[0]);
  }
  auto kind =
      group.empty() ? Result<GroupKind>(base_group<F>(base.size())) : parse_group_name(group);
  if (!kind) return kind.error();
  auto s = F::from_bytes(share);
  if (!s) return make_error("open_exp: the share is not a field element");
  using Out = std::vector<std::uint8_t>;
  return visit_group<F, Out>(*kind, [&](auto tag) -> Result<Out> {
    using H = typename decltype(tag)::type;
    H b = H::generator();
    if (!base.empty()) {
      auto decoded = H::from_bytes(base);
      if (!decoded) return make_error("open_exp: invalid base point: " + decoded.error().message);
      b = *decoded;
    }
    const bool standard = std::is_same_v<H, G> && base.empty();
    auto point = open_exp_checked<H>(*s, *c, b, standard);
    if (!point) return point.error();
    const auto e = point->to_bytes();
    return Out(e.begin(), e.end());
  });
}

}  // namespace stoffel::mpc
