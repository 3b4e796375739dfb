// The session messages of distributed runs (docs/network.md): between a party and the bootnode,
// between parties, and between a party and a client. They travel on channel kSessionChannel of
// the TLS links (net/tls.h); the MPC protocol's own messages (mpc/wire.h) on kMpcChannel. The
// sender of a message is the link it arrived on, whose key the TLS handshake checked.
//
// Every message is one frame: a type byte, then the fields below, little-endian, with no
// padding. A string is a u16 length and that many bytes (UTF-8, no NUL; entry names and
// addresses, which reach logs and terminals, have no control character either). Every length is
// checked against the bound given here before anything is read, and a message must be consumed
// exactly: a short, long or out-of-range message is malformed and closes the link.
//
//  type  name          direction           fields
//  1     CHALLENGE     bootnode -> party   version u8 (= 1) ‖ nonce[32] ‖ session id[16]
//  2     PROOF         party -> bootnode   nonce[32] ‖ mac[32]                (net/auth.h)
//  3     CONFIRM       bootnode -> party   mac[32]
//  4     REGISTER      party -> bootnode   party id u16 ‖ n u16 ‖ t u16 ‖ field u8 ‖
//                                          backend u8 (0 honeybadger, 1 avss) ‖
//                                          clients u16 ‖ program sha256[32] ‖ entry str ‖
//                                          address str ‖ MPC protocol version u16 (N17)
//  5     STATUS        bootnode -> party   registered u16 ‖ n u16
//  6     ROSTER        bootnode -> party   roster (below)
//  7     REFUSED       any                 code u8 ‖ reason str (at most 1000 bytes)
//  8     PEER_HELLO    party <-> party     roster digest[32] ‖ party id u16
//  9     CLIENT_HELLO  client -> party     version u8 (= 1) ‖ index u16 (0xffff: any) ‖
//                                          inputs u32 ‖ inputs × kind u8 (0 integer,
//                                          1 fixed point: how the client gave each input)
//  10    SESSION_INFO  party -> client     roster (below)
//  11    CLIENT_SET    party <-> party     count u16 ‖ count × { key[32] ‖ index u16 ‖
//                                          inputs u32 ‖ inputs × kind u8 }
//  12    ASSIGN        party -> client     index u16 ‖ clients u16 ‖ inputs u32 ‖ instance u64
//  13    DONE          party -> client     (no fields: this party has sent all its outputs)
//  14    FINISHED      party -> party      (no fields: this party's program has ended; it goes
//                                          on serving broadcasts and agreements until every
//                                          party has said FINISHED or is gone)
//
// Roster (ROSTER, SESSION_INFO; its SHA-256 is the roster digest):
//
//   offset  size   field
//   0       4      magic "STRO"
//   4       1      version (= 1)
//   5       1      field (math::FieldKind)
//   6       1      backend (0 honeybadger, 1 avss: --mpc-backend)
//   7       2      n u16 (1..255)
//   9       2      t u16 (n >= 3t + 1)
//   11      2      clients u16 (--wait-for-clients)
//   13      8      instance id u64
//   21      16     session id
//   37      32     program sha256
//   69      str    entry function
//   ..      n × { key[32] ‖ address str }      party i is entry i (decision N2)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "math/field_kind.h"
#include "mpc/session_params.h"
#include "net/auth.h"
#include "net/identity.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::node {

using Digest = std::array<std::uint8_t, 32>;

inline constexpr std::uint8_t kMpcChannel = 1;
inline constexpr std::uint8_t kSessionChannel = 2;

inline constexpr std::size_t kMaxParties = 255;
inline constexpr std::size_t kMaxClients = 1024;
inline constexpr std::size_t kMaxInputs = 65536;  // per client (the engine's bound)
inline constexpr std::size_t kMaxEntry = 255;
inline constexpr std::size_t kMaxAddress = 255;
inline constexpr std::size_t kMaxReason = 1000;
inline constexpr std::uint16_t kAnyIndex = 0xffff;

enum class MsgType : std::uint8_t {
  kChallenge = 1,
  kProof = 2,
  kConfirm = 3,
  kRegister = 4,
  kStatus = 5,
  kRoster = 6,
  kRefused = 7,
  kPeerHello = 8,
  kClientHello = 9,
  kSessionInfo = 10,
  kClientSet = 11,
  kAssign = 12,
  kDone = 13,
  kFinished = 14,
};

// Why a peer was refused (REFUSED). The text says the rest.
enum class RefuseCode : std::uint8_t {
  kAuthentication = 1,   // no valid proof of STOFFEL_AUTH_TOKEN
  kProgramMismatch = 2,  // another program than the session's
  kParameterMismatch = 3,
  kDuplicate = 4,    // a party id or client index taken by another key
  kBadRequest = 5,   // out-of-range id, malformed message
  kSessionFull = 6,  // more clients than --wait-for-clients
};

struct RosterEntry {
  net::PublicKey key{};
  std::string address;  // host:port where the party accepts links (its --bind)
};

// The session as the bootnode fixed it: who the parties are (index = position, decision N2) and
// what they run.
struct Roster {
  math::FieldKind field = math::FieldKind::Bls12_381;
  bool avss = false;  // the MPC backend: AVSS (mpc::SessionParams::avss) or HoneyBadger
  std::uint16_t t = 0;
  std::uint16_t clients = 0;
  std::uint64_t instance_id = 0;
  net::SessionId session{};
  Digest program{};
  std::string entry;
  std::vector<RosterEntry> parties;

  std::size_t n() const { return parties.size(); }
  net::Bytes encode() const;  // the roster bytes, without the type byte
  static Result<Roster> decode(std::span<const std::uint8_t> bytes);
  Digest digest() const;  // SHA-256 of encode()
  // The index of the party with this key, if any.
  std::optional<std::size_t> index_of(const net::PublicKey& key) const;
};

struct Challenge {
  net::Nonce nonce{};
  net::SessionId session{};
};
struct Proof {
  net::Nonce nonce{};
  net::Mac mac{};
};
struct Registration {
  std::uint16_t party_id = 0;
  std::uint16_t n = 0;
  std::uint16_t t = 0;
  math::FieldKind field = math::FieldKind::Bls12_381;
  std::uint16_t clients = 0;
  Digest program{};
  std::string entry;
  std::string address;
  bool avss = false;  // the MPC backend (--mpc-backend): AVSS or HoneyBadger; sent after field
  std::uint16_t protocol = mpc::kProtocolVersion;  // this build's; sent last (N17)
};
// Why `reg` cannot join a session that runs `session` (what differs, both values named, for a
// REFUSED reason and the bootnode's log), or nullopt if it can, the program apart: the bootnode
// refuses another program with its own code (kProgramMismatch) once the versions agree. The MPC
// protocol version is compared first: parties of different builds would otherwise take each
// other for faulty.
std::optional<std::string> registration_mismatch(const Registration& reg,
                                                 const Registration& session);
struct Status {
  std::uint16_t registered = 0;
  std::uint16_t n = 0;
};
struct Refusal {
  RefuseCode code = RefuseCode::kBadRequest;
  std::string reason;
};
struct PeerHello {
  Digest roster{};
  std::uint16_t party_id = 0;
};
// Input kinds: how a client gave each of its inputs (an integer, or a decimal with a point for
// fixed point), so the parties can refuse a program that reads one as the other.
inline constexpr std::uint8_t kInputInteger = 0, kInputFixedPoint = 1;
struct ClientHello {
  std::uint16_t index = kAnyIndex;
  std::uint32_t inputs = 0;
  std::vector<std::uint8_t> kinds;  // one per input (missing ones are encoded as integers)
};
struct ClientEntry {
  net::PublicKey key{};
  std::uint16_t index = kAnyIndex;  // as the client asked
  std::uint32_t inputs = 0;
  std::vector<std::uint8_t> kinds;  // one per input once decoded
  bool operator==(const ClientEntry&) const = default;
};
struct Assignment {
  std::uint16_t index = 0;
  std::uint16_t clients = 0;
  std::uint32_t inputs = 0;
  std::uint64_t instance_id = 0;
};
struct Done {};
struct Finished {};

// Encoders: the whole frame payload, type byte first.
net::Bytes encode(const Challenge& m);
net::Bytes encode(const Proof& m);
net::Bytes encode_confirm(const net::Mac& mac);
net::Bytes encode(const Registration& m);
net::Bytes encode(const Status& m);
net::Bytes encode_roster(const Roster& r, MsgType type);  // kRoster or kSessionInfo
net::Bytes encode(const Refusal& m);
net::Bytes encode(const PeerHello& m);
net::Bytes encode(const ClientHello& m);
net::Bytes encode(std::span<const ClientEntry> set);
net::Bytes encode(const Assignment& m);
net::Bytes encode(const Done&);
net::Bytes encode(const Finished&);

// The type of a message (error for an empty or unknown one).
Result<MsgType> message_type(std::span<const std::uint8_t> msg);

// Decoders: the whole payload, type byte included (checked).
Result<Challenge> decode_challenge(std::span<const std::uint8_t> msg);
Result<Proof> decode_proof(std::span<const std::uint8_t> msg);
Result<net::Mac> decode_confirm(std::span<const std::uint8_t> msg);
Result<Registration> decode_registration(std::span<const std::uint8_t> msg);
Result<Status> decode_status(std::span<const std::uint8_t> msg);
Result<Roster> decode_roster(std::span<const std::uint8_t> msg, MsgType type);
Result<Refusal> decode_refusal(std::span<const std::uint8_t> msg);
Result<PeerHello> decode_peer_hello(std::span<const std::uint8_t> msg);
Result<ClientHello> decode_client_hello(std::span<const std::uint8_t> msg);
Result<std::vector<ClientEntry>> decode_client_set(std::span<const std::uint8_t> msg);
Result<Assignment> decode_assignment(std::span<const std::uint8_t> msg);
Result<Done> decode_done(std::span<const std::uint8_t> msg);
Result<Finished> decode_finished(std::span<const std::uint8_t> msg);

// SHA-256 (program identity, roster digest).
Digest sha256(std::span<const std::uint8_t> bytes);
std::string digest_hex(const Digest& d);

}  // namespace stoffel::node
