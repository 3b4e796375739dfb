// The algebra of the HoneyBadgerMPC preprocessing and opening protocols (docs/math.md, "Batch
// reconstruction and preprocessing algebra") as pure functions: no messages, no state beyond
// precomputed matrices. The protocol layer moves the values between parties; everything here is
// local computation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "math/domain.h"
#include "math/rs_decode.h"
#include "stoffel/result.h"

namespace stoffel::math {

// A row-major rows x cols matrix of field elements.
template <typename F>
class Matrix {
 public:
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<F> data;  // data[r * cols + c]
  // Empty, or the same matrix as small integers: data[r * cols + c] = small[r * cols + c] * 2^-64,
  // every row summing to less than 2^62, for F::small_combination (small_hyperinvertible_matrix).
  std::vector<std::uint64_t> small{};

  const F& at(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  // out[r] = sum_c at(r, c) * in[c]; in.size() == cols, out.size() == rows.
  void apply(std::span<const F> in, std::span<F> out) const;
  // Many vectors at once: in is vector-major (in[v * cols + c]), out[v * rows + r].
  void apply_many(std::span<const F> in, std::span<F> out) const;
};

// V[j][k] = point(j)^k for j < rows, k < cols (rows <= n). This is the matrix RanSha and
// RanDouSha use (V[j][k] = (w^j)^k with w^j party j's point) and batch reconstruction's transform.
template <typename F>
Result<Matrix<F>> vandermonde_matrix(const Domain<F>& domain, std::size_t rows, std::size_t cols);

// A hyper-invertible matrix (Beerliova-Trubiniova and Hirt): M maps the values of a polynomial
// of degree < cols at the points 1..cols to its values at cols+1..cols+rows, so every square
// submatrix is invertible. Offered for protocols that want the HIM property proven; the
// reference's RanSha uses the Vandermonde matrix above.
template <typename F>
Matrix<F> hyperinvertible_matrix(std::size_t rows, std::size_t cols);

// The preprocessing's square hyper-invertible matrix (docs/math.md, "A matrix with small
// entries"): the matrix above with column c multiplied by prod_(k != c) (c - k) and every entry
// by 2^-64. Scaling rows and columns by non-zero constants keeps every square submatrix
// invertible, and the entries become 2^-64 times the integers prod_(k != c) (size + r - k) (the
// Lagrange numerators), which `small` holds while every row sums to less than 2^62 (up to
// size 14); F::small_combination then applies a row with one reduction per output.
template <typename F>
Matrix<F> small_hyperinvertible_matrix(std::size_t size);

// Batch reconstruction (HoneyBadgerMPC Fig. 2; docs/math.md) of batch_size() = d + 1
// secrets x_0..x_d, each shared with degree d:
//   1. every party maps its shares of x to shares of y_j = sum_k x_k * point(j)^k (eval_shares)
//      and sends its share of y_j to party j;
//   2. party j robustly decodes y_j from the shares it received (decode_eval);
//   3. every party robustly decodes the degree-d polynomial with coefficients x_0..x_d from the
//      y_j revealed by the parties (decode_reveal).
// Both decodings need d + t + 1 agreeing values, so with n >= 3t + 1 up to t faults are
// corrected for d = t and detected for d = 2t (triples), and a wrong value is never returned.
template <typename F>
class BatchReconstruction {
 public:
  // degree d with d < n; t the fault bound.
  static Result<BatchReconstruction> create(const Domain<F>& domain, std::size_t t,
                                            std::size_t degree);
  // The same over the points 1..n of n parties (Domain::create_integers; decision P18): the
  // evaluation points are then independent of the sharing's (which only step 2 uses), and the
  // Vandermonde matrix has small integer entries, applied with one reduction per value
  // (F::small_combination) while every row sums to less than 2^62. eval_shares_many's values
  // are then scaled by eval_scale() = 2^-64, and decode_reveal's coefficients with them.
  static Result<BatchReconstruction> create_on_integers(std::size_t n, std::size_t t,
                                                        std::size_t degree);

  // The points of steps 1 and 3 (the points the y_j are values at).
  const Domain<F>& eval_domain() const { return domain_; }
  // The factor eval_shares_many and eval_at apply (1, or 2^-64 with small entries), and its
  // inverse (what decoded coefficients are multiplied by to undo it).
  const F& eval_scale() const { return scale_; }
  const F& eval_unscale() const { return unscale_; }

  std::size_t batch_size() const { return vandermonde_.cols; }
  std::size_t parties() const { return vandermonde_.rows; }
  const RobustDecoder<F>& decoder() const { return decoder_; }

  // Step 1. x_shares.size() == batch_size() (pad a short batch with zeros); y_shares.size() == n.
  // y_shares[j] is the value for party j.
  void eval_shares(std::span<const F> x_shares, std::span<F> y_shares) const;
  // Step 1 for many batches: x_shares is batch-major (x[b * batch_size() + k]), y_shares is
  // party-major (y[j * batches + b]) so each party's values are contiguous; batches =
  // ceil(x_shares.size() / batch_size()), a short last batch taken as padded with zeros. Every
  // value is multiplied by eval_scale().
  void eval_shares_many(std::span<const F> x_shares, std::span<F> y_shares) const;
  // eval_scale() * sum_k x[k] point(j)^k for one batch x (batch_size() values): what
  // eval_shares_many gives party j, in plain field arithmetic (dispute resolution).
  F eval_at(std::span<const F> x, std::size_t j) const;

  // Step 2 at party j: shares of y_j from `senders`. Result coeffs[0] is y_j.
  Result<std::optional<Decoded<F>>> decode_eval(std::span<const std::size_t> senders,
                                                std::span<const F> shares) const {
    return decoder_.decode(senders, shares);
  }
  // Step 3: y_j revealed by party j for j in `senders`. Result coeffs are x_0..x_d.
  Result<std::optional<Decoded<F>>> decode_reveal(std::span<const std::size_t> senders,
                                                  std::span<const F> revealed) const {
    return decoder_.decode(senders, revealed);
  }

 private:
  Matrix<F> vandermonde_;  // n x (d + 1); `small` set on integer points while it fits
  RobustDecoder<F> decoder_;
  Domain<F> domain_;
  F scale_ = F::one(), unscale_ = F::one();
};

// RanSha step 2 (each party deals one random degree-t sharing, then): from the n shares received
// (inputs[k] dealt by party k) compute this party's shares of r_j = sum_k V[j][k] * s_k for j < n.
// Of these, r_0..r_{2t-1} are opened towards parties 0..2t-1 for checking and r_{2t}..r_{n-1} are
// the output.
template <typename F>
void ransha_transform(const Matrix<F>& v, std::span<const F> inputs, std::span<F> outputs);

// The check of RanSha step 4 and RanDouSha step 3: do the given shares lie on one polynomial of
// degree <= max_degree? Exact interpolation, no error correction (as in the reference). Error
// for malformed input; false when the degree is too high.
template <typename F>
Result<bool> check_degree(const Domain<F>& domain, std::span<const std::size_t> parties,
                          std::span<const F> values, std::size_t max_degree);

// RanDouSha step 3 (the check of a double sharing): the pair ([r]_t, [r]_2t) received from
// `parties` (at least 2t + 1) is valid when the first half has degree <= t, the second degree <= 2t
// and both have the same value at 0.
template <typename F>
Result<bool> check_double_sharing(const Domain<F>& domain, std::span<const std::size_t> parties,
                                  std::span<const F> shares_t, std::span<const F> shares_2t,
                                  std::size_t t);

}  // namespace stoffel::math

#include "math/instantiate.h"

namespace stoffel::math {
STOFFEL_MATH_EXTERN_CLASS(Matrix)
STOFFEL_MATH_EXTERN_CLASS(BatchReconstruction)
}  // namespace stoffel::math
