// Byzantine agreement among the n parties (n > 3t), for robust preprocessing: honest parties
// must take identical decisions about whom to exclude, so every such decision is made from
// agreed data only.
//
// Phase King (Berman, Garay, Perry; Wattenhofer, "Principles of Distributed Computing", the
// King algorithm), synchronous: t + 1 phases of 3 rounds, the king of phase k is party k.
//   R1  every party sends its value x
//   R2  if some value y came >= n - t times: send propose(y);
//       if some propose(z) came > t times: x := z
//   R3  the king sends its x; a party that got fewer than n - t propose(x) takes the king's x
// (own messages count; they are never sent). Agreement: after the first phase with an honest
// king all honest parties hold one value and keep it. Validity: if all honest parties start
// with v, they all propose v and keep it.
//
// Fast path: the values are exchanged once, and the parties agree (Phase King on one bit) on
// whether every party sent them exactly their own vector; if so, each outputs its input (all
// honest inputs are then equal), in 1 + 3(t + 1) rounds whose messages after the first carry
// one byte, instead of 3(t + 1) rounds of whole vectors. Otherwise the full Phase King follows,
// reusing the first exchange as its first round (6(t + 1) rounds in all).
//
// It runs on a VECTOR of values (coordinates independent) with one message per round per peer.
// A value is any byte string, compared for equality; the empty string is "bottom" (nothing,
// missing, malformed), so callers encode real values non-empty. A round is complete when every
// awaited peer was heard, or at the router's receive timeout, after which a missing peer simply
// counts as bottom (synchronous model: an honest party is never that late). A malformed message
// counts as bottom for every coordinate. Nothing here aborts on a bad message.
//
// "Broadcast" of a value from sender s: s sends it to everybody, then agreement on what each
// party received from s. If s is honest everyone outputs s's value (validity); if not, everyone
// outputs the same value, possibly bottom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "mpc/router.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

using BaValue = std::vector<std::uint8_t>;  // empty: bottom

namespace ba_wire {

// A round message: the router header (channel kRound, `round`) and a body of 32-byte blocks
// holding u32 slot count, then per slot u8 flag (0: no value, 1: value), u32 length and the
// bytes; zero padding to a whole block.
net::Bytes encode(std::uint64_t round, std::span<const std::optional<BaValue>> slots);

// The slots of a message body with `count` blocks, or nullopt if it is malformed (wrong slot
// count, a length beyond the body or above max_value_bytes, a bad flag).
std::optional<std::vector<std::optional<BaValue>>> decode(std::span<const std::uint8_t> body,
                                                          std::uint32_t count, std::size_t slots,
                                                          std::size_t max_value_bytes);

}  // namespace ba_wire

class Agreement {
 public:
  // wait_for(p): whether a round waits for party p. Parties known to be faulty are not waited
  // for (their messages are still used if they arrive in time): that is safe because agreement
  // tolerates any behaviour of faulty parties, and it spares a timeout per round.
  // on_silent(p) (optional) is told about every awaited party not heard from when a round ends at
  // the timeout, so the caller can stop waiting for it (in the synchronous model it is faulty).
  Agreement(Router& router, std::size_t n, std::size_t t,
            std::function<bool(std::size_t)> wait_for,
            std::function<void(std::size_t)> on_silent = {});

  // Phase King on every coordinate of `input`; every party passes the same number of
  // coordinates. Values longer than max_value_bytes from others count as malformed.
  Result<std::vector<BaValue>> agree(std::vector<BaValue> input, std::size_t max_value_bytes);

  // Every party in `senders` (ascending, distinct) sends `mine` (ignored unless this party is a
  // sender) to every other party; then one agreement on all of them. Result[i] is the agreed
  // value of senders[i]: its true value if it is honest.
  Result<std::vector<BaValue>> broadcast(std::span<const std::size_t> senders, const BaValue& mine,
                                         std::size_t max_value_bytes);

  // Rounds one agreement takes: 1 + 3(t + 1) when every party sent every other the same
  // vector (the fast path), else 6(t + 1) (worst case); broadcast adds one.
  std::size_t fast_rounds() const { return 1 + 3 * (t_ + 1); }
  std::size_t max_rounds() const { return 6 * (t_ + 1); }
  // Rounds the last agree() or broadcast() took (without broadcast's sending round).
  std::size_t last_rounds() const { return last_rounds_; }

 private:
  using Slots = std::vector<std::optional<BaValue>>;
  // One round: sends `out` (if given) to every other party and gathers one message per party in
  // `from`; got[p] is p's slots, nullopt if nothing valid came.
  Result<std::vector<std::optional<Slots>>> exchange(const Slots* out,
                                                     std::span<const std::size_t> from,
                                                     std::size_t slots, std::size_t max_bytes,
                                                     const char* what);

  // Phase King on every coordinate of x; if first_values is given, it is phase 0's R1
  // (the values every party sent), already exchanged.
  Result<std::vector<BaValue>> phase_king(std::vector<BaValue> x, std::size_t max_value_bytes,
                                          std::vector<std::optional<Slots>>* first_values);

  Router& router_;
  std::size_t n_, t_, self_;
  std::size_t last_rounds_ = 0;
  std::function<bool(std::size_t)> wait_for_;
  std::function<void(std::size_t)> on_silent_;
};

}  // namespace stoffel::mpc
