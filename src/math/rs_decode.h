// Robust decoding of Shamir shares / Reed-Solomon codewords (docs/decisions.md, M3 and F3;
// docs/math.md).
//
// Input: shares (party, y) of a polynomial of degree <= d over the domain's points, some parties
// missing, some shares possibly wrong, and the fault bound t.
// Output, one of:
//   - the polynomial (its d+1 coefficients) and the parties whose shares disagree with it;
//   - "cannot decode yet" (std::nullopt): more shares may make it decodable;
//   - an error for malformed input (party index out of range, a party given twice, size mismatch).
//
// Acceptance rule: a polynomial is returned only if it agrees with at least d + t + 1 of the
// shares present. If at most t parties are faulty, at least d + 1 of those agreeing shares are
// honest, and d + 1 honest shares determine the honest polynomial: so a returned polynomial is
// always the right one. It is found whenever m >= d + t + 1 shares are present and the number of
// wrong ones e satisfies d + 1 + 2e <= m (Gao's algorithm decodes up to (m - d - 1) / 2 errors).
// With more than t faulty parties no decoder can be correct (t + 1 colluders can make a word that
// agrees with another degree-d polynomial on d + t + 1 points); this one then may return
// "cannot decode" or a polynomial that the faulty parties chose, and never crashes.
//
// Decisions never depend on the order in which shares arrived: shares are sorted by party first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "math/domain.h"
#include "stoffel/result.h"

namespace stoffel::math {

template <typename F>
struct Decoded {
  std::vector<F> coeffs;            // d + 1 coefficients, lowest first; coeffs[0] = f(0)
  std::vector<std::size_t> faulty;  // parties whose share disagrees with f, ascending
};

enum class DecodeStatus : std::uint8_t { kDecoded, kNeedMoreShares };

template <typename F>
class RobustDecoder {
 public:
  // degree d < n; t is the number of faults to tolerate in the acceptance rule.
  static Result<RobustDecoder> create(const Domain<F>& domain, std::size_t degree, std::size_t t);

  std::size_t degree() const { return degree_; }
  std::size_t threshold() const { return t_; }
  // Shares needed before decoding can succeed: d + t + 1.
  std::size_t min_shares() const { return degree_ + t_ + 1; }

  // One word. parties[i] (distinct, < n, any order) holds values[i].
  // Fast path: interpolate through the d+1 lowest parties and check every other share; only on a
  // disagreement run Gao's decoder over all shares present.
  Result<std::optional<Decoded<F>>> decode(std::span<const std::size_t> parties,
                                           std::span<const F> values) const;

  // Many words over the same parties: values is word-major (values[w * m + i] is parties[i]'s
  // share of word w, m = parties.size()). For each word writes the first `ncoeffs` (1..d+1)
  // coefficients to out[w * ncoeffs ..] and its status to status[w]; faulty parties of all words
  // are merged into `faulty` (ascending). The interpolation and check matrices are computed once,
  // so the common case costs O(m * d) multiplications per word and allocates nothing per word.
  Result<void> decode_batch(std::span<const std::size_t> parties, std::span<const F> values,
                            std::size_t ncoeffs, std::span<F> out, std::span<DecodeStatus> status,
                            std::vector<std::size_t>& faulty) const;

 private:
  // Sorts (party, value) pairs by party and validates them.
  Result<void> sort_shares(std::span<const std::size_t> parties, std::span<const F> values,
                           std::vector<std::size_t>& order) const;
  // Gao's algorithm plus the acceptance rule on sorted shares.
  std::optional<Decoded<F>> decode_gao(std::span<const F> xs, std::span<const F> ys,
                                       std::span<const std::size_t> sorted_parties) const;

  // Coefficients of the Lagrange basis polynomials of the parties `base` (sorted):
  // basis[i * k + j] is coefficient j of L_i, k = base.size().
  void lagrange_basis(std::span<const std::size_t> base, std::vector<F>& basis) const;

  // Up to this many parties the barycentric weights of the whole domain are precomputed
  // (O(n^2) once), so the fast path needs no field inversion.
  static constexpr std::size_t kMaxPrecomputedParties = 1024;

  std::vector<F> points_;  // copied from the domain, so the decoder does not depend on its lifetime
  std::vector<F> weights_;  // 1 / prod_{j != i} (x_i - x_j) over all points, or empty
  std::size_t degree_ = 0;
  std::size_t t_ = 0;
};

}  // namespace stoffel::math

#include "math/instantiate.h"

namespace stoffel::math {
STOFFEL_MATH_EXTERN_CLASS(RobustDecoder)
}  // namespace stoffel::math
