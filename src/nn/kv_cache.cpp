#include "nn/kv_cache.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "transformers/errors.hpp"

namespace transformers::nn {

namespace {
// A [B, H, cap, D] buffer holding the first `len` token slots of `old` (undefined: none).
Tensor grow(const Tensor& old, int64_t len, int64_t cap, int64_t B, int64_t H, int64_t D) {
  Tensor t = Tensor::empty({B, H, cap, D});
  if (old.defined() && len > 0) ops::copy_(t.slice(2, 0, len), old.slice(2, 0, len));
  return t;
}
}  // namespace

KVCache::View KVCache::update(int64_t layer, const Tensor& k0, const Tensor& v0, int64_t window) {
  if (paged) throw ValueError("this model's attention keeps its own cache layout, which the paged KV cache of the serving engine does not support");
  if (layer < 0 || layer >= num_layers()) throw ValueError("KVCache: layer " + std::to_string(layer) + " out of range");
  if (k0.dim() != 4 || v0.dim() != 4 || k0.size(0) != v0.size(0) || k0.size(1) != v0.size(1) || k0.size(2) != v0.size(2))
    throw ShapeMismatch("KVCache: k " + shape_str(k0.shape()) + " and v " + shape_str(v0.shape()) + " must be [batch, seq, kv_heads, dim]");
  Tensor k = k0.to(DType::F32).contiguous(), v = v0.to(DType::F32).contiguous();
  Layer& L = layers_[static_cast<size_t>(layer)];
  const int64_t B = k.size(0), S = k.size(1), H = k.size(2);
  if (L.k.defined() && (L.k.size(0) != B || L.k.size(1) != H || L.k.size(3) != k.size(3) || L.v.size(3) != v.size(3)))
    throw ShapeMismatch("KVCache: new entries " + shape_str(k.shape()) + " do not match the cached ones " + shape_str(L.k.shape()));
  if (window > 0 && L.len >= 2 * window) {
    // Keep the last window - 1 entries: the oldest key any query from here on can attend to.
    const int64_t drop = L.len - (window - 1);
    for (Tensor* t : {&L.k, &L.v})  // through a copy: source and destination overlap
      ops::copy_(t->slice(2, 0, L.len - drop), t->slice(2, drop, L.len).contiguous());
    L.start += drop, L.len -= drop;
  }
  const int64_t need = L.len + S;
  if (!L.k.defined() || need > L.k.size(2)) {
    const int64_t cap = std::max({need, window > 0 ? std::min(reserve_, 2 * window + S) : reserve_, L.k.defined() ? 2 * L.k.size(2) : int64_t{0}});
    L.k = grow(L.k, L.len, cap, B, H, k.size(3));
    L.v = grow(L.v, L.len, cap, B, H, v.size(3));
  }
  ops::copy_(L.k.slice(2, L.len, need), k.permute({0, 2, 1, 3}));
  ops::copy_(L.v.slice(2, L.len, need), v.permute({0, 2, 1, 3}));
  L.len = need;
  return {L.k.slice(2, 0, L.len), L.v.slice(2, 0, L.len), L.start};
}

namespace {
// Paged mode: q, k, v [1, N, H(kv), D] hold the new tokens of every sequence of the step.
Tensor paged_attention(const Tensor& q, const Tensor& k, const Tensor& v, PagedBatch& p, int64_t layer, const ops::AttentionOptions& o) {
  if (q.dim() != 4 || q.size(0) != 1) throw ShapeMismatch("paged attention: the flat batch must be one row, got q " + shape_str(q.shape()));
  if (o.key_padding.defined() || o.bias.defined())
    throw ValueError("this model's attention needs a padding mask or a score bias (ALiBi, relative positions), which the paged KV cache of the serving engine does not support");
  const int64_t N = q.size(1);
  if (p.probe) {
    if (static_cast<int64_t>(p.shapes.size()) <= layer) p.shapes.resize(static_cast<size_t>(layer + 1));
    p.shapes[static_cast<size_t>(layer)] = {k.size(2), k.size(3), v.size(3)};
    return ops::attention(q.permute({0, 2, 1, 3}), k.permute({0, 2, 1, 3}), v.permute({0, 2, 1, 3}), o);
  }
  if (layer < 0 || layer >= static_cast<int64_t>(p.k.size()) || !p.k[static_cast<size_t>(layer)].defined())
    throw ValueError("paged attention: no pool for layer " + std::to_string(layer));
  Tensor& kp = p.k[static_cast<size_t>(layer)];
  Tensor& vp = p.v[static_cast<size_t>(layer)];
  if (k.size(2) != kp.size(1) || k.size(3) != kp.size(2) || v.size(3) != vp.size(2) || static_cast<int64_t>(p.write_slots.size()) != N)
    throw ShapeMismatch("paged attention: new entries " + shape_str(k.shape()) + " do not match the pool " + shape_str(kp.shape()));
  ops::paged_write(kp, k, p.write_slots);
  ops::paged_write(vp, v, p.write_slots);
  return ops::paged_attention(q.contiguous().view({N, q.size(2), q.size(3)}), kp, vp, p.seqs, o).view({1, N, -1});
}
}  // namespace

Tensor cached_attention(const Tensor& q, const Tensor& k, const Tensor& v, KVCache* cache, int64_t layer, ops::AttentionOptions o) {
  if (cache && cache->paged) return paged_attention(q, k, v, *cache->paged, layer, o);
  const int64_t S = q.size(1);
  Tensor kc, vc;
  if (cache) {
    KVCache::View view = cache->update(layer, k, v, o.sliding_window);
    kc = view.k, vc = view.v;
    o.kv_start = view.start;
    o.q_start = view.start + kc.size(2) - S;
  } else {
    kc = k.permute({0, 2, 1, 3}), vc = v.permute({0, 2, 1, 3});
  }
  return ops::attention(q.permute({0, 2, 1, 3}), kc, vc, o);
}

const KVCache::Cross& KVCache::cross(int64_t layer, const std::function<Cross()>& project) {
  if (layer < 0 || layer >= num_layers()) throw ValueError("KVCache: layer " + std::to_string(layer) + " out of range");
  cross_.resize(layers_.size());
  Cross& c = cross_[static_cast<size_t>(layer)];
  if (!c.k.defined()) c = project();
  return c;
}

void KVCache::reorder_cache(const std::vector<int64_t>& beam_idx) {
  for (Layer& L : layers_) {
    if (!L.k.defined()) continue;
    const int64_t B = L.k.size(0);
    if (static_cast<int64_t>(beam_idx.size()) != B) throw ShapeMismatch("KVCache: reorder_cache needs one index per cached row");
    const Tensor idx = Tensor::from_ints(beam_idx, {B});
    for (Tensor* t : {&L.k, &L.v}) *t = ops::gather_rows(t->view({B, -1}), idx).view(t->shape());
  }
}

}  // namespace transformers::nn

namespace transformers::nn {

Tensor attention_probs(const Tensor& q0, const Tensor& k0, int64_t head, float scaling, const Tensor& key_padding) {
  const Tensor q = q0.to(DType::F32).contiguous(), k = k0.to(DType::F32).contiguous();
  const int64_t B = q.size(0), S = q.size(1), H = q.size(2), D = q.size(3), T = k.size(1);
  if (head < 0 || head >= H || k.size(2) != H || k.size(3) != D || k.size(0) != B)
    throw ValueError("attention_probs: head " + std::to_string(head) + " of q " + shape_str(q.shape()) + " and k " + shape_str(k.shape()));
  Tensor mask;
  if (key_padding.defined()) mask = key_padding.to(DType::I64).contiguous();
  Tensor out = Tensor::empty({B, S, T});
  const float *qp = q.data<float>(), *kp = k.data<float>();
  float* op = out.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      const float* qs = qp + ((b * S + s) * H + head) * D;
      float* row = op + (b * S + s) * T;
      float mx = -INFINITY;
      for (int64_t t = 0; t < T; ++t) {
        const float* kt = kp + ((b * T + t) * H + head) * D;
        float dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += qs[d] * scaling * kt[d];
        row[t] = mask.defined() && !mask.data<int64_t>()[b * T + t] ? -INFINITY : dot;
        mx = std::max(mx, row[t]);
      }
      double z = 0;
      for (int64_t t = 0; t < T; ++t) z += (row[t] = std::isinf(row[t]) ? 0.0f : std::exp(row[t] - mx));
      for (int64_t t = 0; t < T; ++t) row[t] = static_cast<float>(row[t] / z);
    }
  return out;
}

}  // namespace transformers::nn
