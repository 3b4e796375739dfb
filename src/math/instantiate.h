// Explicit instantiation helper: the generic algebra (domains, polynomials, decoding, sharing) is
// compiled once per field in the library's .cpp files instead of in every user.
#pragma once

#include "math/fields.h"

#define STOFFEL_MATH_INSTANTIATE_CLASS(Template)          \
  template class Template<::stoffel::math::Bls12_381_Fr>; \
  template class Template<::stoffel::math::Bn254_Fr>;     \
  template class Template<::stoffel::math::Curve25519_Fr>;

#define STOFFEL_MATH_EXTERN_CLASS(Template)                      \
  extern template class Template<::stoffel::math::Bls12_381_Fr>; \
  extern template class Template<::stoffel::math::Bn254_Fr>;     \
  extern template class Template<::stoffel::math::Curve25519_Fr>;
