// The AVSS party compiled for the curve25519 scalar field (as the HoneyBadger engine, one
// translation unit per field).
#include "mpc/avss/committed_open.inl"
#include "mpc/avss/dealing.inl"

namespace stoffel::mpc {
template class AvssPartyImpl<math::Curve25519_Fr>;
}  // namespace stoffel::mpc
