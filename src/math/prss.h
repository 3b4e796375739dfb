// Pseudo-random secret sharing (Cramer, Damgard and Ishai, TCC 2005): random double sharings
// that every party computes alone from keys it shares with others (docs/math.md, "Pseudo-random
// secret sharing"; decision P17).
//
// For every set T of t parties there is a 32-byte key k_T, known to exactly the n - t parties
// outside T. Its key stream (ChaCha20 by default; the engine passes AES-256-CTR) gives, per
// double sharing, one value psi_T and t values psi_T,1..psi_T,t, the same at every party that
// knows k_T. With
//     f_T(x) = prod_(j in T) (1 - x / alpha_j)       (degree t, f_T(0) = 1, zero on T)
// party i's shares are
//     [r]_t  (alpha_i) = sum_(T not containing i) psi_T f_T(alpha_i)
//     [r]_2t (alpha_i) = [r]_t (alpha_i) + sum_T sum_(l=1..t) psi_T,l alpha_i^l f_T(alpha_i)
// that is, the values at alpha_i of r_t(x) = sum_T psi_T f_T(x) (degree t, r_t(0) = sum_T psi_T)
// and of r_t(x) plus a sharing of zero of degree 2t. A party in T would need psi_T only to
// multiply it by f_T(alpha_i) = 0, so it never needs k_T.
//
// Why it is private: if the faulty parties are within some t-set T*, the parties outside T* are
// honest and k_T* is theirs alone. The unknown part of the degree-2t sharing is then
// f_T*(x) (psi_T* + x g(x)) with g of degree t - 1 uniform: every polynomial of degree <= 2t that
// vanishes on T* is equally likely, so the opened x*y - r (Damgard-Nielsen) shows nothing of the
// product polynomial beyond its values on T*, which the adversary holds anyway, and psi_T*
// makes r uniform.
//
// Cost per double sharing and party: C(n - 1, t) (t + 1) key-stream field elements and as many
// field products; nothing is sent. So it is used only where C(n - 1, t) is small
// (kMaxPrssElements).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "math/domain.h"
#include "math/rng.h"
#include "stoffel/result.h"

namespace stoffel::math {

// Sessions use PRSS only where a double sharing takes at most this many key-stream elements per
// party, C(n - 1, t) (t + 1): t = 1 up to n = 9. There it costs no more CPU than dealing; at n = 7,
// t = 2 (45 elements) products ran at 112,000/s against 147,000/s dealt (docs/performance.md).
inline constexpr std::size_t kMaxPrssElements = 16;

// The t-subsets of {0, .., n-1} in lexicographic order (each ascending): the key index of a set
// is its position here. Empty if there are more than `limit` of them.
std::vector<std::vector<std::size_t>> prss_sets(std::size_t n, std::size_t t, std::size_t limit);

// C(n - 1, t) (t + 1), saturating: the key-stream elements per double sharing and party.
std::size_t prss_elements(std::size_t n, std::size_t t);

using PrssKey = std::array<std::uint8_t, 32>;

template <typename F>
class Prss {
 public:
  // Party `self`'s generator over the domain's n parties. keys[s] is the key of prss_sets(n, t)[s];
  // those of sets containing `self` are not used (pass zeros). Error for bad sizes or t >= n.
  // `stream` expands a key into its key stream (SeededRng, ChaCha20, if not given); every party
  // of a session must use the same.
  using StreamFactory =
      std::function<Result<std::unique_ptr<Rng>>(std::span<const std::uint8_t, 32> key)>;
  static Result<Prss> create(const Domain<F>& domain, std::size_t t, std::size_t self,
                             std::span<const PrssKey> keys, const StreamFactory& stream = {});

  // This party's shares of the next out_t.size() double sharings (out_2t the same size):
  // ([r]_t, [r]_2t) for each. Every party must ask for the same counts in the same order.
  void double_shares(std::span<F> out_t, std::span<F> out_2t);
  // The same sharings as pairs: pairs[2 i] = [r]_t and pairs[2 i + 1] = [r]_2t (the layout of the
  // engine's pool of double sharings, written in place).
  void double_shares(std::span<F> pairs);
  // This party's shares of out.size() random values (degree t: the [r]_t half alone), resp. of
  // out.size() sharings of zero of degree 2t (the zero half alone; t = 0: zeros). Random bits
  // take one of each (docs/mpc.md). The streams advance as the counts say, so every party must
  // make the same calls in the same order.
  void random_shares(std::span<F> out);
  void zero_shares(std::span<F> out);

 private:
  struct Stream {
    std::unique_ptr<Rng> rng;
    F c;                  // f_T(alpha_self)
    std::vector<F> zero;  // alpha_self^l f_T(alpha_self), l = 1..t
  };
  // Per block of up to 256 and set: if out_t is given, the psi_T are drawn, then, if out_2t is
  // given, t psi_T,l per value; out_t gets sum_T c psi_T and out_2t the zero sharing (both with
  // F::combine). Either may be null; double_shares then adds out_t to out_2t.
  // Value i goes to out_t[i * stride] and out_2t[i * stride].
  void generate(F* out_t, F* out_2t, std::size_t stride, std::size_t count);
  std::size_t t_ = 0;
  std::vector<Stream> streams_;  // the sets not containing self, in key order
};

}  // namespace stoffel::math

#include "math/instantiate.h"

namespace stoffel::math {
STOFFEL_MATH_EXTERN_CLASS(Prss)
}  // namespace stoffel::math
