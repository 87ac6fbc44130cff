#pragma once
// ViT (modeling_vit.py): patch embeddings, CLS token and learned positions, then pre-norm layers.
// The layer, the legacy key renames and the patch grid are shared with the families built on ViT
// (DeiT, AST).
#include <memory>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "ops/ops.hpp"

namespace transformers::vit {

ConfigSpec config_spec();

// The transformer-layer shape every ViT-style config shares.
struct Dims {
  int64_t hidden = 0, heads = 0, intermediate = 0, layers = 0;
  float eps = 1e-12f;
  bool qkv_bias = true;
  ops::Activation act{};
  static Dims from(const PretrainedConfig& c, const std::string& owner);
};

// The image grid: image_size and patch_size as an integer or [height, width].
struct Grid {
  int64_t image_h = 0, image_w = 0, patch_h = 0, patch_w = 0, channels = 3;
  int64_t rows() const { return image_h / patch_h; }
  int64_t cols() const { return image_w / patch_w; }
  static Grid from(const PretrainedConfig& c, const std::string& owner);
};

// ViTLayer: x + attention(layernorm_before(x)), then + mlp(layernorm_after(.)).
class Layer : public nn::Module {
 public:
  explicit Layer(const Dims& d);
  Tensor operator()(const Tensor& x) const;

 private:
  const Dims& d_;
  nn::LayerNorm *before_, *after_;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
};

// Conv2d(num_channels, hidden, kernel = stride = patch): pixel_values [B, C, H, W] -> [B, patches, hidden].
class PatchEmbeddings : public nn::Module {
 public:
  PatchEmbeddings(int64_t hidden, const Grid& g);
  // Checks the image is the configured image_size, as ViT does without interpolate_pos_encoding.
  Tensor operator()(const Tensor& pixel_values, const std::string& owner) const;
  // Any image size (families that interpolate their positions).
  Tensor project(const Tensor& pixel_values, const std::string& owner) const;

 private:
  Grid g_;
  Tensor& weight_;
  Tensor& bias_;
};

// conversion_mapping.py's "ViTModel" renames (encoder.layer.N.attention.attention.query -> layers.N.q_proj ...).
std::string rename_legacy(std::string key);

// Fills the "layers" list with d.layers Layer modules.
std::vector<Layer*> add_layers(nn::Container& layers, const Dims& d);
// interpolate_pos_encoding (ViT, DeiT, DINOv2, CLIP, SigLIP): pos [1, prefix + n, hidden] keeps its
// first `prefix` rows; the other n, a square grid, are resized bicubically (align_corners false) to
// rows x cols. Left as is when the image is square (height == width) with n patches.
Tensor interpolate_pos_encoding(const Tensor& pos, int64_t prefix, int64_t rows, int64_t cols, bool square_image, const std::string& owner);
// Whether a forward was asked to interpolate its positions (ModelInputs "interpolate_pos_encoding", a
// scalar that is non-zero).
bool wants_interpolation(const ModelInputs& in);

// Prepends the given [1, 1, hidden] tokens to every row of `patches` [B, N, hidden].
Tensor prepend_tokens(const Tensor& patches, const std::vector<const Tensor*>& tokens);

// What distinguishes a ViT-derived family: its attribute name and class prefix, and DeiT's second
// (distillation) token.
struct Variant {
  const char* prefix;  // "vit", "deit"
  const char* name;    // "ViT", "DeiT"
  bool distillation;
};
const Variant& variant();

// ViTModel / DeiTModel: embeddings, layers, layernorm, optional pooler.
class Encoder : public nn::Module {
 public:
  Encoder(const PretrainedConfig& c, const Variant& v, bool pooler, bool mask_token);
  const Dims& dims() const { return d_; }
  const Grid& grid() const { return g_; }
  int64_t prefix_tokens() const { return v_.distillation ? 2 : 1; }
  // pixel_values (+ bool_masked_pos) -> last_hidden_state (+ pooler_output).
  ModelOutput run(const ModelInputs& in) const;

 private:
  const Variant& v_;
  Dims d_;
  Grid g_;
  Tensor *cls_, *dist_ = nullptr, *mask_ = nullptr, *pos_;
  PatchEmbeddings* patches_;
  std::vector<Layer*> layers_;
  nn::LayerNorm* norm_;
  nn::Linear* pooler_ = nullptr;
  ops::Activation pooler_act_{};
};

// The base model class and its root-or-prefixed placement, shared by every head.
class Base : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  Base(const PretrainedConfig& c, const Variant& v, bool root, bool pooler, bool mask_token);
  std::string base_model_prefix() const override { return v_.prefix; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }
  std::vector<std::string> may_be_missing() const override { return {"pooler."}; }
  ModelOutput forward(const ModelInputs& in) override { return encoder_.run(in); }

 protected:
  const Variant& v_;
  Encoder& encoder_;
};

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c, const Variant& v);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c, const Variant& v);
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c, const Variant& v);

}  // namespace transformers::vit
