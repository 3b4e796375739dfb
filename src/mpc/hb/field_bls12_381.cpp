// The HoneyBadgerMPC party compiled for the bls12-381 scalar field. Each field is its own
// translation unit so the three build in parallel; they are the only files that include the
// engine's parts (*.inl), in this order: later parts use the types earlier ones define.
#include "mpc/hb/core.inl"
#include "mpc/hb/robust_preprocessing.inl"
#include "mpc/hb/prss.inl"
#include "mpc/hb/opening.inl"
#include "mpc/hb/preprocessing.inl"
#include "mpc/hb/multiplication.inl"
#include "mpc/hb/comparison.inl"
#include "mpc/hb/client_io.inl"
#include "mpc/hb/stored_material.inl"
#include "mpc/hb/broadcast.inl"
#include "mpc/hb/exp_opening.inl"

namespace stoffel::mpc {
template struct Algebra<math::Bls12_381_Fr>;
template class HbPartyImpl<math::Bls12_381_Fr>;
}  // namespace stoffel::mpc
