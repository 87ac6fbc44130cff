#pragma once
// Rotary position embeddings with every rope_type of transformers' modeling_rope_utils: default,
// linear, dynamic, yarn, longrope, llama3 (and partial rotary dims).
#include <string>
#include <vector>

#include "transformers/config.hpp"
#include "transformers/tensor.hpp"

namespace transformers::nn {

// [..., D] with the first n channels (all when n is 0) interleaved (x0, x1, x2, ...) ->
// (x0, x2, ..., x1, x3, ..., then the rest as they were), contiguous. The interleaved rope of GLM /
// ERNIE / DeepSeek (pairs (x2i, x2i+1) rotated by frequency i) is the half-split rope on this
// order; q and k permuted alike keep every q . k.
Tensor deinterleave(const Tensor& x, int64_t n = 0);

class RotaryEmbedding {
 public:
  RotaryEmbedding() = default;
  // Reads `rope_parameters` (v5; per layer type when it is keyed by layer type) or the legacy
  // `rope_theta` + `rope_scaling`. `default_theta` is the family's rope_theta default.
  static RotaryEmbedding from_config(const PretrainedConfig& c, int64_t head_dim, const std::string& layer_type = "",
                                     double default_theta = 10000.0);
  // The plain default rope with a given base (Gemma 3's local layers, ModernBERT).
  static RotaryEmbedding with_theta(double theta, int64_t head_dim);

  // x [B, S, H, D] fp32 contiguous, rotated in place on its first rotary_dim() dims;
  // positions [B, S] (any integer dtype).
  void apply(Tensor& x, const Tensor& position_ids) const;
  int64_t rotary_dim() const { return dim_; }
  float attention_scaling() const { return attention_scaling_; }

 private:
  std::vector<float> inv_freq_for(int64_t seq_len) const;
  std::string type_ = "default";
  int64_t dim_ = 0, head_dim_ = 0;
  double theta_ = 10000.0, factor_ = 1.0;
  int64_t max_pos_ = 0, original_max_pos_ = 0;
  std::vector<float> inv_freq_, long_inv_freq_;  // long: longrope past original_max_pos
  float attention_scaling_ = 1.0f;
};

}  // namespace transformers::nn
