// Reliable broadcast of one payload from one broadcaster to the n parties (n >= 3t + 1, at most
// t faulty, asynchronous links): every honest party delivers the same payload or none, the
// honest broadcaster's payload is delivered by every honest party, and once one honest party
// delivers, every honest party does (docs/mpc.md, "Reliable broadcast").
//
// One instance is one (broadcaster, session). It is a state machine: it owns no socket and no
// thread, it is driven by the messages its owner (AsyncHub) hands it and puts what it sends into
// an Outbox. Two modes share the vote counting, so that an equivocating broadcaster cannot make
// honest parties deliver different payloads by mixing modes:
//
//   AVID (Cachin-Tessaro), payloads above RbcParams::bracha_max:
//     the payload, prefixed with its length (u64 LE) and zero-padded, is split into k = t + 1
//     data shards, extended to n shards by the erasure code (math/erasure_code.h, GF(2^8)); a
//     Merkle tree (merkle.h) over the shards gives the root.
//     SEND(root, proof_i, shard_i) to each party i. A party ECHOes its own shard with its proof
//     to everybody, once. With E = max(ceil((n + t + 1) / 2), k) valid ECHOs for a root, it
//     decodes from k shards, re-encodes all n, and sends READY(root) only if the re-encoded
//     shards give the same root and the framing is canonical (length <= max_payload, shard size
//     exactly what the length needs, zero padding); otherwise it never sends READY for that root.
//     t + 1 READY(root) make a party send READY(root) too; 2t + 1 READY(root) plus k valid
//     shards of that root make it decode and deliver.
//   Bracha, payloads up to bracha_max: the same with the payload itself in place of the root
//     (SEND(m), ECHO(m), READY(m); no shards), which saves the coding and hashing.
//
// A vote is (mode, root) or (mode, payload); every party sends one ECHO and one READY per
// instance, so two values cannot both gather E ECHOs (two such sets share an honest party) and
// an honest READY is always for the one value. Because an honest party sends READY(root) only
// after checking that the committed shards form a codeword with canonical framing, any k shards
// of a root with 2t + 1 READYs decode to the same payload.
//
// Message contents (async_wire.h; value = mode):
//   AVID SEND / ECHO   root (32) || proof (ceil(log2 n) x 32) || shard (1 .. max shard bytes)
//   AVID READY         root (32)
//   Bracha SEND / ECHO / READY   the payload (0 .. bracha_max bytes)
// SEND is accepted only from the broadcaster, one of each kind per sender; a shard must carry a
// valid proof for the index of the party it belongs to (the receiver for SEND, the sender for
// ECHO). Anything else makes handle() return false (the sender is faulty).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "math/erasure_code.h"
#include "mpc/async_wire.h"
#include "mpc/merkle.h"
#include "net/transport.h"

namespace stoffel::mpc {

struct RbcParams {
  std::size_t n = 4;
  std::size_t t = 1;
  std::size_t self = 0;
  // Largest payload a broadcast may carry; checked by the broadcaster and by every receiver
  // (shard sizes on arrival, the decoded length before delivery), so nothing larger is stored
  // or delivered.
  std::size_t max_payload = std::size_t{16} << 20;
  // Payloads up to this size go by Bracha (the payload travels in every ECHO and READY), larger
  // ones by AVID. Near 100 bytes both send the same number of bytes, for every n measured
  // (docs/performance.md).
  std::size_t bracha_max = 128;
};

enum class RbcKind : std::uint8_t { kSend = 1, kEcho = 2, kReady = 3 };
enum class RbcMode : std::uint8_t { kAvid = 1, kBracha = 2 };

class RbcInstance {
 public:
  // `code` is the (t + 1, n) erasure code; it must outlive the instance.
  RbcInstance(const RbcParams& params, const math::ErasureCode& code, std::size_t broadcaster,
              std::uint64_t session);

  // The broadcaster starts its broadcast (payload.size() <= max_payload, checked by the caller).
  void start(std::span<const std::uint8_t> payload, async_wire::Outbox& out);

  // A message of this instance from party `from` (< n). False if the message is invalid, which
  // only a faulty party sends.
  bool handle(std::size_t from, const async_wire::Message& m, async_wire::Outbox& out);

  bool delivered() const { return delivered_; }
  // The delivered payload (moved out; call once, after delivered()).
  net::Bytes take_payload() { return std::move(payload_); }
  // Bytes of shards, values and payload this instance holds (its owner bounds memory with it).
  std::size_t held_bytes() const { return held_; }

  // Largest shard an AVID broadcast of at most max_payload bytes can have.
  static std::size_t max_shard(const RbcParams& params);
  // The shard size of an AVID broadcast of `length` payload bytes.
  static std::size_t shard_size(std::size_t length, std::size_t k) {
    return (8 + length + k - 1) / k;
  }

 private:
  // The shards of one root received in ECHOs (AVID).
  struct Root {
    merkle::Digest root{};
    std::size_t shard_size = 0;
    std::vector<net::Bytes> shards;      // n; empty: not held
    std::vector<merkle::Digest> leaves;  // leaf hashes of the held shards
    std::size_t count = 0;               // shards held
    enum class Check : std::uint8_t { kUnknown, kGood, kBad } check = Check::kUnknown;
    net::Bytes payload;  // when kGood
  };
  using Key = net::Bytes;  // mode byte, then the root (AVID) or the payload (Bracha)

  std::size_t key_index(const Key& key);
  void send_ready(std::size_t key, async_wire::Outbox& out);
  // Decodes a root from its k lowest shards and checks the re-encoding and the framing.
  void check(Root& r);
  void progress(async_wire::Outbox& out);
  void deliver(net::Bytes payload);
  Root* root_of_key(std::size_t key);

  RbcParams p_;
  const math::ErasureCode& code_;
  std::size_t broadcaster_;
  std::uint64_t session_;
  std::size_t k_, echo_threshold_, proof_len_;

  bool got_send_ = false, echoed_ = false, readied_ = false, delivered_ = false;
  std::vector<Key> keys_;  // distinct votes seen (at most 2n + 1)
  std::vector<std::size_t> echo_count_, ready_count_;
  // Per party: the key index of its ECHO / READY, kUnused, or kInvalid (it sent an invalid one).
  static constexpr std::int32_t kUnused = -1, kInvalid = -2;
  std::vector<std::int32_t> echo_of_, ready_of_;
  std::vector<std::unique_ptr<Root>> roots_;  // per key (AVID keys only), lazily
  net::Bytes payload_;
  std::size_t held_ = 0;
};

}  // namespace stoffel::mpc
