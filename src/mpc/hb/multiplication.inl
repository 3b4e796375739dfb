// HbPartyImpl<F>: Beaver multiplication, random shares and probabilistic truncation
// (Catrina-Saxena TruncPr, decision M5). Included only by the per-field translation units
// (field_<name>.cpp).
#pragma once

#include <string>

#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

// --- Beaver multiplication -------------------------------------------------------------------
//
// With a triple ([a], [b], [c = ab]): d = x - a and e = y - b are opened (all 2N of a batch in
// one robust opening), then [xy] = [c] + d[b] + e[a] + de.

template <typename F>
Result<void> HbPartyImpl<F>::mul_values(std::span<const F> x, std::span<const F> y, std::span<F> out) {
  const std::size_t count = x.size();
  if (y.size() != count || out.size() != count) {
    return make_error("mul: operand sizes differ (" + std::to_string(x.size()) + " and " +
                      std::to_string(y.size()) + ")");
  }
  if (count == 0) return {};
  if (use_doubles(count)) {
    auto done = mul_doubles(x, y, out);
    if (!done) return done.error();
    if (*done) return {};
    // The parties agreed that some party could not decode: this batch takes triples.
  }
  return mul_beaver(x, y, out);
}

template <typename F>
Result<void> HbPartyImpl<F>::mul_beaver(std::span<const F> x, std::span<const F> y,
                                        std::span<F> out) {
  const std::size_t count = x.size();
  if (y.size() != count || out.size() != count) return make_error("mul: operand sizes differ");
  if (count == 0) return {};
  if (auto ok = ensure(Needs{0, 0, count, 0}); !ok) return ok;
  const std::span<const F> tr = triples_.take(count);  // (a, b, c) per triple
  std::vector<F> masked(2 * count), opened(2 * count);
  for (std::size_t i = 0; i < count; ++i) {
    masked[i] = x[i] - tr[3 * i];
    masked[count + i] = y[i] - tr[3 * i + 1];
  }
  if (auto ok = open_t(masked, opened); !ok) return ok;
  for (std::size_t i = 0; i < count; ++i) {
    const F& d = opened[i];
    const F& e = opened[count + i];
    out[i] = tr[3 * i + 2] + d * tr[3 * i + 1] + e * tr[3 * i] + d * e;
  }
  stats_.multiplications += count;
  return {};
}

// --- products of a large batch with double sharings (decision P10) ---------------------------
//
// Damgard-Nielsen: with a double sharing ([r]_t, [r]_2t), every party computes its share of
// x*y - r locally (a degree-2t sharing: the product of two degree-t sharings, masked by a random
// degree-2t sharing, so every coefficient but the constant is uniformly random), the values are
// opened at degree 2t by batch reconstruction (open_2t: Eval, Reveal), and [xy]_t = [r]_t +
// (xy - r). Per product this moves about 2 (n - 1) / (2t + 1) field elements in the opening plus
// the double sharing's dealing and check, against 2 (n - 1) for the Beaver opening plus a triple
// (two random shares, a double sharing and a degree-2t opening).
//
// Robustness: the double sharings come from accepted preprocessing runs (consistent), and the
// inputs are degree-t sharings, so the honest parties' values lie on one degree-2t polynomial and
// at most t values are wrong or missing. With n >= 4t + 1 open_2t then decodes at every honest
// party (erasing the parties known faulty to it, Gao corrects the rest, see open_2t), so no
// agreement on the outcome is needed and the parties whose values the decoder corrected are
// faulty: they are suspected as in a Beaver opening.
//
// Below 4t + 1 a value is accepted only when all non-erased values agree, which is then the
// honest value, but a faulty party can make one honest party fail while another succeeds. There
// the parties broadcast and agree on their outcome (1 + 3(t+1) small rounds per batch): if any
// agreed record is a failure, nobody uses the opened values (they reveal nothing: r is fresh),
// the batch is multiplied with triples instead, and the session keeps triples from then on (a
// faulty party cannot make every batch pay twice). A party whose record is missing did not
// answer: it is agreed silent, as in preprocessing.
//
// A session on stored material keeps triples (the store holds triples), and so does a small
// batch: two rounds instead of one.
template <typename F>
bool HbPartyImpl<F>::use_doubles(std::size_t count) const {
  const std::size_t min_batch = cfg_.double_sharing_min_batch;
  return min_batch > 0 && count >= min_batch && store_ == nullptr &&
         (cfg_.n >= 4 * cfg_.t + 1 || !doubles_failed_);
}

// Fused double sharings (decision F11): when ensure() would now make exactly `count`
// pseudo-random double sharings in one call (the pool is empty, the session's PRSS is on, the
// initial amounts are made, and count is at least the next chunk), mul_doubles makes them
// itself in blocks of kFuseBlock, each used while it is in cache: x*y - [r]_2t goes to the
// opening and [r]_t is kept for the result. A multiple of the PRSS block (256), so the streams
// give the same values in the same order as one call: the same sharings as through the pool.
// The pool's counts and the chunk size advance as ensure() would advance them.
template <typename F>
bool HbPartyImpl<F>::fuse_prss_doubles(std::size_t count) const {
  return doubles_.size() == 0 && initial_done_ && count >= chunk_doubles_ && prss_possible() &&
         prss_state_ == PrssState::kOn;
}

template <typename F>
Result<bool> HbPartyImpl<F>::mul_doubles(std::span<const F> x, std::span<const F> y,
                                         std::span<F> out) {
  const std::size_t count = x.size();
  const std::span<F> masked = room(hot_.masked, count), opened = room(hot_.opened, count);
  const F* r_t = nullptr;  // [r]_t of product i at r_t[i * r_stride]
  std::size_t r_stride = 1;
  std::span<F> kept;  // fused: the [r]_t made here, secret shares wiped at the end
  if (fuse_prss_doubles(count)) {
    constexpr std::size_t kFuseBlock = 2048;
    kept = room(hot_.r_t, count);
    const std::span<F> pairs = room(hot_.pairs, 2 * kFuseBlock);
    for (std::size_t at = 0; at < count; at += kFuseBlock) {
      const std::size_t k = std::min(kFuseBlock, count - at);
      prss_->double_shares(pairs.first(2 * k));
      F::mul_many(x.subspan(at, k), y.subspan(at, k), masked.subspan(at, k));
      for (std::size_t i = 0; i < k; ++i) {
        masked[at + i] -= pairs[2 * i + 1];
        kept[at + i] = pairs[2 * i];
      }
    }
    math::wipe(pairs);
    doubles_.count_made_and_taken(count);
    doubles_prss_ += count;
    chunk_doubles_ = next_chunk(chunk_doubles_);
    r_t = kept.data();
  } else {
    if (auto ok = ensure(Needs{0, 0, 0, 0, count}); !ok) return ok.error();
    const std::span<const F> dbl = doubles_.take(count);  // ([r]_t, [r]_2t) per product
    F::mul_many(x, y, masked);  // eight at a time where the CPU has AVX-512 IFMA
    for (std::size_t i = 0; i < count; ++i) masked[i] -= dbl[2 * i + 1];
    r_t = dbl.data();
    r_stride = 2;
  }
  pending_suspects_.clear();
  BaValue failure;
  auto st = open_2t(masked, opened, &failure);  // opened values: not wiped (decision F12)
  auto done = [&]() -> Result<bool> {
    if (!st) return st.error().with_context("mul: ");
    auto all_ok = agree_on_opening(*st);
    if (!all_ok) return all_ok.error().with_context("mul: ");
    if (!*all_ok) {
      doubles_failed_ = true;
      return false;
    }
    for (std::size_t p : pending_suspects_) suspect(p);
    pending_suspects_.clear();
    for (std::size_t i = 0; i < count; ++i) out[i] = r_t[i * r_stride] + opened[i];
    stats_.openings += count;
    stats_.multiplications += count;
    return true;
  }();
  math::wipe(kept);
  return done;
}

template <typename F>
Result<bool> HbPartyImpl<F>::agree_on_opening(bool decoded) {
  const std::size_t n = cfg_.n, t = cfg_.t;
  if (n >= 4 * t + 1) {
    if (!decoded) {
      return make_error(ErrorKind::Protocol,
                        "cannot decode the degree-2t values: more than t = " + std::to_string(t) +
                            " parties sent wrong or invalid shares");
    }
    return true;
  }
  std::vector<std::size_t> senders;
  for (std::size_t p = 0; p < n; ++p) {
    if (!faults_.excluded(p)) senders.push_back(p);
  }
  const BaValue mine{decoded ? record::kOk : record::kFail};
  Agreement ba = make_agreement();
  auto agreed = ba.broadcast(senders, mine, 1);
  if (!agreed) return agreed.error();
  bool all_ok = true, excluded_now = false;
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const BaValue& v = (*agreed)[i];
    if (v.empty()) {
      // Not delivered: its sender did not answer (an honest party's record is agreed as sent).
      excluded_now |= faults_.mark_silent(senders[i]);
    } else if (v.size() != 1 || (v[0] != record::kOk && v[0] != record::kFail)) {
      excluded_now |= faults_.convict(senders[i]);  // malformed: only a faulty party sends it
    } else {
      all_ok &= v[0] == record::kOk;
    }
  }
  if (excluded_now) settle_faults();
  if (!all_ok) pending_suspects_.clear();
  return all_ok;
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::mul(std::span<const FieldBytes> a,
                                                 std::span<const FieldBytes> b) {
  if (a.size() != b.size()) {
    return make_error("mul: operand sizes differ (" + std::to_string(a.size()) + " and " +
                      std::to_string(b.size()) + ")");
  }
  const std::size_t n = a.size();
  const std::span<F> x = room(hot_.mul_x, n), y = room(hot_.mul_y, n), out = room(hot_.mul_out, n);
  if (auto ok = load_into(a, x, "mul"); !ok) return ok.error();
  if (auto ok = load_into(b, y, "mul"); !ok) return ok.error();
  if (auto ok = mul_values(x, y, out); !ok) return ok.error();
  std::vector<FieldBytes> res(n);
  F::write_bytes_many(out, res);
  return res;
}

template <typename F>
Result<FieldBytes> HbPartyImpl<F>::random() {
  if (auto ok = ensure(Needs{1, 0, 0, 0}); !ok) return ok.error();
  return store(randoms_.take(1)[0]);
}

// --- probabilistic truncation -------------------------------------------------------------------
//
template <typename F>
std::size_t HbPartyImpl<F>::bounded_chunks(std::uint32_t k, std::uint32_t m) const {
  // The store holds bits, not bounded values (docs/store.md): while stored bits are left (the
  // same at every party: agreed plan), r'' is made of bits, so the stored bits are what is spent.
  const bool stored_bits =
      store_ != nullptr && !stored_[static_cast<std::size_t>(StoredKind::kBit)].empty();
  if (stored_bits || m >= std::size_t{k} + kTruncKappa) return 0;
  const std::size_t width = std::size_t{k} + kTruncKappa - m;  // bits r'' must cover
  const std::size_t chunks = (width + kBoundedBits - 1) / kBoundedBits;
  // r'' < 2^(kBoundedBits (chunks - 1) + kBoundedValueBits + 1), so the opened value is below
  // 2^(max(k, m + that) + 1), which must stay below 2^(bits(p) - 1) <= p.
  const std::size_t top =
      std::max<std::size_t>(k, m + kBoundedBits * (chunks - 1) + kBoundedValueBits + 1);
  return top + 2 <= F::bits() ? chunks : 0;
}

template <typename F>
F HbPartyImpl<F>::compose_bounded(const F* u, std::size_t chunks) {
  const F step = comparison::pow2<F>(kBoundedBits);
  F r = F::zero();
  for (std::size_t i = chunks; i-- > 0;) r = r * step + u[i];
  return r;
}

// TruncPr(a, k, f) for k-bit signed a (|a| < 2^(k-1)), with r = 2^f r'' + r':
//   c = open(a + 2^(k-1) + r),  a' = (c mod 2^f) - r',  d = (a - a') / 2^f.
// r' = sum_(i<f) 2^i b_i of f random bits; r'' covers at least k + kappa - f bits: bounded
// random values from the pool (decision P12; ceil((k + kappa - f) / kBoundedBits) of them,
// composed in base 2^kBoundedBits), or, where those do not fit (bounded_chunks() = 0), k + kappa
// - f further random bits. Either way c is an integer below p and d = floor(a / 2^f) + u with u
// in {0, 1} (u = 1 with probability (a mod 2^f) / 2^f). The opened c hides a up to statistical
// distance 2^-kappa: r' and the honest dealers' share of r'' are uniform over 2^(k + kappa)
// values or more. Random bits come from the bit pool (RandBit: opened squares, see
// preprocessing.inl), so every bit is guaranteed to be 0 or 1.
template <typename F>
Result<void> HbPartyImpl<F>::truncate_values(std::span<const F> a, std::uint32_t k, std::uint32_t f,
                                          std::span<F> out) {
  if (out.size() != a.size()) return make_error("truncate: output size mismatch");
  if (f == 0 || f >= k) {
    return make_error("truncate: need 0 < f < k (k = " + std::to_string(k) +
                      ", f = " + std::to_string(f) + ")");
  }
  if (std::size_t{k} + kTruncKappa + 2 > F::bits()) {
    return make_error("truncate: k = " + std::to_string(k) + " is too large for " + F::name() +
                      " (k + " + std::to_string(kTruncKappa) + " + 2 must not exceed " +
                      std::to_string(F::bits()) + " bits)");
  }
  const std::size_t count = a.size();
  if (count == 0) return {};
  const std::size_t chunks = bounded_chunks(k, f);
  if (auto ok = ensure(masked_needs(count, k, f, chunks, {})); !ok) return ok;
  std::vector<F> low;  // the f bits of every r'
  std::vector<math::Limbs> c;
  if (auto ok = open_masked(a, k, f, chunks, low, c); !ok) return ok;
  const F inv_pow_f = comparison::pow2<F>(f).inverse();
  for (std::size_t v = 0; v < count; ++v) {
    F r_low = F::zero();
    for (std::size_t i = f; i-- > 0;) r_low = r_low.dbl() + low[v * f + i];
    const F a_low = F::from_canonical(comparison::low_bits(c[v], f)) - r_low;  // c mod 2^f - r'
    out[v] = (a[v] - a_low) * inv_pow_f;
  }
  math::wipe(std::span<F>(low));
  return {};
}

template <typename F>
Result<std::vector<FieldBytes>> HbPartyImpl<F>::truncate(std::span<const FieldBytes> shares,
                                                      std::uint32_t k, std::uint32_t f) {
  auto in = load_all(shares, "truncate");
  if (!in) return in.error();
  std::vector<F> out(in->size());
  if (auto ok = truncate_values(*in, k, f, out); !ok) return ok.error();
  std::vector<FieldBytes> res(out.size());
  F::write_bytes_many(out, res);
  return res;
}

}  // namespace stoffel::mpc
