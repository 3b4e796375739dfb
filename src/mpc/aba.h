// Asynchronous binary agreement (docs/mpc.md, "Binary agreement"): n >= 3t + 1 parties, at most
// t faulty, each proposes a bit; every honest party decides the same bit (agreement), a bit
// proposed by some honest party (validity: if all honest parties propose b, b is decided), and
// decides with probability 1, in an expected constant number of rounds.
//
// Mostefaoui-Moumen-Raynal ("Signature-free asynchronous Byzantine consensus with t < n/3 and
// O(n^2) messages", PODC 2014) with the CONF phase added by the later signature-free works
// (Tholoniat and Gramoli, Crain; as in hbbft), which keeps the adversary from steering bin_values
// after seeing the coin. Round r with estimate est:
//   1. BV-broadcast: send BVAL(r, est). On BVAL(r, b) from t + 1 parties, send BVAL(r, b) too
//      (once per b); on BVAL(r, b) from 2t + 1 parties, add b to bin_values(r).
//   2. When bin_values(r) becomes non-empty, send AUX(r, b) for the first b added (once).
//   3. When n - t parties sent AUX(r, b) with b in bin_values(r): send CONF(r, bin_values(r)).
//   4. When n - t parties sent CONF(r, S) with S a subset of bin_values(r): vals := the union of
//      those S. Only now release this party's share of the round's coin s (COIN messages).
//   5. Once s is known: if vals = {b}: est := b, and decide b if b = s; else est := s.
//      Go to round r + 1.
// Termination: a party that decides b sends TERM(b). t + 1 TERM(b) prove that an honest party
// decided b, so a party receiving them decides b too; a party stops taking part (halts) once it
// has decided and 2t + 1 parties sent TERM of its decision (then every honest party receives
// t + 1 and decides). Until then it keeps running rounds, so the coins of later rounds still get
// their shares. BVAL relays of earlier rounds are still answered (a slower honest party may need
// them to fill its bin_values).
//
// The coin of round r (decision R2) is the low bit of a preprocessed random degree-t sharing,
// opened robustly: each party sends its share (COIN, 32 bytes) to all, and the value is accepted
// only when a degree-t polynomial agrees with 2t + 1 received shares (CoinSource::reconstruct),
// so up to t wrong shares cannot change it. The shares come from a CoinSource, which reserved
// `coins` sharings for the session when it was proposed (in program order at every party, so
// every party holds shares of the same secrets). Rounds beyond the reserved coins use the
// deterministic coin r mod 2 (agreement and validity never depend on the coin; only the bound on
// rounds does, and getting there has probability about 2^-coins).
//
// Message contents (async_wire.h): BVAL, AUX, TERM: value = the bit, no content; CONF: value =
// the set (bit 0: 0 is in it, bit 1: 1 is in it; 1..3), no content; COIN: value 0, content the
// 32-byte share. One BVAL per bit, one AUX, CONF and COIN per round and one TERM per sender;
// anything else makes handle() return false (the sender is faulty).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mpc/async_wire.h"

namespace stoffel::mpc {

using CoinShare = std::array<std::uint8_t, 32>;

// Where the common coin comes from. The engine implements it with preprocessed random shares
// (Party::random) and robust decoding; protocol tests with shares from a test dealer.
class CoinSource {
 public:
  virtual ~CoinSource() = default;
  // This party's share of coin `index` (< the coins reserved) of ABA session `session`.
  virtual std::optional<CoinShare> share(std::uint64_t session, std::uint32_t index) = 0;
  // Whether `share` is well-formed (a canonical field element).
  virtual bool valid(const CoinShare& share) const = 0;
  // The coin (low bit of the shared secret) from shares[i] of parties[i] (distinct, < n), or
  // nullopt while they do not determine it robustly (a degree-t polynomial must agree with at
  // least 2t + 1 of them).
  virtual std::optional<bool> reconstruct(std::span<const std::size_t> parties,
                                          std::span<const CoinShare> shares) const = 0;
  // The session is over (decided and halted): its reserved shares may be dropped.
  virtual void release(std::uint64_t session) = 0;
};

struct AbaParams {
  std::size_t n = 4;
  std::size_t t = 1;
  std::size_t self = 0;
  std::size_t coins = 16;        // random coins reserved per session (rounds 0..coins-1)
  std::size_t max_rounds = 256;  // a session that has not decided by then fails
  // Messages for rounds further ahead of this party's round are dropped (bounds the memory a
  // faulty party can make an instance hold); a party that far behind decides by TERM messages.
  std::size_t round_window = 32;
};

enum class AbaKind : std::uint8_t { kBval = 1, kAux = 2, kConf = 3, kCoin = 4, kTerm = 5 };

class AbaInstance {
 public:
  AbaInstance(const AbaParams& params, std::uint64_t session, CoinSource& coin);

  // This party's input (once). Before it, messages are only stored.
  void propose(bool value, async_wire::Outbox& out);
  bool proposed() const { return proposed_; }

  // A message of this instance from party `from` (< n). False if the message is invalid.
  bool handle(std::size_t from, const async_wire::Message& m, async_wire::Outbox& out);

  std::optional<bool> decision() const { return decision_; }
  // Decided and no longer needed by the others: the owner may drop the instance.
  bool halted() const { return halted_; }
  // Set when the session cannot decide (max_rounds reached): the reason.
  const std::optional<std::string>& failure() const { return failure_; }
  // The round this party is in, and the round it decided in (for tests and statistics).
  std::uint32_t round() const { return round_; }
  std::uint32_t decided_in() const { return decided_in_; }

 private:
  struct Round {
    std::array<std::vector<std::uint8_t>, 2> bval;  // bval[b][p]: p sent BVAL(b)
    std::array<std::size_t, 2> bval_count{};
    std::array<bool, 2> bval_sent{};
    std::uint8_t bin = 0;          // bin_values: bit b set if b is in it
    std::vector<std::int8_t> aux;  // per party: -1 none, else the bit
    bool aux_sent = false;
    std::vector<std::uint8_t> conf;  // per party: 0 none, else the set 1..3
    bool conf_sent = false;
    std::uint8_t vals = 0;  // set when the CONF condition held
    std::vector<std::uint8_t> has_share;
    std::vector<CoinShare> shares;
    bool coin_sent = false;
    std::optional<bool> coin;
  };

  Round& round_state(std::uint32_t r);
  void send(AbaKind kind, std::uint8_t value, std::uint32_t round, async_wire::Outbox& out,
            std::span<const std::uint8_t> content = {});
  void decide(bool b, async_wire::Outbox& out);
  // Relays BVAL(r, b) once t + 1 parties sent it (any round this party has reached).
  void relay(std::uint32_t r, async_wire::Outbox& out);
  void progress(async_wire::Outbox& out);

  AbaParams p_;
  std::uint64_t session_;
  CoinSource& coin_;
  bool proposed_ = false;
  bool est_ = false;
  std::uint32_t round_ = 0;
  std::map<std::uint32_t, Round> rounds_;
  std::array<std::vector<std::uint8_t>, 2> term_;  // term_[b][p]
  std::array<std::size_t, 2> term_count_{};
  std::vector<std::uint8_t> term_from_;
  std::optional<bool> decision_;
  std::uint32_t decided_in_ = 0;
  bool halted_ = false;
  std::optional<std::string> failure_;
};

}  // namespace stoffel::mpc
