// The AVSS party compiled for the bls12_381 scalar field (as the HoneyBadger engine, one
// translation unit per field).
#include "mpc/avss/committed_open.inl"
#include "mpc/avss/dealing.inl"

namespace stoffel::mpc {
template class AvssPartyImpl<math::Bls12_381_Fr>;
}  // namespace stoffel::mpc
