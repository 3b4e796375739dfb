// HbEngine compiled for one field (the three fields build in parallel).
#include "mpc/engine_core.inl"
#include "mpc/engine_io.inl"
#include "mpc/engine_preproc.inl"

namespace stoffel::mpc {
template struct Algebra<math::Bn254_Fr>;
template class HbEngine<math::Bn254_Fr>;
}  // namespace stoffel::mpc
