#include "processors/audio/fft.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "transformers/errors.hpp"

namespace transformers::audio {

namespace {

constexpr int64_t W = RealFftPlan<float>::kLanes;

// One complex value per lane: the compiler's vector type spells the butterflies out, so no alias
// analysis stands between them and SIMD (target_clones below picks the width).
template <typename T>
struct Lanes {
  typedef T V __attribute__((vector_size(W * sizeof(T))));
};
template <typename T>
using V = typename Lanes<T>::V;
template <typename T>
struct C {
  V<T> re, im;
};
// A complex array of length h in lanes: element i's real parts at p[2 i W], imaginary at p[(2 i + 1) W].
template <typename T>
inline __attribute__((always_inline)) C<T> load(const T* p, int64_t i) {
  C<T> c;
  __builtin_memcpy(&c.re, p + 2 * i * W, sizeof(V<T>));
  __builtin_memcpy(&c.im, p + (2 * i + 1) * W, sizeof(V<T>));
  return c;
}
template <typename T>
inline __attribute__((always_inline)) void store(T* p, int64_t i, const C<T>& c) {
  __builtin_memcpy(p + 2 * i * W, &c.re, sizeof(V<T>));
  __builtin_memcpy(p + (2 * i + 1) * W, &c.im, sizeof(V<T>));
}
template <typename T>
inline __attribute__((always_inline)) C<T> add(const C<T>& a, const C<T>& b) { return {a.re + b.re, a.im + b.im}; }
template <typename T>
inline __attribute__((always_inline)) C<T> sub(const C<T>& a, const C<T>& b) { return {a.re - b.re, a.im - b.im}; }
template <typename T>
inline __attribute__((always_inline)) C<T> mul(const C<T>& a, T wr, T wi) { return {a.re * wr - a.im * wi, a.re * wi + a.im * wr}; }
template <typename T>
inline __attribute__((always_inline)) C<T> scale(const C<T>& a, T f) { return {a.re * f, a.im * f}; }
template <typename T>
inline __attribute__((always_inline)) C<T> minus_i(const C<T>& a) { return {a.im, -a.re}; }

template <typename T>
inline __attribute__((always_inline)) void run_stage(const typename RealFftPlan<T>::Stage& s, int64_t h, const T* in, T* out, C<T>* t) {
  const int64_t R = s.radix, m = h / R, ns = s.span;
  for (int64_t j = 0; j < m; ++j) {
    const int64_t k = j % ns, base = (j / ns) * ns * R + k;
    const T* tw = s.tw.data() + k * (R - 1) * 2;
    t[0] = load(in, j);
    for (int64_t r = 1; r < R; ++r) t[r] = mul(load(in, j + r * m), tw[2 * (r - 1)], tw[2 * (r - 1) + 1]);
    auto put = [&](int64_t q, const C<T>& c) { store(out, base + q * ns, c); };
    if (R == 2) {
      put(0, add(t[0], t[1])), put(1, sub(t[0], t[1]));
    } else if (R == 4) {
      const C<T> t0 = add(t[0], t[2]), t1 = sub(t[0], t[2]), t2 = add(t[1], t[3]), t3 = minus_i(sub(t[1], t[3]));
      put(0, add(t0, t2)), put(1, add(t1, t3)), put(2, sub(t0, t2)), put(3, sub(t1, t3));
    } else if (R == 5) {
      // Pairs r, 5 - r share cosines and negate sines: two real rotations per pair.
      const T c1 = s.rot[2], s1 = -s.rot[3], c2 = s.rot[4], s2 = -s.rot[5];
      const C<T> p14 = add(t[1], t[4]), m14 = sub(t[1], t[4]), p23 = add(t[2], t[3]), m23 = sub(t[2], t[3]);
      const C<T> b1 = add(add(t[0], scale(p14, c1)), scale(p23, c2)), b2 = add(add(t[0], scale(p14, c2)), scale(p23, c1));
      const C<T> u1 = minus_i(add(scale(m14, s1), scale(m23, s2))), u2 = minus_i(sub(scale(m14, s2), scale(m23, s1)));
      put(0, add(add(t[0], p14), p23)), put(1, add(b1, u1)), put(4, sub(b1, u1)), put(2, add(b2, u2)), put(3, sub(b2, u2));
    } else {
      for (int64_t q = 0; q < R; ++q) {
        C<T> acc = t[0];
        for (int64_t r = 1; r < R; ++r) {
          const int64_t e = (r * q) % R;
          acc = add(acc, mul(t[r], s.rot[2 * e], s.rot[2 * e + 1]));
        }
        put(q, acc);
      }
    }
  }
}

template <typename T>
inline __attribute__((always_inline)) void power_body(const std::vector<typename RealFftPlan<T>::Stage>& stages, const std::vector<T>& post,
                                                      int64_t n, int64_t h, T* in, T* out, T* work) {
  T *a = work, *b = work + 2 * h * W;
  // 64 bytes whatever alignof says: this file's baseline ISA reports less than the wide clones assume.
  C<T>* tmp = reinterpret_cast<C<T>*>((reinterpret_cast<uintptr_t>(work + 4 * h * W) + 63) & ~uintptr_t{63});
  if (n % 2 == 0) {
    a = in;  // [n][W] real samples are the packed complex array z_t = x_2t + i x_2t+1
  } else {
    for (int64_t t = 0; t < h; ++t) {
      std::copy(in + t * W, in + (t + 1) * W, a + 2 * t * W);
      std::fill(a + (2 * t + 1) * W, a + (2 * t + 2) * W, T(0));
    }
  }
  for (const auto& s : stages) {
    run_stage<T>(s, h, a, b, tmp);
    std::swap(a, b);
  }
  const int64_t bins = n / 2 + 1;
  for (int64_t k = 0; k < bins; ++k) {
    C<T> x = load(a, k % h);
    if (n % 2 == 0) {
      // X_k = E_k + e^(-2 pi i k / n) O_k, E = (Z_k + conj Z_(h-k)) / 2, O = -i (Z_k - conj Z_(h-k)) / 2
      const C<T> z = x, zc = load(a, (h - k) % h), c = {zc.re, -zc.im};
      x = add(scale(add(z, c), T(0.5)), mul(minus_i(scale(sub(z, c), T(0.5))), post[2 * k], post[2 * k + 1]));
    }
    const V<T> p = x.re * x.re + x.im * x.im;
    __builtin_memcpy(out + k * W, &p, sizeof(V<T>));
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void power_clone(const std::vector<RealFftPlan<float>::Stage>& stages,
                                                                            const std::vector<float>& post, int64_t n, int64_t h, float* in,
                                                                            float* out, float* work) {
  power_body<float>(stages, post, n, h, in, out, work);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void power_clone(const std::vector<RealFftPlan<double>::Stage>& stages,
                                                                            const std::vector<double>& post, int64_t n, int64_t h, double* in,
                                                                            double* out, double* work) {
  power_body<double>(stages, post, n, h, in, out, work);
}

template <typename T>
std::vector<T> roots(int64_t count, int64_t step_num, int64_t denom) {
  // (re, im) of e^(-2 pi i step_num j / denom) for j < count, in double before rounding
  std::vector<T> v(static_cast<size_t>(2 * count));
  for (int64_t j = 0; j < count; ++j) {
    const double a = -2.0 * std::numbers::pi * static_cast<double>((step_num * j) % denom) / static_cast<double>(denom);
    v[2 * j] = static_cast<T>(std::cos(a)), v[2 * j + 1] = static_cast<T>(std::sin(a));
  }
  return v;
}

}  // namespace

template <typename T>
RealFftPlan<T>::RealFftPlan(int64_t n) : n_(n), h_(n % 2 ? n : n / 2) {
  if (n < 2) throw ValueError("FFT: the length must be at least 2, got " + std::to_string(n));
  std::vector<int64_t> radices;
  int64_t rest = h_;
  for (int64_t p : {4, 2, 3, 5})
    while (rest % p == 0) radices.push_back(p), rest /= p;
  for (int64_t p = 7; rest > 1; p += 2)
    while (rest % p == 0) radices.push_back(p), rest /= p;
  int64_t span = 1;
  for (int64_t R : radices) {
    Stage s{R, span, {}, roots<T>(R, 1, R)};
    s.tw.resize(static_cast<size_t>(2 * span * (R - 1)));
    for (int64_t k = 0; k < span; ++k) {
      const std::vector<T> w = roots<T>(R, k, span * R);
      std::copy(w.begin() + 2, w.end(), s.tw.begin() + 2 * k * (R - 1));
    }
    stages_.push_back(std::move(s));
    span *= R;
  }
  if (n % 2 == 0) post_ = roots<T>(h_ + 1, 1, n);
}

template <typename T>
int64_t RealFftPlan<T>::work_size() const {
  int64_t max_radix = 1;
  for (const auto& s : stages_) max_radix = std::max(max_radix, s.radix);
  return (4 * h_ + 2 * max_radix) * W + 64 / static_cast<int64_t>(sizeof(T));  // + room to align the butterfly scratch
}

template <typename T>
void RealFftPlan<T>::power(T* in, T* out, T* work) const {
  power_clone(stages_, post_, n_, h_, in, out, work);
}

template class RealFftPlan<float>;
template class RealFftPlan<double>;

}  // namespace transformers::audio
