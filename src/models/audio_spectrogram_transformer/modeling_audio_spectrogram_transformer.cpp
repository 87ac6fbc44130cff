// AST: transformers/models/audio_spectrogram_transformer (v5 module names; checkpoints in the older
// ViT-style names are renamed at load as conversion_mapping.py does).
#include "core/output_recorder.hpp"
#include "models/audio_spectrogram_transformer/modeling_audio_spectrogram_transformer.hpp"

#include <cmath>

#include "models/vit/modeling_vit.hpp"
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

// The ViT layer shape plus the spectrogram patch grid.
struct Dims : vit::Dims {
  int64_t patch, fstride, tstride, max_length, mels, fout, tout;
  static Dims from(const PretrainedConfig& c) {
    Dims d{};
    static_cast<vit::Dims&>(d) = vit::Dims::from(c, "ASTConfig");
    try {
      d.patch = c.get_int("patch_size");
    } catch (const ConfigError&) {
      throw ConfigError("ASTConfig: only a square patch_size (one integer) is supported");
    }
    d.fstride = c.get_int("frequency_stride"), d.tstride = c.get_int("time_stride");
    d.max_length = c.get_int("max_length"), d.mels = c.get_int("num_mel_bins");
    if (d.patch <= 0 || d.fstride <= 0 || d.tstride <= 0 || d.mels < d.patch || d.max_length < d.patch)
      throw ConfigError("ASTConfig: patch_size, strides, num_mel_bins and max_length do not give any patch");
    d.fout = (d.mels - d.patch) / d.fstride + 1, d.tout = (d.max_length - d.patch) / d.tstride + 1;
    return d;
  }
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
    layers_ = vit::add_layers(child("layers", std::make_unique<Container>()), d_);
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
    Tensor h = ops::add(vit::prepend_tokens(tokens, {cls_, dist_}), *pos_);
    for (const auto* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h);
    }
    record::hidden_state(h);  // Python does not tie the last one to the normed output
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
  std::vector<vit::Layer*> layers_;
  LayerNorm* norm_;
};

class Base : public Model {
 public:
  Base(const PretrainedConfig& c, bool root) : Model(c), ast_(child(root ? "" : "audio_spectrogram_transformer", std::make_unique<ASTModel>(c))) {}
  std::string base_model_prefix() const override { return "audio_spectrogram_transformer"; }
  std::string checkpoint_key(const std::string& key) const override { return vit::rename_legacy(key); }
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
