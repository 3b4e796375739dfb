// Message format of the HoneyBadger engine on the transport (src/net).
//
//   offset  size  field
//   0       1     channel   (Channel below)
//   1       3     zero      (reserved; a non-zero byte makes the message malformed)
//   4       4     count     u32 LE, number of field elements that follow
//   8       8     id        u64 LE: the round number (kRound) or the per-client sequence number
//   16      32*count        field elements, 32 bytes each, little-endian: between parties the
//                           Montgomery form (encode_shares, decision P14), to and from clients
//                           the canonical value (encode_elements); either is below p
//
// One message per peer per round carries every element of a batch. The sender is never written
// into the message: the transport tells the receiver who sent it.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "math/fp.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::mpc::wire {

enum class Channel : std::uint8_t {
  kRound = 1,        // party -> party, id = round number (every party counts rounds alike)
  kInputMask = 2,    // party -> client: shares of the client's input masks
  kMaskedInput = 3,  // client -> party: input + mask, in the clear
  kOutput = 4,       // party -> client: shares of an output
  kAsync = 5,        // party -> party: reliable broadcast and binary agreement (async_wire.h),
                     // id = session; the body is 32-byte blocks but not field elements
  // party -> party, no elements, id = the round the sender is gathering: "still here, waiting".
  // Sent while a wait lasts longer than a quarter of the receive timeout, so that a party held
  // up by a silent peer is not itself taken for silent by the others (docs/mpc.md, "Silent
  // parties").
  kAlive = 6,
};

inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kElementSize = 32;
// Bound on elements per message (1 GiB of payload): a malformed count is rejected before any
// allocation depends on it.
inline constexpr std::uint32_t kMaxElements = 1u << 25;

struct Header {
  Channel channel;
  std::uint32_t count;
  std::uint64_t id;
};

// A payload buffer with the header written and room for `count` elements.
inline net::Bytes make_message(Channel channel, std::uint64_t id, std::size_t count) {
  net::Bytes b(kHeaderSize + kElementSize * count);
  b[0] = static_cast<std::uint8_t>(channel);
  const auto c = static_cast<std::uint32_t>(count);
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<std::uint8_t>(c >> (8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<std::uint8_t>(id >> (8 * i));
  return b;
}

// Element slot k of a message built by make_message.
inline std::span<std::uint8_t, 32> element(net::Bytes& b, std::size_t k) {
  return std::span<std::uint8_t, 32>(b.data() + kHeaderSize + kElementSize * k, 32);
}

// Validates the header and the length; the elements are checked when decoded.
inline Result<Header> parse_header(std::span<const std::uint8_t> b) {
  if (b.size() < kHeaderSize) {
    return make_error(ErrorKind::Protocol,
                      "message of " + std::to_string(b.size()) + " bytes is shorter than a header");
  }
  if (b[0] < 1 || b[0] > 6 || b[1] != 0 || b[2] != 0 || b[3] != 0) {
    return make_error(ErrorKind::Protocol,
                      "message with unknown channel or non-zero reserved bytes");
  }
  Header h{static_cast<Channel>(b[0]), 0, 0};
  for (int i = 0; i < 4; ++i) h.count |= static_cast<std::uint32_t>(b[4 + i]) << (8 * i);
  for (int i = 0; i < 8; ++i) h.id |= static_cast<std::uint64_t>(b[8 + i]) << (8 * i);
  if (h.count > kMaxElements || b.size() != kHeaderSize + kElementSize * std::size_t{h.count}) {
    return make_error(ErrorKind::Protocol, "message length " + std::to_string(b.size()) +
                                               " does not match " + std::to_string(h.count) +
                                               " elements");
  }
  return h;
}

inline std::span<const std::uint8_t> body(std::span<const std::uint8_t> b) {
  return b.subspan(kHeaderSize);
}

namespace detail {

// `out.size()` elements from `body`, each block's four limbs below p and taken by `from_limbs`
// (F::from_canonical or F::from_mont); false if any block is >= p. The limbs are read with
// memcpy (little-endian hosts only, checked below): this runs for every share received.
template <typename F, typename FromLimbs>
bool decode_blocks(std::span<const std::uint8_t> body, std::span<F> out, FromLimbs from_limbs) {
  static_assert(std::endian::native == std::endian::little, "wire encoding assumes little-endian");
  static_assert(F::kBytes == kElementSize, "four-limb fields");
  const math::Limbs p = F::modulus();
  for (std::size_t k = 0; k < out.size(); ++k) {
    math::Limbs x;
    std::memcpy(x.data(), body.data() + kElementSize * k, kElementSize);
    math::Limbs d;
    if (math::detail::sub4(x, p, d) == 0) return false;  // x >= p
    out[k] = from_limbs(x);
  }
  return true;
}

// A message of `values`, each written as the four limbs `limbs_of` gives (canonical or
// Montgomery form).
template <typename F, typename LimbsOf>
net::Bytes encode_blocks(Channel channel, std::uint64_t id, std::span<const F> values,
                         LimbsOf limbs_of) {
  static_assert(std::endian::native == std::endian::little, "wire encoding assumes little-endian");
  static_assert(F::kBytes == kElementSize, "four-limb fields");
  net::Bytes b = make_message(channel, id, values.size());
  std::uint8_t* dst = b.data() + kHeaderSize;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const math::Limbs x = limbs_of(values[k]);
    std::memcpy(dst + kElementSize * k, x.data(), kElementSize);
  }
  return b;
}

}  // namespace detail

// Canonical elements (clients, records, everything stored): the value itself.
template <typename F>
bool decode_elements(std::span<const std::uint8_t> body, std::span<F> out) {
  return detail::decode_blocks(body, out, [](const math::Limbs& x) { return F::from_canonical(x); });
}

template <typename F>
net::Bytes encode_elements(Channel channel, std::uint64_t id, std::span<const F> values) {
  return detail::encode_blocks(channel, id, values, [](const F& v) { return v.to_canonical(); });
}

// Elements between the parties of a session (decision P14): the limbs of each element's
// Montgomery form (x * 2^256 mod p), little-endian, 32 bytes each. Any value below p is the
// Montgomery form of exactly one element, so the receiver checks that, as for the canonical
// form, and converts nothing: a canonical encoding costs a reduction per element sent and a
// Montgomery product per element received, a tenth of a secret product's CPU. Clients, records
// and everything stored use the canonical form above, which does not depend on how a build
// represents field elements.
template <typename F>
net::Bytes encode_shares(Channel channel, std::uint64_t id, std::span<const F> values) {
  return detail::encode_blocks(channel, id, values, [](const F& v) { return v.mont(); });
}

template <typename F>
bool decode_shares(std::span<const std::uint8_t> body, std::span<F> out) {
  return detail::decode_blocks(body, out, [](const math::Limbs& x) { return F::from_mont(x); });
}

// Arbitrary bytes in a message (encoded points and proofs of openings in the exponent, AVSS
// commitments): zero-padded to whole 32-byte blocks, `count` = blocks. The receiver knows the
// exact length to expect and checks the block count and the padding.
inline net::Bytes encode_bytes(Channel channel, std::uint64_t id,
                               std::span<const std::uint8_t> data) {
  net::Bytes b = make_message(channel, id, (data.size() + kElementSize - 1) / kElementSize);
  std::copy(data.begin(), data.end(), b.begin() + kHeaderSize);
  return b;
}

// The `length` bytes of a body of `count` blocks, or nullopt if the count or padding is wrong.
inline std::optional<std::span<const std::uint8_t>> decode_bytes(std::span<const std::uint8_t> body,
                                                                 std::uint32_t count,
                                                                 std::size_t length) {
  if (std::size_t{count} != (length + kElementSize - 1) / kElementSize) return std::nullopt;
  if (body.size() != std::size_t{count} * kElementSize) return std::nullopt;
  for (std::size_t i = length; i < body.size(); ++i) {
    if (body[i] != 0) return std::nullopt;
  }
  return body.first(length);
}

}  // namespace stoffel::mpc::wire
