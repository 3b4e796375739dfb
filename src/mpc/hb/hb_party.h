// The HoneyBadgerMPC party behind mpc::Party: configuration, construction and the operations
// beyond the Party contract that tests and benchmarks use (explicit preprocessing, pool sizes).
// The implementation is HbPartyImpl<F> (party_impl.h), one per field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "math/field_kind.h"
#include "mpc/material_store.h"
#include "mpc/party.h"
#include "mpc/session_params.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

// One party's configuration: the session's parameters (the same at every party, W12) plus who
// this party is and where the session's clients are.
struct PartyConfig : SessionParams {
  std::size_t id = 0;
  // The clients of the session: client id -> transport endpoint, ascending by client id.
  struct Client {
    std::uint64_t client_id;
    std::size_t endpoint;
  };
  std::vector<Client> clients;
};

// How much preprocessing material a party holds right now.
struct PoolSizes {
  std::size_t triples = 0, randoms = 0, masks = 0, bits = 0;
  // Bounded random values for truncation and comparisons (decision P12): ceil((k + 40 - m) / 52)
  // per value truncated or compared (m: the bits truncated, resp. k - 1 for less-than-zero and
  // k for equality), and then m random bits per value instead of k + 40.
  std::size_t bounded = 0;
  // Double sharings for products of large batches and large comparison levels (decision P10).
  std::size_t doubles = 0;
};

// Stored preprocessing material a run may use (HbParty::use_store), per kind. Client-input masks
// come out of the random shares.
struct StoredAmounts {
  std::uint64_t triples = 0, randoms = 0, bits = 0;
  // Why stored material, or some of it, is not used (a party without a usable store, a lot some
  // party does not hold); empty when everything stored is available.
  std::string note;
};

// What HbParty::fill_store wrote: one new lot.
struct FilledLot {
  LotId id{};
  std::uint64_t triples = 0, randoms = 0, bits = 0;
};

class HbParty : public Party {
 public:
  // Generates material until the pools hold at least these amounts (every party, same call).
  // The protocols also do this on their own when they run out (M4).
  virtual Result<void> preprocess(const PoolSizes& at_least) = 0;
  virtual PoolSizes pool_sizes() const = 0;

  // Stored preprocessing (decisions M4, R4; docs/store.md). Both calls are interactive: every
  // party makes them at the same point, and a party without a (usable) store passes nullptr
  // rather than staying away. Neither works with a fixed seed (SessionParams::seed != 0):
  // deterministic randomness would make the same material again.
  //
  // use_store: once, before the first operation that consumes preprocessing. The parties agree
  // (Byzantine agreement on every party's store status) on the stored items the run uses; from
  // then on a pool that runs dry takes from `store` before it generates more, every party the
  // same items in the same order. `store` must outlive the party.
  virtual Result<StoredAmounts> use_store(MaterialStore* store) = 0;
  // The offline phase ahead of time: generates the amounts (masks count as random shares) and
  // writes them into `store` as one new lot. Every party then confirms (agreement) that it
  // stored its shares; if one did not, the others drop the lot (it could never be used).
  virtual Result<FilledLot> fill_store(MaterialStore* store, const PoolSizes& amounts) = 0;
  // Parties robust preprocessing has proven faulty (agreed by all honest parties), ascending.
  virtual std::vector<std::size_t> convicted_parties() const = 0;
  // Parties the honest parties agreed did not answer (excluded like convicted ones, but never
  // said to have sent wrong shares), ascending.
  virtual std::vector<std::size_t> silent_parties() const = 0;
  // Agreed dispute pairs {a, b} (a < b; at least one of the two is faulty), for tests.
  virtual std::vector<std::pair<std::size_t, std::size_t>> dispute_pairs() const = 0;
};

// Validates the configuration (n >= 3t + 1, t >= 0, n <= 255, party id < n) and builds the
// engine for config.field on `endpoint`, which must outlive it.
Result<std::unique_ptr<HbParty>> make_party(const PartyConfig& config, net::Endpoint& endpoint);

// All n parties of one process (config.id is ignored; party i gets endpoints[i]), sharing one
// copy of the precomputed algebra.
Result<std::vector<std::unique_ptr<HbParty>>> make_parties(
    const PartyConfig& config, std::span<net::Endpoint* const> endpoints);

}  // namespace stoffel::mpc
