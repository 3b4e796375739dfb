// The VM's only view of MPC: an engine interface (docs/decisions.md, A2: the VM talks to MPC only
// through it, so VM tests can use a fake engine and MPC tests need no VM). src/embed adapts the MPC
// layer's mpc::Party to it. Without an engine, every operation that needs one fails with "MPC
// engine not configured".
//
// Shares and clear field elements cross this interface as 32-byte canonical little-endian field
// elements; the VM never does field arithmetic itself.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stoffel/result.h"
#include "vm/share_type.h"

namespace stoffel::vm {

using FieldBytes = std::array<uint8_t, 32>;

struct EngineInfo {
  uint32_t party_id = 0;
  uint32_t n_parties = 0;
  uint32_t threshold = 0;
  uint64_t instance_id = 0;
  std::string backend;  // "honeybadger"
  std::string field;    // "bls12-381-fr", ...
};

class MpcBackend {
 public:
  virtual ~MpcBackend() = default;
  virtual bool is_ready() const = 0;
  virtual const EngineInfo& info() const = 0;

  // Encodings (local).
  virtual FieldBytes encode_int(int64_t v) const = 0;
  virtual Result<int64_t> decode_int(const FieldBytes& v) const = 0;  // M6
  virtual Result<FieldBytes> check_canonical(const FieldBytes& v) const = 0;

  // Local arithmetic on shares and public field elements.
  virtual FieldBytes share_public(const FieldBytes& value) const = 0;  // E10
  virtual FieldBytes add(const FieldBytes& a, const FieldBytes& b) const = 0;
  virtual FieldBytes sub(const FieldBytes& a, const FieldBytes& b) const = 0;
  virtual FieldBytes neg(const FieldBytes& a) const = 0;
  virtual FieldBytes mul_public(const FieldBytes& share, const FieldBytes& scalar) const = 0;
  virtual Result<FieldBytes> inverse(const FieldBytes& value) const = 0;
  // Local robust reconstruction of the secret from shares[i] = party i's share (i < n), as for
  // Share.interpolate_local: needs at least 2t+1 shares, corrects up to t wrong ones.
  virtual Result<FieldBytes> interpolate(std::span<const FieldBytes> shares) const = 0;

  // Interactive: every party makes the same calls in the same order.
  virtual Result<std::vector<FieldBytes>> mul(std::span<const FieldBytes> a,
                                              std::span<const FieldBytes> b) = 0;
  virtual Result<std::vector<FieldBytes>> open(std::span<const FieldBytes> shares) = 0;
  virtual Result<FieldBytes> random() = 0;
  virtual Result<std::vector<FieldBytes>> truncate(std::span<const FieldBytes> shares, uint32_t k,
                                                   uint32_t f) = 0;
  // Secret comparisons of k-bit signed values (-2^(k-1) <= a < 2^(k-1)), batched: shares of the
  // bits [a < 0] and [a = 0] (docs/mpc.md, "Comparisons"; Share.lt and the others).
  virtual Result<std::vector<FieldBytes>> less_than_zero(std::span<const FieldBytes> shares,
                                                         uint32_t k) = 0;
  virtual Result<std::vector<FieldBytes>> equal_zero(std::span<const FieldBytes> shares,
                                                     uint32_t k) = 0;
  // Sends this party's shares of `shares`, all of type `type`, to a client. The type travels
  // with the output so the receiver can read it (an integer, a fixed-point value, a bool).
  virtual Result<void> send_output(uint64_t client_id, std::span<const FieldBytes> shares,
                                   const ShareType& type) = 0;

  // Reliable broadcast and binary agreement (Rbc.*, Aba.*; docs/mpc.md): byte payloads, sessions
  // numbered per party in call order, timeouts in milliseconds that end in an error. A backend
  // without them keeps these defaults, which fail with a clear message.
  virtual Result<uint64_t> rbc_broadcast(std::span<const uint8_t> /*payload*/) {
    return unsupported("Rbc.broadcast");
  }
  virtual Result<std::vector<uint8_t>> rbc_receive(uint32_t /*from*/, uint64_t /*timeout_ms*/) {
    return unsupported("Rbc.receive");
  }
  // (sender, payload)
  virtual Result<std::pair<uint32_t, std::vector<uint8_t>>> rbc_receive_any(
      uint64_t /*timeout_ms*/) {
    return unsupported("Rbc.receive_any");
  }
  virtual Result<uint64_t> aba_propose(bool /*value*/) { return unsupported("Aba.propose"); }
  virtual Result<bool> aba_result(uint64_t /*session*/, uint64_t /*timeout_ms*/) {
    return unsupported("Aba.result");
  }

  // Opening in the exponent (Share.open_exp / open_exp_custom): the encoded point secret·B, B
  // the standard generator of `group`, or the encoded point `base` when that is not empty (with
  // an empty group: the group of the base). `commitments` are the share's (below; empty when it
  // has none). Interactive; every party passes the same arguments.
  virtual Result<std::vector<uint8_t>> open_exp(const FieldBytes& /*share*/,
                                                std::span<const uint8_t> /*commitments*/,
                                                std::string_view /*group*/,
                                                std::span<const uint8_t> /*base*/) {
    return unsupported("Share.open_exp");
  }

  // --- verifiable sharings (AVSS backend; docs/mpc.md, "AVSS") -------------------------------
  // A share may carry the public Feldman commitments of its sharing. The VM keeps them in the
  // share's data after the 32-byte field element (ShareObj::data = value || commitments) and
  // hands them back with every operation; to the VM they are opaque bytes in the layout of
  // mpc/avss/feldman.h (u64 LE count, then count encoded points). Backends without them keep
  // these defaults: no share ever has commitments, and openings ignore them.
  //
  // The commitments of sum_i factors[i]·input_i + constant, where input_i are the commitments
  // of shares (constant: a public value added, i.e. constant·G on C_0). With no inputs: the
  // commitments of the public constant. Empty if any input is empty (the result then has none).
  virtual std::vector<uint8_t> commitments_linear(
      std::span<const std::span<const uint8_t>> /*inputs*/, std::span<const FieldBytes> /*factors*/,
      const FieldBytes& /*constant*/) const {
    return {};
  }
  // A random share with commitments (AVSS: multi-dealer RanSha, a DKG); default: random().
  virtual Result<std::pair<FieldBytes, std::vector<uint8_t>>> random_committed() {
    auto r = random();
    if (!r) return r.error();
    return std::make_pair(*r, std::vector<uint8_t>{});
  }
  // Opening of shares with their commitments (commitments[i] may be empty): every received
  // share is checked against its commitments before it is used; default: open(shares).
  virtual Result<std::vector<FieldBytes>> open_committed(
      std::span<const FieldBytes> shares, std::span<const std::vector<uint8_t>> /*commitments*/) {
    return open(shares);
  }

 private:
  Error unsupported(const char* what) const {
    return make_error(std::string(what) + " is not supported by the " + info().backend +
                      " backend");
  }
};

// Client inputs held by a party: per client (in ascending client-id order), its input shares.
struct ClientStore {
  struct Client {
    uint64_t client_id;
    std::vector<std::vector<uint8_t>> shares;  // engine encoding, one per input
    // The type each input was given as (an integer or a fixed-point value), when known: then
    // reading an input as the other kind is an error instead of a silently scaled number.
    // Empty: not known, not checked.
    std::vector<ShareType> types;
  };
  std::vector<Client> clients;
};

}  // namespace stoffel::vm
