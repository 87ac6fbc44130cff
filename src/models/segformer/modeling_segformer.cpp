// SegFormer: transformers/models/segformer/modeling_segformer.py (v5 names; checkpoints in the
// older names are renamed at load as conversion_mapping.py does).
#include "core/output_recorder.hpp"
#include "models/segformer/modeling_segformer.hpp"

#include <cmath>
#include <regex>

#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::segformer {

ConfigSpec config_spec() {
  return {"segformer", "SegformerConfig", R"({
    "num_channels": 3, "num_encoder_blocks": 4, "depths": [2, 2, 2, 2], "sr_ratios": [8, 4, 2, 1], "hidden_sizes": [32, 64, 160, 256],
    "patch_sizes": [7, 3, 3, 3], "strides": [4, 2, 2, 2], "num_attention_heads": [1, 2, 5, 8], "mlp_ratios": [4, 4, 4, 4],
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout_prob": 0.1,
    "initializer_range": 0.02, "drop_path_rate": 0.1, "layer_norm_eps": 1e-6, "decoder_hidden_size": 256,
    "semantic_loss_ignore_index": 255, "reshape_last_stage": true
  })"};
}

namespace {

// [B, N, C] tokens of an h x w grid <-> [B, C, h, w].
Tensor to_grid(const Tensor& t, int64_t h, int64_t w) { return t.transpose(1, 2).contiguous().view({t.size(0), t.size(2), h, w}); }
Tensor to_tokens(const Tensor& g) { return g.view({g.size(0), g.size(1), g.size(2) * g.size(3)}).transpose(1, 2).contiguous(); }

nn::Conv2d::Options conv_options(int64_t stride, int64_t padding, int64_t groups = 1, bool bias = true) {
  nn::Conv2d::Options o;
  o.stride = {stride, stride}, o.padding = {padding, padding}, o.groups = groups, o.bias = bias;
  return o;
}

class Layer : public nn::Module {
 public:
  Layer(int64_t hidden, int64_t heads, int64_t sr, int64_t mlp, ops::Activation act) : heads_(heads), act_(act) {
    using nn::Linear;
    before_ = &child("layernorm_before", std::make_unique<nn::LayerNorm>(hidden, 1e-5f));
    auto& a = child("attention", std::make_unique<nn::Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(hidden, hidden));
    k_ = &a.add("k_proj", std::make_unique<Linear>(hidden, hidden));
    v_ = &a.add("v_proj", std::make_unique<Linear>(hidden, hidden));
    o_ = &a.add("o_proj", std::make_unique<Linear>(hidden, hidden));
    if (sr > 1) {
      auto& r = a.add("sequence_reduction", std::make_unique<nn::Container>());
      sr_conv_ = &r.add("sequence_reduction", std::make_unique<nn::Conv2d>(hidden, hidden, std::pair{sr, sr}, conv_options(sr, 0)));
      sr_norm_ = &r.add("layer_norm", std::make_unique<nn::LayerNorm>(hidden, 1e-5f));
    }
    after_ = &child("layernorm_after", std::make_unique<nn::LayerNorm>(hidden, 1e-5f));
    auto& m = child("mlp", std::make_unique<nn::Container>());
    fc1_ = &m.add("fc1", std::make_unique<Linear>(hidden, mlp));
    dw_ = &m.add("dwconv", std::make_unique<nn::Container>()).add("dwconv", std::make_unique<nn::Conv2d>(mlp, mlp, std::pair<int64_t, int64_t>{3, 3},
                                                                                                          conv_options(1, 1, mlp)));
    fc2_ = &m.add("fc2", std::make_unique<Linear>(mlp, hidden));
    scaling_ = 1.0f / std::sqrt(static_cast<float>(hidden / heads));
  }
  Tensor operator()(const Tensor& x, int64_t h, int64_t w) const {
    const Tensor n = (*before_)(x);
    const Tensor kv = sr_conv_ ? (*sr_norm_)(to_tokens((*sr_conv_)(to_grid(n, h, w)))) : n;
    ops::AttentionOptions o;
    o.causal = false, o.scaling = scaling_;
    const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(n), heads_), nn::split_heads((*k_)(kv), heads_), nn::split_heads((*v_)(kv), heads_), o));
    const Tensor r = ops::add(x, a);
    const Tensor m = ops::activation(to_tokens((*dw_)(to_grid((*fc1_)((*after_)(r)), h, w))), act_);
    return ops::add(r, (*fc2_)(m));
  }

 private:
  int64_t heads_;
  ops::Activation act_;
  float scaling_;
  nn::LayerNorm *before_, *after_, *sr_norm_ = nullptr;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
  nn::Conv2d *sr_conv_ = nullptr, *dw_;
};

class Stage : public nn::Module {
 public:
  Stage(const PretrainedConfig& c, size_t i, int64_t in) {
    const auto at = [&](const char* key) { return c.get_int_list(key).at(i); };
    const int64_t hidden = at("hidden_sizes"), patch = at("patch_sizes");
    auto& p = child("patch_embeddings", std::make_unique<nn::Container>());
    proj_ = &p.add("proj", std::make_unique<nn::Conv2d>(in, hidden, std::pair{patch, patch}, conv_options(at("strides"), patch / 2)));
    proj_norm_ = &p.add("layer_norm", std::make_unique<nn::LayerNorm>(hidden, 1e-5f));
    auto& blocks = child("blocks", std::make_unique<nn::Container>());
    const auto act = ops::activation_from_name(c.get_string("hidden_act"));
    for (int64_t j = 0; j < at("depths"); ++j)
      layers_.push_back(&blocks.add(std::to_string(j), std::make_unique<Layer>(hidden, at("num_attention_heads"), at("sr_ratios"), hidden * at("mlp_ratios"), act)));
    norm_ = &child("layer_norm", std::make_unique<nn::LayerNorm>(hidden, 1e-5f));
  }
  // [B, C_in, H, W] -> [B, hidden, h, w]
  Tensor operator()(const Tensor& x) const {
    const Tensor g = (*proj_)(x);
    const int64_t h = g.size(2), w = g.size(3);
    Tensor t = (*proj_norm_)(to_tokens(g));
    for (const auto* l : layers_) t = (*l)(t, h, w);
    return to_grid((*norm_)(t), h, w);
  }

 private:
  nn::Conv2d* proj_;
  nn::LayerNorm *proj_norm_, *norm_;
  std::vector<Layer*> layers_;
};

class SegformerModel : public nn::Module {
 public:
  explicit SegformerModel(const PretrainedConfig& c) : channels_(c.get_int("num_channels")) {
    const int64_t n = c.get_int("num_encoder_blocks");
    for (const char* key : {"depths", "sr_ratios", "hidden_sizes", "patch_sizes", "strides", "num_attention_heads", "mlp_ratios"})
      if (static_cast<int64_t>(c.get_int_list(key).size()) < n) throw ConfigError(std::string("SegformerConfig: ") + key + " must cover num_encoder_blocks");
    if (!c.get_bool("reshape_last_stage")) throw ConfigError("SegformerConfig: reshape_last_stage = false is not supported");
    auto& stages = child("stages", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < n; ++i)
      stages_.push_back(&stages.add(std::to_string(i), std::make_unique<Stage>(c, static_cast<size_t>(i), i ? c.get_int_list("hidden_sizes")[static_cast<size_t>(i - 1)] : channels_)));
  }
  // Every stage's output [B, C_i, H_i, W_i], finest first.
  std::vector<Tensor> run(const ModelInputs& in) const {
    const Tensor& pv = require_input(in, "pixel_values", "SegformerModel");
    if (pv.dim() != 4 || pv.size(1) != channels_)
      throw ShapeMismatch("SegformerModel: pixel_values must be [batch, " + std::to_string(channels_) + ", height, width], got " + shape_str(pv.shape()));
    std::vector<Tensor> out;
    Tensor x = pv.to(DType::F32).contiguous();
    for (const auto* s : stages_) {
      out.push_back(x = (*s)(x));
      record::hidden_state(x);  // each stage's [B, C, H, W] output
    }
    return out;
  }

 private:
  int64_t channels_;
  std::vector<Stage*> stages_;
};

// conversion_mapping.py's "SegformerModel" / "SegformerForSemanticSegmentation" renames.
std::string rename_legacy(std::string key) {
  static const std::pair<std::regex, const char*> kPatterns[] = {{std::regex(R"(encoder\.patch_embeddings\.(\d+)\.)"), "stages.$1.patch_embeddings."},
                                                                 {std::regex(R"(encoder\.block\.(\d+)\.)"), "stages.$1.blocks."},
                                                                 {std::regex(R"(encoder\.layer_norm\.(\d+))"), "stages.$1.layer_norm"}};
  for (const auto& [re, to] : kPatterns) key = std::regex_replace(key, re, to);
  static const std::pair<const char*, const char*> kRenames[] = {
      {"attention.self.query", "attention.q_proj"},  {"attention.self.key", "attention.k_proj"},
      {"attention.self.value", "attention.v_proj"},  {"attention.self.sr", "attention.sequence_reduction.sequence_reduction"},
      {"attention.self.layer_norm", "attention.sequence_reduction.layer_norm"}, {"attention.output.dense", "attention.o_proj"},
      {"mlp.dense1", "mlp.fc1"}, {"mlp.dense2", "mlp.fc2"}, {"layer_norm_1", "layernorm_before"}, {"layer_norm_2", "layernorm_after"},
      {"decode_head.linear_c", "decode_head.linear_projections"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return key;
}

class Base : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  Base(const PretrainedConfig& c, bool root) : Model(c), model_(child(root ? "" : "segformer", std::make_unique<SegformerModel>(c))) {}
  std::string base_model_prefix() const override { return "segformer"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }
  ModelOutput forward(const ModelInputs& in) override {
    ModelOutput o;
    o.set("last_hidden_state", model_.run(in).back());
    return o;
  }

 protected:
  SegformerModel& model_;
};

// The classifier over the mean of the last stage's tokens.
class ForImageClassification : public Base {
 public:
  explicit ForImageClassification(const PretrainedConfig& c)
      : Base(c, false), head_(child("classifier", std::make_unique<ImageClassifier>(c.get_int_list("hidden_sizes").back(), c))) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override { return head_(ops::mean(to_tokens(model_.run(in).back()), 1)); }

 private:
  const ImageClassifier& head_;
};

// SegformerDecodeHead: each scale projected to decoder_hidden_size and upsampled to the finest,
// concatenated coarsest first, fused by a 1x1 convolution + batch norm + ReLU, then classified.
class ForSemanticSegmentation : public Base {
 public:
  explicit ForSemanticSegmentation(const PretrainedConfig& c) : Base(c, false) {
    if (c.num_labels() <= 0) throw ConfigError("SegformerForSemanticSegmentation needs num_labels > 0");
    const int64_t d = c.get_int("decoder_hidden_size"), n = c.get_int("num_encoder_blocks");
    auto& head = child("decode_head", std::make_unique<nn::Container>());
    auto& projs = head.add("linear_projections", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < n; ++i)
      projs_.push_back(&projs.add(std::to_string(i), std::make_unique<nn::Container>())
                            .add("proj", std::make_unique<nn::Linear>(c.get_int_list("hidden_sizes")[static_cast<size_t>(i)], d)));
    fuse_ = &head.add("linear_fuse", std::make_unique<nn::Conv2d>(d * n, d, std::pair<int64_t, int64_t>{1, 1}, conv_options(1, 0, 1, false)));
    bn_ = &head.add("batch_norm", std::make_unique<nn::BatchNorm>(d));
    classifier_ = &head.add("classifier", std::make_unique<nn::Conv2d>(d, c.num_labels(), std::pair<int64_t, int64_t>{1, 1}, conv_options(1, 0)));
  }
  std::vector<std::string> may_be_missing() const override { return {"decode_head."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const std::vector<Tensor> states = model_.run(in);
    const int64_t H = states[0].size(2), W = states[0].size(3);
    std::vector<Tensor> scaled;
    for (size_t i = states.size(); i-- > 0;) {
      const Tensor& s = states[i];
      scaled.push_back(ops::interpolate_bilinear(to_grid((*projs_[i])(to_tokens(s)), s.size(2), s.size(3)), H, W));
    }
    const Tensor h = ops::activation((*bn_)((*fuse_)(ops::concat(scaled, 1))), ops::Activation::Relu);
    ModelOutput o;
    o.set("logits", (*classifier_)(h));
    return o;
  }

 private:
  std::vector<nn::Linear*> projs_;
  nn::Conv2d *fuse_, *classifier_;
  nn::BatchNorm* bn_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<Base>(c, true); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) { return std::make_unique<ForImageClassification>(c); }
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c) { return std::make_unique<ForSemanticSegmentation>(c); }

}  // namespace transformers::segformer
