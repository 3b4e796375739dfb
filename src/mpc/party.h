// One party's HoneyBadgerMPC engine (docs/mpc.md; decisions M2–M8).
//
// THE CONTRACT between the MPC layer and its users (the VM glue in src/embed, the benchmarks).
// The MPC layer knows nothing of the VM: it speaks field elements, encoded as 32 bytes,
// canonical little-endian (docs/mpc.md, "Wire format"), whatever the field.
//
// Threading: a Party is used by one thread at a time (its own). Interactive calls block that
// thread until the protocol round completes; they talk to the other parties through the
// transport (src/net) and own no thread and no socket. Every party must make the same sequence
// of interactive calls (as every party runs the same program); the calls are tagged with
// sequence numbers so messages of different calls never mix.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "math/field_kind.h"
#include "mpc/session_params.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

using FieldBytes = std::array<uint8_t, 32>;

// Counters for `stoffel-run --stats` and the benchmarks.
struct PartyStats {
  uint64_t multiplications = 0;  // secret x secret products computed
  uint64_t openings = 0;         // values opened (robustly)
  uint64_t rounds = 0;           // communication rounds this party took part in
  uint64_t bytes_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t triples_generated = 0, triples_consumed = 0;
  uint64_t randoms_generated = 0, randoms_consumed = 0;
  uint64_t masks_generated = 0, masks_consumed = 0;
  uint64_t bits_generated = 0, bits_consumed = 0;  // random bits for truncation (added by mpc)
  // Bounded random values for truncation and comparisons (decision P12), added by mpc.
  uint64_t bounded_generated = 0, bounded_consumed = 0;
  uint64_t comparisons = 0;  // values compared (mod2m, less_than_zero, equal_zero)
  // Double sharings ([r]_t, [r]_2t) used by large batches of products (docs/mpc.md, "Products
  // of large batches"; an engine that multiplies only with triples leaves these at 0).
  uint64_t doubles_generated = 0, doubles_consumed = 0;
  // Of doubles_generated (bits_generated), those made from pseudo-random secret sharing (P17).
  uint64_t doubles_pseudo_random = 0, bits_pseudo_random = 0;
  // Items taken from a preprocessing store (HbParty::use_store) instead of being generated.
  uint64_t triples_loaded = 0, randoms_loaded = 0, masks_loaded = 0, bits_loaded = 0;
  std::vector<size_t> suspected_parties;           // parties caught sending wrong shares (warnings)
  uint64_t broadcasts_delivered = 0;               // reliable broadcasts delivered to this party
  uint64_t agreements_decided = 0;                 // binary agreements finished here
  uint64_t agreement_rounds = 0;                   // their rounds until decided, summed
  // Parties this party stopped waiting for: not heard from within the receive timeout (silent,
  // crashed or cut off), never counted as having sent wrong shares. Ascending.
  std::vector<size_t> silent_parties;
};

class Party {
 public:
  virtual ~Party() = default;

  virtual size_t id() const = 0;
  virtual size_t n() const = 0;
  virtual size_t t() const = 0;
  virtual uint64_t instance_id() const = 0;
  virtual math::FieldKind field() const = 0;

  // --- encodings (local) --------------------------------------------------------------------
  virtual FieldBytes encode_int(int64_t v) const = 0;  // negatives as p - |v|
  // Decision M6: elements in the upper half are negative; outside the i64 range is an error.
  virtual Result<int64_t> decode_int(const FieldBytes& v) const = 0;
  // Error if not canonical (>= p).
  virtual Result<FieldBytes> check_canonical(const FieldBytes& v) const = 0;

  // --- local operations on shares and clear field elements ----------------------------------
  // A public value as a share: every party holds the value itself (the constant polynomial),
  // which is a valid degree-t sharing (decision E10: deterministic, no randomness).
  virtual FieldBytes share_public(const FieldBytes& value) const = 0;
  virtual FieldBytes add(const FieldBytes& a, const FieldBytes& b) const = 0;
  virtual FieldBytes sub(const FieldBytes& a, const FieldBytes& b) const = 0;
  virtual FieldBytes neg(const FieldBytes& a) const = 0;
  virtual FieldBytes mul_public(const FieldBytes& share, const FieldBytes& scalar) const = 0;
  virtual Result<FieldBytes> inverse(const FieldBytes& value) const = 0;  // error for 0

  // --- interactive (every party, same order) -------------------------------------------------
  // Beaver multiplication of a[i] * b[i] for all i in ONE round (one robust batch opening of all
  // the masked pairs), consuming one triple per product. Preprocessing runs out -> generate more
  // (all parties in the same order, M4), never fail for lack of material.
  virtual Result<std::vector<FieldBytes>> mul(std::span<const FieldBytes> a,
                                              std::span<const FieldBytes> b) = 0;
  // Robust batch opening of degree-t shares (M3): error-correcting, up to t wrong or missing
  // shares; offenders recorded in stats().suspected_parties; never a wrong value; no decision
  // depends on arrival order. One round for the whole batch.
  virtual Result<std::vector<FieldBytes>> open(std::span<const FieldBytes> shares) = 0;
  // A share of a uniformly random secret nobody knows (from the random-share pool).
  virtual Result<FieldBytes> random() = 0;
  // Probabilistic truncation (Catrina–Saxena TruncPr) of k-bit signed values by 2^f, for
  // fixed-point multiplication and division by a public integer (M5).
  virtual Result<std::vector<FieldBytes>> truncate(std::span<const FieldBytes> shares, uint32_t k,
                                                   uint32_t f) = 0;
  // Secret comparisons (docs/mpc.md, "Comparisons"; Catrina–de Hoogh) of k-bit signed values
  // (|a| < 2^(k-1)), batched: one robust opening, then one multiplication round per level of a
  // logarithmic tree for the whole batch. Results are shares of exact values: a mod 2^m
  // (0 < m < k), the bit [a < 0], the bit [a = 0]. Values outside the k-bit range give
  // meaningless results. Requires k + 42 <= bits(p), else an error.
  virtual Result<std::vector<FieldBytes>> mod2m(std::span<const FieldBytes> shares, uint32_t k,
                                                uint32_t m) = 0;
  virtual Result<std::vector<FieldBytes>> less_than_zero(std::span<const FieldBytes> shares,
                                                         uint32_t k) = 0;
  virtual Result<std::vector<FieldBytes>> equal_zero(std::span<const FieldBytes> shares,
                                                     uint32_t k) = 0;

  // --- clients (docs/mpc.md, "Client input", "Output to a client"; decision N4) ---------------------------------
  // The input protocol for every client in `input_counts` (client id -> number of inputs, in
  // ascending client-id order): for each input a random mask share is sent to the client, the
  // client broadcasts input + mask, the parties compute their share of the input.
  // Result: per client (same order), this party's shares of its inputs.
  struct ClientInputCount {
    uint64_t client_id;
    size_t count;
  };
  virtual Result<std::vector<std::vector<FieldBytes>>> receive_client_inputs(
      std::span<const ClientInputCount> input_counts) = 0;
  // Sends this party's shares of `shares` to the client, which reconstructs them robustly.
  // `label` (below 2^32) travels with them as one more element every party sends alike, a
  // constant the client decodes as robustly as the values (ClientRunner::labels): the layers
  // above say with it how to read the values (the VM's share type, docs/mpc.md, "Output to a
  // client"); 0 says nothing.
  virtual Result<void> send_output(uint64_t client_id, std::span<const FieldBytes> shares,
                                   uint32_t label) = 0;
  Result<void> send_output(uint64_t client_id, std::span<const FieldBytes> shares) {
    return send_output(client_id, shares, 0);
  }

  // --- reliable broadcast and binary agreement (docs/mpc.md, decisions M9, R2) --------------
  // Asynchronous protocols: they advance whenever this party's thread is inside any interactive
  // call (an opening, a wait below, serve()), so a party that has nothing else to do must keep
  // calling serve() while the others may still need it. Timeouts give an error, never a hang.
  //
  // Starts a reliable broadcast of `payload` (at most the configured bound, 16 MiB by default)
  // and returns its session: this party's broadcasts are numbered 0, 1, ... in call order.
  virtual Result<uint64_t> rbc_broadcast(std::span<const uint8_t> payload) = 0;
  // The next broadcast of party `from` (this one included) in session order, once delivered.
  virtual Result<std::vector<uint8_t>> rbc_receive(size_t from,
                                                   std::chrono::milliseconds timeout) = 0;
  // Of the other parties' next broadcasts, the first delivered (lowest session, then party).
  virtual Result<std::pair<size_t, std::vector<uint8_t>>> rbc_receive_any(
      std::chrono::milliseconds timeout) = 0;
  // Proposes `value` in the next binary agreement (sessions 0, 1, ... in call order, the same at
  // every party since all make the same calls) and returns the session. Interactive in program
  // order: it reserves the session's coin shares from the random-share pool, generating more if
  // needed.
  virtual Result<uint64_t> aba_propose(bool value) = 0;
  // The decision of a session this party proposed in.
  virtual Result<bool> aba_result(uint64_t session, std::chrono::milliseconds timeout) = 0;
  // Handles incoming messages for `wait` (the asynchronous protocols advance; round messages are
  // kept for their rounds).
  virtual Result<void> serve(std::chrono::milliseconds wait) = 0;

  // --- opening in the exponent (Share.open_exp / open_exp_custom; docs/mpc.md) ----------------
  // For each share, the point secret·B, encoded: B is the standard generator of `group` (the
  // reference's names: bls12-381-g1, bls12-381-g2, bn254-g1, curve25519-edwards,
  // ed25519-edwards; its scalar field must be the session's), or the encoded point `base` when
  // that is not empty (an empty `group` then means the group the base's size names: G2 for 96
  // bytes on BLS12-381, else the field's commitment group). Every party passes the same group
  // and base. Every other party's partial
  // s_i·B is verified before it is combined (a party whose partial fails is suspected, like a
  // wrong share in an opening), so the result is right with up to t faulty parties.
  virtual Result<std::vector<std::vector<std::uint8_t>>> open_exp(
      std::span<const FieldBytes> shares, std::string_view group,
      std::span<const std::uint8_t> base) = 0;

  virtual const PartyStats& stats() const = 0;
};

}  // namespace stoffel::mpc
