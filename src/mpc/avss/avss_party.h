// The AVSS backend (`--mpc-backend avss`, alias `adkg`; reference-mpc.md §3, decision R3;
// docs/mpc.md, "AVSS backend"): the HoneyBadger engine plus Feldman-committed sharings.
//
// An AvssParty is an HbParty (multiplication with Beaver triples, truncation, client input and
// output, Rbc.*/Aba.* are the HoneyBadger engine's, run on the same router), and in addition:
//   - random_committed(): a share of a random secret with the Feldman commitments of its
//     sharing, made by multi-dealer RanSha over verifiable dealings with complaints (a DKG:
//     nobody learns the secret; C_0 is its public key);
//   - open_committed(): openings in which every received share is checked against its
//     commitments before it is used;
//   - open_exp_committed(): openings in the exponent whose partials are checked against the
//     commitments (standard generator) or by a DLEQ proof against them (any other base);
//   - commitments_linear(): the commitments of linear combinations, so that sums, differences,
//     multiples and public offsets of committed shares stay committed.
// Shares without commitments (products, client inputs) use the HoneyBadger paths, which are
// robust too (error-correcting openings, masked checks of partials).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "mpc/hb/hb_party.h"

namespace stoffel::mpc {

// Misbehaviour for the fault tests (tests/mpc/avss_test.cpp): a party given these deviates from
// the protocol in exactly this way and is otherwise honest.
struct AvssTestFaults {
  // As a dealer: the encrypted shares for these parties are of wrong values.
  std::vector<std::size_t> bad_share_to;
  // Complains about these dealers whatever they dealt (a false complaint if they are honest).
  std::vector<std::size_t> complain_against;
  // open_exp_committed: sends a wrong (but valid) point as its partial.
  bool wrong_partials = false;
  // open_committed: sends a wrong share.
  bool wrong_open_shares = false;
};

class AvssParty : public HbParty {
 public:
  struct Committed {
    FieldBytes value;
    std::vector<std::uint8_t> commitments;  // feldman.h encoding: u64 count, t + 1 points
  };
  virtual Result<Committed> random_committed() = 0;
  // commitments[i] empty: shares[i] has none (opened by the HoneyBadger robust opening).
  virtual Result<std::vector<FieldBytes>> open_committed(
      std::span<const FieldBytes> shares,
      std::span<const std::vector<std::uint8_t>> commitments) = 0;
  // As Party::open_exp for one share with its commitments (empty: the HoneyBadger path).
  virtual Result<std::vector<std::uint8_t>> open_exp_committed(
      const FieldBytes& share, std::span<const std::uint8_t> commitments, std::string_view group,
      std::span<const std::uint8_t> base) = 0;
  // sum_i factors[i]·inputs[i] + constant·G on C_0; with no inputs the commitments of the public
  // constant; empty if any input is empty or malformed.
  virtual std::vector<std::uint8_t> commitments_linear(
      std::span<const std::span<const std::uint8_t>> inputs, std::span<const FieldBytes> factors,
      const FieldBytes& constant) const = 0;
  // Dealers the parties agreed to disqualify in this session, ascending.
  virtual std::vector<std::size_t> disqualified_dealers() const = 0;
  // Dealings run so far (each is one AVSS by every party).
  virtual std::uint64_t dealings() const = 0;
  virtual void set_test_faults(AvssTestFaults faults) = 0;
};

// All n parties of one process on `endpoints` (config.id ignored, party i gets endpoints[i]).
Result<std::vector<std::unique_ptr<HbParty>>> make_avss_parties(
    const PartyConfig& config, std::span<net::Endpoint* const> endpoints);
// One party (distributed sessions).
Result<std::unique_ptr<HbParty>> make_avss_party(const PartyConfig& config,
                                                 net::Endpoint& endpoint);

}  // namespace stoffel::mpc
