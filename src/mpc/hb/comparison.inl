// HbPartyImpl<F>: secret comparisons (issue 18; docs/mpc.md, "Comparisons"): Mod2m,
// less-than-zero and equality-to-zero of k-bit signed shares, after Catrina and de Hoogh
// ("Improved primitives for secure multiparty integer computation", SCN 2010). Included only by
// the per-field translation units (field_<name>.cpp).
//
// Every protocol here starts like probabilistic truncation (multiplication.inl, M5): a random
// r = 2^m r'' + r' per value, r' of m random bits from the bit pool (RandBit: opened squares, so
// each is provably 0 or 1) and r'' of bounded random values (decision P12), and one robust
// opening of c = 2^(k-1) + a + r for the whole batch. What
// follows works on the opened c and the shared low bits of r with one multiplication batch per
// level of a logarithmic tree, for all values of the call at once (mul_level: Beaver, one round,
// or double sharings for large levels at n >= 4t + 1, two rounds).
#pragma once

#include <string>

#include "mpc/hb/party_impl.h"

namespace stoffel::mpc {

namespace comparison {

// Products the bitwise less-than tree over m bits takes per value and level, highest width
// first: per level, two per pair of groups except the lowest pair, whose "all equal" flag is
// never needed, and at the leaves one per pair of bits, their product (decision P15): 89 in all
// for m = 64 (a comparison of two 64-bit values), where two per pair would take 120.
inline std::vector<std::size_t> bit_less_than_levels(std::size_t m) {
  std::vector<std::size_t> levels;
  if (m > 1) levels.push_back(m / 2);  // the leaves: one product per pair of bits (P15)
  for (std::size_t w = m / 2 + m % 2; w > 1; w = w / 2 + w % 2) levels.push_back(2 * (w / 2) - 1);
  return levels;
}

// Products per level of the product tree over k bits (equality), per value.
inline std::vector<std::size_t> product_tree_levels(std::size_t k) {
  std::vector<std::size_t> levels;
  for (std::size_t w = k; w > 1; w = w / 2 + w % 2) levels.push_back(w / 2);
  return levels;
}

}  // namespace comparison

template <typename F>
Result<void> HbPartyImpl<F>::check_comparison(const char* what, std::size_t count,
                                              std::uint32_t k) const {
  if (k < 2) {
    return make_error(ErrorKind::Usage, std::string(what) + ": need k >= 2 (k = " +
                                            std::to_string(k) + ")");
  }
  if (std::size_t{k} + kTruncKappa + 2 > F::bits()) {
    return make_error(ErrorKind::Usage,
                      std::string(what) + ": k = " + std::to_string(k) + " is too large for " +
                          F::name() + " (k + " + std::to_string(kTruncKappa) +
                          " + 2 must not exceed " + std::to_string(F::bits()) + " bits)");
  }
  // Bounds the bits and triples one call asks for (k + kappa bits per value).
  if (count > (std::size_t{1} << 24)) {
    return make_error(ErrorKind::Usage, std::string(what) + ": at most 2^24 values per call");
  }
  return {};
}

// A level of a comparison's tree (decision P9, P10): with n >= 4t + 1, a level of at least
// `double_sharing_min_batch` products takes double sharings (two rounds: Eval and Reveal, which
// every honest party decodes whatever t parties send, so no agreement), any other level Beaver
// triples (one round). At n = 3t + 1 every level keeps Beaver: the agreement a batch of double
// sharings needs there would cost 1 + 3(t + 1) rounds per level.
template <typename F>
bool HbPartyImpl<F>::level_doubles(std::size_t count) const {
  return cfg_.n >= 4 * cfg_.t + 1 && use_doubles(count);
}

template <typename F>
Result<void> HbPartyImpl<F>::mul_level(std::span<const F> x, std::span<const F> y,
                                       std::span<F> out) {
  if (level_doubles(x.size())) {
    auto done = mul_doubles(x, y, out);
    if (!done) return done.error();
    if (*done) return {};
  }
  return mul_beaver(x, y, out);
}

// What one truncation or comparison call takes from the pools, so that it is one refill (one
// preprocessing run), not one per level: the mask's bits and bounded values (open_masked) and,
// per level of `per_value` products for each of `count` values, triples or double sharings
// (mul_level; no levels for a truncation).
template <typename F>
typename HbPartyImpl<F>::Needs HbPartyImpl<F>::masked_needs(
    std::size_t count, std::uint32_t k, std::uint32_t m, std::size_t chunks,
    const std::vector<std::size_t>& per_value) const {
  Needs need;
  need.bits = count * (chunks > 0 ? m : std::size_t{k} + kTruncKappa);
  need.bounded = count * chunks;
  for (std::size_t products : per_value) {
    (level_doubles(count * products) ? need.doubles : need.triples) += count * products;
  }
  return need;
}

// Opens c = 2^(k-1) + a + r in one robust opening, r = 2^m r'' + r' with r' = sum_(i<m) 2^i b_i
// of m random bits and r'' bounded random values (decision P12) or, where those do not fit,
// k + kappa - m further bits (`chunks` = bounded_chunks() as the caller took it before its
// refill: the refill may use up stored bits and so change the answer), and returns the opened
// integers and the m bits of every r' (value-major). The caller has made sure the pools hold
// them (one `ensure` for everything the call needs). c is an integer below p (bounded_chunks
// makes sure of it), and it hides a up to a statistical distance of 2^-kappa (|a| < 2^(k-1)):
// r' and the honest dealers' share of r'' are uniform over 2^(k + kappa) values or more.
template <typename F>
Result<void> HbPartyImpl<F>::open_masked(std::span<const F> a, std::uint32_t k, std::uint32_t m,
                                         std::size_t chunks, std::vector<F>& low,
                                         std::vector<math::Limbs>& c) {
  const std::size_t count = a.size();
  const std::size_t nbits = chunks > 0 ? m : std::size_t{k} + kTruncKappa;
  const std::span<const F> bits = bits_.take(count * nbits);
  const std::span<const F> bounded = bounded_.take(count * chunks);
  const F offset = comparison::pow2<F>(k - 1);
  const F pow_m = comparison::pow2<F>(m);
  low.assign(count * m, F::zero());
  std::vector<F> masked(count), opened(count);
  for (std::size_t v = 0; v < count; ++v) {
    const F* b = bits.data() + v * nbits;
    F r = F::zero();
    for (std::size_t i = nbits; i-- > 0;) r = r.dbl() + b[i];  // nbits = m with bounded values
    if (chunks > 0) r += compose_bounded(bounded.data() + v * chunks, chunks) * pow_m;
    for (std::size_t i = 0; i < m; ++i) low[v * m + i] = b[i];
    masked[v] = a[v] + offset + r;
  }
  if (auto ok = open_t(masked, opened); !ok) return ok;
  math::wipe(std::span<F>(masked));
  c.resize(count);
  for (std::size_t v = 0; v < count; ++v) c[v] = opened[v].to_canonical();
  return {};
}

// [c < r] for public m-bit integers c and shared bits r (value-major, m per value), by a tree
// over the bit positions: a group of positions holds G = [r > c on the group] and P = [r = c on
// the group]; a higher group H and the lower group L next to it combine to
//   G = G_H + P_H G_L,  P = P_H P_L
// (the highest differing position decides). Leaves: G_i = r_i (1 - c_i), P_i = 1 - (c_i xor r_i),
// both linear since c is public. ceil(log2 m) levels, one multiplication batch each. At the
// leaves both products of a pair, P_H G_L and P_H P_L, are affine in the one product
// u = r_H r_L of its two bits (c public; decision P15), so the first level takes one
// multiplication per pair instead of two.
template <typename F>
Result<void> HbPartyImpl<F>::bit_less_than(std::span<const math::Limbs> c, std::span<const F> r,
                                           std::size_t m, std::span<F> out) {
  const std::size_t count = c.size();
  std::vector<F> g(count * m), p(count * m);
  for (std::size_t v = 0; v < count; ++v) {
    for (std::size_t i = 0; i < m; ++i) {
      const F& ri = r[v * m + i];
      const bool ci = comparison::bit_of(c[v], i);
      g[v * m + i] = ci ? F::zero() : ri;
      p[v * m + i] = ci ? ri : F::one() - ri;
    }
  }
  std::vector<F> x, y, z, g2, p2;
  for (std::size_t w = m, level = 0; w > 1; ++level) {
    const bool leaves = level == 0;
    const std::size_t pairs = w / 2;
    const std::size_t next = pairs + w % 2;
    // Per value, at the leaves: one product per pair, r_H r_L (P15). Above: pairs products
    // P_H G_L, then pairs - 1 products P_H P_L (none for the lowest pair: its P is never used,
    // the lowest group is never the higher one of a pair).
    const std::size_t per = leaves ? pairs : 2 * pairs - 1;
    x.assign(count * per, F::zero());
    y.assign(count * per, F::zero());
    z.assign(count * per, F::zero());
    for (std::size_t v = 0; v < count; ++v) {
      const std::size_t base = v * w;
      for (std::size_t j = 0; j < pairs; ++j) {
        const std::size_t lo = base + 2 * j, hi = lo + 1;
        if (leaves) {
          x[v * per + j] = r[hi];
          y[v * per + j] = r[lo];
          continue;
        }
        x[v * per + j] = p[hi];
        y[v * per + j] = g[lo];
        if (j > 0) {
          x[v * per + pairs + j - 1] = p[hi];
          y[v * per + pairs + j - 1] = p[lo];
        }
      }
    }
    // Beaver, or double sharings for large levels at n >= 4t + 1 (mul_level).
    if (auto ok = mul_level(x, y, z); !ok) return ok;
    g2.assign(count * next, F::zero());
    p2.assign(count * next, F::zero());
    for (std::size_t v = 0; v < count; ++v) {
      const std::size_t base = v * w;
      for (std::size_t j = 0; j < pairs; ++j) {
        const std::size_t lo = base + 2 * j, hi = lo + 1;
        if (!leaves) {
          g2[v * next + j] = g[hi] + z[v * per + j];
          if (j > 0) p2[v * next + j] = z[v * per + pairs + j - 1];
          continue;
        }
        const F& a = r[hi];
        const F& b = r[lo];
        const F& u = z[v * per + j];  // a b
        const bool c_hi = comparison::bit_of(c[v], 2 * j + 1);
        const bool c_lo = comparison::bit_of(c[v], 2 * j);
        // P_H G_L: zero if c_lo (G_L = 0), else P_H b = (c_hi ? a : 1 - a) b.
        g2[v * next + j] = g[hi] + (c_lo ? F::zero() : (c_hi ? u : b - u));
        if (j > 0) {
          // P_H P_L = (c_hi ? a : 1 - a)(c_lo ? b : 1 - b).
          p2[v * next + j] = c_hi ? (c_lo ? u : a - u) : (c_lo ? b - u : F::one() - a - b + u);
        }
      }
      if (w % 2 != 0) {
        g2[v * next + pairs] = g[base + w - 1];
        p2[v * next + pairs] = p[base + w - 1];
      }
    }
    g.swap(g2);
    p.swap(p2);
    w = next;
  }
  for (std::size_t v = 0; v < count; ++v) out[v] = g[v];
  math::wipe(std::span<F>(p));
  math::wipe(std::span<F>(x));
  math::wipe(std::span<F>(y));
  math::wipe(std::span<F>(z));
  return {};
}

// Mod2m(a, k, m) = a mod 2^m exactly, for k-bit signed a and 0 < m < k:
//   c = open(2^(k-1) + a + r), c' = c mod 2^m, u = [c' < r mod 2^m],
//   a mod 2^m = c' - (r mod 2^m) + 2^m u.
// 1 + ceil(log2 m) levels; m bits, the bounded values of r'' (P12) and the products of
// bit_less_than_levels(m) per value (mul_level: triples, or double sharings for the
// large levels at n >= 4t + 1, two rounds each).
template <typename F>
Result<void> HbPartyImpl<F>::mod2m_values(std::span<const F> a, std::uint32_t k, std::uint32_t m,
                                          std::span<F> out) {
  if (out.size() != a.size()) return make_error("mod2m: output size mismatch");
  if (auto ok = check_comparison("mod2m", a.size(), k); !ok) return ok;
  if (m == 0 || m >= k) {
    return make_error(ErrorKind::Usage, "mod2m: need 0 < m < k (k = " + std::to_string(k) +
                                            ", m = " + std::to_string(m) + ")");
  }
  const std::size_t count = a.size();
  if (count == 0) return {};
  // One refill for everything the call takes, so it is one preprocessing run, not one per level.
  const std::size_t chunks = bounded_chunks(k, m);
  if (auto ok = ensure(masked_needs(count, k, m, chunks, comparison::bit_less_than_levels(m)));
      !ok) {
    return ok;
  }
  std::vector<F> low;
  std::vector<math::Limbs> c;
  if (auto ok = open_masked(a, k, m, chunks, low, c); !ok) return ok;
  for (auto& cv : c) cv = comparison::low_bits(cv, m);
  std::vector<F> u(count);
  if (auto ok = bit_less_than(c, low, m, u); !ok) return ok;
  const F two_m = comparison::pow2<F>(m);
  for (std::size_t v = 0; v < count; ++v) {
    F r_low = F::zero();
    for (std::size_t i = m; i-- > 0;) r_low = r_low.dbl() + low[v * m + i];
    out[v] = F::from_canonical(c[v]) - r_low + two_m * u[v];
  }
  math::wipe(std::span<F>(low));
  stats_.comparisons += count;
  return {};
}

// LTZ(a, k) = [a < 0] for k-bit signed a (|a| < 2^(k-1)): with a' = Mod2m(a, k, k - 1),
// a = 2^(k-1) d + a' where d = floor(a / 2^(k-1)) is -1 or 0, so [a < 0] = (a' - a) / 2^(k-1).
// 1 + ceil(log2(k - 1)) rounds.
template <typename F>
Result<void> HbPartyImpl<F>::less_than_zero_values(std::span<const F> a, std::uint32_t k,
                                                   std::span<F> out) {
  if (out.size() != a.size()) return make_error("less_than_zero: output size mismatch");
  if (auto ok = check_comparison("less_than_zero", a.size(), k); !ok) return ok;
  if (auto ok = mod2m_values(a, k, k - 1, out); !ok) return ok;
  const F inv = comparison::pow2<F>(k - 1).inverse();
  for (std::size_t v = 0; v < a.size(); ++v) out[v] = (out[v] - a[v]) * inv;
  return {};
}

// EQZ(a, k) = [a = 0] for k-bit signed a: c = open(2^(k-1) + a + r); c'' = (c - 2^(k-1)) mod 2^k
// = (a + r) mod 2^k, and since |a| < 2^(k-1), a = 0 exactly when c'' equals the low k bits of r.
// So [a = 0] = prod_i (1 - (c''_i xor r_i)), a product of k shared bits by a tree:
// 1 + ceil(log2 k) levels, k bits, the bounded values of r'' (P12) and k - 1 products per value
// (mul_level).
template <typename F>
Result<void> HbPartyImpl<F>::equal_zero_values(std::span<const F> a, std::uint32_t k,
                                               std::span<F> out) {
  if (out.size() != a.size()) return make_error("equal_zero: output size mismatch");
  if (auto ok = check_comparison("equal_zero", a.size(), k); !ok) return ok;
  const std::size_t count = a.size();
  if (count == 0) return {};
  const std::size_t chunks = bounded_chunks(k, k);
  if (auto ok = ensure(masked_needs(count, k, k, chunks, comparison::product_tree_levels(k)));
      !ok) {
    return ok;
  }
  std::vector<F> low;
  std::vector<math::Limbs> c;
  if (auto ok = open_masked(a, k, k, chunks, low, c); !ok) return ok;
  // c'' = (c mod 2^k) - 2^(k-1) mod 2^k: the same as flipping bit k - 1.
  std::vector<F> x(count * k);
  for (std::size_t v = 0; v < count; ++v) {
    math::Limbs cv = comparison::low_bits(c[v], k);
    cv[(k - 1) / 64] ^= std::uint64_t{1} << ((k - 1) % 64);
    for (std::size_t i = 0; i < k; ++i) {
      const F& ri = low[v * k + i];
      x[v * k + i] = comparison::bit_of(cv, i) ? ri : F::one() - ri;
    }
  }
  std::vector<F> lhs, rhs, prod, next_x;
  for (std::size_t w = k; w > 1;) {
    const std::size_t pairs = w / 2;
    const std::size_t next = pairs + w % 2;
    lhs.resize(count * pairs);
    rhs.resize(count * pairs);
    prod.resize(count * pairs);
    for (std::size_t v = 0; v < count; ++v) {
      for (std::size_t j = 0; j < pairs; ++j) {
        lhs[v * pairs + j] = x[v * w + 2 * j];
        rhs[v * pairs + j] = x[v * w + 2 * j + 1];
      }
    }
    if (auto ok = mul_level(lhs, rhs, prod); !ok) return ok;
    next_x.assign(count * next, F::zero());
    for (std::size_t v = 0; v < count; ++v) {
      for (std::size_t j = 0; j < pairs; ++j) next_x[v * next + j] = prod[v * pairs + j];
      if (w % 2 != 0) next_x[v * next + pairs] = x[v * w + w - 1];
    }
    x.swap(next_x);
    w = next;
  }
  for (std::size_t v = 0; v < count; ++v) out[v] = x[v];
  math::wipe(std::span<F>(low));
  math::wipe(std::span<F>(lhs));
  math::wipe(std::span<F>(rhs));
  stats_.comparisons += count;
  return {};
}

// The byte-level entry points of mpc::Party.
template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::run_comparison(
    std::span<const FieldBytes> shares, const char* what,
    const std::function<Result<void>(std::span<const F>, std::span<F>)>& op) {
  auto in = load_all(shares, what);
  if (!in) return in.error();
  std::vector<F> out(in->size());
  if (auto ok = op(*in, out); !ok) return ok.error();
  std::vector<FieldBytes> res(out.size());
  F::write_bytes_many(out, res);
  return res;
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::mod2m(std::span<const FieldBytes> shares,
                                                      std::uint32_t k, std::uint32_t m) {
  return run_comparison(shares, "mod2m", [&](std::span<const F> a, std::span<F> out) {
    return mod2m_values(a, k, m, out);
  });
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::less_than_zero(std::span<const FieldBytes> shares,
                                                               std::uint32_t k) {
  return run_comparison(shares, "less_than_zero", [&](std::span<const F> a, std::span<F> out) {
    return less_than_zero_values(a, k, out);
  });
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::equal_zero(std::span<const FieldBytes> shares,
                                                           std::uint32_t k) {
  return run_comparison(shares, "equal_zero", [&](std::span<const F> a, std::span<F> out) {
    return equal_zero_values(a, k, out);
  });
}

}  // namespace stoffel::mpc
