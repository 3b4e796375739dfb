// The settings of one MPC session, the same at every party (decision W12): the one set of them.
// LocalSession, every HbParty (PartyConfig adds who the party is), the embedded engine
// (embed::EmbeddedOptions::session) and a distributed party (node::PartyOptions::session, and
// what the roster fixes) take this struct, never a copy of its fields, and check it with the one
// n >= 3t + 1 check below.
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/field_kind.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

// Default receive timeout: how long a party waits for a peer that has sent nothing (docs/mpc.md,
// "Silent parties": a crashed party costs about one such wait per run, and an honest party must
// never need that long between two messages).
inline constexpr std::uint32_t kDefaultReceiveTimeoutMs = 2'000;

// Default of SessionParams::double_sharing_min_batch: two rounds instead of one, so only batches
// large enough to be limited by bytes and field operations rather than by latency take that path.
inline constexpr std::size_t kDoubleSharingMinBatch = 1024;

struct SessionParams {
  std::size_t n = 5;  // parties, at most 255
  std::size_t t = 1;  // faulty parties tolerated; n >= 3t + 1 is enforced (decision M2)
  math::FieldKind field = math::FieldKind::Bls12_381;
  std::uint64_t instance_id = 1;
  // 0: OS randomness (libsodium); otherwise deterministic streams per party (tests).
  std::uint64_t seed = 0;
  // Initial preprocessing per party; more is generated on demand (decision M4).
  std::size_t initial_triples = 64;
  std::size_t initial_randoms = 64;
  // Smallest batch of products multiplied with double sharings instead of triples (docs/mpc.md,
  // "Products of large batches", decision P10); 0: always triples. Every party of a session
  // must use the same value (the two paths take different rounds).
  std::size_t double_sharing_min_batch = kDoubleSharingMinBatch;
  // How long a party waits for a peer that has gone quiet (docs/mpc.md, "Silent parties").
  std::uint32_t receive_timeout_ms = kDefaultReceiveTimeoutMs;
  // Reliable broadcast: the largest payload (checked before anything is allocated for it).
  std::size_t rbc_max_payload = std::size_t{16} << 20;
  // Binary agreement: random shares reserved as coins per session (async_hub.h, aba.h).
  std::size_t aba_coins = 16;
  // The AVSS backend (--mpc-backend avss; mpc/avss/avss_party.h): HoneyBadger plus
  // Feldman-committed sharings, instead of plain HoneyBadger.
  bool avss = false;
};

// The version of the engine's MPC protocol: the rounds and messages that every party of a session
// must run alike (decision N17). A party registers it with the bootnode, which refuses a party of
// another version. 1: until 2026-12-04. 2: square roots answer the smaller root (F6), so random
// bits differ (P11 was reverted before version 2 landed). 3: large preprocessing runs are
// checked on combinations (P11, re-landed with its fix), two more rounds. 4: truncation and
// comparisons take bounded random values (P12): other preprocessing runs, checks and rounds.
// 5: the preprocessing matrix with small entries (P13), other outputs of every run; elements
// between parties in Montgomery form (P14); comparisons with fewer products (P15); square roots
// of random bits shared out, one more round per run with bits (P16). 6: double sharings of
// products by pseudo-random secret sharing where n and t are small (P17): a key setup instead of
// preprocessing runs; batch reconstruction evaluates at the points 1..n (P18).
inline constexpr std::uint16_t kProtocolVersion = 6;

// The checks on n and t (decision M2), the only copy of them: 1 <= n <= 255 and n >= 3t + 1
// (computed without overflow for any t). Errors are Usage errors that say what would be allowed.
Result<void> validate_parameters(std::size_t n, std::size_t t);
inline Result<void> validate(const SessionParams& params) {
  return validate_parameters(params.n, params.t);
}

}  // namespace stoffel::mpc
