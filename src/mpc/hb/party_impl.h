// HbPartyImpl<F>: one party of the HoneyBadgerMPC protocol over the field F (docs/mpc.md,
// decisions M2-M8), implementing mpc::Party. See docs/mpc.md for the protocols and messages.
//
// The engine owns no thread and no socket: it runs on its caller's thread and talks through a
// Router on a transport endpoint. Member functions are defined in the parts beside this file,
// each named for what it does: core.inl (construction, local operations), opening.inl (robust
// openings), multiplication.inl (Beaver multiplication, truncation), comparison.inl (Mod2m,
// less-than-zero, equality to zero), client_io.inl (client input and output), preprocessing.inl
// and robust_preprocessing.inl. They are compiled once per field in field_<name>.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "math/batch_recon.h"
#include "math/domain.h"
#include "math/fields.h"
#include "math/prss.h"
#include "math/rng.h"
#include "math/rs_decode.h"
#include "math/shamir.h"
#include "mpc/aba.h"
#include "mpc/agreement.h"
#include "mpc/async_hub.h"
#include "mpc/hb/hb_party.h"
#include "mpc/hb/fault_state.h"
#include "mpc/interp.h"
#include "mpc/hb/pool.h"
#include "mpc/router.h"
#include "mpc/store_plan.h"

namespace stoffel::mpc {

// Statistical security parameter of probabilistic truncation: the opened value b + r hides b up
// to a statistical distance of 2^-kappa.
inline constexpr std::uint32_t kTruncKappa = 40;
// Largest batch a pool grows its refills to (items per generation run).
inline constexpr std::size_t kMaxChunk = std::size_t{1} << 16;
// The next refill size after `chunk`: doubled (at least 1), up to kMaxChunk (ensure, and
// mul_doubles when it makes its own double sharings).
inline constexpr std::size_t next_chunk(std::size_t chunk) {
  return std::min(std::max<std::size_t>(chunk * 2, 1), kMaxChunk);
}
// Items per preprocessing run (larger requests take several runs).
inline constexpr std::size_t kRunItems = 8192;
// Runs with at least this many columns per dealer are checked on random combinations of their
// columns instead of whole rows (decision P11): two more rounds, a few elements per checker
// instead of a row of `cols`.
inline constexpr std::size_t kCombinedCheckColumns = 256;
// Bounded random values (decision P12, docs/mpc.md "Bounded random values"): every dealer of a
// run deals values uniform in [0, 2^kBoundedBits); a value of the pool is the sum of all dealers'
// (each shifted by 2^kBoundedSlack), proven small by kRangeRows approximate range checks per
// dealer and run. Each mask of such a check is uniform in [0, 2^(kBoundedBits + 13 +
// kRangeKappa)) (13 = log2 kRunItems), so it hides a sum of up to kRunItems dealt values up to
// 2^-kRangeKappa; a check passes if the opened value is below 2^(kBoundedSlack); a dealt value
// outside (-2^kBoundedSlack, 2^kBoundedSlack) passes all rows with probability 2^-kRangeRows.
inline constexpr std::uint32_t kBoundedBits = 52;
inline constexpr std::uint32_t kRangeKappa = 46;
inline constexpr std::size_t kRangeRows = 64;
// Runs with at least this many random bits share out their square roots (P16); smaller runs
// compute them all at every party and save the round.
inline constexpr std::size_t kSplitRootsMin = 256;
// Requests of at least this many random bits take pseudo-random ones where the session has the
// keys (P17); smaller ones join a dealt run with the rest, which costs no rounds of its own (and
// a small program never pays the key setup for a few bits).
inline constexpr std::size_t kPrssBitsMin = 256;
inline constexpr std::uint32_t kRangeMaskBits = kBoundedBits + 13 + kRangeKappa;
inline constexpr std::uint32_t kBoundedSlack = kRangeMaskBits + 1;
// A pool value is below |D| 2^(kBoundedSlack + 1) <= 2^(kBoundedSlack + 9) (|D| <= 255).
inline constexpr std::uint32_t kBoundedValueBits = kBoundedSlack + 9;
static_assert(kRunItems <= (std::size_t{1} << 13), "kRangeMaskBits assumes at most 2^13 per run");
// Inputs per client and call (docs/mpc.md, "Client input").
inline constexpr std::size_t kMaxClientInputs = 65536;

// Integer helpers of truncation, comparisons and bounded values (comparison.inl, P12).
namespace comparison {

// 2^e as an element of F (e < 256; every field here has 4 limbs).
template <typename F>
F pow2(std::size_t e) {
  math::Limbs l{};
  l[e / 64] = std::uint64_t{1} << (e % 64);
  return F::from_canonical(l);
}

inline bool bit_of(const math::Limbs& x, std::size_t i) {
  return ((x[i / 64] >> (i % 64)) & 1) != 0;
}

// x mod 2^m of a canonical integer (m <= 256).
inline math::Limbs low_bits(math::Limbs x, std::size_t m) {
  for (std::size_t limb = 0; limb < 4; ++limb) {
    const std::size_t lo = limb * 64;
    if (lo >= m) {
      x[limb] = 0;
    } else if (m - lo < 64) {
      x[limb] &= (std::uint64_t{1} << (m - lo)) - 1;
    }
  }
  return x;
}

}  // namespace comparison

// The precomputed algebra of a session (evaluation points, sharers, the hyper-invertible matrix,
// decoders, interpolation plans over all parties). Identical for every party of a session, so
// the parties of one process share one copy: for n = 255 it is worth building only once.
template <typename F>
struct Algebra {
  math::Domain<F> domain;
  math::ShamirSharer<F> sharer_t, sharer_2t;
  math::Matrix<F> him;  // n x n hyper-invertible matrix of RanSha / RanDouSha
  math::RobustDecoder<F> dec_t, dec_2t;
  math::BatchReconstruction<F> recon_2t;  // on the points 1..n (P18)
  InterpPlan<F> all_t, all_2t;  // every party, degree t / 2t (the exact checks)

  static Result<std::shared_ptr<const Algebra>> create(std::size_t n, std::size_t t);
};

template <typename F>
class HbPartyImpl final : public HbParty {
 public:
  HbPartyImpl(const PartyConfig& config, net::Endpoint& endpoint,
           std::shared_ptr<const Algebra<F>> algebra);
  ~HbPartyImpl() override = default;

  std::size_t id() const override { return cfg_.id; }
  std::size_t n() const override { return cfg_.n; }
  std::size_t t() const override { return cfg_.t; }
  std::uint64_t instance_id() const override { return cfg_.instance_id; }
  math::FieldKind field() const override { return cfg_.field; }

  FieldBytes encode_int(std::int64_t v) const override;
  Result<std::int64_t> decode_int(const FieldBytes& v) const override;
  Result<FieldBytes> check_canonical(const FieldBytes& v) const override;
  FieldBytes share_public(const FieldBytes& value) const override;
  FieldBytes add(const FieldBytes& a, const FieldBytes& b) const override;
  FieldBytes sub(const FieldBytes& a, const FieldBytes& b) const override;
  FieldBytes neg(const FieldBytes& a) const override;
  FieldBytes mul_public(const FieldBytes& share, const FieldBytes& scalar) const override;
  Result<FieldBytes> inverse(const FieldBytes& value) const override;

  Result<std::vector<FieldBytes>> mul(std::span<const FieldBytes> a,
                                      std::span<const FieldBytes> b) override;
  Result<std::vector<FieldBytes>> open(std::span<const FieldBytes> shares) override;
  Result<FieldBytes> random() override;
  Result<std::vector<FieldBytes>> truncate(std::span<const FieldBytes> shares, std::uint32_t k,
                                           std::uint32_t f) override;
  Result<std::vector<FieldBytes>> mod2m(std::span<const FieldBytes> shares, std::uint32_t k,
                                        std::uint32_t m) override;
  Result<std::vector<FieldBytes>> less_than_zero(std::span<const FieldBytes> shares,
                                                 std::uint32_t k) override;
  Result<std::vector<FieldBytes>> equal_zero(std::span<const FieldBytes> shares,
                                             std::uint32_t k) override;
  Result<std::vector<std::vector<FieldBytes>>> receive_client_inputs(
      std::span<const ClientInputCount> input_counts) override;
  using Party::send_output;
  Result<void> send_output(std::uint64_t client_id, std::span<const FieldBytes> shares,
                           std::uint32_t label) override;
  Result<std::uint64_t> rbc_broadcast(std::span<const std::uint8_t> payload) override;
  Result<std::vector<std::uint8_t>> rbc_receive(std::size_t from,
                                                std::chrono::milliseconds timeout) override;
  Result<std::pair<std::size_t, std::vector<std::uint8_t>>> rbc_receive_any(
      std::chrono::milliseconds timeout) override;
  Result<std::uint64_t> aba_propose(bool value) override;
  Result<bool> aba_result(std::uint64_t session, std::chrono::milliseconds timeout) override;
  Result<void> serve(std::chrono::milliseconds wait) override;
  Result<std::vector<std::vector<std::uint8_t>>> open_exp(
      std::span<const FieldBytes> shares, std::string_view group,
      std::span<const std::uint8_t> base) override;
  const PartyStats& stats() const override;

  Result<void> preprocess(const PoolSizes& at_least) override;
  PoolSizes pool_sizes() const override;
  Result<StoredAmounts> use_store(MaterialStore* store) override;
  Result<FilledLot> fill_store(MaterialStore* store, const PoolSizes& amounts) override;
  std::vector<std::size_t> convicted_parties() const override {
    return faults_.convicted_parties();
  }
  std::vector<std::size_t> silent_parties() const override { return faults_.silent_parties(); }
  std::vector<std::pair<std::size_t, std::size_t>> dispute_pairs() const override {
    return {faults_.disputes().begin(), faults_.disputes().end()};
  }

  // Field-level versions of the interactive operations (tests and benchmarks avoid the byte
  // encoding with these). out.size() == shares.size() (resp. a.size()).
  Result<void> open_values(std::span<const F> shares, std::span<F> out);
  Result<void> mul_values(std::span<const F> a, std::span<const F> b, std::span<F> out);
  Result<void> truncate_values(std::span<const F> a, std::uint32_t k, std::uint32_t f,
                               std::span<F> out);
  // Opening in the exponent with every partial checked by a masked opening (exp_opening.inl).
  template <typename G>
  Result<std::vector<G>> open_exp_values(std::span<const F> shares, const G& base);

  // For protocols layered on this engine (the AVSS backend, src/mpc/avss/): they take their
  // rounds from this router in call order, so at every party their rounds interleave with this
  // engine's in the same way; they report offenders and silent parties here, so the warnings
  // name them like the engine's own.
  Router& router() { return router_; }
  math::Rng& rng() { return *rng_; }
  const Algebra<F>& algebra() const { return *alg_; }
  void report_suspect(std::size_t party) { suspect(party); }
  void report_silent(std::size_t party) { mark_silent(party); }
  bool awaits(std::size_t party) const { return wait_for(party); }
  Agreement agreement() { return make_agreement(); }
  PartyStats& counters() { return stats_; }
  Result<void> broadcast_to_others(net::Bytes payload) { return send_to_others(std::move(payload)); }
  Result<void> mod2m_values(std::span<const F> a, std::uint32_t k, std::uint32_t m,
                            std::span<F> out);
  Result<void> less_than_zero_values(std::span<const F> a, std::uint32_t k, std::span<F> out);
  Result<void> equal_zero_values(std::span<const F> a, std::uint32_t k, std::span<F> out);
  // Testing only (tests/mpc/truncate_test.cpp): as a dealer, this party deals bounded random
  // values far outside their range, consistently shared, as a faulty party could (P12).
  void deal_out_of_range_for_testing() { test_out_of_range_ = true; }
  // Testing only: this party sends party `victim` the other root (-r, which squares right) of
  // every square of its slice of the shared-out roots (P16), and the right ones to the others.
  void send_wrong_roots_for_testing(std::size_t victim) { test_wrong_roots_to_ = victim; }
  // Testing only: as the owner of pseudo-random secret sharing keys, this party sends party
  // `victim` other keys than the rest of their holders (P17).
  void send_wrong_prss_keys_for_testing(std::size_t victim) { test_wrong_prss_to_ = victim; }
  // Testing only: in every degree-2t opening, this party sends party `victim` a wrong Eval value
  // (its share of the victim's y plus one): the victim's decoding fails at n = 3t + 1, and dispute
  // resolution must put exactly this party and the victim in dispute.
  void send_wrong_eval_for_testing(std::size_t victim) { test_wrong_eval_to_ = victim; }
  // Whether double sharings are made by pseudo-random secret sharing in this session (P17).
  bool prss_active() const { return prss_state_ == PrssState::kOn; }

 private:
  struct Needs {
    std::size_t randoms = 0, masks = 0, triples = 0, bits = 0, doubles = 0, bounded = 0;
  };
  // Bounded random values r'' per truncation of k-bit values by 2^m (Mod2m, TruncPr: r = 2^m r''
  // + r' with r' from m random bits): ceil((k + kappa - m) / kBoundedBits) pool values, or 0 if
  // r'' is to be made of bits instead (decision P12: while stored bits last, or where the opened
  // value would not fit the field).
  std::size_t bounded_chunks(std::uint32_t k, std::uint32_t m) const;
  // r'' = sum_i 2^(kBoundedBits i) u_i of `chunks` pool values u (value-major).
  static F compose_bounded(const F* u, std::size_t chunks);
  // A robust opening that finished before every party's shares had arrived: kept (for the last
  // kLateOpens such openings) so that shares arriving late can still be checked and a faulty
  // sender reported.
  static constexpr std::size_t kLateOpens = 4;
  static constexpr std::size_t kLateMaxWords = std::size_t{1} << 18;  // bound on kept memory
  struct LateOpen {
    std::uint64_t round = 0;
    std::size_t words = 0;
    std::vector<std::size_t> base;        // interpolation parties
    std::vector<F> base_weights;          // their barycentric weights (a row costs O(base))
    std::vector<F> base_values;           // base.size() x words
    std::vector<std::uint8_t> have;       // parties already heard from
    std::vector<std::uint8_t> corrected;  // words decoded by Gao: not used for the check
  };

  // Beaver multiplication with triples, one round whatever the batch size (multiplication.inl):
  // the protocols whose cost is counted in rounds (comparisons: one per level) use it directly.
  Result<void> mul_beaver(std::span<const F> x, std::span<const F> y, std::span<F> out);
  // Products of a large batch with double sharings (multiplication.inl, decision P10).
  bool use_doubles(std::size_t count) const;
  // false: the parties agreed that some party could not decode (n < 4t + 1 only); nothing was
  // written to `out`, and the batch is to be multiplied with triples.
  Result<bool> mul_doubles(std::span<const F> x, std::span<const F> y, std::span<F> out);
  // Whether mul_doubles makes its count pseudo-random double sharings itself, block by block,
  // instead of taking them from the pool (see there).
  bool fuse_prss_doubles(std::size_t count) const;
  // After a degree-2t opening of values whose honest shares are consistent (P10, P17): at
  // n >= 4t + 1 every honest party decodes (an error if this one did not: more than t faults);
  // below, the parties broadcast and agree on whether they decoded, and true means all did. A
  // record not delivered makes its sender silent, a malformed one convicts it. On false the
  // pending suspects are dropped (the caller falls back to dealt material).
  Result<bool> agree_on_opening(bool decoded);

  // Double sharings by pseudo-random secret sharing (prss.inl, decision P17).
  // Whether this session's (n, t) is small enough for it (the same at every party).
  bool prss_possible() const;
  // Appends `count` double sharings made locally to the pool, after setting up the keys at the
  // first call; false (nothing appended) if the keys could not be agreed: the session then deals
  // its double sharings as before.
  Result<bool> prss_doubles(std::size_t count);
  // The owners send the keys, then every party's digests of the keys it got are agreed.
  Result<void> prss_setup();
  // Sets the keys up at the first call; whether they are in use (agreed, so alike everywhere).
  Result<bool> prss_ready();
  // Appends random bits made from pseudo-random random shares and zero sharings (P17): a's
  // square masked by a zero sharing of degree 2t is opened, and b = (a / sqrt(a^2) + 1) / 2.
  // false (nothing appended) if the keys are not in use, or (n = 3t + 1) the parties agreed that
  // an opening failed: the session then deals its bits. Fewer than `count` bits when a is 0.
  Result<bool> prss_bits(std::size_t count);

  // Preprocessing (preprocessing.inl).
  Result<void> ensure(const Needs& want);
  Result<void> generate(const Needs& need);
  Result<void> generate_run(const Needs& need);
  // One attempt (preprocessing.inl): true if its output was accepted, false if a fault was
  // found and the agreed fault state updated (the caller retries).
  struct Run;
  Result<bool> try_run(const Needs& need);
  // Degree-2t opening of x (one share per value) by batch reconstruction: two rounds. Parties
  // known to be faulty to this one are erased. true: opened; false: some group could not be
  // decoded, and `failure` describes what this party received (opening.inl).
  Result<bool> open_2t(std::span<const F> x, std::span<F> out, BaValue* failure);

  // Stored material (stored_material.inl): moves what the agreed plan still holds into the pools:
  // per pool that is short, the shortfall or the pool's load chunk if larger (doubling, so a long
  // run of small calls costs few commits), as far as the plan reaches.
  Result<void> load_stored(const Needs& short_by);
  Result<void> check_store(const MaterialStore& store) const;

  // Robust preprocessing (robust_preprocessing.inl).
  bool wait_for(std::size_t p) const;
  // A party not heard from by its deadline in a preprocessing or agreement round (docs/mpc.md,
  // "Silent parties"): not waited for again in this session (synchronous model: it is faulty),
  // erased in this party's decodings and checks, reported as silent (never as a liar).
  void mark_silent(std::size_t p) {
    if (p < silent_.size() && p != cfg_.id) silent_[p] = 1;
  }
  // Parties this party erases in its degree-2t decodings: the parties known faulty to it (agreed
  // exclusions and, if it is not excluded itself, its dispute partners) and the parties silent
  // to it. Never itself.
  std::vector<std::uint8_t> erasures_2t() const;
  // Parties this party leaves out of a checker's exact checks: excluded and silent to it.
  std::vector<std::uint8_t> erasures_check() const;
  Agreement make_agreement() {
    return Agreement(
        router_, cfg_.n, cfg_.t, [this](std::size_t p) { return wait_for(p); },
        [this](std::size_t p) { mark_silent(p); });
  }
  const math::Matrix<F>& him(std::size_t size);
  const math::RobustDecoder<F>& decoder_2t(std::size_t faults);
  // The degree-2t decoder over the batch reconstruction's evaluation points (its Reveal step,
  // decision P18), tolerating `faults` errors.
  const math::RobustDecoder<F>& decoder_reveal(std::size_t faults);
  // Checks one verdict's column exactly at a checker; the first failing check index or npos.
  std::size_t first_failing_check(const Run& run, const std::vector<F>& word,
                                  const std::vector<std::uint8_t>& erased) const;
  // Dealers broadcast their sharings of `columns`, everyone its received shares of them; convicts
  // or adds disputes for any inconsistency. Returns the agreed polynomials (dealer-major:
  // polys[(idx * columns.size() + s) * n + k]) when everything was consistent, else nullopt.
  Result<std::optional<std::vector<F>>> reveal_columns(const Run& run,
                                                       const std::vector<std::size_t>& columns);
  // Share of party k of output value (row, column) from revealed polynomials.
  F expected_share(const Run& run, const std::vector<std::size_t>& columns,
                   const std::vector<F>& polys, std::size_t row, std::size_t column,
                   std::size_t k) const;
  // The combined check (decision P11): rounds "dealing closed", challenge and combined row shares;
  // a checker leaves its verdict in `verdict` (OK, or FAIL with its challenge seed).
  Result<void> combined_check(const Run& run, const std::vector<F>& out,
                              const std::vector<std::size_t>& checkers, BaValue& verdict);
  // The run whose columns are the three combinations of `run`'s under the challenge `seed`:
  // column 0 the random shares', 1 and 2 the double sharings' degree-t and degree-2t halves.
  Run combined_run(const Run& run, const F& seed) const;
  // The range checks of an accepted run's bounded values (decision P12): the coin (this party's
  // share of a random value of the run) and then the checks are opened robustly, two rounds;
  // true if every dealer passed, false if some dealer failed (convicted; the run is discarded).
  Result<bool> range_check(const Run& run, const F& coin_share);
  // The square roots of a run's opened squares (RandBit), shared out (decision P16): each party
  // not excluded computes every |alive|-th root and sends them to all; a root received is kept
  // if it squares to the square and is the smaller one (F6), and any other, or one not received
  // in time, is computed here. roots[i] is nullopt where squares[i] is not a square.
  Result<void> split_square_roots(std::span<const F> squares, std::span<std::optional<F>> roots);
  // RandBit's last step: appends b = (a / sqrt(a^2) + 1) / 2 for every non-zero opened square
  // (squares[i] = a^2 for this party's share seeds[i] of a), the roots shared out from
  // kSplitRootsMin squares on. An error if a square is not one (inconsistent shares).
  Result<void> bits_from_squares(std::span<const F> squares, std::span<const F> seeds);
  Result<void> resolve_check(const Run& run, std::size_t checker, const BaValue& verdict,
                             bool combined);
  Result<void> resolve_open(const Run& run, std::size_t party, const BaValue& status);
  // After a change of the fault state: conviction by dispute count, and names for the warnings.
  void settle_faults();

  // Comparisons (comparison.inl).
  Result<void> check_comparison(const char* what, std::size_t count, std::uint32_t k) const;
  Result<void> open_masked(std::span<const F> a, std::uint32_t k, std::uint32_t m,
                           std::size_t chunks, std::vector<F>& low, std::vector<math::Limbs>& c);
  Result<void> bit_less_than(std::span<const math::Limbs> c, std::span<const F> r, std::size_t m,
                             std::span<F> out);
  bool level_doubles(std::size_t count) const;
  Result<void> mul_level(std::span<const F> x, std::span<const F> y, std::span<F> out);
  Needs masked_needs(std::size_t count, std::uint32_t k, std::uint32_t m, std::size_t chunks,
                         const std::vector<std::size_t>& per_value) const;
  Result<std::vector<FieldBytes>> run_comparison(
      std::span<const FieldBytes> shares, const char* what,
      const std::function<Result<void>(std::span<const F>, std::span<F>)>& op);

  // Degree-t opening (opening.inl).
  Result<void> open_t(std::span<const F> shares, std::span<F> out);
  void check_late(std::uint64_t round, std::size_t from, std::uint32_t count,
                  std::span<const std::uint8_t> body);

  // Reliable broadcast and binary agreement (broadcast.inl).
  // The common coin of binary agreement (decision R2): per session, the random shares reserved
  // when it was proposed, and robust reconstruction by the degree-t decoder (a coin is accepted
  // only when a polynomial agrees with 2t + 1 shares).
  class Coins final : public CoinSource {
   public:
    explicit Coins(const Algebra<F>& algebra) : alg_(algebra) {}
    ~Coins() override;
    void reserve(std::uint64_t session, std::span<const F> shares);
    std::optional<CoinShare> share(std::uint64_t session, std::uint32_t index) override;
    bool valid(const CoinShare& share) const override { return F::from_bytes(share).ok(); }
    std::optional<bool> reconstruct(std::span<const std::size_t> parties,
                                    std::span<const CoinShare> shares) const override;
    void release(std::uint64_t session) override;

   private:
    const Algebra<F>& alg_;
    std::map<std::uint64_t, std::vector<F>> shares_;
  };
  // Handles messages until ready() or the timeout; false on timeout.
  Result<bool> wait_async(const std::function<bool()>& ready, std::chrono::milliseconds timeout);
  Result<void> async_ready() const;

  // Bookkeeping (core.inl).
  void suspect(std::size_t party);
  // Broadcast of one message to every other party (copies for all but the last).
  Result<void> send_to_others(net::Bytes payload);
  Result<std::vector<F>> load_all(std::span<const FieldBytes> in, const char* what) const;
  // The same into out (in.size() elements).
  Result<void> load_into(std::span<const FieldBytes> in, std::span<F> out, const char* what) const;
  static F load_reduced(const FieldBytes& v);
  // v read as an integer and reduced mod p (limbs, canonical), and canonical limbs as bytes:
  // encodings that need no field product (share_public, encode_int).
  static math::Limbs reduced_limbs(const FieldBytes& v);
  static FieldBytes canonical_bytes(const math::Limbs& x);
  static FieldBytes store(const F& v) { return v.to_bytes(); }
  const PartyConfig::Client* find_client(std::uint64_t client_id) const;

  PartyConfig cfg_;
  net::Endpoint& endpoint_;
  Router router_;
  std::unique_ptr<math::Rng> rng_;
  std::shared_ptr<const Algebra<F>> alg_;
  PlanCache<F> plans_;
  std::vector<std::size_t> suspects_;  // ascending
  FaultState faults_;
  std::vector<std::uint8_t> silent_;
  std::vector<std::size_t> pending_suspects_;  // found by this run's opening, named if accepted
  // Buffers of the products' and random bits' hot paths (mul_doubles, open_2t, prss_bits), kept
  // across calls (decision F10): a batch of 10^5 products would otherwise allocate, zero and
  // page-fault tens of megabytes per party. room() grows a buffer (never shrinks it) and hands
  // out its first n elements, whose contents are left from earlier use: every user writes them
  // before reading, and wipes secret ones after.
  struct HotBuffers {
    std::vector<F> masked, opened, y, recv, mine, coeffs;
    std::vector<F> bit_a, bit_x, bit_squares;  // prss_bits
    // mul's operands and products as field elements: copies of shares the VM holds anyway
    // (unwiped in its heap), so they are overwritten by the next call, not wiped.
    std::vector<F> mul_x, mul_y, mul_out;
    std::vector<F> r_t, pairs;  // mul_doubles' fused double sharings: [r]_t kept, a block of pairs
  };
  HotBuffers hot_;
  static std::span<F> room(std::vector<F>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return std::span<F>(v.data(), n);
  }
  std::map<std::size_t, math::Matrix<F>> him_;                // by dealer count
  std::map<std::size_t, math::RobustDecoder<F>> dec_2t_by_t_;  // by tolerated faults
  std::map<std::size_t, math::RobustDecoder<F>> dec_reveal_by_t_;  // by tolerated faults
  PlanCache<F> reveal_plans_;  // over the batch reconstruction's evaluation points (P18)

  Pool<F> randoms_{1}, masks_{1}, triples_{3}, bits_{1};
  Pool<F> doubles_{2};  // ([r]_t, [r]_2t) per item, generated only on demand
  Pool<F> bounded_{1};  // bounded random values (P12), generated only on demand
  bool doubles_failed_ = false;  // agreed: a batch with double sharings failed (P10)
  enum class PrssState : std::uint8_t { kUnset, kOn, kOff };
  PrssState prss_state_ = PrssState::kUnset;  // kOn and kOff are agreed (P17)
  std::optional<math::Prss<F>> prss_;          // set while kOn
  std::uint64_t doubles_prss_ = 0, bits_prss_ = 0;
  bool prss_bits_failed_ = false;  // agreed: an opening of pseudo-random bits failed (P17)
  bool initial_done_ = false;
  std::size_t chunk_triples_ = 1, chunk_randoms_ = 1, chunk_bits_ = 0, chunk_doubles_ = 0,
              chunk_bounded_ = 0;
  // Stored material in use (use_store): the agreed ranges not consumed yet, per kind.
  MaterialStore* store_ = nullptr;
  bool store_agreed_ = false;
  std::array<std::deque<StoredRange>, kStoredKinds> stored_;
  std::size_t load_chunk_triples_ = 16, load_chunk_randoms_ = 16, load_chunk_bits_ = 16;
  std::map<std::uint64_t, std::uint64_t> input_seq_, output_seq_;  // per client id
  std::array<LateOpen, kLateOpens> late_{};
  std::size_t late_next_ = 0;
  std::unique_ptr<Coins> coins_;
  std::unique_ptr<AsyncHub> hub_;  // null if its configuration was refused (async_ready says why)
  std::string hub_error_;
  mutable PartyStats stats_;
  bool test_out_of_range_ = false;
  std::size_t test_wrong_roots_to_ = static_cast<std::size_t>(-1);
  std::size_t test_wrong_prss_to_ = static_cast<std::size_t>(-1);
  std::size_t test_wrong_eval_to_ = static_cast<std::size_t>(-1);
};

}  // namespace stoffel::mpc

namespace stoffel::mpc {
extern template struct Algebra<math::Bls12_381_Fr>;
extern template struct Algebra<math::Bn254_Fr>;
extern template struct Algebra<math::Curve25519_Fr>;
extern template class HbPartyImpl<math::Bls12_381_Fr>;
extern template class HbPartyImpl<math::Bn254_Fr>;
extern template class HbPartyImpl<math::Curve25519_Fr>;
}  // namespace stoffel::mpc
