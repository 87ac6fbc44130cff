#include "core/output_recorder.hpp"
#include <cmath>
#include <limits>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

Tensor extended_attention_mask(const Tensor& attention_mask) {
  if (attention_mask.dim() != 2) throw ShapeMismatch("attention_mask must be [batch, seq], got " + shape_str(attention_mask.shape()));
  const int64_t B = attention_mask.size(0), S = attention_mask.size(1);
  return ops::where(attention_mask.reshape({B, 1, 1, S}), Tensor::zeros({1}), Tensor::full({1}, std::numeric_limits<float>::lowest()));
}

Tensor causal_extended_attention_mask(const Tensor& attention_mask) {
  const Tensor pad = extended_attention_mask(attention_mask);
  const int64_t S = pad.size(3);
  // Key k is visible to query q when k <= q: clamp((q + 1) - k, 0, 1) is that 0/1 matrix.
  const Tensor visible = ops::clamp(ops::sub(ops::arange(1, S + 1).view({S, 1}), ops::arange(0, S).view({1, S})), 0, 1);
  return ops::where(visible, pad, Tensor::full({1}, std::numeric_limits<float>::lowest()));
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
  // pad + 1 + the count of real tokens before each real token; pad at padding (HF's
  // create_position_ids_from_input_ids).
  const Tensor real = ops::ne(input_ids, pad);
  const Tensor run = ops::cumsum(real, 1);
  return ops::add(ops::mul(run, real), Tensor::full({1}, static_cast<double>(pad))).to(DType::I64);
}

}  // namespace transformers::nn
