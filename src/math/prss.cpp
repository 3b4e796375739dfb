#include "math/prss.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "math/fields.h"

namespace stoffel::math {

std::vector<std::vector<std::size_t>> prss_sets(std::size_t n, std::size_t t, std::size_t limit) {
  std::vector<std::vector<std::size_t>> sets;
  if (t > n) return sets;
  std::vector<std::size_t> cur(t);
  for (std::size_t i = 0; i < t; ++i) cur[i] = i;
  for (;;) {
    if (sets.size() == limit) return {};
    sets.push_back(cur);
    // Next combination in lexicographic order.
    std::size_t i = t;
    while (i > 0 && cur[i - 1] == n - t + (i - 1)) --i;
    if (i == 0) return sets;
    ++cur[i - 1];
    for (std::size_t j = i; j < t; ++j) cur[j] = cur[j - 1] + 1;
  }
}

std::size_t prss_elements(std::size_t n, std::size_t t) {
  if (n == 0 || t >= n) return SIZE_MAX;
  // C(n - 1, t) by the multiplicative formula, saturating.
  std::size_t c = 1;
  for (std::size_t i = 1; i <= t; ++i) {
    const std::size_t num = n - 1 - t + i;
    if (c > SIZE_MAX / num) return SIZE_MAX;
    c = c * num / i;  // exact: c * num is C(n - 1 - t + i, i) * i
  }
  if (c > SIZE_MAX / (t + 1)) return SIZE_MAX;
  return c * (t + 1);
}

template <typename F>
Result<Prss<F>> Prss<F>::create(const Domain<F>& domain, std::size_t t, std::size_t self,
                                std::span<const PrssKey> keys, const StreamFactory& stream) {
  const std::size_t n = domain.size();
  if (t >= n || self >= n) {
    return make_error("prss: need t < n and a party below n (n = " + std::to_string(n) +
                      ", t = " + std::to_string(t) + ", party " + std::to_string(self) + ")");
  }
  const auto sets = prss_sets(n, t, keys.size() + 1);
  if (sets.size() != keys.size()) {
    return make_error("prss: " + std::to_string(keys.size()) + " keys given for " +
                      std::to_string(sets.empty() ? keys.size() + 1 : sets.size()) +
                      (sets.empty() ? " or more" : "") + " sets");
  }
  Prss p;
  p.t_ = t;
  const F x = domain.point(self);
  for (std::size_t s = 0; s < sets.size(); ++s) {
    const auto& set = sets[s];
    if (std::find(set.begin(), set.end(), self) != set.end()) continue;
    F c = F::one();
    for (std::size_t j : set) c *= F::one() - x * domain.point(j).inverse();  // points non-zero
    Stream st;
    const std::span<const std::uint8_t, 32> key(keys[s]);
    if (stream) {
      auto r = stream(key);
      if (!r) return r.error().with_context("prss: ");
      st.rng = std::move(*r);
    } else {
      st.rng = std::make_unique<SeededRng>(key);
    }
    st.c = c;
    F pw = c;
    for (std::size_t l = 1; l <= t; ++l) {
      pw *= x;
      st.zero.push_back(pw);
    }
    p.streams_.push_back(std::move(st));
  }
  return p;
}

template <typename F>
void Prss<F>::generate(F* out_t, F* out_2t, std::size_t stride, std::size_t count) {
  // In blocks, so that the key-stream values stay in cache; they are as secret as the shares and
  // are wiped after use. Per block and set, the len values psi_T (if out_t) come first, then
  // len * t values psi_T,l (if out_2t), value-major. Then each output is one linear combination
  // of the streams' values (F::combine: with AVX-512 IFMA, eight at a time and one reduction per
  // output).
  const std::size_t per = (out_t ? 1 : 0) + (out_2t ? t_ : 0);
  const std::size_t ns = streams_.size();
  constexpr std::size_t kBlock = 256;
  std::vector<F> psi(kBlock * per * ns);
  std::vector<F> ct, cz;
  for (const Stream& st : streams_) {
    ct.push_back(st.c);
    cz.insert(cz.end(), st.zero.begin(), st.zero.end());
  }
  std::vector<const F*> pt(ns), pz(ns * t_);
  for (std::size_t start = 0; start < count; start += kBlock) {
    const std::size_t len = std::min(kBlock, count - start);
    for (std::size_t s = 0; s < ns; ++s) {
      F* mine = psi.data() + s * len * per;
      F::random_fill(*streams_[s].rng, std::span<F>(mine, len * per));
      pt[s] = mine;
      for (std::size_t l = 0; l < t_; ++l) pz[s * t_ + l] = mine + (out_t ? len : 0) + l;
    }
    if (out_t) F::combine(ct, pt, 1, len, out_t + start * stride, stride);
    if (out_2t) F::combine(cz, pz, t_, len, out_2t + start * stride, stride);  // t = 0: zeros
  }
  wipe(std::span<F>(psi));
}

template <typename F>
void Prss<F>::double_shares(std::span<F> out_t, std::span<F> out_2t) {
  generate(out_t.data(), out_2t.data(), 1, out_t.size());
  for (std::size_t i = 0; i < out_t.size(); ++i) out_2t[i] += out_t[i];
}

template <typename F>
void Prss<F>::double_shares(std::span<F> pairs) {
  const std::size_t count = pairs.size() / 2;
  generate(pairs.data(), pairs.data() + 1, 2, count);
  for (std::size_t i = 0; i < count; ++i) pairs[2 * i + 1] += pairs[2 * i];
}

template <typename F>
void Prss<F>::random_shares(std::span<F> out) {
  generate(out.data(), nullptr, 1, out.size());
}

template <typename F>
void Prss<F>::zero_shares(std::span<F> out) {
  generate(nullptr, out.data(), 1, out.size());
}

STOFFEL_MATH_INSTANTIATE_CLASS(Prss)

}  // namespace stoffel::math
