// Fuzz target: the MPC message decoders on their own, fast enough for many millions of inputs:
// the engine header (wire::parse_header), field elements in all three fields
// (wire::decode_elements, wire::decode_shares) and the agreement protocol's slot encoding (ba_wire::decode).
// Properties: a header that parses matches the message length; decoded elements re-encode to
// the same bytes (the encoding is canonical); decoded agreement slots survive encode -> decode.
//
// Input: u8 slot count and u16 LE value bound for ba_wire::decode, then the message.
#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz_util.h"
#include "math/fields.h"
#include "mpc/agreement.h"
#include "mpc/wire.h"

using namespace stoffel;
using namespace stoffel::mpc;

namespace {

template <typename F>
void elements_round_trip(const wire::Header& h, std::span<const uint8_t> message) {
  const auto body = wire::body(message);
  std::vector<F> values(h.count);
  // Between parties (Montgomery form) and to clients (canonical): both accept exactly the
  // bodies whose blocks are below p, and re-encode to the same bytes.
  std::vector<F> shares(h.count);
  const bool as_shares = wire::decode_shares<F>(body, std::span<F>(shares));
  if (!wire::decode_elements<F>(body, std::span<F>(values))) {
    fuzz::check(!as_shares, "a body accepted as shares but not as canonical elements");
    return;
  }
  fuzz::check(as_shares, "a body accepted as canonical elements but not as shares");
  const net::Bytes again = wire::encode_elements<F>(h.channel, h.id, std::span<const F>(values));
  fuzz::check(
      again.size() == message.size() && std::equal(again.begin(), again.end(), message.begin()),
      "decoded field elements do not re-encode to the same message");
  const net::Bytes again2 = wire::encode_shares<F>(h.channel, h.id, std::span<const F>(shares));
  fuzz::check(
      again2.size() == message.size() && std::equal(again2.begin(), again2.end(), message.begin()),
      "decoded shares do not re-encode to the same message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Cursor in(std::span<const uint8_t>(data, size));
  const size_t slots = in.u8();
  const size_t max_value_bytes = in.u16();
  const auto message = in.rest();

  auto h = wire::parse_header(message);
  if (!h) {
    fuzz::check(!h.error().message.empty(), "header error without a message");
    return 0;
  }
  fuzz::check(message.size() == wire::kHeaderSize + wire::kElementSize * size_t{h->count},
              "a parsed header does not match the message length");
  elements_round_trip<math::Bls12_381_Fr>(*h, message);
  elements_round_trip<math::Bn254_Fr>(*h, message);
  elements_round_trip<math::Curve25519_Fr>(*h, message);

  auto decoded = ba_wire::decode(wire::body(message), h->count, slots, max_value_bytes);
  if (!decoded) return 0;
  fuzz::check(decoded->size() == slots, "agreement message decoded to the wrong slot count");
  for (const auto& slot : *decoded) {
    fuzz::check(!slot || slot->size() <= max_value_bytes, "agreement value above its bound");
  }
  const net::Bytes encoded = ba_wire::encode(h->id, *decoded);
  auto h2 = wire::parse_header(encoded);
  fuzz::check(h2.ok(), "an encoded agreement message has a bad header");
  auto again = ba_wire::decode(wire::body(encoded), h2->count, slots, max_value_bytes);
  fuzz::check(again.has_value() && *again == *decoded, "agreement slots change in encode/decode");
  return 0;
}
