#pragma once
// CLIP (modeling_clip.py): a text transformer and a vision transformer joined by projections into
// one embedding space. The towers are parameterized so that SigLIP builds on them: SigLIP's text
// tower is bidirectional and pools the last token through a head, its vision tower has no class
// token and pools by attention over a learned probe.
#include <memory>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "ops/ops.hpp"

namespace transformers::clip {

ConfigSpec config_spec();
ConfigSpec text_config_spec();
ConfigSpec vision_config_spec();

struct Dims {
  int64_t hidden = 0, heads = 0, intermediate = 0, layers = 0;
  float eps = 1e-5f;
  ops::Activation act{};
  static Dims from(const PretrainedConfig& c, const std::string& owner);
};

// layer_norm1 -> self_attn (q, k, v, out_proj) -> residual -> layer_norm2 -> mlp (fc1, fc2) -> residual.
class EncoderLayer : public nn::Module {
 public:
  explicit EncoderLayer(const Dims& d);
  Tensor operator()(const Tensor& x, const ops::AttentionOptions& o) const;

 private:
  const Dims& d_;
  nn::LayerNorm *ln1_, *ln2_;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
};

struct TextFlavor {
  bool causal;         // CLIP: causal mask; SigLIP: bidirectional
  bool last_token_head;  // SigLIP: pooled = head(h[:, -1]); CLIP: h at the first eos_token_id
};

class TextTransformer : public nn::Module {
 public:
  TextTransformer(const PretrainedConfig& c, TextFlavor f);
  const Dims& dims() const { return d_; }
  // input_ids [B, L] (+ attention_mask, position_ids) -> last_hidden_state, pooler_output.
  ModelOutput run(const ModelInputs& in, const std::string& owner) const;

 private:
  Dims d_;
  TextFlavor f_;
  int64_t eos_token_id_, max_positions_;
  nn::Embedding *tokens_, *positions_;
  std::vector<EncoderLayer*> layers_;
  nn::LayerNorm* final_;
  nn::Linear* head_ = nullptr;
};

// SigLIP's MultiheadAttentionPoolingHead: a learned probe attends over the tokens (torch
// nn.MultiheadAttention, fused in_proj), then a residual MLP; one vector per image.
class AttentionPoolingHead : public nn::Module {
 public:
  explicit AttentionPoolingHead(const Dims& d);
  Tensor operator()(const Tensor& h) const;

 private:
  const Dims& d_;
  Tensor *probe_, *in_w_, *in_b_;
  nn::Linear *out_, *fc1_, *fc2_;
  nn::LayerNorm* norm_;
};

struct VisionFlavor {
  bool class_token;      // CLIP: class_embedding, pre_layrnorm, pooled = post_layernorm(h[:, 0])
  bool attention_head;   // SigLIP: post_layernorm over all tokens, pooled by the attention-pooling head
};

class VisionTransformer : public nn::Module {
 public:
  VisionTransformer(const PretrainedConfig& c, VisionFlavor f);
  const Dims& dims() const { return d_; }
  // pixel_values [B, C, image_size, image_size] -> last_hidden_state (+ pooler_output).
  ModelOutput run(const ModelInputs& in, const std::string& owner) const;
  // Python's hidden_states[index] (0: the embeddings as the first layer sees them, i: after layer
  // i; negative counts from the end), stopping there.
  Tensor hidden_state(const Tensor& pixel_values, int64_t index, const std::string& owner, bool interpolate = false) const;

 private:
  Dims d_;
  VisionFlavor f_;
  int64_t image_, patch_, channels_;
  Tensor* class_ = nullptr;
  nn::Conv2d* patch_embedding_;
  nn::Embedding* positions_;
  nn::LayerNorm* pre_ = nullptr;
  std::vector<EncoderLayer*> layers_;
  nn::LayerNorm* post_;
  AttentionPoolingHead* head_ = nullptr;
  Tensor embeddings(const Tensor& pixel_values, const std::string& owner, bool interpolate) const;
};

// Each row divided by its L2 norm.
Tensor l2_normalize(const Tensor& x);
// The text / vision sub-config of a dual-tower config (defaults when absent).
PretrainedConfig tower_config(const PretrainedConfig& c, const std::string& key, ConfigSpec (*spec)());

// What distinguishes CLIP from the families built on its towers (SigLIP).
struct Family {
  const char* name;    // "CLIP", "Siglip": class-name prefix
  const char* prefix;  // base_model_prefix of the dual-tower model
  TextFlavor text;
  VisionFlavor vision;
  ConfigSpec (*text_spec)();
  ConfigSpec (*vision_spec)();
  bool projections;  // CLIP: text_projection / visual_projection; SigLIP: none, plus logit_bias
};
const Family& family();

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c, const Family& f);
// *TextModel / *VisionModel.
std::unique_ptr<PreTrainedModel> make_text_model(const PretrainedConfig& c, const Family& f);
std::unique_ptr<PreTrainedModel> make_vision_model(const PretrainedConfig& c, const Family& f);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c, const Family& f);

}  // namespace transformers::clip
