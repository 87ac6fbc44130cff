// CPU attention. Many query rows (prefill, encoders): Q K^T and P V as batched oneDNN GEMMs over
// packed heads, masks and softmax row by row in between. Few rows (decode): OpenMP over (batch,
// head, row) with one row as the unit of work, cloned for AVX2+FMA by the ifunc resolver.
#include <algorithm>
#include <limits>
#include <bit>
#include <cmath>
#include <vector>

#include "ops/dispatch.hpp"
#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

namespace {

// Scores s[0..T) of query row (b, h, i) (raw q.k in, softmax weights out): scaling, soft-cap,
// bias, masks and sinks; a row with no visible key and no sink averages every value, as HF's
// additive-minimum mask does.
inline __attribute__((always_inline)) void weigh(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, float* s) {
  bool any = false;
  float mx = a.sinks ? a.sinks[h] : -INFINITY;
  for (int64_t j = 0; j < a.T; ++j) {
    if (!a.visible(b, i, j)) {
      s[j] = NAN;
      continue;
    }
    float v = s[j] * a.scaling;
    if (a.softcap > 0) v = std::tanh(v / a.softcap) * a.softcap;
    v += a.bias_at(b, h, i, j);
    s[j] = v;
    mx = std::max(mx, v);
    any = true;
  }
  float sum = a.sinks ? std::exp(a.sinks[h] - mx) : 0.0f;
  for (int64_t j = 0; j < a.T; ++j) {
    s[j] = std::isnan(s[j]) ? (any || a.sinks ? 0.0f : 1.0f) : std::exp(s[j] - mx);
    sum += s[j];
  }
  const float inv = sum > 0 ? 1.0f / sum : 0.0f;
  for (int64_t j = 0; j < a.T; ++j) s[j] *= inv;
}

// exp(x) for x <= 0 (Cephes' expf: range reduction by ln 2, degree-6 polynomial, exponent bits),
// relative error ~1e-7, written branch-free so the softmax loops below vectorize.
inline __attribute__((always_inline)) float exp_nonpositive(float x) {
  x = x > -87.0f ? x : -87.0f;
  // round to nearest by adding and removing 1.5 * 2^23 (vectorizes, unlike floor)
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r -= n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  return y * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

// The common case without bias, soft-cap or sinks: the causal and sliding-window limits leave one
// range of keys, within which key padding (if any) hides some; every other key gets weight 0.
inline __attribute__((always_inline)) bool weigh_plain(const AttentionArgs& a, int64_t b, int64_t i, float* s) {
  if (a.bias || a.sinks || a.softcap > 0 || !(a.scaling > 0)) return false;
  const int64_t qp = a.q_start + i;
  int64_t lo = 0, hi = a.T;
  if (a.causal) hi = std::min(hi, qp - a.kv_start + 1);
  if (a.window > 0) lo = std::max(lo, qp - a.window + 1 - a.kv_start);
  if (lo >= hi) return false;  // no visible key: the generic path averages every value
  const float* kp = a.key_padding ? a.key_padding + b * a.kp_len + a.kv_start : nullptr;
  // OpenMP starts each lane of a max reduction at the type's lowest value, which is -inf under GCC
  // but -FLT_MAX under clang: "no visible key" is any mx at or below lowest().
  constexpr float kLowest = std::numeric_limits<float>::lowest();
  float mx = -INFINITY;
  if (kp) {
#pragma omp simd reduction(max : mx)
    for (int64_t j = lo; j < hi; ++j) mx = kp[j] != 0.0f && s[j] > mx ? s[j] : mx;
  } else {
#pragma omp simd reduction(max : mx)
    for (int64_t j = lo; j < hi; ++j) mx = s[j] > mx ? s[j] : mx;
  }
  if (!(mx > kLowest)) return false;  // every key in range is padding (or -inf): the generic path decides
  const float sc = a.scaling;
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = lo; j < hi; ++j) {
    const bool hidden = kp && kp[j] == 0.0f;  // its score may exceed mx: keep exp's argument <= 0
    const float e = exp_nonpositive(((hidden ? mx : s[j]) - mx) * sc);
    s[j] = hidden ? 0.0f : e;
    sum += s[j];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (int64_t j = lo; j < hi; ++j) s[j] *= inv;
  std::fill(s, s + lo, 0.0f);
  std::fill(s + hi, s + a.T, 0.0f);
  return true;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void weigh_row(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, float* s) {
  if (!weigh_plain(a, b, i, s)) weigh(a, b, h, i, s);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void attend_row(const AttentionArgs& a, int64_t r, float* p, float* acc) {
  const int64_t group = a.H / a.Hkv;
  const int64_t i = r % a.Sq, h = (r / a.Sq) % a.H, b = r / (a.Sq * a.H), kh = h / group;
  const float* q = a.q + b * a.q_sb + h * a.q_sh + i * a.q_ss;
  const float* kb = a.k + b * a.k_sb + kh * a.k_sh;
  const float* vb = a.v + b * a.v_sb + kh * a.v_sh;
  for (int64_t j = 0; j < a.T; ++j) {
    const float* k = kb + j * a.k_st;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t d = 0; d < a.D; ++d) s += q[d] * k[d];
    p[j] = s;
  }
  if (!weigh_plain(a, b, i, p)) weigh(a, b, h, i, p);
  for (int64_t d = 0; d < a.Dv; ++d) acc[d] = 0.0f;
  for (int64_t j = 0; j < a.T; ++j) {
    const float w = p[j];
    if (w == 0.0f) continue;
    const float* v = vb + j * a.v_st;
#pragma omp simd
    for (int64_t d = 0; d < a.Dv; ++d) acc[d] += w * v[d];
  }
  std::copy_n(acc, a.Dv, a.out + ((b * a.Sq + i) * a.H + h) * a.Dv);
}

void attention_gemm(const AttentionArgs& a) {
  const int64_t group = a.H / a.Hkv, BH = a.B * a.H;
  // Blocks of query rows whose scores (rows x T) stay near 2 MB, so they are still in cache for the
  // softmax and the PV product; short sequences batch several heads per block instead.
  constexpr int64_t kScoreFloats = int64_t{1} << 19;
  const int64_t rows = std::clamp<int64_t>(kScoreFloats / std::max<int64_t>(1, a.T), 16, a.Sq);
  const int64_t chunk = rows < a.Sq ? 1 : std::max<int64_t>(1, kScoreFloats / std::max<int64_t>(1, a.Sq * a.T));
  for (int64_t h0 = 0; h0 < BH; h0 += chunk) {
    const int64_t n = std::min(chunk, BH - h0);
    // Scratch reused across calls. Raw pointers into it: inside the OpenMP regions below a
    // thread_local name would denote each worker's own (empty) buffer.
    thread_local std::vector<float> qb, kb, vb, sb, ob;
    for (auto [buf, size] : {std::pair{&qb, n * rows * a.D}, {&kb, n * a.T * a.D}, {&vb, n * a.T * a.Dv}, {&sb, n * rows * a.T}, {&ob, n * rows * a.Dv}})
      if (buf->size() < static_cast<size_t>(size)) buf->resize(static_cast<size_t>(size));
    float *q = qb.data(), *k = kb.data(), *v = vb.data(), *s = sb.data(), *o = ob.data();
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n * a.T; ++r) {
      const int64_t x = r / a.T, j = r % a.T, b = (h0 + x) / a.H, kh = ((h0 + x) % a.H) / group;
      std::copy_n(a.k + b * a.k_sb + kh * a.k_sh + j * a.k_st, a.D, &k[r * a.D]);
      std::copy_n(a.v + b * a.v_sb + kh * a.v_sh + j * a.v_st, a.Dv, &v[r * a.Dv]);
    }
    for (int64_t i0 = 0; i0 < a.Sq; i0 += rows) {
      const int64_t m = std::min(rows, a.Sq - i0);
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < n * m; ++r) {
        const int64_t x = r / m, i = i0 + r % m, b = (h0 + x) / a.H, h = (h0 + x) % a.H;
        std::copy_n(a.q + b * a.q_sb + h * a.q_sh + i * a.q_ss, a.D, &q[r * a.D]);
      }
      GemmArgs qk;
      qk.batch = n, qk.M = m, qk.N = a.T, qk.K = a.D, qk.a = q, qk.b = k, qk.trans_b = true;
      qk.b_batch_stride = a.T * a.D, qk.c = s;
      gemm(qk);
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < n * m; ++r) {
        const int64_t x = r / m, i = i0 + r % m;
        weigh_row(a, (h0 + x) / a.H, (h0 + x) % a.H, i, &s[r * a.T]);
      }
      GemmArgs pv;
      pv.batch = n, pv.M = m, pv.N = a.Dv, pv.K = a.T, pv.a = s, pv.b = v, pv.b_batch_stride = a.T * a.Dv, pv.c = o;
      gemm(pv);
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < n * m; ++r) {
        const int64_t x = r / m, i = i0 + r % m, b = (h0 + x) / a.H, h = (h0 + x) % a.H;
        std::copy_n(&o[r * a.Dv], a.Dv, a.out + ((b * a.Sq + i) * a.H + h) * a.Dv);
      }
    }
  }
}

}  // namespace

void attention(const AttentionArgs& a) {
  // Batch-invariant: one row at a time, so a row's order does not depend on how many rows came.
  if (a.Sq >= 16 && a.T >= 16 && !batch_invariant()) return attention_gemm(a);
  const int64_t rows = a.B * a.H * a.Sq;
#pragma omp parallel if (rows * a.T * a.D > 65536)
  {
    std::vector<float> p(static_cast<size_t>(a.T));
    std::vector<float> acc(static_cast<size_t>(a.Dv));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) attend_row(a, r, p.data(), acc.data());
  }
}

}  // namespace transformers::ops::kernels::cpu
