// Fuzz target: the messages of reliable broadcast and binary agreement (mpc/async_wire.h,
// mpc/rbc.h, mpc/aba.h) as a malicious peer sends them, to party 0 of n = 4, t = 1 running one
// RBC instance per broadcaster (party 0 broadcasting too) and one ABA instance (party 0
// proposing). Parties 1..3 are the fuzzer, so more than t can lie: only crash-freedom, bounds and
// the instances' own invariants are checked, not agreement.
//
// Input: u8 flags (bit 0: party 0's ABA input; bit 1: party 0 broadcasts a payload, its length
// the next u8, Bracha below 128 bytes, AVID above), then records until the input ends:
//   u8 sender (mod 3, + 1), u16 LE length, then `length` bytes: a kAsync body (async_wire.h).
// Party 0's own messages (what the instances send to everybody, itself included) go back to it
// in order after every record, as the engine's owner of the instances does.
//
// Properties: a body async_wire::parse accepts re-encodes (async_wire::build) to exactly the
// same bytes (the encoding is canonical); what party 0 sends itself always parses and is
// accepted by its own instance; an RBC instance delivers once, at most max_payload bytes; an ABA
// decision never changes and its round never passes max_rounds. (The memory faulty peers can make an instance hold is bounded
// by its owner, AsyncHub, which this target does not include.)
#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "fuzz_util.h"
#include "math/erasure_code.h"
#include "mpc/aba.h"
#include "mpc/async_wire.h"
#include "mpc/rbc.h"
#include "mpc/wire.h"

using namespace stoffel;
using namespace stoffel::mpc;

namespace {

constexpr std::size_t kN = 4, kT = 1;
constexpr std::uint64_t kRbcSession = 11, kAbaSession = 12;
constexpr std::size_t kMaxPayload = 4096;

// Coin shares: byte 0 the coin, valid iff the rest is zero; 2t + 1 equal shares decide it.
class Coins final : public CoinSource {
 public:
  std::optional<CoinShare> share(std::uint64_t, std::uint32_t index) override {
    CoinShare s{};
    s[0] = static_cast<std::uint8_t>(index * 7 % 2);
    return s;
  }
  bool valid(const CoinShare& s) const override {
    return std::all_of(s.begin() + 1, s.end(), [](std::uint8_t b) { return b == 0; });
  }
  std::optional<bool> reconstruct(std::span<const std::size_t> parties,
                                  std::span<const CoinShare> shares) const override {
    if (parties.size() < 2 * kT + 1) return std::nullopt;
    for (const auto& s : shares) {
      if (s != shares[0]) return std::nullopt;
    }
    return shares[0][0] != 0;
  }
  void release(std::uint64_t) override {}
};

class Outbox final : public async_wire::Outbox {
 public:
  void to_all(net::Bytes payload) override { own.push_back(std::move(payload)); }
  void to(std::size_t party, net::Bytes payload) override {
    if (party == 0) own.push_back(std::move(payload));
  }
  std::deque<net::Bytes> own;
};

struct Party0 {
  math::ErasureCode code = *math::ErasureCode::create(kT + 1, kN);
  RbcParams rbc_params = [] {
    RbcParams p;
    p.n = kN;
    p.t = kT;
    p.self = 0;
    p.max_payload = kMaxPayload;
    return p;
  }();
  AbaParams aba_params = [] {
    AbaParams p;
    p.n = kN;
    p.t = kT;
    p.self = 0;
    p.coins = 8;
    p.max_rounds = 16;
    p.round_window = 4;
    return p;
  }();
  Coins coins;
  std::vector<std::unique_ptr<RbcInstance>> rbc;
  AbaInstance aba{aba_params, kAbaSession, coins};
  Outbox out;
  std::vector<bool> delivered = std::vector<bool>(kN, false);
  std::optional<bool> decision;

  Party0() {
    for (std::size_t b = 0; b < kN; ++b) {
      rbc.push_back(std::make_unique<RbcInstance>(rbc_params, code, b, kRbcSession));
    }
  }

  // One message body from `from`; returns whether an instance accepted it.
  bool deliver(std::size_t from, std::uint64_t session, std::span<const std::uint8_t> body) {
    auto m = async_wire::parse(session, body);
    if (!m) return false;
    // Canonical: the fields rebuild exactly the body.
    const net::Bytes again = async_wire::build(m->protocol, m->kind, m->value, m->party,
                                               m->round, m->session, {m->content});
    const auto again_body = wire::body(again);
    fuzz::check(again_body.size() == body.size() &&
                    std::equal(again_body.begin(), again_body.end(), body.begin()),
                "a parsed async message does not re-encode to the same bytes");
    bool ok = false;
    if (m->protocol == async_wire::Protocol::kRbc) {
      if (session != kRbcSession || m->party >= kN) return false;
      RbcInstance& inst = *rbc[m->party];
      ok = inst.handle(from, *m, out);
      if (inst.delivered() && !delivered[m->party]) {
        delivered[m->party] = true;
        const net::Bytes p = inst.take_payload();
        fuzz::check(p.size() <= kMaxPayload, "RBC delivered more than max_payload");
        // Not checked: that party 0's own broadcast delivers its own payload. Three faulty
        // parties out of four (more than t) can agree on another one with their READYs; the
        // campaign found exactly that (corpus/async/regression-more-than-t-ready-another-payload).
      }
      fuzz::check(inst.delivered() == delivered[m->party], "an RBC instance undelivered");
    } else {
      if (session != kAbaSession) return false;
      ok = aba.handle(from, *m, out);
      if (decision) {
        fuzz::check(aba.decision() == decision, "the ABA decision changed");
      } else {
        decision = aba.decision();
      }
      fuzz::check(aba.round() <= aba_params.max_rounds, "ABA went past max_rounds");
    }
    return ok;
  }

  // Party 0's own messages back to itself, in order (bounded: a run cannot loop forever).
  void loop_back() {
    for (std::size_t steps = 0; !out.own.empty() && steps < 100000; ++steps) {
      const net::Bytes m = std::move(out.own.front());
      out.own.pop_front();
      const auto h = wire::parse_header(m);
      fuzz::check(h.ok(), "party 0 sent a message without a valid header");
      const auto body = wire::body(m);
      fuzz::check(async_wire::parse(h->id, body).has_value(), "party 0 sent a malformed message");
      fuzz::check(deliver(0, h->id, body), "party 0's own message was refused by its instance");
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Cursor in(std::span<const uint8_t>(data, size));
  Party0 p;
  const std::uint8_t flags = in.u8();
  if (flags & 2) {
    const std::size_t len = in.u8() * 16u;  // 0..4080 bytes: Bracha and AVID
    std::vector<std::uint8_t> payload(len);
    for (std::size_t i = 0; i < len; ++i) payload[i] = static_cast<std::uint8_t>(i * 31 + 7);
    p.rbc[0]->start(payload, p.out);
    p.loop_back();
  }
  p.aba.propose((flags & 1) != 0, p.out);
  p.loop_back();
  while (!in.empty()) {
    const std::size_t from = 1 + in.u8() % 3;
    const std::size_t len = in.u16();
    const auto body = in.bytes(len);
    const std::uint64_t session = (body.empty() || body[0] != 2) ? kRbcSession : kAbaSession;
    p.deliver(from, session, body);
    p.loop_back();
  }
  return 0;
}
