// HbPartyImpl<F>: double sharings and random bits made locally by pseudo-random secret sharing
// (decision P17; docs/mpc.md, "Double sharings without dealing"; math/prss.h for the algebra).
// Included only by the per-field translation units (field_<name>.cpp).
//
// Setup, once per session, at the first need of double sharings or of kPrssBitsMin bits (the
// same call at every party, since the pools' refills are computed alike everywhere):
//   round 1   the owner of each t-set T (the lowest party outside T) draws k_T and sends it to
//             the other parties outside T (one message to every other party, possibly empty)
//   1 + 3(t+1) rounds  every party not excluded broadcasts, per set, a digest of the key it holds
//             (or that it got none), and the records are agreed (Agreement::broadcast)
// The keys are used only if, for every set, every agreed record of a party outside it shows the
// same digest. Then every honest party outside T holds the same k_T, so the honest parties'
// shares of every double sharing lie on polynomials of degree t and 2t with one secret, which is
// all the products (P10) need: faulty parties' shares are wrong values, which the degree-2t
// opening already tolerates. Otherwise (a faulty owner sent different keys, or none; a faulty
// party claimed another digest) the session deals its double sharings as before: a faulty party
// can cost speed, never a wrong result. A record not delivered makes its sender silent; a
// malformed one convicts it.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "math/prss.h"
#include "math/sha2.h"
#include "mpc/aes_stream.h"
#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

namespace prss_detail {

inline constexpr std::uint8_t kNotHolder = 0, kHeld = 1, kNoKey = 2;

// The digest of set s's key as broadcast: SHA-256 of a label, s and the key. The key is 32
// uniform bytes, so the digest tells the set's members (who must not learn it) nothing.
inline std::array<std::uint8_t, 32> digest(std::size_t s, const math::PrssKey& key) {
  static constexpr char kLabel[] = "stoffel prss key v1";
  std::vector<std::uint8_t> in(sizeof(kLabel) - 1 + 4 + key.size());
  std::memcpy(in.data(), kLabel, sizeof(kLabel) - 1);
  const std::uint32_t s32 = static_cast<std::uint32_t>(s);
  for (std::size_t b = 0; b < 4; ++b) {
    in[sizeof(kLabel) - 1 + b] = static_cast<std::uint8_t>(s32 >> (8 * b));
  }
  std::memcpy(in.data() + sizeof(kLabel) - 1 + 4, key.data(), key.size());
  auto d = math::sha256(in);
  math::secure_wipe(in.data(), in.size());
  return d;
}

inline bool holds(const std::vector<std::size_t>& set, std::size_t p) {
  return std::find(set.begin(), set.end(), p) == set.end();
}

inline std::size_t owner(const std::vector<std::size_t>& set) {
  std::size_t p = 0;
  while (!holds(set, p)) ++p;  // set has t < n members
  return p;
}

}  // namespace prss_detail

template <typename F>
bool HbPartyImpl<F>::prss_possible() const {
  return math::prss_elements(cfg_.n, cfg_.t) <= math::kMaxPrssElements;
}

template <typename F>
Result<bool> HbPartyImpl<F>::prss_ready() {
  if (prss_state_ == PrssState::kUnset) {
    if (auto ok = prss_setup(); !ok) return ok.error().with_context("pseudo-random sharing: ");
  }
  return prss_state_ == PrssState::kOn;
}

template <typename F>
Result<bool> HbPartyImpl<F>::prss_doubles(std::size_t count) {
  auto ready = prss_ready();
  if (!ready || !*ready) return ready;
  prss_->double_shares(doubles_.append_room(count));
  doubles_prss_ += count;
  return true;
}

template <typename F>
Result<bool> HbPartyImpl<F>::prss_bits(std::size_t count) {
  auto ready = prss_ready();
  if (!ready || !*ready) return ready;
  // In runs of kRunItems, like the dealt bits: the working set stays in cache.
  for (std::size_t done = 0; done < count;) {
    const std::size_t k = std::min(kRunItems, count - done);
    const std::span<F> a = room(hot_.bit_a, k), x = room(hot_.bit_x, k),
                       squares = room(hot_.bit_squares, k);
    prss_->random_shares(a);
    prss_->zero_shares(x);
    F::mul_many(a, a, squares);
    for (std::size_t i = 0; i < k; ++i) x[i] += squares[i];  // a^2, masked: degree 2t
    pending_suspects_.clear();
    BaValue failure;
    auto st = open_2t(x, squares, &failure);
    math::wipe(x);
    if (!st) {
      math::wipe(a);
      return st.error().with_context("random bits: ");
    }
    auto all_ok = agree_on_opening(*st);
    if (!all_ok || !*all_ok) {
      math::wipe(a);
      if (!all_ok) return all_ok.error().with_context("random bits: ");
      prss_bits_failed_ = true;  // agreed: the session deals its bits from now on
      return done > 0;
    }
    for (std::size_t p : pending_suspects_) suspect(p);
    pending_suspects_.clear();
    const std::size_t before = bits_.generated();
    auto ok = bits_from_squares(squares, a);
    math::wipe(a);
    if (!ok) return ok.error().with_context("random bits: ");
    bits_prss_ += bits_.generated() - before;
    done += k;
  }
  return true;
}

template <typename F>
Result<void> HbPartyImpl<F>::prss_setup() {
  using namespace prss_detail;
  const std::size_t n = cfg_.n, self = cfg_.id;
  prss_state_ = PrssState::kOff;  // unless everything below agrees
  const auto sets = math::prss_sets(n, cfg_.t, 1024);
  const std::size_t ns = sets.size();
  if (ns == 0) return {};
  std::vector<math::PrssKey> keys(ns);  // zeros for the sets containing this party
  std::vector<std::uint8_t> have(ns, 0);
  for (std::size_t s = 0; s < ns; ++s) {
    if (owner(sets[s]) == self) {
      rng_->fill(keys[s]);
      have[s] = 1;
    }
  }

  // Round 1: every owner sends each other party the keys of the sets it owns and that party
  // holds, in set order (an empty message if there are none).
  const std::uint64_t round = router_.next_round();
  std::vector<std::size_t> owed(n, 0);  // keys each party owes this one
  for (std::size_t s = 0; s < ns; ++s) {
    const std::size_t o = owner(sets[s]);
    if (o != self && holds(sets[s], self)) ++owed[o];
  }
  for (std::size_t j = 0; j < n; ++j) {
    if (j == self) continue;
    std::vector<std::uint8_t> body;
    for (std::size_t s = 0; s < ns; ++s) {
      if (owner(sets[s]) != self || !holds(sets[s], j)) continue;
      math::PrssKey k = keys[s];
      if (j == test_wrong_prss_to_) k[0] ^= 1;
      body.insert(body.end(), k.begin(), k.end());
      math::secure_wipe(k.data(), k.size());
    }
    auto msg = wire::encode_bytes(wire::Channel::kRound, round, body);
    math::secure_wipe(body.data(), body.size());
    if (auto ok = router_.send(j, std::move(msg)); !ok) return ok.error();
  }
  {
    std::vector<std::uint8_t> heard(n, 0);
    heard[self] = 1;
    auto on_keys = [&](std::size_t from, std::uint32_t cnt, std::span<const std::uint8_t> body) {
      const std::size_t len = 32 * owed[from];
      if (heard[from]) return false;
      heard[from] = 1;
      const auto bytes = wire::decode_bytes(body, cnt, len);
      if (!bytes) return false;  // not the keys it owes: they count as not received
      std::size_t at = 0;
      for (std::size_t s = 0; s < ns; ++s) {
        if (owner(sets[s]) != from || !holds(sets[s], self)) continue;
        std::memcpy(keys[s].data(), bytes->data() + at, 32);
        have[s] = 1;
        at += 32;
      }
      return true;
    };
    auto awaited = [&](std::size_t p) { return owed[p] > 0 && !heard[p] && wait_for(p); };
    auto all_in = [&]() -> Result<bool> {
      for (std::size_t p = 0; p < n; ++p) {
        if (awaited(p)) return false;
      }
      return true;
    };
    if (auto ok =
            router_.gather(round, "pseudo-random sharing keys", on_keys, all_in, awaited, true);
        !ok) {
      return ok.error();
    }
    for (std::size_t p = 0; p < n; ++p) {
      if (awaited(p)) mark_silent(p);
    }
  }

  // Every party's digests, agreed: per set, kNotHolder (it is in the set), kHeld and the digest,
  // or kNoKey.
  BaValue mine;
  for (std::size_t s = 0; s < ns; ++s) {
    if (!holds(sets[s], self)) {
      mine.push_back(kNotHolder);
    } else if (!have[s]) {
      mine.push_back(kNoKey);
    } else {
      mine.push_back(kHeld);
      const auto d = digest(s, keys[s]);
      mine.insert(mine.end(), d.begin(), d.end());
    }
  }
  std::vector<std::size_t> senders;
  for (std::size_t p = 0; p < n; ++p) {
    if (!faults_.excluded(p)) senders.push_back(p);
  }
  Agreement ba = make_agreement();
  auto agreed = ba.broadcast(senders, mine, ns * 33);
  if (!agreed) return agreed.error();
  bool consistent = true, excluded_now = false;
  std::vector<std::optional<std::array<std::uint8_t, 32>>> ref(ns);
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const std::size_t p = senders[i];
    const BaValue& v = (*agreed)[i];
    if (v.empty()) {  // not delivered: its sender did not answer
      excluded_now |= faults_.mark_silent(p);
      continue;
    }
    // Parse the whole record before using any of it: a malformed one convicts its sender.
    std::vector<std::optional<std::array<std::uint8_t, 32>>> got(ns);
    std::vector<std::uint8_t> none(ns, 0);
    std::size_t at = 0;
    bool ok = true;
    for (std::size_t s = 0; s < ns && ok; ++s) {
      if (at >= v.size()) {
        ok = false;
        break;
      }
      const std::uint8_t flag = v[at++];
      if (!holds(sets[s], p)) {
        ok = flag == kNotHolder;
      } else if (flag == kNoKey) {
        none[s] = 1;
      } else if (flag == kHeld && at + 32 <= v.size()) {
        std::array<std::uint8_t, 32> d{};
        std::memcpy(d.data(), v.data() + at, 32);
        at += 32;
        got[s] = d;
      } else {
        ok = false;
      }
    }
    if (!ok || at != v.size()) {
      excluded_now |= faults_.convict(p);
      continue;
    }
    for (std::size_t s = 0; s < ns; ++s) {
      if (none[s]) consistent = false;
      if (!got[s]) continue;
      if (!ref[s]) {
        ref[s] = got[s];
      } else if (*ref[s] != *got[s]) {
        consistent = false;
      }
    }
  }
  if (excluded_now) settle_faults();
  if (consistent) {
    // AES-256-CTR expands the keys (aes_stream.h: several times faster than ChaCha20 here).
    auto p = math::Prss<F>::create(
        alg_->domain, cfg_.t, self, keys,
        [](std::span<const std::uint8_t, 32> key) -> Result<std::unique_ptr<math::Rng>> {
          auto s = AesCtrStream::create(key);
          if (!s) return s.error();
          return std::unique_ptr<math::Rng>(std::move(*s));
        });
    if (!p) return p.error();
    prss_.emplace(std::move(*p));
    prss_state_ = PrssState::kOn;
  }
  for (auto& k : keys) math::secure_wipe(k.data(), k.size());
  return {};
}

}  // namespace stoffel::mpc
