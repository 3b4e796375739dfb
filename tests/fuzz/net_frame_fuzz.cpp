// Fuzz target: the receiving side of a TLS link's framing (net/frame.h), as a peer on another
// machine drives it: the stream of bytes after the TLS handshake, cut into frames by
// frame::Assembler (what net/tls.cpp runs on every read), and the channel-0 control frames.
//
// Input: u8 limit selector, u8 chunking seed, then the stream. The limit is the transport's
// real one (TlsOptions::max_frame, 64 MiB) for most selectors and a small one for the rest, so
// short inputs reach the oversized-frame path too.
//
// Properties:
//  * the stream decodes to the same frames and the same verdict whether it arrives in one read
//    or in pieces of 1..16 bytes (a peer chooses how its bytes are cut into TLS records);
//  * every frame is within the limit and on a known channel; the frames re-encode to exactly
//    the bytes consumed (the framing is canonical); after an error, the next 8 bytes are the
//    offending header and parse_header refuses them with the same message; without an error,
//    what is left is one incomplete frame;
//  * the memory held for a frame in progress never exceeds what arrived by more than
//    Assembler::kInitialReserve (a large announced length allocates nothing);
//  * READY and BYE are recognised exactly when they are the canonical encodings.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "net/frame.h"
#include "net/tls.h"

using namespace stoffel;
using namespace stoffel::net;

namespace {

struct Decoded {
  std::vector<std::pair<std::uint8_t, Bytes>> frames;
  std::string error;  // empty: no malformed header
  std::size_t pending = 0;
};

// Feeds `stream` in pieces whose sizes come from `seed` (0: one piece), checking the memory
// bound after every piece.
Decoded decode(std::span<const std::uint8_t> stream, std::size_t limit, std::uint8_t seed) {
  frame::Assembler assembler(limit);
  Decoded out;
  std::uint32_t state = seed;
  std::size_t at = 0;
  std::size_t fed = 0;  // bytes given to the assembler so far
  std::size_t framed = 0;  // bytes of the frames delivered
  while (at < stream.size()) {
    std::size_t piece = stream.size() - at;
    if (seed != 0) {
      state = state * 1103515245u + 12345u;
      piece = std::min<std::size_t>(piece, 1 + ((state >> 16) % 16));
    }
    auto r = assembler.feed(stream.subspan(at, piece), [&](std::uint8_t channel, Bytes&& p) {
      framed += frame::kHeaderSize + p.size();
      out.frames.emplace_back(channel, std::move(p));
      return true;
    });
    at += piece;
    fed += piece;
    if (!r) {
      out.error = r.error().message;
      fuzz::check(!out.error.empty(), "a frame error without a message");
      return out;
    }
    fuzz::check(*r, "the assembler stopped although every frame was accepted");
    // The frame in progress holds what arrived of it, plus at most the initial reservation.
    const std::size_t received = fed - framed;
    fuzz::check(assembler.pending() == received,
                "the assembler's frame in progress is not the bytes left after the frames");
    fuzz::check(assembler.reserved() <=
                    std::max<std::size_t>(frame::Assembler::kInitialReserve, 2 * received),
                "the assembler holds memory for bytes that have not arrived",
                std::to_string(assembler.reserved()) + " bytes reserved, " +
                    std::to_string(received) + " received");
  }
  out.pending = assembler.pending();
  return out;
}

void check_control(std::span<const std::uint8_t> payload) {
  const auto c = frame::parse_control(payload);
  std::vector<std::uint8_t> ready(frame::kReadyMagic.begin(), frame::kReadyMagic.end());
  ready.push_back(static_cast<std::uint8_t>(frame::kVersion & 0xff));
  ready.push_back(static_cast<std::uint8_t>(frame::kVersion >> 8));
  const std::vector<std::uint8_t> bye(frame::kByeMagic.begin(), frame::kByeMagic.end());
  const bool is_ready = std::equal(payload.begin(), payload.end(), ready.begin(), ready.end());
  const bool is_bye = std::equal(payload.begin(), payload.end(), bye.begin(), bye.end());
  fuzz::check((c == frame::Control::kReady) == is_ready, "READY recognised wrongly");
  fuzz::check((c == frame::Control::kBye) == is_bye, "BYE recognised wrongly");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Cursor in(std::span<const uint8_t>(data, size));
  static constexpr std::size_t kSmallLimits[] = {0, 1, 10, 4096};
  const std::uint8_t selector = in.u8();
  const std::size_t limit =
      selector < 4 ? kSmallLimits[selector] : TlsOptions{}.max_frame;  // 64 MiB
  const std::uint8_t seed = in.u8();
  const auto stream = in.rest();

  const Decoded whole = decode(stream, limit, 0);
  const Decoded pieces = decode(stream, limit, seed == 0 ? 1 : seed);
  fuzz::check(whole.error == pieces.error, "the verdict depends on how the stream is cut",
              whole.error + " / " + pieces.error);
  fuzz::check(whole.frames == pieces.frames, "the frames depend on how the stream is cut");

  // The frames are the stream's prefix, re-encoded.
  std::size_t at = 0;
  for (const auto& [channel, payload] : whole.frames) {
    fuzz::check(channel <= frame::kMaxChannel, "a frame on an unknown channel");
    fuzz::check(payload.size() <= limit, "a frame over the limit");
    const auto h = frame::encode_header(static_cast<std::uint32_t>(payload.size()), channel);
    fuzz::check(at + h.size() + payload.size() <= stream.size() &&
                    std::equal(h.begin(), h.end(), stream.begin() + at) &&
                    std::equal(payload.begin(), payload.end(), stream.begin() + at + h.size()),
                "a frame does not re-encode to the bytes it came from");
    at += h.size() + payload.size();
    if (channel == frame::kTransportChannel) check_control(payload);
  }
  if (!whole.error.empty()) {
    fuzz::check(stream.size() - at >= frame::kHeaderSize, "an error before a whole header");
    const auto header = stream.subspan(at).first<frame::kHeaderSize>();
    auto h = frame::parse_header(header, limit);
    fuzz::check(!h.ok() && h.error().message == whole.error,
                "the error is not the offending header's");
  } else {
    fuzz::check(whole.pending == stream.size() - at, "bytes lost between frames");
    if (whole.pending >= frame::kHeaderSize) {
      const auto header = stream.subspan(at).first<frame::kHeaderSize>();
      auto h = frame::parse_header(header, limit);
      fuzz::check(h.ok() && whole.pending < frame::kHeaderSize + h->length,
                  "a complete frame was not delivered");
    }
  }
  return 0;
}
