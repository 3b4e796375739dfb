// HbPartyImpl<F>: construction, encodings, local operations on shares and the bookkeeping
// (statistics, suspects, clients, sending to all). Included only by the per-field translation
// units (field_<name>.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstring>
#include <string>

#include "mpc/hb/party_impl.h"
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
  if (seed == 0) return std::make_unique<math::SecureRng>();  // decision F8
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
  a->him = math::small_hyperinvertible_matrix<F>(n);
  auto dt = math::RobustDecoder<F>::create(a->domain, t, t);
  if (!dt) return dt.error();
  a->dec_t = std::move(*dt);
  auto d2 = math::RobustDecoder<F>::create(a->domain, 2 * t, t);
  if (!d2) return d2.error();
  a->dec_2t = std::move(*d2);
  auto br = math::BatchReconstruction<F>::create_on_integers(n, t, 2 * t);
  if (!br) return br.error();
  a->recon_2t = std::move(*br);
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  a->all_t = InterpPlan<F>::make(a->domain, all, t, 1);
  a->all_2t = InterpPlan<F>::make(a->domain, all, 2 * t, 1);
  return std::shared_ptr<const Algebra<F>>(std::move(a));
}

template <typename F>
HbPartyImpl<F>::HbPartyImpl(const PartyConfig& config, net::Endpoint& endpoint,
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
  // Reliable broadcast and binary agreement share this party's endpoint and router: the router
  // hands their messages over whatever the party is waiting for (broadcast.inl).
  coins_ = std::make_unique<Coins>(*alg_);
  AsyncConfig ac;
  ac.n = config.n;
  ac.t = config.t;
  ac.self = config.id;
  ac.rbc_max_payload = config.rbc_max_payload;
  ac.rbc_bracha_max = std::min(ac.rbc_bracha_max, config.rbc_max_payload);
  ac.aba_coins = config.aba_coins;
  auto hub = AsyncHub::create(
      ac, *coins_,
      [this](std::size_t to, net::Bytes payload) { return endpoint_.send(to, std::move(payload)); },
      [this](std::size_t p) { suspect(p); });
  if (hub) {
    hub_ = std::move(*hub);
    router_.set_async_handler(
        [this](std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body) {
          hub_->handle(from, id, body);
        });
  } else {
    hub_error_ = hub.error().message;
  }
}

// --- encodings and local operations --------------------------------------------------------

template <typename F>
math::Limbs HbPartyImpl<F>::reduced_limbs(const FieldBytes& v) {
  // Local operations cannot fail, so any 32 bytes are read as an integer reduced mod p (the VM
  // only passes canonical values; check_canonical is there for values from outside).
  math::Limbs x = F::limbs_from_bytes(v.data());
  const math::Limbs p = F::modulus();
  for (;;) {
    math::Limbs d{};
    if (math::detail::sub4(x, p, d) != 0) break;  // x < p
    x = d;
  }
  return x;
}

template <typename F>
FieldBytes HbPartyImpl<F>::canonical_bytes(const math::Limbs& x) {
  FieldBytes out;
  F::limbs_to_bytes(x, out.data());
  return out;
}

template <typename F>
F HbPartyImpl<F>::load_reduced(const FieldBytes& v) {
  return F::from_canonical(reduced_limbs(v));
}

template <typename F>
Result<void> HbPartyImpl<F>::load_into(std::span<const FieldBytes> in, std::span<F> out,
                                       const char* what) const {
  const std::size_t bad = F::read_bytes_many(in, out.first(in.size()));
  if (bad < in.size()) {
    return F::from_bytes(in[bad]).error().with_context(std::string(what) + ": element " +
                                                       std::to_string(bad) + ": ");
  }
  return {};
}

template <typename F>
Result<std::vector<F>> HbPartyImpl<F>::load_all(std::span<const FieldBytes> in,
                                             const char* what) const {
  std::vector<F> out(in.size());
  if (auto ok = load_into(in, out, what); !ok) return ok.error();
  return out;
}

template <typename F>
FieldBytes HbPartyImpl<F>::encode_int(std::int64_t v) const {
  // v mod p written directly: v itself, or p - |v| (every field here is wider than 64 bits).
  static_assert(F::bits() > 64);
  const auto u = static_cast<std::uint64_t>(v);
  const std::uint64_t mag = v < 0 ? 0 - u : u;
  math::Limbs x{mag, 0, 0, 0};
  if (v < 0) {
    math::Limbs d{};
    (void)math::detail::sub4(F::modulus(), x, d);
    x = d;
  }
  return canonical_bytes(x);
}

template <typename F>
Result<std::int64_t> HbPartyImpl<F>::decode_int(const FieldBytes& v) const {
  auto x = F::from_bytes(v);
  if (!x) return x.error();
  return x->to_i64();
}

template <typename F>
Result<FieldBytes> HbPartyImpl<F>::check_canonical(const FieldBytes& v) const {
  auto x = F::from_bytes(v);
  if (!x) return x.error();
  return v;
}

template <typename F>
FieldBytes HbPartyImpl<F>::share_public(const FieldBytes& value) const {
  // The constant polynomial c: every party's share is c itself (decision E10).
  return canonical_bytes(reduced_limbs(value));
}

template <typename F>
FieldBytes HbPartyImpl<F>::add(const FieldBytes& a, const FieldBytes& b) const {
  return store(load_reduced(a) + load_reduced(b));
}

template <typename F>
FieldBytes HbPartyImpl<F>::sub(const FieldBytes& a, const FieldBytes& b) const {
  return store(load_reduced(a) - load_reduced(b));
}

template <typename F>
FieldBytes HbPartyImpl<F>::neg(const FieldBytes& a) const {
  return store(-load_reduced(a));
}

template <typename F>
FieldBytes HbPartyImpl<F>::mul_public(const FieldBytes& share, const FieldBytes& scalar) const {
  return store(load_reduced(share) * load_reduced(scalar));
}

template <typename F>
Result<FieldBytes> HbPartyImpl<F>::inverse(const FieldBytes& value) const {
  auto inv = load_reduced(value).checked_inverse();
  if (!inv) return inv.error();
  return store(*inv);
}

template <typename F>
const PartyStats& HbPartyImpl<F>::stats() const {
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
  stats_.doubles_generated = doubles_.generated();
  stats_.doubles_consumed = doubles_.consumed();
  stats_.doubles_pseudo_random = doubles_prss_;
  stats_.bits_pseudo_random = bits_prss_;
  stats_.bounded_generated = bounded_.generated();
  stats_.bounded_consumed = bounded_.consumed();
  stats_.triples_loaded = triples_.loaded();
  stats_.randoms_loaded = randoms_.loaded();
  stats_.masks_loaded = masks_.loaded();
  stats_.bits_loaded = bits_.loaded();
  stats_.suspected_parties = suspects_;
  if (hub_) {
    stats_.broadcasts_delivered = hub_->stats().rbc_delivered;
    stats_.agreements_decided = hub_->stats().aba_decided;
    stats_.agreement_rounds = hub_->stats().aba_rounds;
  }
  stats_.silent_parties.clear();
  for (std::size_t p = 0; p < cfg_.n; ++p) {
    // A party caught sending wrong shares is reported as such, not (also) as silent.
    if (silent_[p] && !std::binary_search(suspects_.begin(), suspects_.end(), p)) {
      stats_.silent_parties.push_back(p);
    }
  }
  return stats_;
}

template <typename F>
PoolSizes HbPartyImpl<F>::pool_sizes() const {
  return {triples_.size(), randoms_.size(), masks_.size(),
          bits_.size(),    bounded_.size(), doubles_.size()};
}

template <typename F>
void HbPartyImpl<F>::suspect(std::size_t party) {
  if (party >= cfg_.n || party == cfg_.id) return;
  // A party this one has stopped waiting for may answer late, for rounds it has moved past, from
  // a view of the protocol that is no longer the honest parties' (it missed what they agreed
  // on): what it sends then proves nothing, and it is reported as silent. Only a conviction
  // (agreed proof) still names it.
  if (silent_[party] && !faults_.convicted(party)) return;
  auto it = std::lower_bound(suspects_.begin(), suspects_.end(), party);
  if (it == suspects_.end() || *it != party) suspects_.insert(it, party);
}

template <typename F>
const PartyConfig::Client* HbPartyImpl<F>::find_client(std::uint64_t client_id) const {
  for (const auto& c : cfg_.clients) {
    if (c.client_id == client_id) return &c;
  }
  return nullptr;
}

template <typename F>
Result<void> HbPartyImpl<F>::send_to_others(net::Bytes payload) {
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

}  // namespace stoffel::mpc
