// Chaum–Pedersen proof of equality of discrete logarithms (DLEQ), non-interactive by Fiat–Shamir:
// the prover knows x with A = x·g and B = x·h, for g, A in a group G and h, B in a group H of
// the same prime order r (G = H allowed; G1 and G2 of BLS12-381 both have order r, which is what
// lets a partial in G2 be checked against Feldman commitments in G1).
//
// Used by open_exp with a base other than the commitment group's generator (docs/mpc.md,
// "Opening in the exponent"): party i proves that its partial B_i = s_i·h has the same
// logarithm as A_i = s_i·g, which everybody computes from the sharing's commitments, so a wrong
// partial is caught before it is combined.
//
//   prover:   w random; R1 = w·g, R2 = w·h; c = H(context, g, A, h, B, R1, R2); z = w + c·x
//   verifier: R1 = z·g − c·A, R2 = z·h − c·B; accept iff c = H(context, g, A, h, B, R1, R2)
//
// H is SHA-512 over a domain tag, the length-prefixed context (session, round, party: a proof
// cannot be replayed for another opening or party) and the encoded points, reduced mod r
// (512 bits, so the bias is below 2^-256). Soundness error 1/r; zero knowledge (honest-verifier,
// random oracle). w·g and w·h are constant-time multiplications: w and x are secret.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "math/rng.h"
#include "math/sha2.h"

namespace stoffel::mpc::dleq {

inline constexpr std::size_t kProofBytes = 64;  // c || z, 32 bytes each, canonical LE

// 64 bytes, little-endian, reduced mod r (Horner from the most significant byte).
template <typename F>
F reduce_wide(std::span<const std::uint8_t, 64> bytes) {
  const F base = F::from_u64(256);
  F acc = F::zero();
  for (std::size_t i = 64; i-- > 0;) acc = acc * base + F::from_u64(bytes[i]);
  return acc;
}

template <typename G, typename H>
typename G::Scalar challenge(std::span<const std::uint8_t> context, const G& g, const G& a,
                             const H& h, const H& b, const G& r1, const H& r2) {
  static constexpr char kTag[] = "stoffel-dleq-v1";
  std::vector<std::uint8_t> msg(kTag, kTag + sizeof(kTag) - 1);
  const std::uint64_t len = context.size();
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  msg.insert(msg.end(), context.begin(), context.end());
  auto put = [&](const auto& p) {
    const auto e = p.to_bytes();
    msg.insert(msg.end(), e.begin(), e.end());
  };
  put(g);
  put(a);
  put(h);
  put(b);
  put(r1);
  put(r2);
  const auto digest = math::sha512(msg);
  return reduce_wide<typename G::Scalar>(std::span<const std::uint8_t, 64>(digest));
}

template <typename G, typename H>
std::array<std::uint8_t, kProofBytes> prove(std::span<const std::uint8_t> context, const G& g,
                                            const G& a, const H& h, const H& b,
                                            const typename G::Scalar& x, math::Rng& rng) {
  using F = typename G::Scalar;
  const F w = F::random(rng);
  const G r1 = g.mul(w);
  const H r2 = h.mul(w);
  const F c = challenge<G, H>(context, g, a, h, b, r1, r2);
  const F z = w + c * x;
  std::array<std::uint8_t, kProofBytes> out{};
  const auto cb = c.to_bytes(), zb = z.to_bytes();
  std::copy(cb.begin(), cb.end(), out.begin());
  std::copy(zb.begin(), zb.end(), out.begin() + 32);
  return out;
}

// Public inputs only, so variable-time arithmetic.
template <typename G, typename H>
bool verify(std::span<const std::uint8_t> context, const G& g, const G& a, const H& h, const H& b,
            std::span<const std::uint8_t> proof) {
  using F = typename G::Scalar;
  if (proof.size() != kProofBytes) return false;
  auto c = F::from_bytes(proof.subspan(0, 32));
  auto z = F::from_bytes(proof.subspan(32, 32));
  if (!c || !z) return false;
  const G r1 = g.mul_vartime(*z) - a.mul_vartime(*c);
  const H r2 = h.mul_vartime(*z) - b.mul_vartime(*c);
  return challenge<G, H>(context, g, a, h, b, r1, r2) == *c;
}

}  // namespace stoffel::mpc::dleq
