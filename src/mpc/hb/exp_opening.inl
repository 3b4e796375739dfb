// HbPartyImpl<F>: opening in the exponent (Share.open_exp, "XOP1"; docs/mpc.md, "Opening in the
// exponent"). Included only by the per-field translation units (field_<name>.cpp).
//
// The reference has every party send s_i·B and combines 2t + 1 of them unchecked (reference-mpc.md
// §10 item 3: one party can bias a signature). A HoneyBadger sharing has no commitments to check
// a partial against, and Reed–Solomon decoding does not work on group elements, so each partial
// is checked with a masked opening instead, three rounds for a whole batch:
//
//   1. every party sends P_i = s_i·B and R_i = r_i·B for a fresh random sharing [r] per value
//      (from the random-share pool);
//   2. a random challenge rho is opened robustly (one more random share), after every partial is
//      fixed;
//   3. every party sends its share u_i = rho·s_i + r_i of u = rho·s + r; u's polynomial is
//      decoded robustly (so every party's correct u_i is known) — it reveals nothing about s,
//      since rho·f_s + f_r is a uniformly random polynomial of degree t.
//
// Party i's partials are accepted iff rho·P_i + R_i = u_i·B (for a batch: the same with a random
// linear combination over the values). A wrong P_i passes only if R_i was chosen to cancel the
// error for the rho that was opened after it: probability 1/r. The result is interpolated at 0
// from t + 1 accepted partials (this party's own among them); parties whose partials fail, or
// whose u shares the decoder corrects, are suspected and named in the warnings.
#pragma once

#include <algorithm>
#include <string>

#include "mpc/groups.h"
#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

template <typename F>
template <typename G>
Result<std::vector<G>> HbPartyImpl<F>::open_exp_values(std::span<const F> shares, const G& base) {
  const std::size_t w = shares.size(), n = cfg_.n, t = cfg_.t, self = cfg_.id;
  if (w == 0) return std::vector<G>{};
  if (auto ok = ensure(Needs{w + 1, 0, 0, 0}); !ok) return ok.error();
  const auto taken = randoms_.take(w + 1);
  const std::vector<F> masks(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(w));
  const F rho_share = taken[w];
  stats_.openings += w;

  // Round 1: the partials and their masks. s_i and r_i are secret: constant-time mul.
  constexpr std::size_t pb = G::kEncodedBytes;
  std::vector<G> mine(2 * w);
  for (std::size_t k = 0; k < w; ++k) {
    mine[2 * k] = base.mul(shares[k]);
    mine[2 * k + 1] = base.mul(masks[k]);
  }
  const std::uint64_t round = router_.next_round();
  if (auto ok =
          send_to_others(wire::encode_bytes(wire::Channel::kRound, round, encode_points<G>(mine)));
      !ok) {
    return ok.error();
  }
  std::vector<std::optional<std::vector<G>>> got(n);
  got[self] = mine;
  std::vector<std::uint8_t> heard(n, 0);
  heard[self] = 1;
  auto on_points = [&](std::size_t from, std::uint32_t count, std::span<const std::uint8_t> body) {
    heard[from] = 1;
    auto bytes = wire::decode_bytes(body, count, 2 * w * pb);
    if (!bytes) return false;
    auto pts = decode_points<G>(*bytes, 2 * w);
    if (!pts) return false;
    got[from] = std::move(*pts);
    return true;
  };
  // Every party still expected is waited for (a partial that is not there cannot be checked
  // and its sender cannot be named); a silent one costs this round one receive timeout.
  auto all_heard = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < n; ++p) {
      if (!heard[p] && wait_for(p)) return false;
    }
    return true;
  };
  auto awaited = [&](std::size_t p) { return wait_for(p); };
  if (auto ok = router_.gather(round, "partials to open in the exponent", on_points, all_heard,
                               awaited, /*finish_on_timeout=*/true);
      !ok) {
    return ok.error();
  }

  // Round 2: the challenge, opened robustly after every partial is fixed.
  F rho{};
  if (auto ok = open_t(std::span<const F>(&rho_share, 1), std::span<F>(&rho, 1)); !ok) {
    return ok.error();
  }

  // Round 3: shares of u = rho·s + r, decoded robustly to every party's correct share.
  std::vector<F> u(w);
  for (std::size_t k = 0; k < w; ++k) u[k] = rho * shares[k] + masks[k];
  const std::uint64_t round3 = router_.next_round();
  if (auto ok = send_to_others(wire::encode_shares<F>(wire::Channel::kRound, round3, u)); !ok) {
    return ok.error();
  }
  std::vector<F> recv(n * w);
  std::vector<std::uint8_t> have(n, 0);
  std::copy(u.begin(), u.end(), recv.begin() + static_cast<std::ptrdiff_t>(self * w));
  have[self] = 1;
  std::fill(heard.begin(), heard.end(), 0);
  heard[self] = 1;
  auto on_u = [&](std::size_t from, std::uint32_t count, std::span<const std::uint8_t> body) {
    heard[from] = 1;
    if (count != w || !wire::decode_shares<F>(body, std::span<F>(recv.data() + from * w, w))) {
      return false;
    }
    have[from] = 1;
    return true;
  };
  if (auto ok = router_.gather(round3, "masked shares to check partials", on_u, all_heard, awaited,
                               /*finish_on_timeout=*/true);
      !ok) {
    return ok.error();
  }
  std::vector<std::size_t> present;
  for (std::size_t p = 0; p < n; ++p) {
    if (have[p]) present.push_back(p);
  }
  // u_coeffs[k]: the coefficients of u_k's polynomial.
  std::vector<std::vector<F>> u_coeffs(w);
  std::vector<F> column(present.size());
  for (std::size_t k = 0; k < w; ++k) {
    for (std::size_t i = 0; i < present.size(); ++i) column[i] = recv[present[i] * w + k];
    auto dec = alg_->dec_t.decode(present, column);
    if (!dec) return dec.error();
    if (!dec->has_value()) {
      return make_error(
          "opening in the exponent failed: the masked shares do not determine a "
          "value (more than t = " +
          std::to_string(t) + " parties faulty or silent)");
    }
    for (std::size_t p : (*dec)->faulty) suspect(p);
    u_coeffs[k] = std::move((*dec)->coeffs);
  }

  // The check, per party, over a random combination of the values (public data: variable time).
  std::vector<F> lambda(w);
  for (auto& l : lambda) l = F::random(*rng_);
  std::vector<std::size_t> accepted;
  for (std::size_t p = 0; p < n; ++p) {
    if (!got[p]) continue;
    if (p == self) {
      accepted.push_back(p);
      continue;
    }
    const F x = alg_->domain.point(p);
    std::vector<G> pts(2 * w);
    std::vector<F> sc(2 * w);
    F expected = F::zero();
    for (std::size_t k = 0; k < w; ++k) {
      pts[2 * k] = (*got[p])[2 * k];
      pts[2 * k + 1] = (*got[p])[2 * k + 1];
      sc[2 * k] = lambda[k] * rho;
      sc[2 * k + 1] = lambda[k];
      F uk = F::zero();  // u_k(x) by Horner
      for (std::size_t c = u_coeffs[k].size(); c-- > 0;) uk = uk * x + u_coeffs[k][c];
      expected += lambda[k] * uk;
    }
    if (G::msm(pts, sc) == base.mul_vartime(expected)) {
      accepted.push_back(p);
    } else {
      suspect(p);
    }
  }
  if (accepted.size() < t + 1) {
    return make_error("opening in the exponent failed: only " + std::to_string(accepted.size()) +
                      " verified partials, t + 1 = " + std::to_string(t + 1) + " needed");
  }
  accepted.resize(t + 1);
  auto lagrange = math::LagrangeAtZero<F>::create(alg_->domain, accepted);
  if (!lagrange) return lagrange.error();
  const auto coeffs = lagrange->coefficients();
  std::vector<G> out(w);
  std::vector<G> pts(t + 1);
  for (std::size_t k = 0; k < w; ++k) {
    for (std::size_t i = 0; i <= t; ++i) pts[i] = (*got[accepted[i]])[2 * k];
    out[k] = G::msm(pts, coeffs);
  }
  return out;
}

template <typename F>
Result<std::vector<std::vector<std::uint8_t>>> HbPartyImpl<F>::open_exp(
    std::span<const FieldBytes> shares, std::string_view group,
    std::span<const std::uint8_t> base) {
  auto kind =
      group.empty() ? Result<GroupKind>(base_group<F>(base.size())) : parse_group_name(group);
  if (!kind) return kind.error();
  auto in = load_all(shares, "open_exp");
  if (!in) return in.error();
  using Out = std::vector<std::vector<std::uint8_t>>;
  return visit_group<F, Out>(*kind, [&](auto tag) -> Result<Out> {
    using G = typename decltype(tag)::type;
    G b = G::generator();
    if (!base.empty()) {
      auto decoded = G::from_bytes(base);
      if (!decoded) return make_error("open_exp: invalid base point: " + decoded.error().message);
      b = *decoded;
    }
    auto pts = open_exp_values<G>(*in, b);
    if (!pts) return pts.error();
    Out out;
    for (const G& p : *pts) {
      const auto e = p.to_bytes();
      out.emplace_back(e.begin(), e.end());
    }
    return out;
  });
}

}  // namespace stoffel::mpc
