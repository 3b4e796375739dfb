// HbEngine compiled for one field (the three fields build in parallel).
#include "mpc/engine_core.inl"
#include "mpc/engine_io.inl"
#include "mpc/engine_preproc.inl"

namespace stoffel::mpc {
template struct Algebra<math::Bls12_381_Fr>;
template class HbEngine<math::Bls12_381_Fr>;
}  // namespace stoffel::mpc
