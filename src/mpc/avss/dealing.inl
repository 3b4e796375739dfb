// AvssPartyImpl<F>: encryption keys, verifiable dealing with complaints, and multi-dealer RanSha
// (docs/mpc.md, "AVSS backend"). Included only by avss_<field>.cpp.
//
// One dealing (every party deals k random secrets at once; synchronous model of the engine,
// docs/mpc.md "Silent parties"):
//
//   1. Dealer d draws k polynomials f of degree t, commitments C_j = a_j·G, an ephemeral e_d
//      and E_d = e_d·G, and encrypts party j's shares f(x_j) under a key derived from the ECDH
//      point e_d·pk_j (ChaCha20 stream; the key is used once). E_d, the commitments and all n
//      ciphertexts go out in ONE Byzantine broadcast (Agreement::broadcast: send, then Phase
//      King), so every honest party holds the same dealing from d, or agrees that d sent none.
//   2. Party j decrypts its shares (sk_j·E_d) and checks them against C: s·G = sum_j x^j C_j.
//      For every dealer whose shares fail (or do not decode) it broadcasts a complaint with the
//      ECDH point K = sk_j·E_d and a DLEQ proof that log_G pk_j = log_{E_d} K (second broadcast).
//   3. Everyone judges every complaint from agreed data only: a complaint whose proof fails is
//      its sender's fault; otherwise everyone decrypts j's ciphertext with K and checks it. An
//      invalid share disqualifies the dealer; a valid one proves the complaint false and names
//      the complainer. A dealing that is missing or malformed disqualifies its dealer.
//
// Hence (R3): a dealer whose shares to up to t (or any number of) parties are wrong is
// disqualified by every honest party, because every honest victim complains and the complaint
// is verifiable; a qualified dealer's shares are valid at every honest party; a false complaint
// cannot disqualify an honest dealer (its share checks out) and names the complainer. A complaint
// reveals only the complainer's own share of that dealing.
//
// Why shares are encrypted inside the broadcast rather than sent over the point-to-point links
// (which are authenticated and encrypted too, N1): only then can the other parties check a
// complaint, so a false complaint is provably false (its sender is named) and no reveal round
// is needed. Why the Byzantine broadcast of the engine rather than RBC: every honest party must
// also agree on which dealers delivered, to compute the same set Q below; RBC alone would need
// an agreement on a common subset on top (n more agreements), as the preprocessing's
// broadcasts do not (docs/mpc.md, "Why robust preprocessing keeps Phase King").
//
// RanSha: with Q the qualified dealers (agreed, |Q| >= n - t, all honest dealers included),
// output r of secret s is sum_{i in Q} M[r][i]·(dealing i, secret s) for r < |Q| - t, with M a
// hyper-invertible matrix: any |Q| - t columns (the honest dealers') form an invertible matrix,
// so the outputs are uniform and unknown to the at most t faulty dealers. Shares and
// commitments are combined alike, so every output is a committed sharing (a DKG).
#pragma once

#include <sodium.h>

#include <algorithm>
#include <string>

#include "math/batch_recon.h"
#include "math/sha2.h"
#include "mpc/avss/avss_party_impl.h"
#include "mpc/avss/dleq.h"

namespace stoffel::mpc {

template <typename F>
std::vector<std::uint8_t> AvssPartyImpl<F>::context(std::uint64_t round, std::size_t party,
                                                    std::size_t index) const {
  std::vector<std::uint8_t> c;
  auto put = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) c.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put(cfg_.instance_id);
  put(round);
  put(party);
  put(index);
  return c;
}

template <typename F>
void AvssPartyImpl<F>::disqualify(std::size_t dealer) {
  auto it = std::lower_bound(disqualified_.begin(), disqualified_.end(), dealer);
  if (it == disqualified_.end() || *it != dealer) disqualified_.insert(it, dealer);
}

template <typename F>
Result<void> AvssPartyImpl<F>::setup_keys() {
  const std::size_t n = cfg_.n, self = cfg_.id;
  sk_ = F::random(hb_->rng());
  const G pk = G::generator().mul(sk_);
  const auto enc = pk.to_bytes();
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  auto agreement = hb_->agreement();
  auto got = agreement.broadcast(all, BaValue(enc.begin(), enc.end()), G::kEncodedBytes);
  if (!got) return got.error();
  pks_.assign(n, std::nullopt);
  for (std::size_t p = 0; p < n; ++p) {
    if (p == self) {
      pks_[p] = pk;
      continue;
    }
    auto key = G::from_bytes((*got)[p]);
    if (key && !key->is_identity()) {
      pks_[p] = *key;
    } else if (!(*got)[p].empty()) {
      hb_->report_suspect(p);  // an agreed value that is no key: only a faulty party sends one
    }
  }
  keys_ready_ = true;
  return {};
}

template <typename F>
std::array<std::uint8_t, 32> AvssPartyImpl<F>::share_key(const G& ecdh, std::uint64_t dealing,
                                                         std::size_t dealer, std::size_t to) const {
  static constexpr char kTag[] = "stoffel-avss-share-key-v1";
  std::vector<std::uint8_t> msg(kTag, kTag + sizeof(kTag) - 1);
  const auto c = context(dealing, dealer, to);
  msg.insert(msg.end(), c.begin(), c.end());
  const auto e = ecdh.to_bytes();
  msg.insert(msg.end(), e.begin(), e.end());
  auto key = math::sha256(msg);
  sodium_memzero(msg.data(), msg.size());
  return key;
}

template <typename F>
void AvssPartyImpl<F>::xor_stream(const std::array<std::uint8_t, 32>& key,
                                  std::span<std::uint8_t> data) {
  // A fresh key per (dealing, dealer, recipient), so the all-zero nonce is used once per key.
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  crypto_stream_chacha20_ietf_xor(data.data(), data.data(), data.size(), nonce.data(), key.data());
}

template <typename F>
bool AvssPartyImpl<F>::share_valid(std::span<const G> commitments, std::size_t party,
                                   const F& share) const {
  const F x = hb_->algebra().domain.point(party);
  // The share may be this party's own (secret): constant-time multiplication.
  return G::generator().mul(share) == feldman::evaluate<G>(commitments, x);
}

template <typename F>
Result<void> AvssPartyImpl<F>::ransha(std::size_t k) {
  const std::size_t n = cfg_.n, t = cfg_.t, self = cfg_.id;
  constexpr std::size_t pb = G::kEncodedBytes;
  if (!keys_ready_) {
    if (auto ok = setup_keys(); !ok) return ok;
  }
  const std::uint64_t dealing = dealings_++;
  const auto& dom = hb_->algebra().domain;
  math::Rng& rng = hb_->rng();
  const std::size_t ncoef = k * (t + 1);
  const std::size_t ct_bytes = 32 * k;
  const std::size_t size = pb + ncoef * pb + n * ct_bytes;

  // 1. This party's dealing: E, commitments, the n ciphertexts (secrets: constant-time muls).
  BaValue mine;
  mine.reserve(size);
  {
    std::vector<F> coeffs(ncoef);
    F::random_fill(rng, std::span<F>(coeffs));
    const F e = F::random(rng);
    const auto enc_e = G::generator().mul(e).to_bytes();
    mine.insert(mine.end(), enc_e.begin(), enc_e.end());
    const auto commits = feldman::commit<G>(coeffs);
    const auto enc_c = encode_points<G>(commits);
    mine.insert(mine.end(), enc_c.begin(), enc_c.end());
    std::vector<std::uint8_t> block(ct_bytes);
    for (std::size_t j = 0; j < n; ++j) {
      std::fill(block.begin(), block.end(), 0);
      if (pks_[j]) {
        const F x = dom.point(j);
        for (std::size_t s = 0; s < k; ++s) {
          F v = F::zero();  // f_s(x) by Horner
          for (std::size_t c = t + 1; c-- > 0;) v = v * x + coeffs[s * (t + 1) + c];
          if (std::find(faults_.bad_share_to.begin(), faults_.bad_share_to.end(), j) !=
              faults_.bad_share_to.end()) {
            v += F::one();
          }
          v.write_bytes(std::span<std::uint8_t, 32>(block.data() + 32 * s, 32));
        }
        auto key = share_key(pks_[j]->mul(e), dealing, self, j);
        xor_stream(key, block);
        sodium_memzero(key.data(), key.size());
      }
      mine.insert(mine.end(), block.begin(), block.end());
    }
    sodium_memzero(block.data(), block.size());
    sodium_memzero(coeffs.data(), coeffs.size() * sizeof(F));
  }
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  auto agreement = hb_->agreement();
  auto dealt = agreement.broadcast(all, mine, size);
  if (!dealt) return dealt.error();

  // 2. Parse every dealing (agreed bytes: every honest party gets the same verdicts) and check
  // this party's shares.
  struct Dealing {
    bool ok = false;
    G e;
    std::vector<G> commits;            // k x (t + 1)
    std::span<const std::uint8_t> ct;  // n x ct_bytes
  };
  std::vector<Dealing> d(n);
  std::vector<F> my_shares(n * k);  // from dealer i: my_shares[i * k + s]
  std::vector<std::uint8_t> complain(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const BaValue& v = (*dealt)[i];
    if (v.size() != size) {
      if (!v.empty()) hb_->report_suspect(i);
      continue;
    }
    auto e = G::from_bytes(std::span<const std::uint8_t>(v).first(pb));
    auto commits =
        decode_points<G>(std::span<const std::uint8_t>(v).subspan(pb, ncoef * pb), ncoef);
    if (!e || !commits) {
      hb_->report_suspect(i);
      continue;
    }
    d[i].ok = true;
    d[i].e = *e;
    d[i].commits = std::move(*commits);
    d[i].ct = std::span<const std::uint8_t>(v).subspan(pb + ncoef * pb);
    std::vector<std::uint8_t> block(
        d[i].ct.begin() + static_cast<std::ptrdiff_t>(self * ct_bytes),
        d[i].ct.begin() + static_cast<std::ptrdiff_t>((self + 1) * ct_bytes));
    auto key = share_key(d[i].e.mul(sk_), dealing, i, self);
    xor_stream(key, block);
    sodium_memzero(key.data(), key.size());
    bool good = true;
    for (std::size_t s = 0; s < k && good; ++s) {
      auto share = F::from_bytes(std::span<const std::uint8_t>(block).subspan(32 * s, 32));
      if (!share) {
        good = false;
        break;
      }
      my_shares[i * k + s] = *share;
      good =
          share_valid(std::span<const G>(d[i].commits).subspan(s * (t + 1), t + 1), self, *share);
    }
    sodium_memzero(block.data(), block.size());
    if (!good || std::find(faults_.complain_against.begin(), faults_.complain_against.end(), i) !=
                     faults_.complain_against.end()) {
      complain[i] = 1;
    }
  }

  // 3. Complaints: per dealer a flag byte, and for a complaint the ECDH point and its proof.
  constexpr std::size_t entry = pb + dleq::kProofBytes;
  BaValue claim;
  claim.reserve(n * (1 + entry));
  const G my_pk = *pks_[self];
  for (std::size_t i = 0; i < n; ++i) {
    claim.push_back(complain[i]);
    if (!complain[i]) continue;
    const G ecdh = d[i].e.mul(sk_);
    const auto enc = ecdh.to_bytes();
    const auto proof =
        dleq::prove<G, G>(context(dealing, self, i), G::generator(), my_pk, d[i].e, ecdh, sk_, rng);
    claim.insert(claim.end(), enc.begin(), enc.end());
    claim.insert(claim.end(), proof.begin(), proof.end());
  }
  auto claims = agreement.broadcast(all, claim, n * (1 + entry));
  if (!claims) return claims.error();

  // 4. Judge every complaint from the agreed data.
  std::vector<std::uint8_t> bad_dealer(n, 0);
  for (std::size_t j = 0; j < n; ++j) {
    const BaValue& c = (*claims)[j];
    if (c.empty()) continue;  // nothing agreed from j: no complaints
    std::size_t pos = 0;
    bool malformed = false;
    for (std::size_t i = 0; i < n && !malformed; ++i) {
      if (pos >= c.size() || c[pos] > 1) {
        malformed = true;
        break;
      }
      if (c[pos++] == 0) continue;
      if (pos + entry > c.size()) {
        malformed = true;
        break;
      }
      const auto point = std::span<const std::uint8_t>(c).subspan(pos, pb);
      const auto proof = std::span<const std::uint8_t>(c).subspan(pos + pb, dleq::kProofBytes);
      pos += entry;
      if (!d[i].ok || !pks_[j]) continue;  // dealer already out, or j cannot be dealt to
      auto ecdh = G::from_bytes(point);
      if (!ecdh || !dleq::verify<G, G>(context(dealing, j, i), G::generator(), *pks_[j], d[i].e,
                                       *ecdh, proof)) {
        hb_->report_suspect(j);  // a complaint it cannot back: its own fault
        continue;
      }
      std::vector<std::uint8_t> block(
          d[i].ct.begin() + static_cast<std::ptrdiff_t>(j * ct_bytes),
          d[i].ct.begin() + static_cast<std::ptrdiff_t>((j + 1) * ct_bytes));
      auto key = share_key(*ecdh, dealing, i, j);
      xor_stream(key, block);
      bool good = true;
      for (std::size_t s = 0; s < k && good; ++s) {
        auto share = F::from_bytes(std::span<const std::uint8_t>(block).subspan(32 * s, 32));
        good = share &&
               share_valid(std::span<const G>(d[i].commits).subspan(s * (t + 1), t + 1), j, *share);
      }
      if (good) {
        hb_->report_suspect(j);  // the share checks out: the complaint was false
      } else {
        bad_dealer[i] = 1;
      }
    }
    if (malformed || pos != c.size()) hb_->report_suspect(j);
  }

  // 5. The qualified dealers, and RanSha over them.
  std::vector<std::size_t> q;
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i].ok && !bad_dealer[i]) {
      q.push_back(i);
    } else {
      disqualify(i);
      if (bad_dealer[i]) hb_->report_suspect(i);
    }
  }
  if (q.size() < 2 * t + 1) {
    return make_error("AVSS dealing failed: only " + std::to_string(q.size()) +
                      " qualified dealers, at least 2t + 1 = " + std::to_string(2 * t + 1) +
                      " needed (more than t parties faulty or silent)");
  }
  const std::size_t m = q.size(), outs = m - t;
  const auto him = math::hyperinvertible_matrix<F>(outs, m);
  std::vector<G> pts(m);
  std::vector<F> row(m);
  for (std::size_t s = 0; s < k; ++s) {
    for (std::size_t r = 0; r < outs; ++r) {
      Item item;
      item.value = F::zero();
      for (std::size_t i = 0; i < m; ++i) {
        row[i] = him.at(r, i);
        item.value += row[i] * my_shares[q[i] * k + s];
      }
      item.commitments.resize(t + 1);
      for (std::size_t c = 0; c <= t; ++c) {
        for (std::size_t i = 0; i < m; ++i) pts[i] = d[q[i]].commits[s * (t + 1) + c];
        item.commitments[c] = G::msm(pts, row);
      }
      pool_.push_back(std::move(item));
    }
  }
  sodium_memzero(my_shares.data(), my_shares.size() * sizeof(F));
  return {};
}

template <typename F>
Result<AvssParty::Committed> AvssPartyImpl<F>::random_committed() {
  if (pool_.empty()) {
    if (auto ok = ransha(1); !ok) return ok.error();
  }
  Item item = std::move(pool_.front());
  pool_.pop_front();
  Committed out;
  out.value = item.value.to_bytes();
  out.commitments = feldman::encode<G>(item.commitments);
  return out;
}

template <typename F>
std::vector<std::uint8_t> AvssPartyImpl<F>::commitments_linear(
    std::span<const std::span<const std::uint8_t>> inputs, std::span<const FieldBytes> factors,
    const FieldBytes& constant) const {
  const std::size_t t = cfg_.t;
  if (inputs.size() != factors.size()) return {};
  std::vector<G> out(t + 1, G::identity());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) return {};
    auto c = decode_commitments(inputs[i]);
    auto k = F::from_bytes(factors[i]);
    if (!c || !k) return {};
    for (std::size_t j = 0; j <= t; ++j) out[j] += (*c)[j].mul_vartime(*k);
  }
  auto c0 = F::from_bytes(constant);
  if (!c0) return {};
  // Public constants only (never a secret here): variable time is fine.
  out[0] += G::generator().mul_vartime(*c0);
  return feldman::encode<G>(out);
}

}  // namespace stoffel::mpc
