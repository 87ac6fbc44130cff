// Paged attention for the serving engine: one (token, head) row at a time against its sequence's
// keys gathered through the slot list. Every reduction runs in one fixed order over the visible
// keys (dot products in 8 fixed lanes, the softmax sum and the value sum key by key), so a row's
// result depends on neither the batch around it nor how its prompt was chunked.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

namespace {

// q . k in 8 lanes summed pairwise at the end: vectorizable without reassociation.
__attribute__((target_clones("avx2", "default"))) float dot(const float* q, const float* k, int64_t D) {
  float lane[8] = {};
  const int64_t D8 = D / 8 * 8;
  for (int64_t d = 0; d < D8; d += 8)
    for (int l = 0; l < 8; ++l) lane[l] += q[d + l] * k[d + l];
  float s = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  for (int64_t d = D8; d < D; ++d) s += q[d] * k[d];
  return s;
}

__attribute__((target_clones("avx2", "default"))) void accumulate(float* acc, const float* v, float w, int64_t Dv) {
  for (int64_t d = 0; d < Dv; ++d) acc[d] += w * v[d];
}

void row(const PagedAttentionArgs& a, int64_t n, int64_t h, std::vector<float>& s, std::vector<float>& acc) {
  const PagedSequence& q_seq = a.seqs[a.seq_of[n]];
  const int64_t qp = q_seq.past + (n - q_seq.offset);  // the query's position; keys 0..qp are visible
  const int64_t lo = a.window > 0 ? std::max<int64_t>(0, qp - a.window + 1) : 0, hi = qp + 1;
  const int64_t kh = h / (a.H / a.Hkv);
  const float* q = a.q + (n * a.H + h) * a.D;
  s.resize(static_cast<size_t>(hi - lo));
  float mx = a.sinks ? a.sinks[h] : -INFINITY;
  for (int64_t j = lo; j < hi; ++j) {
    float v = dot(q, a.k + (q_seq.slots[j] * a.Hkv + kh) * a.D, a.D) * a.scaling;
    if (a.softcap > 0) v = std::tanh(v / a.softcap) * a.softcap;
    s[static_cast<size_t>(j - lo)] = v;
    mx = std::max(mx, v);
  }
  float sum = a.sinks ? std::exp(a.sinks[h] - mx) : 0.0f;
  for (float& v : s) sum += (v = std::exp(v - mx));
  const float inv = 1.0f / sum;
  acc.assign(static_cast<size_t>(a.Dv), 0.0f);
  for (int64_t j = lo; j < hi; ++j)
    accumulate(acc.data(), a.v + (q_seq.slots[j] * a.Hkv + kh) * a.Dv, s[static_cast<size_t>(j - lo)] * inv, a.Dv);
  std::copy(acc.begin(), acc.end(), a.out + (n * a.H + h) * a.Dv);
}

}  // namespace

void paged_attention(const PagedAttentionArgs& a) {
  const int64_t rows = a.N * a.H;
#pragma omp parallel if (rows > 1)
  {
    std::vector<float> s, acc;
#pragma omp for schedule(dynamic, 4)
    for (int64_t r = 0; r < rows; ++r) row(a, r / a.H, r % a.H, s, acc);
  }
}

}  // namespace transformers::ops::kernels::cpu
