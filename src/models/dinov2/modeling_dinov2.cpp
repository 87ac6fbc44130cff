// DINOv2: transformers/models/dinov2/modeling_dinov2.py. Checkpoints keep the older key names
// (attention.attention.query, mlp.weights_in); the fused SwiGLU input is kept fused here.
#include "core/output_recorder.hpp"
#include "models/backbone.hpp"
#include "models/dinov2/modeling_dinov2.hpp"

#include <cmath>

#include "models/vit/modeling_vit.hpp"
#include "models/vision_heads.hpp"
#include "transformers/errors.hpp"

namespace transformers::dinov2 {

ConfigSpec config_spec() {
  return {"dinov2", "Dinov2Config", R"({
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "mlp_ratio": 4, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02, "layer_norm_eps": 1e-6,
    "image_size": null, "patch_size": null, "num_channels": 3, "qkv_bias": true, "layerscale_value": 1.0, "drop_path_rate": 0.0,
    "use_swiglu_ffn": false, "apply_layernorm": true, "reshape_hidden_states": true, "use_mask_token": true
  })"};
}

namespace {

struct Dims {
  int64_t hidden, heads, layers, mlp, swiglu;
  float eps;
  bool qkv_bias, use_swiglu;
  ops::Activation act;
  static Dims from(const PretrainedConfig& c) {
    Dims d{};
    d.hidden = c.get_int("hidden_size"), d.heads = c.get_int("num_attention_heads"), d.layers = c.get_int("num_hidden_layers");
    d.mlp = static_cast<int64_t>(static_cast<double>(d.hidden) * c.get_float("mlp_ratio"));
    d.swiglu = (static_cast<int64_t>(static_cast<double>(d.mlp) * 2 / 3) + 7) / 8 * 8;  // two thirds, rounded up to 8
    d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
    d.qkv_bias = c.get_bool("qkv_bias"), d.use_swiglu = c.get_bool("use_swiglu_ffn");
    d.act = ops::activation_from_name(c.get_string("hidden_act"));
    if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads || d.layers < 0 || d.mlp <= 0)
      throw ConfigError("Dinov2Config: hidden_size must be a positive multiple of num_attention_heads");
    return d;
  }
};

class Layer : public nn::Module {
 public:
  explicit Layer(const Dims& d) : d_(d) {
    using nn::Linear;
    norm1_ = &child("norm1", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& a = child("attention", std::make_unique<nn::Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    o_ = &a.add("o_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    scale1_ = &child("layer_scale1", std::make_unique<nn::Container>()).add("lambda1", std::make_unique<nn::BareParameter>(d.hidden)).value;
    norm2_ = &child("norm2", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    if (d.use_swiglu) {
      in_ = &mlp.add("weights_in", std::make_unique<Linear>(d.hidden, 2 * d.swiglu));
      out_ = &mlp.add("weights_out", std::make_unique<Linear>(d.swiglu, d.hidden));
    } else {
      in_ = &mlp.add("fc1", std::make_unique<Linear>(d.hidden, d.mlp));
      out_ = &mlp.add("fc2", std::make_unique<Linear>(d.mlp, d.hidden));
    }
    scale2_ = &child("layer_scale2", std::make_unique<nn::Container>()).add("lambda1", std::make_unique<nn::BareParameter>(d.hidden)).value;
  }
  Tensor operator()(const Tensor& x) const {
    const Tensor h = (*norm1_)(x);
    ops::AttentionOptions o;
    o.causal = false;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
    const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads),
                                          nn::split_heads((*v_)(h), d_.heads), o));
    const Tensor r = ops::add(x, ops::mul(a, *scale1_));
    const Tensor m = (*in_)((*norm2_)(r));
    Tensor f;
    if (d_.use_swiglu) {
      // silu(gate) * up, with gate the first half of the fused projection.
      const int64_t n = d_.swiglu;
      f = ops::mul(ops::activation(m.slice(-1, 0, n).contiguous(), ops::Activation::Silu), m.slice(-1, n, 2 * n).contiguous());
    } else {
      f = ops::activation(m, d_.act);
    }
    return ops::add(r, ops::mul((*out_)(f), *scale2_));
  }

 private:
  const Dims& d_;
  nn::LayerNorm *norm1_, *norm2_;
  nn::Linear *q_, *k_, *v_, *o_, *in_, *out_;
  Tensor *scale1_, *scale2_;
};

class Dinov2Model : public nn::Module {
 public:
  explicit Dinov2Model(const PretrainedConfig& c) : d_(Dims::from(c)), g_(vit::Grid::from(c, "Dinov2Config")) {
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    if (c.get_bool("use_mask_token")) mask_ = &e.add("mask_token", std::make_unique<nn::BareParameter>(Shape{1, d_.hidden})).value;
    patches_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<vit::PatchEmbeddings>(d_.hidden, g_));
    pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, g_.rows() * g_.cols() + 1, d_.hidden})).value;
    auto& layers = child("encoder", std::make_unique<nn::Container>()).add("layer", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d_)));
    norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  }
  const Dims& dims() const { return d_; }
  const vit::Grid& grid() const { return g_; }
  Tensor norm(const Tensor& h) const { return (*norm_)(h); }

  // `states` (optional) receives Python's hidden_states: the embeddings, then each layer's output.
  ModelOutput run(const ModelInputs& in, std::vector<Tensor>* states = nullptr) const {
    const Tensor& pv = require_input(in, "pixel_values", "Dinov2Model");
    Tensor h = embed(pv, find_input(in, "bool_masked_pos"));
    for (const auto* l : layers_) {
      record::hidden_state(h);
      if (states) states->push_back(h);
      h = (*l)(h);
    }
    record::hidden_state(h);  // Python does not tie the last one to the normed output
    if (states) states->push_back(h);
    h = (*norm_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    o.set("pooler_output", h.select(1, 0).contiguous());
    return o;
  }

  std::vector<Tensor> features(const Tensor& pv, const std::vector<int64_t>& stages, bool norm) const {
    std::vector<Tensor> out(stages.size());
    Tensor h = embed(pv, nullptr);
    for (int64_t i = 0;; ++i) {
      record::hidden_state(h);  // Dinov2Backbone's hidden_states: the embeddings, then every layer's output
      for (size_t s = 0; s < stages.size(); ++s)
        if (stages[s] == i) out[s] = norm ? (*norm_)(h) : h;
      if (i == static_cast<int64_t>(layers_.size())) break;
      h = (*layers_[static_cast<size_t>(i)])(h);
    }
    for (size_t s = 0; s < stages.size(); ++s)
      if (!out[s].defined()) throw ConfigError("Dinov2Backbone: stage " + std::to_string(stages[s]) + " is out of range");
    return out;
  }

 private:
  Tensor embed(const Tensor& pv, const Tensor* masked) const {
    Tensor x = patches_->project(pv, "Dinov2Model");
    const Tensor* m = masked;
    const int64_t B = x.size(0), N = x.size(1);
    if (m && mask_) {
      if (m->dim() != 2 || m->size(0) != B || m->size(1) != N)
        throw ShapeMismatch("Dinov2Model: bool_masked_pos must be [batch, " + std::to_string(N) + "], got " + shape_str(m->shape()));
      const Tensor w = m->to(DType::F32).contiguous().view({B, N, 1});
      x = ops::add(ops::mul(x, ops::add(ops::scale(w, -1.0f), Tensor::full({1}, 1.0f))), ops::mul(w, *mask_));
    }
    return ops::add(vit::prepend_tokens(x, {cls_}), positions(pv.size(2) / g_.patch_h, pv.size(3) / g_.patch_w));
  }

  // DINOv2 always interpolates its positions to the image's patch grid.
  Tensor positions(int64_t rows, int64_t cols) const { return vit::interpolate_pos_encoding(*pos_, 1, rows, cols, rows == cols, "Dinov2Model"); }

  Dims d_;
  vit::Grid g_;
  Tensor *cls_, *mask_ = nullptr, *pos_;
  vit::PatchEmbeddings* patches_;
  std::vector<Layer*> layers_;
  nn::LayerNorm* norm_;
};

// conversion_mapping.py's "Dinov2Model" renames of the attention keys.
std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {{"attention.attention.query", "attention.q_proj"},
                                                                 {"attention.attention.key", "attention.k_proj"},
                                                                 {"attention.attention.value", "attention.v_proj"},
                                                                 {"attention.output.dense", "attention.o_proj"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return key;
}

class Base : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  Base(const PretrainedConfig& c, bool root) : Model(c), model_(child(root ? "" : "dinov2", std::make_unique<Dinov2Model>(c))) {}
  std::string base_model_prefix() const override { return "dinov2"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }
  ModelOutput forward(const ModelInputs& in) override { return model_.run(in); }

 protected:
  Dinov2Model& model_;
};

// The classifier reads the CLS token and the mean of the patch tokens side by side.
class ForImageClassification : public Base {
 public:
  explicit ForImageClassification(const PretrainedConfig& c)
      : Base(c, false), head_(child("classifier", std::make_unique<ImageClassifier>(2 * model_.dims().hidden, c))) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor h = Base::forward(in)["last_hidden_state"];
    return head_(ops::concat({h.select(1, 0).contiguous(), ops::mean(h.slice(1, 1, h.size(1)).contiguous(), 1)}, 1));
  }

 private:
  const ImageClassifier& head_;
};

// Dinov2Backbone: stage i is hidden_states[i], through the final layernorm when apply_layernorm,
// and without the CLS token as a [B, C, rows, cols] grid when reshape_hidden_states.
class Backbone : public BackboneModel {
 public:
  explicit Backbone(const PretrainedConfig& c)
      : BackboneModel(c, BackboneStages::from(c, BackboneStages::numbered(c.get_int("num_hidden_layers")), "Dinov2Config")),
        model_(child("", std::make_unique<Dinov2Model>(c))),
        apply_norm_(c.get_bool("apply_layernorm")),
        reshape_(c.get_bool("reshape_hidden_states")) {}
  std::string base_model_prefix() const override { return "dinov2"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }

 protected:
  std::vector<Tensor> stage_states(const ModelInputs& in) const override {
    std::vector<Tensor> states;
    model_.run(in, &states);
    return states;
  }
  Tensor feature_map(const std::string&, const Tensor& state, const ModelInputs& in) const override {
    Tensor h = apply_norm_ ? model_.norm(state) : state;
    if (!reshape_) return h;
    const Tensor& pv = require_input(in, "pixel_values", "Dinov2Backbone");
    const int64_t rows = pv.size(2) / model_.grid().patch_h, cols = pv.size(3) / model_.grid().patch_w;
    return h.slice(1, 1, h.size(1)).contiguous().view({h.size(0), rows, cols, h.size(2)}).permute({0, 3, 1, 2}).contiguous();
  }

 private:
  Dinov2Model& model_;
  bool apply_norm_, reshape_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<Base>(c, true); }
std::unique_ptr<PreTrainedModel> make_backbone_model(const PretrainedConfig& c) { return std::make_unique<Backbone>(c); }
std::unique_ptr<nn::Module> make_backbone(const PretrainedConfig& c) { return std::make_unique<Dinov2Model>(c); }
std::vector<Tensor> backbone_features(const nn::Module& backbone, const Tensor& pv, const std::vector<int64_t>& stages, bool norm) {
  return dynamic_cast<const Dinov2Model&>(backbone).features(pv, stages, norm);
}
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) { return std::make_unique<ForImageClassification>(c); }

}  // namespace transformers::dinov2
