// Framing of the TLS transport (decision N5): a TLS connection carries a stream of frames.
//
//   offset  size    field
//   0       4       length   u32 LE: bytes of payload after this 8-byte header
//   4       1       channel  0 = the transport's own (READY, BYE); 1..kMaxChannel = its users'
//   5       3       zero     reserved; a non-zero byte is a protocol error
//   8       length  payload
//
// The length is checked against the link's limit as soon as the header is complete, before any
// buffer is sized for the payload; the payload buffer then grows only as bytes arrive, so a
// peer that announces a large frame and sends nothing costs nothing.
//
// Channel 0 frames (the transport's handshake and goodbye):
//
//   READY   "STFREADY" (8 bytes) ‖ version u16 LE (= 1)       first frame each way, after TLS
//   BYE     "STFBYE!!" (8 bytes)                               the sender will send nothing more
//
// READY exists because on TLS 1.3 a client sees its handshake finished before the server has
// checked the client's certificate: a connection counts as established only once the peer's
// READY has arrived, which proves the peer accepted us.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "stoffel/result.h"

namespace stoffel::net::frame {

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::uint8_t kTransportChannel = 0;
// Channels a link carries for its users; a frame on a higher channel is a protocol error.
inline constexpr std::uint8_t kMaxChannel = 15;
inline constexpr std::uint16_t kVersion = 1;

inline constexpr std::array<std::uint8_t, 8> kReadyMagic{'S', 'T', 'F', 'R', 'E', 'A', 'D', 'Y'};
inline constexpr std::array<std::uint8_t, 8> kByeMagic{'S', 'T', 'F', 'B', 'Y', 'E', '!', '!'};
inline constexpr std::size_t kReadySize = 10;

struct Header {
  std::uint32_t length = 0;
  std::uint8_t channel = 0;
};

inline std::array<std::uint8_t, kHeaderSize> encode_header(std::uint32_t length,
                                                           std::uint8_t channel) {
  std::array<std::uint8_t, kHeaderSize> h{};
  for (int i = 0; i < 4; ++i) h[i] = static_cast<std::uint8_t>(length >> (8 * i));
  h[4] = channel;
  return h;
}

// Validates a complete header against the link's limit on payload bytes.
inline Result<Header> parse_header(std::span<const std::uint8_t, kHeaderSize> b,
                                   std::size_t max_payload) {
  Header h;
  for (int i = 0; i < 4; ++i) h.length |= static_cast<std::uint32_t>(b[i]) << (8 * i);
  h.channel = b[4];
  if (b[5] != 0 || b[6] != 0 || b[7] != 0) {
    return make_error(ErrorKind::Protocol, "frame header with non-zero reserved bytes");
  }
  if (h.channel > kMaxChannel) {
    return make_error(ErrorKind::Protocol, "frame on unknown channel " + std::to_string(h.channel));
  }
  if (h.length > max_payload) {
    return make_error(ErrorKind::Protocol, "frame of " + std::to_string(h.length) +
                                               " bytes exceeds the limit of " +
                                               std::to_string(max_payload) + " bytes");
  }
  return h;
}

enum class Control { kReady, kBye };

// Classifies a channel-0 payload; nullopt if it is neither READY (of our version) nor BYE.
inline std::optional<Control> parse_control(std::span<const std::uint8_t> p) {
  if (p.size() == kReadySize && std::equal(kReadyMagic.begin(), kReadyMagic.end(), p.begin())) {
    const auto version = static_cast<std::uint16_t>(p[8] | (p[9] << 8));
    if (version == kVersion) return Control::kReady;
    return std::nullopt;
  }
  if (p.size() == kByeMagic.size() && std::equal(kByeMagic.begin(), kByeMagic.end(), p.begin())) {
    return Control::kBye;
  }
  return std::nullopt;
}

// Cuts the byte stream of a link into frames, whatever pieces it arrives in. The header is
// checked against `max_payload` as soon as its 8 bytes are there, before any buffer is sized for
// the payload; the payload buffer then grows only with the bytes that arrived (at most
// kInitialReserve ahead of them), so a peer that announces a large frame and sends nothing costs
// nothing. After a malformed header the stream is broken: the caller closes the link.
class Assembler {
 public:
  // Reserved for a payload when its header arrives (the payload's length if smaller).
  static constexpr std::size_t kInitialReserve = 64 * 1024;

  explicit Assembler(std::size_t max_payload) : max_payload_(max_payload) {}

  // Consumes `bytes`, calling on_frame(channel, payload) for each frame completed, in order;
  // payload is a std::vector<std::uint8_t>&& the callee may keep. Returns true when every byte
  // was consumed, false as soon as on_frame returns false (the remaining bytes are dropped), and
  // the header's error when a header is malformed.
  template <typename OnFrame>
  Result<bool> feed(std::span<const std::uint8_t> bytes, OnFrame&& on_frame) {
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      if (!in_body_) {
        const std::size_t take = std::min(n, kHeaderSize - hdr_got_);
        std::copy(p, p + take, hdr_.begin() + static_cast<std::ptrdiff_t>(hdr_got_));
        hdr_got_ += take;
        p += take;
        n -= take;
        if (hdr_got_ < kHeaderSize) break;
        hdr_got_ = 0;
        auto h = parse_header(hdr_, max_payload_);
        if (!h) return h.error();
        cur_ = *h;
        body_.clear();
        if (cur_.length == 0) {
          if (!on_frame(cur_.channel, std::move(body_))) return false;
          body_ = {};
          continue;
        }
        body_.reserve(std::min<std::size_t>(cur_.length, kInitialReserve));
        in_body_ = true;
      }
      const std::size_t take = std::min<std::size_t>(n, cur_.length - body_.size());
      body_.insert(body_.end(), p, p + take);
      p += take;
      n -= take;
      if (body_.size() == cur_.length) {
        in_body_ = false;
        const bool go_on = on_frame(cur_.channel, std::move(body_));
        body_ = {};
        if (!go_on) return false;
      }
    }
    return true;
  }

  // Bytes received of the frame in progress (header and payload); 0 between frames.
  std::size_t pending() const { return in_body_ ? kHeaderSize + body_.size() : hdr_got_; }
  // Memory held for the frame in progress (what a peer can make this link allocate).
  std::size_t reserved() const { return body_.capacity(); }

 private:
  std::size_t max_payload_;
  std::array<std::uint8_t, kHeaderSize> hdr_{};
  std::size_t hdr_got_ = 0;
  bool in_body_ = false;
  Header cur_;
  std::vector<std::uint8_t> body_;
};

}  // namespace stoffel::net::frame
