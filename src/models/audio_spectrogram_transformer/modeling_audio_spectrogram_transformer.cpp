// AST: transformers/models/audio_spectrogram_transformer (v5 module names; checkpoints in the older
// ViT-style names are renamed at load as conversion_mapping.py does).
#include "models/audio_spectrogram_transformer/modeling_audio_spectrogram_transformer.hpp"

#include <cmath>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio_spectrogram_transformer {

ConfigSpec config_spec() {
  return {"audio-spectrogram-transformer", "ASTConfig", R"({
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
    "layer_norm_eps": 1e-12, "patch_size": 16, "qkv_bias": true, "frequency_stride": 10, "time_stride": 10,
    "max_length": 1024, "num_mel_bins": 128
  })"};
}

namespace {

using nn::Container;
using nn::LayerNorm;
using nn::Linear;

struct Dims {
  int64_t hidden, heads, intermediate, layers, patch, fstride, tstride, max_length, mels, fout, tout;
  float eps;
  bool qkv_bias;
  ops::Activation act;
  static Dims from(const PretrainedConfig& c) {
    Dims d{};
    d.hidden = c.get_int("hidden_size"), d.heads = c.get_int("num_attention_heads"), d.intermediate = c.get_int("intermediate_size");
    d.layers = c.get_int("num_hidden_layers");
    try {
      d.patch = c.get_int("patch_size");
    } catch (const ConfigError&) {
      throw ConfigError("ASTConfig: only a square patch_size (one integer) is supported");
    }
    d.fstride = c.get_int("frequency_stride"), d.tstride = c.get_int("time_stride");
    d.max_length = c.get_int("max_length"), d.mels = c.get_int("num_mel_bins");
    d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
    d.qkv_bias = c.get_bool("qkv_bias", true);
    d.act = ops::activation_from_name(c.get_string("hidden_act"));
    if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads || d.layers < 0 || d.intermediate <= 0)
      throw ConfigError("ASTConfig: hidden_size must be a positive multiple of num_attention_heads");
    if (d.patch <= 0 || d.fstride <= 0 || d.tstride <= 0 || d.mels < d.patch || d.max_length < d.patch)
      throw ConfigError("ASTConfig: patch_size, strides, num_mel_bins and max_length do not give any patch");
    d.fout = (d.mels - d.patch) / d.fstride + 1, d.tout = (d.max_length - d.patch) / d.tstride + 1;
    return d;
  }
};

class Layer : public nn::Module {
 public:
  explicit Layer(const Dims& d) : d_(d) {
    before_ = &child("layernorm_before", std::make_unique<LayerNorm>(d.hidden, d.eps));
    auto& a = child("attention", std::make_unique<Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden, d.qkv_bias));
    o_ = &a.add("o_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    after_ = &child("layernorm_after", std::make_unique<LayerNorm>(d.hidden, d.eps));
    auto& mlp = child("mlp", std::make_unique<Container>());
    fc1_ = &mlp.add("fc1", std::make_unique<Linear>(d.hidden, d.intermediate));
    fc2_ = &mlp.add("fc2", std::make_unique<Linear>(d.intermediate, d.hidden));
  }
  Tensor operator()(const Tensor& x) const {
    const Tensor h = (*before_)(x);
    ops::AttentionOptions o;
    o.causal = false;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
    const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads),
                                          nn::split_heads((*v_)(h), d_.heads), o));
    const Tensor r = ops::add(x, a);
    return ops::add(r, (*fc2_)(ops::activation((*fc1_)((*after_)(r)), d_.act)));
  }

 private:
  const Dims& d_;
  LayerNorm *before_, *after_;
  Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
};

class Patches : public nn::Module {
 public:
  explicit Patches(const Dims& d)
      : weight(param("weight", {d.hidden, 1, d.patch, d.patch}, nn::ParamKind::Weight)), bias(param("bias", {d.hidden}, nn::ParamKind::Float32)) {}
  Tensor& weight;
  Tensor& bias;
};

class ASTModel : public nn::Module {
 public:
  explicit ASTModel(const PretrainedConfig& c) : d_(Dims::from(c)) {
    auto& e = child("embeddings", std::make_unique<Container>());
    cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    dist_ = &e.add("distillation_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, d_.fout * d_.tout + 2, d_.hidden})).value;
    patches_ = &e.add("patch_embeddings", std::make_unique<Container>()).add("projection", std::make_unique<Patches>(d_));
    auto& layers = child("layers", std::make_unique<Container>());
    for (int64_t i = 0; i < d_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d_)));
    norm_ = &child("layernorm", std::make_unique<LayerNorm>(d_.hidden, d_.eps));
  }
  const Dims& dims() const { return d_; }

  // input_values [B, max_length, num_mel_bins] -> last_hidden_state, pooler_output (mean of the two tokens).
  ModelOutput run(const Tensor& input_values) const {
    if (input_values.dim() != 3 || input_values.size(1) != d_.max_length || input_values.size(2) != d_.mels)
      throw ShapeMismatch("ASTModel: input_values must be [batch, " + std::to_string(d_.max_length) + ", " + std::to_string(d_.mels) +
                          "] (max_length frames of num_mel_bins), got " + shape_str(input_values.shape()));
    const int64_t B = input_values.size(0), H = d_.hidden;
    // The spectrogram as a one-channel image [frequency, time].
    const Tensor img = input_values.to(DType::F32).contiguous().view({B, 1, d_.max_length, d_.mels}).transpose(2, 3).contiguous();
    const Tensor p = ops::conv2d(img, patches_->weight, patches_->bias, {d_.fstride, d_.tstride});
    const Tensor tokens = p.view({B, H, d_.fout * d_.tout}).transpose(1, 2).contiguous();
    Tensor h = ops::concat({ops::add(Tensor::zeros({B, 1, H}), *cls_), ops::add(Tensor::zeros({B, 1, H}), *dist_), tokens}, 1);
    h = ops::add(h, *pos_);
    for (const auto* l : layers_) h = (*l)(h);
    h = (*norm_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    o.set("pooler_output", ops::scale(ops::add(h.select(1, 0), h.select(1, 1)), 0.5f));
    return o;
  }

 private:
  Dims d_;
  Tensor *cls_, *dist_, *pos_;
  Patches* patches_;
  std::vector<Layer*> layers_;
  LayerNorm* norm_;
};

// conversion_mapping.py ("ASTModel" -> "ViTModel"): the older module names, renamed in order.
std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"encoder.layer.", "layers."},         {"attention.query", "q_proj"},  {"attention.key", "k_proj"},
      {"attention.value", "v_proj"},         {"attention.output.dense", "attention.o_proj"},
      {"intermediate.dense", "mlp.fc1"},     {"output.dense", "mlp.fc2"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return key;
}

class Base : public Model {
 public:
  Base(const PretrainedConfig& c, bool root) : Model(c), ast_(child(root ? "" : "audio_spectrogram_transformer", std::make_unique<ASTModel>(c))) {}
  std::string base_model_prefix() const override { return "audio_spectrogram_transformer"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }
  ModelOutput forward(const ModelInputs& in) override { return ast_.run(require_input(in, "input_values", "AST")); }

 protected:
  ASTModel& ast_;
};

class ForAudioClassification : public Base {
 public:
  explicit ForAudioClassification(const PretrainedConfig& c) : Base(c, false) {
    if (c.num_labels() <= 0) throw ConfigError("ASTForAudioClassification needs num_labels > 0");
    auto& head = child("classifier", std::make_unique<Container>());
    norm_ = &head.add("layernorm", std::make_unique<LayerNorm>(ast_.dims().hidden, ast_.dims().eps));
    dense_ = &head.add("dense", std::make_unique<Linear>(ast_.dims().hidden, c.num_labels()));
  }
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const ModelOutput base = Base::forward(in);
    ModelOutput o;
    o.set("logits", (*dense_)((*norm_)(base["pooler_output"])));
    return o;
  }

 private:
  LayerNorm* norm_;
  Linear* dense_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<Base>(c, true); }
std::unique_ptr<PreTrainedModel> make_for_audio_classification(const PretrainedConfig& c) {
  return std::make_unique<ForAudioClassification>(c);
}

}  // namespace transformers::audio_spectrogram_transformer
