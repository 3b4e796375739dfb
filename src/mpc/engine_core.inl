// HbEngine<F>: construction, local operations and the robust degree-t opening.
// Included by engine_<field>.cpp only.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "mpc/hb_engine.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

namespace detail {

// The 32-byte key of a party's deterministic stream: the session seed, the instance and the
// party (or client) index, so no two participants share a stream.
inline std::array<std::uint8_t, 32> stream_key(std::uint64_t seed, std::uint64_t instance,
                                               std::uint64_t who, std::uint8_t role) {
  std::array<std::uint8_t, 32> k{};
  for (int i = 0; i < 8; ++i) {
    k[i] = static_cast<std::uint8_t>(seed >> (8 * i));
    k[8 + i] = static_cast<std::uint8_t>(instance >> (8 * i));
    k[16 + i] = static_cast<std::uint8_t>(who >> (8 * i));
  }
  k[24] = role;
  return k;
}

inline std::unique_ptr<math::Rng> make_rng(std::uint64_t seed, std::uint64_t instance,
                                           std::uint64_t who, std::uint8_t role) {
  if (seed == 0) return std::make_unique<math::SystemRng>();
  const auto key = stream_key(seed, instance, who, role);
  return std::make_unique<math::SeededRng>(std::span<const std::uint8_t, 32>(key));
}

}  // namespace detail

template <typename F>
Result<std::shared_ptr<const Algebra<F>>> Algebra<F>::create(std::size_t n, std::size_t t) {
  auto a = std::make_shared<Algebra<F>>();
  auto dom = math::Domain<F>::create(n);
  if (!dom) return dom.error();
  a->domain = std::move(*dom);
  auto st = math::ShamirSharer<F>::create(a->domain, t);
  if (!st) return st.error();
  a->sharer_t = std::move(*st);
  auto s2 = math::ShamirSharer<F>::create(a->domain, 2 * t);
  if (!s2) return s2.error();
  a->sharer_2t = std::move(*s2);
  a->him = math::hyperinvertible_matrix<F>(n, n);
  auto dt = math::RobustDecoder<F>::create(a->domain, t, t);
  if (!dt) return dt.error();
  a->dec_t = std::move(*dt);
  auto d2 = math::RobustDecoder<F>::create(a->domain, 2 * t, t);
  if (!d2) return d2.error();
  a->dec_2t = std::move(*d2);
  auto br = math::BatchReconstruction<F>::create(a->domain, t, 2 * t);
  if (!br) return br.error();
  a->recon_2t = std::move(*br);
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  a->all_t = InterpPlan<F>::make(a->domain, all, t, 1);
  a->all_2t = InterpPlan<F>::make(a->domain, all, 2 * t, 1);
  return std::shared_ptr<const Algebra<F>>(std::move(a));
}

template <typename F>
HbEngine<F>::HbEngine(const EngineConfig& config, net::Endpoint& endpoint,
                      std::shared_ptr<const Algebra<F>> algebra)
    : cfg_(config),
      endpoint_(endpoint),
      router_(endpoint, config.n, std::chrono::milliseconds(config.receive_timeout_ms),
              [this](std::size_t p) { suspect(p); }),
      rng_(detail::make_rng(config.seed, config.instance_id, config.id, 0)),
      alg_(std::move(algebra)),
      faults_(config.n, config.t),
      silent_(config.n, 0),
      chunk_triples_(std::max<std::size_t>(config.initial_triples, 1)),
      chunk_randoms_(std::max<std::size_t>(config.initial_randoms, 1)) {
  router_.set_late_handler(
      [this](std::uint64_t round, std::size_t from, std::uint32_t count,
             std::span<const std::uint8_t> body) { check_late(round, from, count, body); });
}

// --- encodings and local operations --------------------------------------------------------

template <typename F>
F HbEngine<F>::load_reduced(const FieldBytes& v) {
  // Local operations cannot fail, so any 32 bytes are read as an integer reduced mod p (the VM
  // only passes canonical values; check_canonical is there for values from outside).
  math::Limbs x{};
  for (std::size_t i = 0; i < 32; ++i)
    x[i / 8] |= static_cast<std::uint64_t>(v[i]) << (8 * (i % 8));
  const math::Limbs p = F::modulus();
  for (;;) {
    math::Limbs d{};
    if (math::detail::sub4(x, p, d) != 0) break;  // x < p
    x = d;
  }
  return F::from_canonical(x);
}

template <typename F>
Result<std::vector<F>> HbEngine<F>::load_all(std::span<const FieldBytes> in,
                                             const char* what) const {
  std::vector<F> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto v = F::from_bytes(in[i]);
    if (!v)
      return make_error(std::string(what) + ": element " + std::to_string(i) + ": " +
                        v.error().message);
    out[i] = *v;
  }
  return out;
}

template <typename F>
FieldBytes HbEngine<F>::encode_int(std::int64_t v) const {
  return store(F::from_i64(v));
}

template <typename F>
Result<std::int64_t> HbEngine<F>::decode_int(const FieldBytes& v) const {
  auto x = F::from_bytes(v);
  if (!x) return x.error();
  return x->to_i64();
}

template <typename F>
Result<FieldBytes> HbEngine<F>::check_canonical(const FieldBytes& v) const {
  auto x = F::from_bytes(v);
  if (!x) return x.error();
  return v;
}

template <typename F>
FieldBytes HbEngine<F>::share_public(const FieldBytes& value) const {
  // The constant polynomial c: every party's share is c itself (decision E10).
  return store(load_reduced(value));
}

template <typename F>
FieldBytes HbEngine<F>::add(const FieldBytes& a, const FieldBytes& b) const {
  return store(load_reduced(a) + load_reduced(b));
}

template <typename F>
FieldBytes HbEngine<F>::sub(const FieldBytes& a, const FieldBytes& b) const {
  return store(load_reduced(a) - load_reduced(b));
}

template <typename F>
FieldBytes HbEngine<F>::neg(const FieldBytes& a) const {
  return store(-load_reduced(a));
}

template <typename F>
FieldBytes HbEngine<F>::mul_public(const FieldBytes& share, const FieldBytes& scalar) const {
  return store(load_reduced(share) * load_reduced(scalar));
}

template <typename F>
Result<FieldBytes> HbEngine<F>::inverse(const FieldBytes& value) const {
  auto inv = load_reduced(value).checked_inverse();
  if (!inv) return inv.error();
  return store(*inv);
}

template <typename F>
const PartyStats& HbEngine<F>::stats() const {
  const net::EndpointCounters c = endpoint_.counters();
  stats_.bytes_sent = c.bytes_sent;
  stats_.messages_sent = c.messages_sent;
  stats_.rounds = router_.rounds();
  stats_.triples_generated = triples_.generated();
  stats_.triples_consumed = triples_.consumed();
  stats_.randoms_generated = randoms_.generated();
  stats_.randoms_consumed = randoms_.consumed();
  stats_.masks_generated = masks_.generated();
  stats_.masks_consumed = masks_.consumed();
  stats_.bits_generated = bits_.generated();
  stats_.bits_consumed = bits_.consumed();
  stats_.suspected_parties = suspects_;
  return stats_;
}

template <typename F>
PoolSizes HbEngine<F>::pool_sizes() const {
  return {triples_.size(), randoms_.size(), masks_.size(), bits_.size()};
}

template <typename F>
void HbEngine<F>::suspect(std::size_t party) {
  if (party >= cfg_.n || party == cfg_.id) return;
  auto it = std::lower_bound(suspects_.begin(), suspects_.end(), party);
  if (it == suspects_.end() || *it != party) suspects_.insert(it, party);
}

template <typename F>
const EngineConfig::Client* HbEngine<F>::find_client(std::uint64_t client_id) const {
  for (const auto& c : cfg_.clients) {
    if (c.client_id == client_id) return &c;
  }
  return nullptr;
}

template <typename F>
Result<void> HbEngine<F>::send_to_others(net::Bytes payload) {
  const std::size_t n = cfg_.n, self = cfg_.id;
  std::size_t last = n;
  for (std::size_t j = n; j-- > 0;) {
    if (j != self) {
      last = j;
      break;
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    if (j == self) continue;
    auto ok = j == last ? router_.send(j, std::move(payload)) : router_.send(j, payload);
    if (!ok) return ok;
  }
  return {};
}

// --- robust opening of degree-t shares (decision M3) ----------------------------------------
//
// One round: every party sends all its shares of the batch to every other party in one message.
// A party decodes as soon as its inbox is momentarily empty and it holds at least 2t + 1
// shares per value (its own included); every present share is checked against the interpolant
// and disagreeing words go to Gao's decoder. The value returned is always the honest one: it is
// accepted only when at least 2t + 1 shares, so at least t + 1 honest ones, agree.

template <typename F>
Result<void> HbEngine<F>::open_t(std::span<const F> shares, std::span<F> out) {
  const std::size_t w = shares.size();
  if (w == 0) return {};
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  const std::uint64_t round = router_.next_round();
  stats_.openings += w;
  if (auto ok = send_to_others(wire::encode_elements<F>(wire::Channel::kRound, round, shares));
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
    if (cnt != w || !wire::decode_elements<F>(body, std::span<F>(recv.data() + from * w, w))) {
      return false;
    }
    have[from] = 1;
    ++count;
    return true;
  };
  auto undecodable = [&]() -> Result<bool> {
    if (heard < n) return false;  // more shares may make it decodable
    return make_error("robust opening failed: the shares of all " + std::to_string(n) +
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
      if (!std::binary_search(suspects_.begin(), suspects_.end(), p)) fast.push_back(p);
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
  if (auto ok = router_.gather(round, "shares to open", on_message, progress); !ok) return ok;
  if (count < n && w <= kLateMaxWords) {
    // Keep what is needed to check the shares still in flight.
    LateOpen& late = late_[late_next_];
    late_next_ = (late_next_ + 1) % kLateOpens;
    late.round = round;
    late.words = w;
    late.base = used->base;
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
void HbEngine<F>::check_late(std::uint64_t round, std::size_t from, std::uint32_t count,
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
  if (count != w || !wire::decode_elements<F>(body, std::span<F>(vals))) {
    suspect(from);
    return;
  }
  std::vector<F> xs(k), row(k);
  for (std::size_t i = 0; i < k; ++i) xs[i] = alg_->domain.point(late.base[i]);
  math::lagrange_coefficients<F>(xs, alg_->domain.point(from), row);
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
Result<void> HbEngine<F>::open_values(std::span<const F> shares, std::span<F> out) {
  if (out.size() != shares.size()) return make_error("open: output size mismatch");
  return open_t(shares, out);
}

template <typename F>
Result<std::vector<FieldBytes>> HbEngine<F>::open(std::span<const FieldBytes> shares) {
  auto in = load_all(shares, "open");
  if (!in) return in.error();
  std::vector<F> out(in->size());
  if (auto ok = open_t(*in, out); !ok) return ok.error();
  std::vector<FieldBytes> res(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) res[i] = store(out[i]);
  return res;
}

// --- Beaver multiplication -------------------------------------------------------------------
//
// With a triple ([a], [b], [c = ab]): d = x - a and e = y - b are opened (all 2N of a batch in
// one robust opening), then [xy] = [c] + d[b] + e[a] + de.

template <typename F>
Result<void> HbEngine<F>::mul_values(std::span<const F> x, std::span<const F> y, std::span<F> out) {
  const std::size_t count = x.size();
  if (y.size() != count || out.size() != count) {
    return make_error("mul: operand sizes differ (" + std::to_string(x.size()) + " and " +
                      std::to_string(y.size()) + ")");
  }
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

template <typename F>
Result<std::vector<FieldBytes>> HbEngine<F>::mul(std::span<const FieldBytes> a,
                                                 std::span<const FieldBytes> b) {
  auto x = load_all(a, "mul");
  if (!x) return x.error();
  auto y = load_all(b, "mul");
  if (!y) return y.error();
  std::vector<F> out(x->size());
  if (auto ok = mul_values(*x, *y, out); !ok) return ok.error();
  std::vector<FieldBytes> res(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) res[i] = store(out[i]);
  return res;
}

template <typename F>
Result<FieldBytes> HbEngine<F>::random() {
  if (auto ok = ensure(Needs{1, 0, 0, 0}); !ok) return ok.error();
  return store(randoms_.take(1)[0]);
}

}  // namespace stoffel::mpc
