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
void Prss<F>::generate(F* out_t, F* out_2t, std::size_t count) {
  // In blocks, so that the key-stream values stay in the first-level cache; they are as secret as
  // the shares and are wiped after use. Per block and set, the len values psi_T (if out_t) come
  // first, then len * t values psi_T,l (if out_2t), value-major.
  const std::size_t per = (out_t ? 1 : 0) + (out_2t ? t_ : 0);
  constexpr std::size_t kBlock = 256;
  std::vector<F> psi(kBlock * std::max<std::size_t>(per, 1));
  for (std::size_t start = 0; start < count; start += kBlock) {
    const std::size_t len = std::min(kBlock, count - start);
    F* rt = out_t ? out_t + start : nullptr;
    F* z = out_2t ? out_2t + start : nullptr;
    if (rt) std::fill_n(rt, len, F::zero());
    if (z) std::fill_n(z, len, F::zero());
    if (per == 0) continue;
    for (Stream& st : streams_) {
      const std::span<F> block(psi.data(), len * per);
      F::random_fill(*st.rng, block);
      const F* zl = block.data() + (rt ? len : 0);
      if (rt && z && t_ == 1) {  // the common case, without the inner loop
        const F c = st.c, z1 = st.zero[0];
        for (std::size_t i = 0; i < len; ++i) {
          rt[i] += c * block[i];
          z[i] += z1 * zl[i];
        }
        continue;
      }
      if (rt) {
        for (std::size_t i = 0; i < len; ++i) rt[i] += st.c * block[i];
      }
      if (z) {
        for (std::size_t i = 0; i < len; ++i) {
          F acc = z[i];
          for (std::size_t l = 0; l < t_; ++l) acc += st.zero[l] * zl[i * t_ + l];
          z[i] = acc;
        }
      }
    }
  }
  wipe(std::span<F>(psi));
}

template <typename F>
void Prss<F>::double_shares(std::span<F> out_t, std::span<F> out_2t) {
  generate(out_t.data(), out_2t.data(), out_t.size());
  for (std::size_t i = 0; i < out_t.size(); ++i) out_2t[i] += out_t[i];
}

template <typename F>
void Prss<F>::random_shares(std::span<F> out) {
  generate(out.data(), nullptr, out.size());
}

template <typename F>
void Prss<F>::zero_shares(std::span<F> out) {
  generate(nullptr, out.data(), out.size());
}

STOFFEL_MATH_INSTANTIATE_CLASS(Prss)

}  // namespace stoffel::math
