#pragma once
// The building blocks every family shares, named as in torch.nn.
#include "nn/module.hpp"
#include "ops/ops.hpp"
#include "ops/quant.hpp"

namespace transformers::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true)
      : weight(param("weight", {out_features, in_features}, ParamKind::Weight)),
        bias(bias ? &param("bias", {out_features}, ParamKind::Float32) : nullptr),
        in_features(in_features) {}
  Tensor operator()(const Tensor& x) const {
    if (quant_type) return ops::linear_quantized(x, weight, *quant_type, in_features, bias ? *bias : Tensor());
    return ops::linear(x, weight, bias ? *bias : Tensor(), weight_scale);
  }
  // Weight-only int8: weight becomes int8 [N, K] with one fp32 scale per output row.
  void quantize_int8();
  Tensor& weight;
  Tensor* bias;
  Tensor weight_scale;
  int64_t in_features;
  // Set when the weight is kept block-quantized as loaded (a GGUF file's Q4_0, Q8_0, ...): weight
  // then holds U8 [out_features, quant_row_bytes(type, in_features)] and the product runs on the blocks.
  std::optional<ops::QuantType> quant_type;
};

// nn.Conv1d: weight [out, in / groups, kernel], optional bias [out].
class Conv1d : public Module {
 public:
  struct Options {
    int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
    bool bias = true;
  };
  Conv1d(int64_t in, int64_t out, int64_t kernel, Options o)
      : weight(param("weight", {out, in / o.groups, kernel}, ParamKind::Weight)),
        bias(o.bias ? &param("bias", {out}, ParamKind::Float32) : nullptr),
        opt(o) {}
  Tensor operator()(const Tensor& x) const {
    return ops::conv1d(x, weight, bias ? *bias : Tensor(), opt.stride, opt.padding, opt.dilation, opt.groups);
  }
  Tensor& weight;
  Tensor* bias;
  Options opt;
};

// nn.Conv2d: weight [out, in / groups, kh, kw], optional bias [out].
class Conv2d : public Module {
 public:
  struct Options {
    std::pair<int64_t, int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
    bool bias = true;
    int64_t groups = 1;
  };
  Conv2d(int64_t in, int64_t out, std::pair<int64_t, int64_t> kernel, Options o)
      : weight(param("weight", {out, in / o.groups, kernel.first, kernel.second}, ParamKind::Weight)),
        bias(o.bias ? &param("bias", {out}, ParamKind::Float32) : nullptr),
        opt(o) {}
  Tensor operator()(const Tensor& x) const {
    return ops::conv2d(x, weight, bias ? *bias : Tensor(), opt.stride, opt.padding, opt.groups, opt.dilation);
  }
  Tensor& weight;
  Tensor* bias;
  Options opt;
};

// nn.ConvTranspose2d with kernel_size == stride (the upsampling blocks of FPN necks): weight
// [in, out, k, k], optional bias [out].
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in, int64_t out, int64_t kernel, bool with_bias = true)
      : weight(param("weight", {in, out, kernel, kernel}, ParamKind::Weight)),
        bias(with_bias ? &param("bias", {out}, ParamKind::Float32) : nullptr),
        stride(kernel) {}
  Tensor operator()(const Tensor& x) const { return ops::conv_transpose2d(x, weight, bias ? *bias : Tensor(), stride); }
  Tensor& weight;
  Tensor* bias;
  int64_t stride;
};

// nn.BatchNorm2d in eval mode: weight, bias, running_mean, running_var (num_batches_tracked is
// training state and not read).
class BatchNorm : public Module {
 public:
  explicit BatchNorm(int64_t n, float eps = 1e-5f)
      : weight(param("weight", {n}, ParamKind::Float32)),
        bias(param("bias", {n}, ParamKind::Float32)),
        running_mean(param("running_mean", {n}, ParamKind::Float32)),
        running_var(param("running_var", {n}, ParamKind::Float32)),
        eps(eps) {}
  Tensor operator()(const Tensor& x) const { return ops::batch_norm(x, running_mean, running_var, weight, bias, eps); }
  Tensor &weight, &bias, &running_mean, &running_var;
  float eps;
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t dim) : weight(param("weight", {num_embeddings, dim}, ParamKind::Weight)) {}
  Tensor operator()(const Tensor& ids) const { return ops::embedding(weight, ids); }
  Tensor& weight;
};

class LayerNorm : public Module {
 public:
  LayerNorm(int64_t dim, float eps, bool with_bias = true)
      : weight(param("weight", {dim}, ParamKind::Float32)),
        bias(with_bias ? &param("bias", {dim}, ParamKind::Float32) : nullptr),
        eps(eps) {}
  Tensor operator()(const Tensor& x) const { return ops::layer_norm(x, weight, bias ? *bias : Tensor(), eps); }
  Tensor& weight;
  Tensor* bias;
  float eps;
};

class RMSNorm : public Module {
 public:
  RMSNorm(int64_t dim, float eps) : weight(param("weight", {dim}, ParamKind::Float32)), eps(eps) {}
  Tensor operator()(const Tensor& x) const { return ops::rms_norm(x, weight, eps); }
  Tensor& weight;
  float eps;
};

// A bare parameter owned by a module (e.g. BERT's `cls.predictions.bias`).
// Additive attention mask from a [B, S] 0/1 mask: 0 where attended, the fp32 minimum where not,
// shaped [B, 1, 1, S] to broadcast over heads and query positions (HF's bidirectional mask).
Tensor extended_attention_mask(const Tensor& attention_mask);
// [B, 1, S, S]: the padding mask plus a causal one (keys after the query hidden), as BERT-style
// models build it when config.is_decoder; a hidden key gets float lowest either way (no -inf).
Tensor causal_extended_attention_mask(const Tensor& attention_mask);

// Scaled dot-product attention over [B, H, S, D] query/key/value with an additive mask.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, float scaling);

// Rotary position embedding (HF's default rope): x [B, H, S, D] at positions 0..S-1 (or
// `positions` [S]), inv_freq = 1 / theta^(2i/D), x*cos + rotate_half(x)*sin.
Tensor apply_rotary(const Tensor& x, float theta, const std::vector<int64_t>& positions = {});

// The post-norm encoder layer BERT, ALBERT, MPNet and DistilBERT share under different names:
// attn = norm1(x + o(attention(q, k, v))); out = norm2(attn + ffn_out(act(ffn_in(attn)))).
struct PostNormLayer {
  const Linear *q, *k, *v, *o, *ffn_in, *ffn_out;
  const LayerNorm *attn_norm, *out_norm;
  int64_t heads;
  ops::Activation act;
  Tensor operator()(const Tensor& x, const Tensor& mask) const;
};

// RoBERTa / MPNet position ids: non-pad tokens count from pad_token_id + 1, pads sit at pad_token_id.
Tensor padding_offset_positions(const Tensor& input_ids, int64_t pad_token_id);

// [B, S, H*D] -> [B, H, S, D] and back.
Tensor split_heads(const Tensor& x, int64_t heads);
Tensor merge_heads(const Tensor& x);

}  // namespace transformers::nn
