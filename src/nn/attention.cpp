#include "core/output_recorder.hpp"
#include <cmath>
#include <limits>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

Tensor extended_attention_mask(const Tensor& attention_mask) {
  if (attention_mask.dim() != 2) throw ShapeMismatch("attention_mask must be [batch, seq], got " + shape_str(attention_mask.shape()));
  const int64_t B = attention_mask.size(0), S = attention_mask.size(1);
  Tensor m = attention_mask.to(DType::F32).contiguous();
  Tensor out = Tensor::empty({B, 1, 1, S});
  const float lowest = std::numeric_limits<float>::lowest();
  for (int64_t i = 0; i < B * S; ++i) out.data<float>()[i] = m.data<float>()[i] != 0.0f ? 0.0f : lowest;
  return out;
}

Tensor causal_extended_attention_mask(const Tensor& attention_mask) {
  const Tensor pad = extended_attention_mask(attention_mask);
  const int64_t B = pad.size(0), S = pad.size(3);
  Tensor out = Tensor::empty({B, 1, S, S});
  const float lowest = std::numeric_limits<float>::lowest();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t q = 0; q < S; ++q)
      for (int64_t k = 0; k < S; ++k) out.data<float>()[(b * S + q) * S + k] = k <= q ? pad.data<float>()[b * S + k] : lowest;
  return out;
}

Tensor split_heads(const Tensor& x, int64_t heads) {
  const int64_t B = x.size(0), S = x.size(1), D = x.size(2) / heads;
  return x.view({B, S, heads, D}).permute({0, 2, 1, 3}).contiguous();
}

Tensor merge_heads(const Tensor& x) {
  const int64_t B = x.size(0), H = x.size(1), S = x.size(2), D = x.size(3);
  return x.permute({0, 2, 1, 3}).contiguous().view({B, S, H * D});
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, float scaling) {
  Tensor scores = ops::scale(ops::matmul(q, k, false, true), scaling);
  Tensor probs = ops::softmax(scores, -1, mask);
  record::attention(probs);
  return ops::matmul(probs, v);
}

Tensor PostNormLayer::operator()(const Tensor& x, const Tensor& mask) const {
  const float scaling = 1.0f / std::sqrt(static_cast<float>(x.size(-1) / heads));
  Tensor ctx = merge_heads(scaled_dot_product_attention(split_heads((*q)(x), heads), split_heads((*k)(x), heads),
                                                        split_heads((*v)(x), heads), mask, scaling));
  Tensor attn = (*attn_norm)(ops::add((*o)(ctx), x));
  return (*out_norm)(ops::add((*ffn_out)(ops::activation((*ffn_in)(attn), act)), attn));
}

Tensor padding_offset_positions(const Tensor& input_ids, int64_t pad) {
  Tensor ids = input_ids.to(DType::I64).contiguous();
  const int64_t B = ids.size(0), S = ids.size(1);
  Tensor pos = Tensor::empty({B, S}, DType::I64);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0, run = 0; s < S; ++s) {
      const bool real = ids.data<int64_t>()[b * S + s] != pad;
      run += real;
      pos.data<int64_t>()[b * S + s] = real ? run + pad : pad;
    }
  return pos;
}

}  // namespace transformers::nn
