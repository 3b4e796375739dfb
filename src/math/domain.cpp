#include "math/domain.h"

#include <bit>
#include <string>

#include "math/instantiate.h"

namespace stoffel::math {

template <typename F>
Result<Ntt<F>> Ntt<F>::create(unsigned log_size) {
  const auto w = F::root_of_unity(log_size);
  if (!w) {
    return make_error("no NTT of size 2^" + std::to_string(log_size) + " in " + F::name() +
                      " (2-adicity " + std::to_string(F::Params::kTwoAdicity) + ")");
  }
  Ntt ntt;
  ntt.log_size_ = log_size;
  ntt.omega_ = *w;
  const std::size_t half = ntt.size() / 2;
  ntt.twiddles_.resize(half);
  ntt.inv_twiddles_.resize(half);
  const F w_inv = w->inverse();
  F acc = F::one(), acc_inv = F::one();
  for (std::size_t j = 0; j < half; ++j) {
    ntt.twiddles_[j] = acc;
    ntt.inv_twiddles_[j] = acc_inv;
    acc *= *w;
    acc_inv *= w_inv;
  }
  ntt.size_inv_ = F::from_u64(ntt.size()).inverse();
  return ntt;
}

template <typename F>
void Ntt<F>::transform(std::span<F> a, const std::vector<F>& twiddles) const {
  const std::size_t n = size();
  // Bit-reversal permutation, then iterative Cooley-Tukey butterflies (decimation in time).
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, step = n / len;
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t j = 0; j < half; ++j) {
        const F u = a[i + j];
        const F v = a[i + j + half] * twiddles[j * step];
        a[i + j] = u + v;
        a[i + j + half] = u - v;
      }
    }
  }
}

template <typename F>
void Ntt<F>::forward(std::span<F> a) const {
  transform(a, twiddles_);
}

template <typename F>
void Ntt<F>::inverse(std::span<F> a) const {
  transform(a, inv_twiddles_);
  for (auto& x : a) x *= size_inv_;
}

namespace {
Result<void> check_parties(std::size_t n, std::size_t max) {
  if (n == 0 || n > max) {
    return make_error(ErrorKind::Usage, "number of parties must be in 1.." + std::to_string(max) +
                                            ", got " + std::to_string(n));
  }
  return {};
}
}  // namespace

template <typename F>
Result<Domain<F>> Domain<F>::create(std::size_t n) {
  if (auto ok = check_parties(n, kMaxParties); !ok) return ok.error();
  Domain d;
  const std::size_t big_n = std::bit_ceil(n);
  const auto log_n = static_cast<unsigned>(std::countr_zero(big_n));
  d.points_.resize(n);
  if (log_n <= F::Params::kTwoAdicity) {
    auto ntt = Ntt<F>::create(log_n);
    if (!ntt) return ntt.error();
    F acc = F::one();
    for (std::size_t i = 0; i < n; ++i) {
      d.points_[i] = acc;
      acc *= ntt->omega();
    }
    d.ntt_ = std::move(*ntt);
  } else {
    for (std::size_t i = 0; i < n; ++i) d.points_[i] = F::from_u64(i + 1);
  }
  return d;
}

template <typename F>
Result<Domain<F>> Domain<F>::create_integers(std::size_t n) {
  if (auto ok = check_parties(n, kMaxParties); !ok) return ok.error();
  Domain d;
  d.points_.resize(n);
  for (std::size_t i = 0; i < n; ++i) d.points_[i] = F::from_u64(i + 1);
  return d;
}

template <typename F>
void Domain<F>::evaluate(std::span<const F> coeffs, std::span<F> out) const {
  const std::size_t n = size();
  if (coeffs.empty()) {
    for (std::size_t i = 0; i < n; ++i) out[i] = F::zero();
    return;
  }
  if (ntt_) {
    const std::size_t big_n = ntt_->size();
    const std::size_t log_n = static_cast<std::size_t>(std::countr_zero(big_n));
    // An NTT costs about N log N / 2 multiplications, Horner n * deg.
    if (big_n * log_n / 2 < n * (coeffs.size() - 1)) {
      // Since w^N = 1, f(w^i) only depends on f mod (x^N - 1): fold the coefficients.
      std::vector<F> buf(big_n);
      for (std::size_t k = 0; k < coeffs.size(); ++k) buf[k % big_n] += coeffs[k];
      ntt_->forward(buf);
      for (std::size_t i = 0; i < n; ++i) out[i] = buf[i];
      return;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    F acc = coeffs.back();
    for (std::size_t k = coeffs.size() - 1; k-- > 0;) {
      acc *= points_[i];
      acc += coeffs[k];
    }
    out[i] = acc;
  }
}

STOFFEL_MATH_INSTANTIATE_CLASS(Ntt)
STOFFEL_MATH_INSTANTIATE_CLASS(Domain)

}  // namespace stoffel::math
