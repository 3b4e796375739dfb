// HbPartyImpl<F>: preprocessing material kept in a store (decisions M4, R4; docs/store.md).
// Included only by the per-field translation units (field_<name>.cpp).
//
//   fill_store  the offline phase ahead of time: name the lot (one robust opening of a fresh
//               random share), generate in chunks and append every chunk to the store, commit,
//               then agree that every party stored its shares (else the lot is dropped)
//   use_store   the start of a run: agree on every party's store status (Agreement::broadcast)
//               and derive the plan (store_plan.h: every party holds the lot, start at the
//               highest cursor); afterwards ensure() calls load_stored() before generating
#pragma once

#include <sodium.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "mpc/hb/party_impl.h"
#include "mpc/store_plan.h"

namespace stoffel::mpc {

namespace detail {

inline constexpr const char* kSeededStoreError =
    "stored preprocessing cannot be used with a fixed seed: deterministic randomness would make "
    "the same material again, and material must never be used twice (M4)";

// Items moved from a store to a pool per consume() call: bounds the plaintext buffer (6 MB of
// triples) while keeping commits (each one a disk sync) few.
inline constexpr std::uint64_t kLoadPiece = std::uint64_t{1} << 16;

}  // namespace detail

template <typename F>
Result<void> HbPartyImpl<F>::check_store(const MaterialStore& store) const {
  const StoreParams p = store.params();
  if (p.field != cfg_.field || p.n != cfg_.n || p.t != cfg_.t || p.party != cfg_.id) {
    return make_error(
        ErrorKind::Store,
        "the store holds material for " + std::string(math::field_kind_name(p.field)) +
            ", n = " + std::to_string(p.n) + ", t = " + std::to_string(p.t) + ", party " +
            std::to_string(p.party) + ", not for this party (" +
            std::string(math::field_kind_name(cfg_.field)) + ", n = " + std::to_string(cfg_.n) +
            ", t = " + std::to_string(cfg_.t) + ", party " + std::to_string(cfg_.id) + ")");
  }
  return {};
}

template <typename F>
Result<StoredAmounts> HbPartyImpl<F>::use_store(MaterialStore* store) {
  if (cfg_.seed != 0) return make_error(ErrorKind::Store, detail::kSeededStoreError);
  if (store_agreed_)
    return make_error(ErrorKind::Store, "use_store: the parties already agreed on stored material");
  store_agreed_ = true;
  // A party whose store cannot be read still takes part (reporting "no store"), so the others
  // are not left waiting; nobody then uses stored material.
  std::optional<std::vector<LotStatus>> lots;
  std::string local_error;
  if (store != nullptr) {
    if (auto ok = check_store(*store); !ok) {
      local_error = ok.error().message;
    } else if (auto l = store->lots(); !l) {
      local_error = l.error().message;
    } else {
      lots = std::move(*l);
    }
  }
  std::vector<std::size_t> everyone(cfg_.n);
  std::iota(everyone.begin(), everyone.end(), std::size_t{0});
  Agreement ba = make_agreement();
  auto agreed = ba.broadcast(everyone, encode_store_status(lots), max_store_status_bytes());
  if (!agreed) return agreed.error().with_context("agreeing on stored preprocessing: ");
  if (!local_error.empty())
    return make_error(ErrorKind::Store, "preprocessing store: " + local_error);
  StoredPlan plan = plan_stored_material(*agreed);
  StoredAmounts out;
  out.triples = plan.available[static_cast<std::size_t>(StoredKind::kTriple)];
  out.randoms = plan.available[static_cast<std::size_t>(StoredKind::kRandom)];
  out.bits = plan.available[static_cast<std::size_t>(StoredKind::kBit)];
  out.note = std::move(plan.note);
  if (store != nullptr && out.triples + out.randoms + out.bits > 0) {
    store_ = store;
    for (std::size_t k = 0; k < kStoredKinds; ++k) {
      stored_[k].assign(plan.ranges[k].begin(), plan.ranges[k].end());
    }
  }
  return out;
}

template <typename F>
Result<void> HbPartyImpl<F>::load_stored(const Needs& short_by) {
  std::vector<FieldBytes> bytes;
  std::vector<F> values;
  auto wipe = [&] {
    if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size() * sizeof(FieldBytes));
    math::wipe(std::span<F>(values));
  };
  // Takes items of `kind` into `pool`, in the agreed order: the shortfall, or the chunk if that is
  // larger (the chunk then doubles). Every party computes the same amounts from the same pool
  // sizes (ensure), so every party takes the same items.
  auto pull = [&](StoredKind kind, Pool<F>& pool, std::size_t shortfall,
                  std::size_t* chunk) -> Result<void> {
    if (shortfall == 0) return {};
    auto& ranges = stored_[static_cast<std::size_t>(kind)];
    if (ranges.empty()) return {};
    std::size_t amount = shortfall;
    if (chunk != nullptr) {
      amount = std::max(shortfall, *chunk);
      *chunk = std::min(*chunk * 2, kMaxChunk);
    }
    const std::size_t width = stored_width(kind);
    while (amount > 0 && !ranges.empty()) {
      StoredRange& r = ranges.front();
      const std::uint64_t k =
          std::min({static_cast<std::uint64_t>(amount), r.to - r.from, detail::kLoadPiece});
      bytes.resize(k * width);
      values.resize(k * width);
      // The store commits the consumption before it hands the items out.
      if (auto ok = store_->consume(r.lot, kind, r.from, bytes); !ok) {
        wipe();
        return ok.error().with_context("preprocessing store: ");
      }
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto v = F::from_bytes(bytes[i]);
        if (!v) {
          wipe();
          return make_error(ErrorKind::Store,
                            "preprocessing store: a stored " + std::string(stored_kind_name(kind)) +
                                " item is not a field element (" + v.error().message + ")");
        }
        values[i] = *v;
      }
      pool.append(values, true);
      wipe();
      r.from += k;
      amount -= static_cast<std::size_t>(k);
      if (r.from == r.to) ranges.pop_front();
    }
    return {};
  };
  // Masks are taken to measure, like they are generated: clients ask for exact counts.
  if (auto ok = pull(StoredKind::kTriple, triples_, short_by.triples, &load_chunk_triples_); !ok) {
    return ok;
  }
  if (auto ok = pull(StoredKind::kRandom, masks_, short_by.masks, nullptr); !ok) return ok;
  if (auto ok = pull(StoredKind::kRandom, randoms_, short_by.randoms, &load_chunk_randoms_); !ok) {
    return ok;
  }
  if (auto ok = pull(StoredKind::kBit, bits_, short_by.bits, &load_chunk_bits_); !ok) return ok;
  bool left = false;
  for (const auto& r : stored_) left |= !r.empty();
  if (!left) store_ = nullptr;  // used up: from now on the pools are refilled by generation
  return {};
}

template <typename F>
Result<FilledLot> HbPartyImpl<F>::fill_store(MaterialStore* store, const PoolSizes& amounts) {
  if (cfg_.seed != 0) return make_error(ErrorKind::Store, detail::kSeededStoreError);
  if (store_agreed_) {
    return make_error(ErrorKind::Store,
                      "fill_store: this party already uses stored material (use_store)");
  }
  // A party that cannot write still takes part in every round (the others would otherwise wait
  // for it), and says so in the confirmation at the end.
  std::string local_error;
  if (store == nullptr) {
    local_error = "no store";
  } else if (auto ok = check_store(*store); !ok) {
    local_error = ok.error().message;
  }

  // The lot's name: a fresh random value opened robustly, so every honest party derives the same
  // name and no two offline phases share one.
  if (auto ok = ensure(Needs{1, 0, 0, 0}); !ok) return ok.error();
  const F secret = randoms_.take(1)[0];
  F opened = F::zero();
  if (auto ok = open_t(std::span<const F>(&secret, 1), std::span<F>(&opened, 1)); !ok) {
    return ok.error();
  }
  FilledLot lot;
  {
    static constexpr char kContext[] = "stoffel preprocessing lot v1";
    const auto v = opened.to_bytes();
    crypto_generichash_state h;
    crypto_generichash_init(&h, nullptr, 0, lot.id.size());
    crypto_generichash_update(&h, reinterpret_cast<const unsigned char*>(kContext),
                              sizeof kContext - 1);
    crypto_generichash_update(&h, v.data(), v.size());
    crypto_generichash_final(&h, lot.id.data(), lot.id.size());
  }
  std::unique_ptr<LotWriter> writer;
  if (local_error.empty()) {
    auto w = store->begin_lot(lot.id);
    if (w) {
      writer = std::move(*w);
    } else {
      local_error = w.error().message;
    }
  }

  // Generation in chunks (pool memory stays bounded); each chunk goes to the store at once.
  std::uint64_t left_t = amounts.triples, left_r = amounts.randoms + amounts.masks,
                left_b = amounts.bits;
  std::vector<FieldBytes> bytes;
  auto write = [&](StoredKind kind, Pool<F>& pool, std::uint64_t count) {
    const std::span<const F> items = pool.take(static_cast<std::size_t>(count));
    if (!local_error.empty() || count == 0) return;
    bytes.resize(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) bytes[i] = items[i].to_bytes();
    if (auto ok = writer->append(kind, bytes); !ok) local_error = ok.error().message;
    sodium_memzero(bytes.data(), bytes.size() * sizeof(FieldBytes));
  };
  while (left_t + left_r + left_b > 0) {
    const std::uint64_t ct = std::min<std::uint64_t>(left_t, kMaxChunk);
    const std::uint64_t cr = std::min<std::uint64_t>(left_r, kMaxChunk);
    const std::uint64_t cb = std::min<std::uint64_t>(left_b, kMaxChunk);
    if (auto ok = ensure(Needs{static_cast<std::size_t>(cr), 0, static_cast<std::size_t>(ct),
                               static_cast<std::size_t>(cb)});
        !ok) {
      return ok.error();
    }
    write(StoredKind::kTriple, triples_, ct);
    write(StoredKind::kRandom, randoms_, cr);
    write(StoredKind::kBit, bits_, cb);
    left_t -= ct;
    left_r -= cr;
    left_b -= cb;
  }
  if (local_error.empty()) {
    if (auto ok = writer->commit(); !ok) local_error = ok.error().message;
  }
  writer.reset();  // without a commit, nothing of the lot is kept

  // Everyone confirms. A lot some party lacks is never used (store_plan.h), so it is dropped.
  std::vector<std::size_t> everyone(cfg_.n);
  std::iota(everyone.begin(), everyone.end(), std::size_t{0});
  Agreement ba = make_agreement();
  auto agreed =
      ba.broadcast(everyone, BaValue{local_error.empty() ? std::uint8_t{1} : std::uint8_t{0}}, 1);
  if (!agreed) return agreed.error().with_context("confirming the stored lot: ");
  for (std::size_t p = 0; p < cfg_.n; ++p) {
    if ((*agreed)[p] == BaValue{1}) continue;
    std::string why = p == cfg_.id ? "this party could not store its shares (" + local_error + ")"
                                   : "party " + std::to_string(p) + " did not store its shares";
    if (local_error.empty()) {
      if (auto ok = store->drop_lot(lot.id); !ok)
        why += "; dropping it failed: " + ok.error().message;
    }
    // This party's own store failure is a Store error; another party's is, for this one, a
    // failure caused by a peer (the embedded engine reports the party's own first).
    return make_error(p == cfg_.id ? ErrorKind::Store : ErrorKind::AbortedByPeer,
                      "preprocessing store: lot " + short_lot_id(lot.id) + " was dropped: " + why);
  }
  lot.triples = amounts.triples;
  lot.randoms = amounts.randoms + amounts.masks;
  lot.bits = amounts.bits;
  return lot;
}

}  // namespace stoffel::mpc
