// CPU attention: OpenMP over (batch, head, query row); scores in a per-thread buffer; the dot and
// axpy loops are cloned for AVX2+FMA and picked at load time by the ifunc resolver.
#include <cmath>
#include <vector>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

namespace {
__attribute__((target_clones("avx2", "default"))) float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
__attribute__((target_clones("avx2", "default"))) void axpy(float w, const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += w * x[i];
}
}  // namespace

void attention(const AttentionArgs& a) {
  const int64_t group = a.H / a.Hkv;
  const int64_t rows = a.B * a.H * a.Sq;
#pragma omp parallel if (rows * a.T * a.D > 65536)
  {
    std::vector<float> p(static_cast<size_t>(a.T));
    std::vector<float> acc(static_cast<size_t>(a.Dv));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r % a.Sq, h = (r / a.Sq) % a.H, b = r / (a.Sq * a.H), kh = h / group;
      const float* q = a.q + b * a.q_sb + h * a.q_sh + i * a.q_ss;
      const float* kb = a.k + b * a.k_sb + kh * a.k_sh;
      const float* vb = a.v + b * a.v_sb + kh * a.v_sh;
      bool any = false;
      float mx = a.sinks ? a.sinks[h] : -INFINITY;
      for (int64_t j = 0; j < a.T; ++j) {
        if (!a.visible(b, i, j)) { p[j] = NAN; continue; }
        float s = dot(q, kb + j * a.k_st, a.D) * a.scaling;
        if (a.softcap > 0) s = std::tanh(s / a.softcap) * a.softcap;
        s += a.bias_at(b, h, i, j);
        p[j] = s;
        mx = std::max(mx, s);
        any = true;
      }
      float sum = a.sinks ? std::exp(a.sinks[h] - mx) : 0.0f;
      for (int64_t j = 0; j < a.T; ++j) {
        p[j] = std::isnan(p[j]) ? (any || a.sinks ? 0.0f : 1.0f) : std::exp(p[j] - mx);
        sum += p[j];
      }
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < a.T; ++j)
        if (p[j] != 0.0f) axpy(p[j], vb + j * a.v_st, acc.data(), a.Dv);
      float* o = a.out + ((b * a.Sq + i) * a.H + h) * a.Dv;
      const float inv = sum > 0 ? 1.0f / sum : 0.0f;
      for (int64_t d = 0; d < a.Dv; ++d) o[d] = acc[d] * inv;
    }
  }
}

}  // namespace transformers::ops::kernels::cpu
