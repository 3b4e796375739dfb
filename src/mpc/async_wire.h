// Messages of the asynchronous protocols (reliable broadcast, rbc.h; binary agreement, aba.h) on
// channel kAsync of the engine's wire format (wire.h). The router header's id is the session.
// The body is a whole number of 32-byte blocks:
//
//   offset  size  field
//   0       1     protocol  1 RBC, 2 ABA
//   1       1     kind      RBC: 1 SEND, 2 ECHO, 3 READY; ABA: 1 BVAL, 2 AUX, 3 CONF, 4 COIN, 5
//   TERM 2       1     value     RBC: mode 1 AVID, 2 Bracha; ABA: the bit (BVAL, AUX, TERM), the
//                           set of bits 1..3 (CONF), 0 (COIN)
//   3       1     zero
//   4       4     party     u32 LE: RBC: the broadcaster; ABA: 0
//   8       4     round     u32 LE: ABA: the round; RBC: 0
//   12      4     length    u32 LE: bytes of content after offset 16
//   16      length content  (per message, see rbc.h and aba.h)
//   ...           zero padding to the block boundary
//
// Everything is checked before use: the block count must be exactly what the length needs, the
// padding and reserved bytes zero, the protocol and kind known. The sender of a message is the
// transport's; nothing in the body names it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>

#include "mpc/wire.h"
#include "net/transport.h"

namespace stoffel::mpc::async_wire {

enum class Protocol : std::uint8_t { kRbc = 1, kAba = 2 };

inline constexpr std::size_t kPrefix = 16;

struct Message {
  Protocol protocol = Protocol::kRbc;
  std::uint8_t kind = 0;
  std::uint8_t value = 0;
  std::uint32_t party = 0;
  std::uint32_t round = 0;
  std::uint64_t session = 0;
  std::span<const std::uint8_t> content;  // points into the received body
};

// A complete transport payload (router header included) whose content is the concatenation of
// `parts`.
inline net::Bytes build(Protocol protocol, std::uint8_t kind, std::uint8_t value,
                        std::uint32_t party, std::uint32_t round, std::uint64_t session,
                        std::initializer_list<std::span<const std::uint8_t>> parts) {
  std::size_t length = 0;
  for (const auto& p : parts) length += p.size();
  const std::size_t blocks = (kPrefix + length + wire::kElementSize - 1) / wire::kElementSize;
  net::Bytes b = wire::make_message(wire::Channel::kAsync, session, blocks);
  std::uint8_t* at = b.data() + wire::kHeaderSize;
  at[0] = static_cast<std::uint8_t>(protocol);
  at[1] = kind;
  at[2] = value;
  auto put32 = [](std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put32(at + 4, party);
  put32(at + 8, round);
  put32(at + 12, static_cast<std::uint32_t>(length));
  at += kPrefix;
  for (const auto& p : parts) {
    if (!p.empty()) std::copy(p.begin(), p.end(), at);
    at += p.size();
  }
  return b;
}

// Parses the body of a kAsync message with router header id `session`; nullopt if malformed.
inline std::optional<Message> parse(std::uint64_t session, std::span<const std::uint8_t> body) {
  if (body.size() < kPrefix || body.size() % wire::kElementSize != 0) return std::nullopt;
  auto get32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(body[at + i]) << (8 * i);
    return v;
  };
  Message m;
  if (body[0] != 1 && body[0] != 2) return std::nullopt;
  m.protocol = static_cast<Protocol>(body[0]);
  m.kind = body[1];
  m.value = body[2];
  if (body[3] != 0) return std::nullopt;
  m.party = get32(4);
  m.round = get32(8);
  const std::size_t length = get32(12);
  m.session = session;
  // The block count is exactly what the content needs: no trailing blocks, zero padding.
  if (length > body.size() - kPrefix) return std::nullopt;
  const std::size_t used = kPrefix + length;
  if ((used + wire::kElementSize - 1) / wire::kElementSize * wire::kElementSize != body.size()) {
    return std::nullopt;
  }
  for (std::size_t i = used; i < body.size(); ++i) {
    if (body[i] != 0) return std::nullopt;
  }
  m.content = body.subspan(kPrefix, length);
  return m;
}

// Where a protocol instance puts the messages it sends. to_all includes this party itself (the
// owner hands the message back to it, so an instance counts its own votes like everyone's).
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void to_all(net::Bytes payload) = 0;
  virtual void to(std::size_t party, net::Bytes payload) = 0;
};

}  // namespace stoffel::mpc::async_wire
