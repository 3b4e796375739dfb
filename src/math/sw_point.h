// Points of a short Weierstrass curve y^2 = x^3 + b (a = 0: BLS12-381 G1 and G2, BN254 G1) in
// homogeneous projective coordinates (X : Y : Z), x = X/Z, y = Y/Z, identity (0 : 1 : 0).
//
// Group law: the complete formulas of Renes, Costello and Batina (eprint 2015/1060, algorithms
// 7, 8 and 9 for a = 0). "Complete" means one formula for every input, the identity and P + P
// included, so addition has no exceptional case and no branch at all: the constant-time scalar
// multiplication relies on that.
//
// Scalar multiplication:
//   - mul(k), operator*: for secret scalars. Fixed 4-bit windows over all 256 bits of k, the
//     table entry chosen by a masked scan of all 16 entries: the operation sequence and the
//     memory addresses are independent of k. The table and the scalar's limbs are wiped.
//   - mul_generator(k) (also taken by mul() when the point is the generator): the same windows
//     without doublings, from a table of the affine points d * 16^w * G built once per process
//     (64 mixed additions instead of 256 doublings and 64 additions).
//   - mul_vartime(k), msm(points, scalars): for public data (commitments, verification, subgroup
//     checks). Width-5 wNAF, interleaved over all points (Straus) for msm, or Pippenger's bucket
//     method above kPippengerThreshold points; they skip zero digits, so time depends on k.
//
// The curve supplies a configuration struct Cfg:
//   using Field;  using Scalar;                 // coordinate field; scalar field Fr (fields.h)
//   static constexpr const char* kName;
//   static constexpr std::size_t kEncodedBytes;
//   static constexpr Field kB, kB3;             // b and 3b
//   static constexpr Field kGenX, kGenY;        // the standard generator
//   static Encoded encode(const Affine&);       // the curve's compressed format
//   static Result<Affine> decode(bytes);        // flags, canonical x, y from the equation
//   static bool in_subgroup(const SwPoint&);    // prime-order subgroup membership
// Encoding and decoding are in the curve's own file (bls12_381.h, bn254.h).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "math/fp.h"
#include "math/rng.h"
#include "stoffel/result.h"

namespace stoffel::math {

// Affine coordinates, or the point at infinity (then x and y are zero).
template <typename Field>
struct AffinePoint {
  Field x{};
  Field y{};
  bool infinity = true;
};

template <typename Cfg>
class SwPoint {
 public:
  using Field = typename Cfg::Field;
  using Scalar = typename Cfg::Scalar;
  using Affine = AffinePoint<Field>;
  static constexpr std::size_t kEncodedBytes = Cfg::kEncodedBytes;
  using Encoded = std::array<std::uint8_t, kEncodedBytes>;
  // Above this many points msm() switches from interleaved wNAF to Pippenger's buckets.
  static constexpr std::size_t kPippengerThreshold = 128;

  // The identity.
  constexpr SwPoint() : x_(Field::zero()), y_(Field::one()), z_(Field::zero()) {}

  static constexpr SwPoint identity() { return SwPoint{}; }
  static constexpr SwPoint generator() { return from_affine_unchecked(Cfg::kGenX, Cfg::kGenY); }
  static constexpr const char* name() { return Cfg::kName; }

  // No check that (x, y) is on the curve or in the subgroup: for constants and for points that
  // come from our own arithmetic. Outside input goes through from_bytes().
  static constexpr SwPoint from_affine_unchecked(const Field& x, const Field& y) {
    return SwPoint{x, y, Field::one()};
  }
  static constexpr SwPoint from_affine(const Affine& a) {
    return a.infinity ? identity() : from_affine_unchecked(a.x, a.y);
  }
  // Projective coordinates as they are (tests).
  static constexpr SwPoint from_projective_unchecked(const Field& x, const Field& y,
                                                     const Field& z) {
    return SwPoint{x, y, z};
  }

  const Field& x() const { return x_; }
  const Field& y() const { return y_; }
  const Field& z() const { return z_; }

  bool is_identity() const { return z_.is_zero(); }
  // Y^2 Z = X^3 + b Z^3 (true for the identity).
  bool is_on_curve() const {
    const Field lhs = y_.square() * z_;
    const Field rhs = x_.square() * x_ + Cfg::kB * z_.square() * z_;
    return lhs == rhs;
  }
  bool is_in_subgroup() const { return Cfg::in_subgroup(*this); }

  // One field inversion. Not constant time in whether the point is the identity.
  Affine to_affine() const;
  // Affine forms of many points with one inversion (Montgomery's trick); identities map to
  // infinity.
  static void batch_to_affine(std::span<const SwPoint> points, std::span<Affine> out);

  // Group law ---------------------------------------------------------------------------------
  friend SwPoint operator+(const SwPoint& p, const SwPoint& q) { return add(p, q); }
  friend SwPoint operator-(const SwPoint& p, const SwPoint& q) { return add(p, -q); }
  friend constexpr SwPoint operator-(const SwPoint& p) { return SwPoint{p.x_, -p.y_, p.z_}; }
  SwPoint& operator+=(const SwPoint& q) { return *this = add(*this, q); }
  SwPoint& operator-=(const SwPoint& q) { return *this = add(*this, -q); }
  SwPoint dbl() const;
  // p + (x, y) with the second point affine (not the identity): one multiplication fewer.
  SwPoint add_affine(const Affine& q) const;

  // Projective equality: X1 Z2 = X2 Z1 and Y1 Z2 = Y2 Z1. Constant time.
  friend bool operator==(const SwPoint& p, const SwPoint& q) {
    const bool ex = p.x_ * q.z_ == q.x_ * p.z_;
    const bool ey = p.y_ * q.z_ == q.y_ * p.z_;
    return ex & ey;
  }

  // k * P in constant time (see the file comment).
  SwPoint mul(const Scalar& k) const;
  // k * G for the standard generator, constant time, from the precomputed table.
  static SwPoint mul_generator(const Scalar& k);
  friend SwPoint operator*(const SwPoint& p, const Scalar& k) { return p.mul(k); }
  friend SwPoint operator*(const Scalar& k, const SwPoint& p) { return p.mul(k); }
  // k * P for a public k, in variable time (width-5 wNAF).
  SwPoint mul_vartime(const Scalar& k) const {
    return msm_straus(std::span<const SwPoint>(this, 1), std::span<const Scalar>(&k, 1));
  }
  // e * P for a public integer e of any size (cofactors, the curve parameter, the group order),
  // by plain double-and-add: these exponents are short or sparse.
  template <std::size_t N>
  SwPoint mul_vartime_limbs(const LimbArray<N>& e) const;

  // sum_i scalars[i] * points[i] for public data, in variable time. The spans must have equal
  // length (an empty sum is the identity).
  static SwPoint msm(std::span<const SwPoint> points, std::span<const Scalar> scalars);

  // Encodings (the curve's compressed format, docs/math.md, "Elliptic-curve groups").
  Encoded to_bytes() const { return Cfg::encode(to_affine()); }
  // Rejects wrong lengths, bad flags, non-canonical or off-curve coordinates and points outside
  // the prime-order subgroup, with an error naming the curve.
  static Result<SwPoint> from_bytes(std::span<const std::uint8_t> in);

  // A uniformly random point of the subgroup (k * G for a random k), for tests and benchmarks.
  static SwPoint random(Rng& rng) { return generator().mul(Scalar::random(rng)); }

 private:
  constexpr SwPoint(const Field& x, const Field& y, const Field& z) : x_(x), y_(y), z_(z) {}

  static SwPoint add(const SwPoint& p, const SwPoint& q);
  // table[15 * w + d - 1] = d * 16^w * G (affine) for w < 64 and 1 <= d <= 15.
  static const std::vector<Affine>& generator_table();
  static SwPoint msm_straus(std::span<const SwPoint> points, std::span<const Scalar> scalars);
  static SwPoint msm_pippenger(std::span<const SwPoint> points, std::span<const Scalar> scalars);

  Field x_, y_, z_;
};

namespace detail {

// Signed width-w NAF digits of a 256-bit integer: every nonzero digit is odd with |d| < 2^(w-1),
// and any w consecutive digits hold at most one nonzero. 257 digits cover the carry out.
template <int W>
std::array<std::int8_t, 257> wnaf(const Limbs& k) {
  std::array<std::int8_t, 257> out{};
  // The integer is consumed from the bottom; a 5-limb copy leaves room for the carry that a
  // negative digit adds.
  std::array<std::uint64_t, 5> v{k[0], k[1], k[2], k[3], 0};
  constexpr std::uint64_t kMask = (std::uint64_t{1} << W) - 1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (v[0] & 1) {
      std::int64_t d = static_cast<std::int64_t>(v[0] & kMask);
      if (d >= (std::int64_t{1} << (W - 1))) d -= std::int64_t{1} << W;
      out[i] = static_cast<std::int8_t>(d);
      // v -= d (d may be negative, then this adds |d|).
      if (d > 0) {
        std::uint64_t b = 0;
        v[0] = sbb(v[0], static_cast<std::uint64_t>(d), b);
        for (std::size_t j = 1; j < v.size(); ++j) v[j] = sbb(v[j], 0, b);
      } else {
        std::uint64_t c = 0;
        v[0] = adc(v[0], static_cast<std::uint64_t>(-d), c);
        for (std::size_t j = 1; j < v.size(); ++j) v[j] = adc(v[j], 0, c);
      }
    }
    // v >>= 1
    for (std::size_t j = 0; j + 1 < v.size(); ++j) v[j] = (v[j] >> 1) | (v[j + 1] << 63);
    v[v.size() - 1] >>= 1;
  }
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Out-of-line members.

template <typename Cfg>
typename SwPoint<Cfg>::Affine SwPoint<Cfg>::to_affine() const {
  if (is_identity()) return Affine{};
  const Field zinv = z_.inverse();
  return Affine{x_ * zinv, y_ * zinv, false};
}

template <typename Cfg>
void SwPoint<Cfg>::batch_to_affine(std::span<const SwPoint> points, std::span<Affine> out) {
  std::vector<Field> zs(points.size()), scratch(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) zs[i] = points[i].z_;
  // Montgomery's trick over the z coordinates (zeros, i.e. identities, stay zero).
  Field acc = Field::one();
  for (std::size_t i = 0; i < zs.size(); ++i) {
    scratch[i] = acc;
    if (!zs[i].is_zero()) acc = acc * zs[i];
  }
  Field inv = acc.inverse();
  for (std::size_t i = zs.size(); i-- > 0;) {
    if (zs[i].is_zero()) {
      out[i] = Affine{};
      continue;
    }
    const Field zinv = inv * scratch[i];
    inv = inv * zs[i];
    out[i] = Affine{points[i].x_ * zinv, points[i].y_ * zinv, false};
  }
}

// Algorithm 7 of Renes-Costello-Batina (a = 0): 12 multiplications and 2 by 3b.
template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::add(const SwPoint& p, const SwPoint& q) {
  const Field& X1 = p.x_;
  const Field& Y1 = p.y_;
  const Field& Z1 = p.z_;
  const Field& X2 = q.x_;
  const Field& Y2 = q.y_;
  const Field& Z2 = q.z_;
  Field t0 = X1 * X2;
  Field t1 = Y1 * Y2;
  Field t2 = Z1 * Z2;
  Field t3 = (X1 + Y1) * (X2 + Y2);
  Field t4 = t0 + t1;
  t3 = t3 - t4;
  t4 = (Y1 + Z1) * (Y2 + Z2);
  Field X3 = t1 + t2;
  t4 = t4 - X3;
  X3 = (X1 + Z1) * (X2 + Z2);
  Field Y3 = t0 + t2;
  Y3 = X3 - Y3;
  X3 = t0 + t0;
  t0 = X3 + t0;
  t2 = Cfg::kB3 * t2;
  Field Z3 = t1 + t2;
  t1 = t1 - t2;
  Y3 = Cfg::kB3 * Y3;
  X3 = t4 * Y3;
  t2 = t3 * t1;
  X3 = t2 - X3;
  Y3 = Y3 * t0;
  t1 = t1 * Z3;
  Y3 = t1 + Y3;
  t0 = t0 * t3;
  Z3 = Z3 * t4;
  Z3 = Z3 + t0;
  return SwPoint{X3, Y3, Z3};
}

// Algorithm 8 (mixed addition, Z2 = 1): 11 multiplications and 2 by 3b. Complete as long as
// the affine point is a curve point (it cannot be the identity).
template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::add_affine(const Affine& q) const {
  const Field& X1 = x_;
  const Field& Y1 = y_;
  const Field& Z1 = z_;
  const Field& X2 = q.x;
  const Field& Y2 = q.y;
  Field t0 = X1 * X2;
  Field t1 = Y1 * Y2;
  Field t3 = (X2 + Y2) * (X1 + Y1);
  Field t4 = t0 + t1;
  t3 = t3 - t4;
  t4 = Y2 * Z1 + Y1;
  Field Y3 = X2 * Z1 + X1;
  Field X3 = t0 + t0;
  t0 = X3 + t0;
  Field t2 = Cfg::kB3 * Z1;
  Field Z3 = t1 + t2;
  t1 = t1 - t2;
  Y3 = Cfg::kB3 * Y3;
  X3 = t4 * Y3;
  t2 = t3 * t1;
  X3 = t2 - X3;
  Y3 = Y3 * t0;
  t1 = t1 * Z3;
  Y3 = t1 + Y3;
  t0 = t0 * t3;
  Z3 = Z3 * t4;
  Z3 = Z3 + t0;
  return SwPoint{X3, Y3, Z3};
}

// Algorithm 9 (doubling, a = 0): 6 multiplications, 2 squarings and 1 by 3b.
template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::dbl() const {
  const Field& X = x_;
  const Field& Y = y_;
  const Field& Z = z_;
  Field t0 = Y.square();
  Field Z3 = t0 + t0;
  Z3 = Z3 + Z3;
  Z3 = Z3 + Z3;
  Field t1 = Y * Z;
  Field t2 = Z.square();
  t2 = Cfg::kB3 * t2;
  Field X3 = t2 * Z3;
  Field Y3 = t0 + t2;
  Z3 = t1 * Z3;
  t1 = t2 + t2;
  t2 = t1 + t2;
  t0 = t0 - t2;
  Y3 = t0 * Y3;
  Y3 = X3 + Y3;
  t1 = X * Y;
  X3 = t0 * t1;
  X3 = X3 + X3;
  return SwPoint{X3, Y3, Z3};
}

template <typename Cfg>
const std::vector<typename SwPoint<Cfg>::Affine>& SwPoint<Cfg>::generator_table() {
  // Built on first use; a function-local static is initialised exactly once, thread-safely.
  static const std::vector<Affine> table = [] {
    std::vector<SwPoint> pts(64 * 15);
    SwPoint base = generator();  // 16^w * G
    for (std::size_t w = 0; w < 64; ++w) {
      pts[15 * w] = base;
      for (std::size_t d = 2; d <= 15; ++d) pts[15 * w + d - 1] = pts[15 * w + d - 2] + base;
      base = pts[15 * w + 14] + base;  // 16 * 16^w * G
    }
    std::vector<Affine> out(pts.size());
    batch_to_affine(pts, out);
    return out;
  }();
  return table;
}

template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::mul_generator(const Scalar& k) {
  const std::vector<Affine>& table = generator_table();
  Limbs e = k.to_canonical();
  SwPoint acc = identity();
  for (std::size_t w = 0; w < 64; ++w) {
    const std::uint64_t digit = (e[w / 16] >> (4 * (w % 16))) & 0xF;
    // Masked scan of the window's 15 entries; digit 0 keeps entry 1 (a valid affine point for
    // the mixed addition), whose sum is then discarded by the final select.
    Field x = table[15 * w].x, y = table[15 * w].y;
    for (std::uint64_t d = 2; d <= 15; ++d) {
      const std::uint64_t diff = d ^ digit;
      const std::uint64_t mask = ((diff | (0 - diff)) >> 63) - 1;  // all ones iff d == digit
      x = Field::select(mask, table[15 * w + d - 1].x, x);
      y = Field::select(mask, table[15 * w + d - 1].y, y);
    }
    const SwPoint sum = acc.add_affine(Affine{x, y, false});
    const std::uint64_t keep = ((digit | (0 - digit)) >> 63) - 1;  // all ones iff digit == 0
    acc.x_ = Field::select(keep, acc.x_, sum.x_);
    acc.y_ = Field::select(keep, acc.y_, sum.y_);
    acc.z_ = Field::select(keep, acc.z_, sum.z_);
  }
  secure_wipe(e.data(), sizeof(e));
  return acc;
}

template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::mul(const Scalar& k) const {
  // Comparing the (public) point with the generator costs four field multiplications.
  if (*this == generator()) return mul_generator(k);
  // table[d] = d * P for d < 16; table[0] is the identity, which the complete formulas add like
  // any other point.
  std::array<SwPoint, 16> table;
  table[0] = identity();
  table[1] = *this;
  for (std::size_t d = 2; d < 16; ++d) table[d] = (d % 2 == 0) ? table[d / 2].dbl() : table[d - 1] + *this;
  Limbs e = k.to_canonical();
  SwPoint acc = identity();
  for (int w = 63; w >= 0; --w) {
    acc = acc.dbl().dbl().dbl().dbl();
    const std::uint64_t digit = (e[static_cast<std::size_t>(w) / 16] >> (4 * (w % 16))) & 0xF;
    // Masked scan: every entry is read, the one with index == digit is kept.
    SwPoint chosen = identity();
    for (std::uint64_t d = 0; d < 16; ++d) {
      const std::uint64_t diff = d ^ digit;
      const std::uint64_t mask = ((diff | (0 - diff)) >> 63) - 1;  // all ones iff d == digit
      chosen.x_ = Field::select(mask, table[d].x_, chosen.x_);
      chosen.y_ = Field::select(mask, table[d].y_, chosen.y_);
      chosen.z_ = Field::select(mask, table[d].z_, chosen.z_);
    }
    acc = acc + chosen;
  }
  secure_wipe(table.data(), sizeof(table));
  secure_wipe(e.data(), sizeof(e));
  return acc;
}

template <typename Cfg>
template <std::size_t N>
SwPoint<Cfg> SwPoint<Cfg>::mul_vartime_limbs(const LimbArray<N>& e) const {
  int top = static_cast<int>(64 * N) - 1;
  while (top >= 0 && ((e[static_cast<std::size_t>(top) / 64] >> (top % 64)) & 1) == 0) --top;
  SwPoint acc = identity();
  for (int i = top; i >= 0; --i) {
    acc = acc.dbl();
    if ((e[static_cast<std::size_t>(i) / 64] >> (i % 64)) & 1) acc = acc + *this;
  }
  return acc;
}

template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::msm(std::span<const SwPoint> points, std::span<const Scalar> scalars) {
  const std::size_t n = std::min(points.size(), scalars.size());
  if (n > kPippengerThreshold) return msm_pippenger(points.first(n), scalars.first(n));
  return msm_straus(points.first(n), scalars.first(n));
}

// Interleaved width-5 wNAF: per point the odd multiples P, 3P, ..., 15P; one shared chain of
// 256 doublings; about 256/6 additions per point.
template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::msm_straus(std::span<const SwPoint> points,
                                      std::span<const Scalar> scalars) {
  constexpr int kW = 5;
  constexpr std::size_t kTable = std::size_t{1} << (kW - 2);  // odd multiples 1..15
  const std::size_t n = points.size();
  std::vector<std::array<std::int8_t, 257>> digits(n);
  std::vector<SwPoint> table(n * kTable);
  int top = -1;
  for (std::size_t i = 0; i < n; ++i) {
    digits[i] = detail::wnaf<kW>(scalars[i].to_canonical());
    for (int j = 256; j > top; --j) {
      if (digits[i][static_cast<std::size_t>(j)] != 0) {
        top = j;
        break;
      }
    }
    const SwPoint twice = points[i].dbl();
    table[i * kTable] = points[i];
    for (std::size_t j = 1; j < kTable; ++j) table[i * kTable + j] = table[i * kTable + j - 1] + twice;
  }
  SwPoint acc = identity();
  for (int j = top; j >= 0; --j) {
    acc = acc.dbl();
    for (std::size_t i = 0; i < n; ++i) {
      const int d = digits[i][static_cast<std::size_t>(j)];
      if (d > 0) acc = acc + table[i * kTable + static_cast<std::size_t>(d / 2)];
      if (d < 0) acc = acc - table[i * kTable + static_cast<std::size_t>(-d / 2)];
    }
  }
  return acc;
}

// Pippenger's bucket method with c-bit unsigned windows: per window every point is added once
// into the bucket of its digit, then the buckets are summed with two running sums.
template <typename Cfg>
SwPoint<Cfg> SwPoint<Cfg>::msm_pippenger(std::span<const SwPoint> points,
                                         std::span<const Scalar> scalars) {
  const std::size_t n = points.size();
  // c ~ log2(n) - 1 balances the n additions against the 2^(c+1) of the bucket sums.
  unsigned c = 2;
  while ((std::size_t{1} << (c + 2)) <= n && c < 16) ++c;
  std::vector<Affine> bases(n);
  batch_to_affine(points, bases);
  std::vector<Limbs> ks(n);
  for (std::size_t i = 0; i < n; ++i) ks[i] = scalars[i].to_canonical();
  const std::size_t buckets_count = (std::size_t{1} << c) - 1;
  std::vector<SwPoint> buckets(buckets_count);
  SwPoint acc = identity();
  const unsigned windows = (256 + c - 1) / c;
  for (unsigned w = windows; w-- > 0;) {
    for (unsigned k = 0; k < c; ++k) acc = acc.dbl();
    std::fill(buckets.begin(), buckets.end(), identity());
    const unsigned bit = w * c;
    for (std::size_t i = 0; i < n; ++i) {
      if (bases[i].infinity) continue;
      // Digit = bits [bit, bit + c) of k, which may straddle two limbs.
      const Limbs& k = ks[i];
      const std::size_t limb = bit / 64;
      const unsigned off = bit % 64;
      std::uint64_t d = k[limb] >> off;
      if (off + c > 64 && limb + 1 < 4) d |= k[limb + 1] << (64 - off);
      d &= (std::uint64_t{1} << c) - 1;
      if (d != 0) buckets[d - 1] = buckets[d - 1].add_affine(bases[i]);
    }
    SwPoint running = identity(), sum = identity();
    for (std::size_t b = buckets_count; b-- > 0;) {
      running += buckets[b];
      sum += running;
    }
    acc += sum;
  }
  return acc;
}

template <typename Cfg>
Result<SwPoint<Cfg>> SwPoint<Cfg>::from_bytes(std::span<const std::uint8_t> in) {
  auto affine = Cfg::decode(in);
  if (!affine.ok()) return affine.error();
  const SwPoint p = from_affine(*affine);
  if (!p.is_on_curve()) {
    return make_error(std::string(Cfg::kName) + " point encoding: point is not on the curve");
  }
  if (!Cfg::in_subgroup(p)) {
    return make_error(std::string(Cfg::kName) +
                      " point encoding: point is not in the prime-order subgroup");
  }
  return p;
}

}  // namespace stoffel::math
