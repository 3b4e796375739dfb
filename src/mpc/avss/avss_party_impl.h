// AvssPartyImpl<F>: the AVSS backend for the field F (avss_party.h). The HoneyBadger engine
// HbPartyImpl<F> does everything without commitments; this class adds the committed sharings on
// the same router (rounds allocated in call order, so at every party the AVSS rounds interleave
// with the engine's in the same way). Parts: dealing.inl (key setup, verifiable dealing with
// complaints, RanSha), committed_open.inl (checked openings, in the exponent too). Compiled once
// per field in avss_<field>.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpc/avss/avss_party.h"
#include "mpc/avss/feldman.h"
#include "mpc/groups.h"
#include "mpc/hb/party_impl.h"

namespace stoffel::mpc {

template <typename F>
class AvssPartyImpl final : public AvssParty {
 public:
  using G = typename CommitmentGroup<F>::type;

  AvssPartyImpl(const PartyConfig& config, net::Endpoint& endpoint,
                std::shared_ptr<const Algebra<F>> algebra)
      : cfg_(config), hb_(std::make_unique<HbPartyImpl<F>>(config, endpoint, std::move(algebra))) {}

  // --- the HoneyBadger engine's operations ------------------------------------------------
  std::size_t id() const override { return hb_->id(); }
  std::size_t n() const override { return hb_->n(); }
  std::size_t t() const override { return hb_->t(); }
  std::uint64_t instance_id() const override { return hb_->instance_id(); }
  math::FieldKind field() const override { return hb_->field(); }
  FieldBytes encode_int(std::int64_t v) const override { return hb_->encode_int(v); }
  Result<std::int64_t> decode_int(const FieldBytes& v) const override { return hb_->decode_int(v); }
  Result<FieldBytes> check_canonical(const FieldBytes& v) const override {
    return hb_->check_canonical(v);
  }
  FieldBytes share_public(const FieldBytes& v) const override { return hb_->share_public(v); }
  FieldBytes add(const FieldBytes& a, const FieldBytes& b) const override { return hb_->add(a, b); }
  FieldBytes sub(const FieldBytes& a, const FieldBytes& b) const override { return hb_->sub(a, b); }
  FieldBytes neg(const FieldBytes& a) const override { return hb_->neg(a); }
  FieldBytes mul_public(const FieldBytes& s, const FieldBytes& k) const override {
    return hb_->mul_public(s, k);
  }
  Result<FieldBytes> inverse(const FieldBytes& v) const override { return hb_->inverse(v); }
  Result<std::vector<FieldBytes>> mul(std::span<const FieldBytes> a,
                                      std::span<const FieldBytes> b) override {
    return hb_->mul(a, b);
  }
  Result<std::vector<FieldBytes>> open(std::span<const FieldBytes> s) override {
    return hb_->open(s);
  }
  // A random share with commitments; the commitments are dropped here (Party contract).
  Result<FieldBytes> random() override {
    auto r = random_committed();
    if (!r) return r.error();
    return r->value;
  }
  Result<std::vector<FieldBytes>> truncate(std::span<const FieldBytes> s, std::uint32_t k,
                                           std::uint32_t f) override {
    return hb_->truncate(s, k, f);
  }
  Result<std::vector<FieldBytes>> mod2m(std::span<const FieldBytes> s, std::uint32_t k,
                                        std::uint32_t m) override {
    return hb_->mod2m(s, k, m);
  }
  Result<std::vector<FieldBytes>> less_than_zero(std::span<const FieldBytes> s,
                                                 std::uint32_t k) override {
    return hb_->less_than_zero(s, k);
  }
  Result<std::vector<FieldBytes>> equal_zero(std::span<const FieldBytes> s,
                                             std::uint32_t k) override {
    return hb_->equal_zero(s, k);
  }
  Result<std::vector<std::vector<FieldBytes>>> receive_client_inputs(
      std::span<const ClientInputCount> counts) override {
    return hb_->receive_client_inputs(counts);
  }
  using Party::send_output;
  Result<void> send_output(std::uint64_t client, std::span<const FieldBytes> s,
                           std::uint32_t label) override {
    return hb_->send_output(client, s, label);
  }
  Result<std::uint64_t> rbc_broadcast(std::span<const std::uint8_t> payload) override {
    return hb_->rbc_broadcast(payload);
  }
  Result<std::vector<std::uint8_t>> rbc_receive(std::size_t from,
                                                std::chrono::milliseconds timeout) override {
    return hb_->rbc_receive(from, timeout);
  }
  Result<std::pair<std::size_t, std::vector<std::uint8_t>>> rbc_receive_any(
      std::chrono::milliseconds timeout) override {
    return hb_->rbc_receive_any(timeout);
  }
  Result<std::uint64_t> aba_propose(bool value) override { return hb_->aba_propose(value); }
  Result<bool> aba_result(std::uint64_t session, std::chrono::milliseconds timeout) override {
    return hb_->aba_result(session, timeout);
  }
  Result<void> serve(std::chrono::milliseconds wait) override { return hb_->serve(wait); }
  Result<std::vector<std::vector<std::uint8_t>>> open_exp(
      std::span<const FieldBytes> shares, std::string_view group,
      std::span<const std::uint8_t> base) override {
    return hb_->open_exp(shares, group, base);
  }
  const PartyStats& stats() const override { return hb_->stats(); }
  Result<void> preprocess(const PoolSizes& at_least) override { return hb_->preprocess(at_least); }
  PoolSizes pool_sizes() const override { return hb_->pool_sizes(); }
  Result<StoredAmounts> use_store(MaterialStore* store) override { return hb_->use_store(store); }
  Result<FilledLot> fill_store(MaterialStore* store, const PoolSizes& amounts) override {
    return hb_->fill_store(store, amounts);
  }
  std::vector<std::size_t> convicted_parties() const override { return hb_->convicted_parties(); }
  std::vector<std::size_t> silent_parties() const override { return hb_->silent_parties(); }
  std::vector<std::pair<std::size_t, std::size_t>> dispute_pairs() const override {
    return hb_->dispute_pairs();
  }

  // --- committed sharings ------------------------------------------------------------------
  Result<Committed> random_committed() override;
  Result<std::vector<FieldBytes>> open_committed(
      std::span<const FieldBytes> shares,
      std::span<const std::vector<std::uint8_t>> commitments) override;
  Result<std::vector<std::uint8_t>> open_exp_committed(const FieldBytes& share,
                                                       std::span<const std::uint8_t> commitments,
                                                       std::string_view group,
                                                       std::span<const std::uint8_t> base) override;
  std::vector<std::uint8_t> commitments_linear(
      std::span<const std::span<const std::uint8_t>> inputs, std::span<const FieldBytes> factors,
      const FieldBytes& constant) const override;
  std::vector<std::size_t> disqualified_dealers() const override { return disqualified_; }
  std::uint64_t dealings() const override { return dealings_; }
  void set_test_faults(AvssTestFaults faults) override { faults_ = std::move(faults); }

 private:
  struct Item {
    F value;
    std::vector<G> commitments;  // t + 1
  };

  // dealing.inl
  // The parties' encryption keys (pk_i = sk_i·G), agreed once by broadcast from each party's
  // authenticated link (so a party cannot claim another's index).
  Result<void> setup_keys();
  // One dealing by every party of `k` random secrets each, then RanSha over the qualified
  // dealers: appends k·(|Q| − t) committed random shares to pool_.
  Result<void> ransha(std::size_t k);
  // The key of the encrypted shares from dealer d to party j (ECDH point K = e_d·pk_j), tied to
  // the session, the dealing and both indices.
  std::array<std::uint8_t, 32> share_key(const G& ecdh, std::uint64_t dealing, std::size_t dealer,
                                         std::size_t to) const;
  static void xor_stream(const std::array<std::uint8_t, 32>& key, std::span<std::uint8_t> data);
  bool share_valid(std::span<const G> commitments, std::size_t party, const F& share) const;

  // committed_open.inl
  Result<std::vector<F>> open_checked(std::span<const F> values,
                                      std::span<const std::vector<G>> commitments);
  template <typename H>
  Result<H> open_exp_checked(const F& share, const std::vector<G>& commitments, const H& base,
                             bool standard);

  // Bookkeeping.
  std::optional<std::vector<G>> decode_commitments(std::span<const std::uint8_t> bytes) const {
    return feldman::decode<G>(bytes, cfg_.t + 1);
  }
  std::vector<std::uint8_t> context(std::uint64_t round, std::size_t party,
                                    std::size_t index) const;
  void disqualify(std::size_t dealer);

  PartyConfig cfg_;
  std::unique_ptr<HbPartyImpl<F>> hb_;
  AvssTestFaults faults_;
  // Encryption keys (setup_keys): this party's secret key and everybody's public key (nullopt:
  // the party gave none, so it cannot receive shares and is not a dealer either).
  bool keys_ready_ = false;
  F sk_{};
  std::vector<std::optional<G>> pks_;
  std::deque<Item> pool_;
  std::vector<std::size_t> disqualified_;  // ascending
  std::uint64_t dealings_ = 0;
};

}  // namespace stoffel::mpc
