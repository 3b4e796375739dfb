// Fuzz target: the decoders of the AVSS backend's messages (docs/mpc.md, "AVSS backend"): the
// Feldman commitments a dealer broadcasts (feldman::decode: a u64 LE count, then that many
// points), the group points of openings in the exponent (decode_points), for every commitment
// group (BLS12-381 G1 and G2, BN254 G1, Edwards25519), and the byte blocks they travel in
// (wire::decode_bytes).
//
// Input: u8 group (mod 4), u8 expected count (mod 5), u16 LE length for decode_bytes, then the
// bytes. Properties: what decodes re-encodes to exactly the input (encodings are canonical: one
// byte string per point, so a faulty dealer cannot make two parties see different bytes for the
// same commitments; subgroup membership is the decoders' own check, tested against
// @noble/curves in tests/unit), and decode_bytes returns exactly the declared length, pointing
// into the body.
#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz_util.h"
#include "math/bls12_381.h"
#include "math/bn254.h"
#include "math/ed25519.h"
#include "mpc/avss/feldman.h"
#include "mpc/groups.h"
#include "mpc/wire.h"

using namespace stoffel;
using namespace stoffel::mpc;

namespace {

template <typename G>
void commitments(std::span<const uint8_t> bytes, std::size_t count) {
  if (auto c = feldman::decode<G>(bytes, count)) {
    fuzz::check(c->size() == count, "feldman::decode returned another number of points");
    const auto again = feldman::encode<G>(std::span<const G>(*c));
    fuzz::check(again.size() == bytes.size() && std::equal(again.begin(), again.end(), bytes.begin()),
                "decoded commitments do not re-encode to the same bytes");
  }
  if (bytes.size() >= 8) {
    const auto points = bytes.subspan(8);
    // At most two points: decoding checks subgroup membership, and BLS12-381 G2's check is the
    // slowest thing a target does (more points per input only made the campaign slower).
    const std::size_t n = std::min<std::size_t>(2, points.size() / G::kEncodedBytes);
    if (auto p = decode_points<G>(points.first(n * G::kEncodedBytes), n)) {
      const auto again = encode_points<G>(std::span<const G>(*p));
      fuzz::check(std::equal(again.begin(), again.end(), points.begin()),
                  "decoded points do not re-encode to the same bytes");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Cursor in(std::span<const uint8_t>(data, size));
  const unsigned group = in.u8() % 4;
  const std::size_t count = in.u8() % 5;
  const std::size_t length = in.u16();
  const auto bytes = in.rest();
  switch (group) {
    case 0: commitments<math::Bls12_381_G1>(bytes, count); break;
    case 1: commitments<math::Bls12_381_G2>(bytes, count); break;
    case 2: commitments<math::Bn254_G1>(bytes, count); break;
    default: commitments<math::Ed25519Point>(bytes, count); break;
  }
  const std::uint32_t blocks = static_cast<std::uint32_t>(bytes.size() / wire::kElementSize);
  if (auto b = wire::decode_bytes(bytes.first(blocks * wire::kElementSize), blocks, length)) {
    fuzz::check(b->size() == length, "decode_bytes returned another length");
    fuzz::check(b->data() == bytes.data(), "decode_bytes does not point into the body");
  }
  return 0;
}
