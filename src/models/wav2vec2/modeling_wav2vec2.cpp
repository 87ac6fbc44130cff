// Wav2Vec2: transformers/models/wav2vec2/modeling_wav2vec2.py (v5), the inference path (no
// SpecAugment, no quantizer). HuBERT reuses everything here through SpeechFamily.
#include "core/output_recorder.hpp"
#include "models/wav2vec2/modeling_wav2vec2.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::wav2vec2 {

ConfigSpec config_spec() {
  return {"wav2vec2", "Wav2Vec2Config", R"({
    "vocab_size": 32, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout": 0.1, "activation_dropout": 0.1,
    "attention_dropout": 0.1, "feat_proj_dropout": 0.0, "feat_quantizer_dropout": 0.0, "final_dropout": 0.1,
    "layerdrop": 0.1, "initializer_range": 0.02, "layer_norm_eps": 1e-5, "feat_extract_norm": "group",
    "feat_extract_activation": "gelu", "conv_dim": [512, 512, 512, 512, 512, 512, 512],
    "conv_stride": [5, 2, 2, 2, 2, 2, 2], "conv_kernel": [10, 3, 3, 3, 3, 2, 2], "conv_bias": false,
    "num_conv_pos_embeddings": 128, "num_conv_pos_embedding_groups": 16, "do_stable_layer_norm": false,
    "apply_spec_augment": true, "mask_time_prob": 0.05, "mask_time_length": 10, "mask_time_min_masks": 2,
    "mask_feature_prob": 0.0, "mask_feature_length": 10, "mask_feature_min_masks": 0,
    "num_codevectors_per_group": 320, "num_codevector_groups": 2, "contrastive_logits_temperature": 0.1,
    "num_negatives": 100, "codevector_dim": 256, "proj_codevector_dim": 256, "diversity_loss_weight": 0.1,
    "ctc_loss_reduction": "sum", "ctc_zero_infinity": false, "use_weighted_layer_sum": false,
    "classifier_proj_size": 256, "tdnn_dim": [512, 512, 512, 512, 1500], "tdnn_kernel": [5, 3, 3, 1, 1],
    "tdnn_dilation": [1, 2, 3, 1, 1], "xvector_output_dim": 512, "pad_token_id": 0, "bos_token_id": 1,
    "eos_token_id": 2, "add_adapter": false, "adapter_kernel_size": 3, "adapter_stride": 2,
    "num_adapter_layers": 3, "output_hidden_size": null, "adapter_attn_dim": null
  })"};
}

const SpeechFamily& family() {
  static const SpeechFamily f{"wav2vec2", "Wav2Vec2", true, false};
  return f;
}

namespace {

using nn::Container;
using nn::Conv1d;
using nn::LayerNorm;
using nn::Linear;

struct Dims {
  int64_t hidden, heads, intermediate, layers, pos_kernel, pos_groups;
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  bool group_norm, stable, conv_bias, projection_norm, spec_embed;
  float eps;
  ops::Activation act, feat_act;

  static Dims from(const PretrainedConfig& c, const SpeechFamily& f) {
    Dims d{};
    d.hidden = c.get_int("hidden_size");
    d.heads = c.get_int("num_attention_heads");
    d.intermediate = c.get_int("intermediate_size");
    d.layers = c.get_int("num_hidden_layers");
    d.pos_kernel = c.get_int("num_conv_pos_embeddings");
    d.pos_groups = c.get_int("num_conv_pos_embedding_groups");
    d.conv_dim = c.get_int_list("conv_dim");
    d.conv_kernel = c.get_int_list("conv_kernel");
    d.conv_stride = c.get_int_list("conv_stride");
    const std::string norm = c.get_string("feat_extract_norm");
    if (norm != "group" && norm != "layer")
      throw ConfigError("`config.feat_extract_norm` is " + norm + ", but has to be one of ['group', 'layer']");
    d.group_norm = norm == "group";
    d.stable = c.get_bool("do_stable_layer_norm");
    d.conv_bias = c.get_bool("conv_bias");
    d.projection_norm = !f.optional_projection_norm || c.get_bool("feat_proj_layer_norm", true);
    d.spec_embed = c.get_float("mask_time_prob", 0.0) > 0.0 || c.get_float("mask_feature_prob", 0.0) > 0.0;
    d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
    d.act = ops::activation_from_name(c.get_string("hidden_act"));
    d.feat_act = ops::activation_from_name(c.get_string("feat_extract_activation"));
    if (d.conv_dim.empty() || d.conv_dim.size() != d.conv_kernel.size() || d.conv_dim.size() != d.conv_stride.size())
      throw ConfigError("Configuration for convolutional layers is incorrect: conv_dim, conv_stride and conv_kernel must have the same "
                        "non-zero length");
    for (size_t i = 0; i < d.conv_dim.size(); ++i)
      if (d.conv_dim[i] <= 0 || d.conv_kernel[i] <= 0 || d.conv_stride[i] <= 0)
        throw ConfigError("conv_dim, conv_kernel and conv_stride must be positive");
    if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads || d.layers < 0 || d.intermediate <= 0)
      throw ConfigError(f.class_prefix + ": hidden_size must be a positive multiple of num_attention_heads");
    if (d.pos_kernel <= 0 || d.pos_groups <= 0 || d.hidden % d.pos_groups)
      throw ConfigError("num_conv_pos_embedding_groups must divide hidden_size and num_conv_pos_embeddings be positive");
    // Adapters (stacked or MMS per-language) and the batch-norm position conv are not built.
    if (c.get_bool("add_adapter", false) || c.has("adapter_attn_dim"))
      throw ConfigError(f.class_prefix + ": adapters (add_adapter / adapter_attn_dim) are not supported");
    if (c.get_bool("conv_pos_batch_norm", false)) throw ConfigError(f.class_prefix + ": conv_pos_batch_norm is not supported");
    return d;
  }
};

// One feature-encoder layer: conv, then GroupNorm (first layer of the "group" variant) or a
// LayerNorm over channels ("layer" variant), then the activation.
class ConvLayer : public nn::Module {
 public:
  ConvLayer(const Dims& d, size_t i) : d_(d) {
    const int64_t in = i ? d.conv_dim[i - 1] : 1, out = d.conv_dim[i];
    conv_ = &child("conv", std::make_unique<Conv1d>(in, out, d.conv_kernel[i], Conv1d::Options{.stride = d.conv_stride[i], .bias = d.conv_bias}));
    if (!d.group_norm || i == 0) norm_ = &child("layer_norm", std::make_unique<LayerNorm>(out, 1e-5f));
  }
  // x [B, L, C] channels last (the stack never transposes).
  Tensor operator()(const Tensor& x) const {
    Tensor h = ops::conv1d_channels_last(x, conv_->weight, conv_->bias ? *conv_->bias : Tensor(), conv_->opt.stride);
    if (norm_ && d_.group_norm) h = channel_norm(h);
    else if (norm_) h = (*norm_)(h);
    return ops::activation(h, d_.feat_act);
  }

 private:
  // GroupNorm(C groups, C channels): each channel normalized over time, then its affine.
  Tensor channel_norm(const Tensor& h) const {
    const int64_t B = h.size(0), L = h.size(1), C = h.size(2);
    Tensor y = Tensor::empty(h.shape());
    const float *x = h.data<float>(), *w = norm_->weight.data<float>(), *bias = norm_->bias->data<float>();
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> mean(static_cast<size_t>(C), 0.0), var(static_cast<size_t>(C), 0.0);
      const float* xb = x + b * L * C;
      for (int64_t t = 0; t < L; ++t)
        for (int64_t c = 0; c < C; ++c) mean[c] += xb[t * C + c];
      for (auto& m : mean) m /= static_cast<double>(L);
      for (int64_t t = 0; t < L; ++t)
        for (int64_t c = 0; c < C; ++c) var[c] += (xb[t * C + c] - mean[c]) * (xb[t * C + c] - mean[c]);
      std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
      for (int64_t c = 0; c < C; ++c) {
        const double inv = 1.0 / std::sqrt(var[c] / static_cast<double>(L) + norm_->eps);
        scale[c] = static_cast<float>(w[c] * inv), shift[c] = static_cast<float>(bias[c] - mean[c] * w[c] * inv);
      }
      float* yb = y.data<float>() + b * L * C;
#pragma omp parallel for if (L * C > 65536)
      for (int64_t t = 0; t < L; ++t)
        for (int64_t c = 0; c < C; ++c) yb[t * C + c] = xb[t * C + c] * scale[c] + shift[c];
    }
    return y;
  }

 public:

 private:
  const Dims& d_;
  Conv1d* conv_;
  LayerNorm* norm_ = nullptr;
};

// nn.utils.parametrizations.weight_norm(Conv1d, dim=2): weight = g * v / ||v|| with the norm taken
// over every dim but the kernel position.
class WeightNormConv1d : public nn::Module {
 public:
  WeightNormConv1d(int64_t channels, int64_t kernel, int64_t groups) : groups_(groups), padding_(kernel / 2) {
    auto& w = child("parametrizations", std::make_unique<Container>()).add("weight", std::make_unique<Container>());
    g_ = &w.add("original0", std::make_unique<nn::BareParameter>(Shape{1, 1, kernel})).value;
    v_ = &w.add("original1", std::make_unique<nn::BareParameter>(Shape{channels, channels / groups, kernel})).value;
    bias_ = &param("bias", {channels}, nn::ParamKind::Float32);
  }
  // x [B, T, C] channels last.
  Tensor operator()(const Tensor& x) const {
    const Tensor v = v_->contiguous();
    const int64_t K = v.size(2), rows = v.numel() / K;
    Tensor w = Tensor::empty(v.shape());
    const float* vp = v.data<float>();
    const float* gp = g_->contiguous().data<float>();
    float* wp = w.data<float>();
    std::vector<double> ss(static_cast<size_t>(K), 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < K; ++k) ss[k] += static_cast<double>(vp[r * K + k]) * vp[r * K + k];
    std::vector<float> scale(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) scale[k] = gp[k] / static_cast<float>(std::sqrt(ss[k]));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < K; ++k) wp[r * K + k] = vp[r * K + k] * scale[k];
    return ops::conv1d_channels_last(x, w, *bias_, 1, padding_, 1, groups_);
  }

 private:
  int64_t groups_, padding_;
  Tensor *g_, *v_, *bias_;
};

class EncoderLayer : public nn::Module {
 public:
  explicit EncoderLayer(const Dims& d) : d_(d) {
    auto& a = child("attention", std::make_unique<Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    o_ = &a.add("out_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    norm1_ = &child("layer_norm", std::make_unique<LayerNorm>(d.hidden, d.eps));
    auto& ff = child("feed_forward", std::make_unique<Container>());
    ffn_in_ = &ff.add("intermediate_dense", std::make_unique<Linear>(d.hidden, d.intermediate));
    ffn_out_ = &ff.add("output_dense", std::make_unique<Linear>(d.intermediate, d.hidden));
    norm2_ = &child("final_layer_norm", std::make_unique<LayerNorm>(d.hidden, d.eps));
  }
  Tensor operator()(const Tensor& x, const Tensor& frame_mask) const {
    auto attend = [&](const Tensor& h) {
      ops::AttentionOptions o;
      o.causal = false;
      o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
      o.key_padding = frame_mask;
      return (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads),
                                  nn::split_heads((*v_)(h), d_.heads), o));
    };
    auto ffn = [&](const Tensor& h) { return (*ffn_out_)(ops::activation((*ffn_in_)(h), d_.act)); };
    if (d_.stable) {
      Tensor h = ops::add(x, attend((*norm1_)(x)));
      return ops::add(h, ffn((*norm2_)(h)));
    }
    Tensor h = (*norm1_)(ops::add(x, attend(x)));
    return (*norm2_)(ops::add(h, ffn(h)));
  }

 private:
  const Dims& d_;
  Linear *q_, *k_, *v_, *o_, *ffn_in_, *ffn_out_;
  LayerNorm *norm1_, *norm2_;
};

struct EncoderOutput {
  Tensor last_hidden_state, extract_features, frame_mask;  // frame_mask [B, T] i64, or undefined
  std::vector<Tensor> hidden_states;  // the first layer's input, then every layer's output
};

class Backbone : public nn::Module {
 public:
  Backbone(const PretrainedConfig& c, const SpeechFamily& f) : d_(Dims::from(c, f)) {
    auto& conv_layers = child("feature_extractor", std::make_unique<Container>()).add("conv_layers", std::make_unique<Container>());
    for (size_t i = 0; i < d_.conv_dim.size(); ++i)
      conv_.push_back(&conv_layers.add(std::to_string(i), std::make_unique<ConvLayer>(d_, i)));
    auto& proj = child("feature_projection", std::make_unique<Container>());
    if (d_.projection_norm) proj_norm_ = &proj.add("layer_norm", std::make_unique<LayerNorm>(d_.conv_dim.back(), d_.eps));
    proj_ = &proj.add("projection", std::make_unique<Linear>(d_.conv_dim.back(), d_.hidden));
    // SpecAugment's learned mask vector: loaded, unused at inference.
    if (d_.spec_embed) child("masked_spec_embed", std::make_unique<nn::BareParameter>(d_.hidden));
    auto& enc = child("encoder", std::make_unique<Container>());
    pos_conv_ = &enc.add("pos_conv_embed", std::make_unique<Container>())
                     .add("conv", std::make_unique<WeightNormConv1d>(d_.hidden, d_.pos_kernel, d_.pos_groups));
    enc_norm_ = &enc.add("layer_norm", std::make_unique<LayerNorm>(d_.hidden, d_.eps));
    auto& layers = enc.add("layers", std::make_unique<Container>());
    for (int64_t i = 0; i < d_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<EncoderLayer>(d_)));
  }
  const Dims& dims() const { return d_; }

  EncoderOutput run(const Tensor& input_values, const Tensor* attention_mask, bool all_hidden) const {
    if (input_values.dim() != 2) throw ShapeMismatch("input_values must be [batch, samples], got " + shape_str(input_values.shape()));
    const int64_t B = input_values.size(0);
    if (input_values.size(1) < receptive_field())
      throw ValueError("input_values of " + std::to_string(input_values.size(1)) + " samples are shorter than the feature encoder's " +
                       std::to_string(receptive_field()) + "-sample receptive field");
    Tensor h = input_values.to(DType::F32).contiguous().view({B, input_values.size(1), 1});
    for (const auto* l : conv_) h = (*l)(h);
    EncoderOutput out;
    Tensor features = h;  // [B, T, C]
    const int64_t T = features.size(1);
    if (attention_mask) out.frame_mask = frame_mask(*attention_mask, B, T);
    if (proj_norm_) features = (*proj_norm_)(features);
    out.extract_features = features;
    h = (*proj_)(features);
    if (out.frame_mask.defined()) h = ops::mul(h, out.frame_mask.to(DType::F32).view({B, T, 1}));
    h = ops::add(h, ops::activation(pos_conv(h), d_.feat_act));
    if (!d_.stable) h = (*enc_norm_)(h);
    for (const auto* l : layers_) {
      if (all_hidden) out.hidden_states.push_back(h);
      record::hidden_state(h);
      h = (*l)(h, out.frame_mask);
    }
    if (all_hidden) out.hidden_states.push_back(h);
    record::hidden_state(h);  // before the stable variant's final norm, as Python's
    out.last_hidden_state = d_.stable ? (*enc_norm_)(h) : h;
    return out;
  }

  // attention_mask.sum(-1): the real samples of each row.
  static std::vector<int64_t> valid_samples(const Tensor& attention_mask) {
    if (attention_mask.dim() != 2) throw ShapeMismatch("attention_mask must be [batch, samples], got " + shape_str(attention_mask.shape()));
    return ops::sum(attention_mask, 1).to_ints();  // counts far below 2^24: exact in fp32
  }
  // _get_feat_extract_output_lengths
  int64_t output_length(int64_t samples) const {
    for (size_t i = 0; i < d_.conv_kernel.size(); ++i) samples = floor_div(samples - d_.conv_kernel[i], d_.conv_stride[i]) + 1;
    return samples;
  }

 private:
  static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
  int64_t receptive_field() const {
    int64_t n = 1;
    for (size_t i = d_.conv_kernel.size(); i-- > 0;) n = (n - 1) * d_.conv_stride[i] + d_.conv_kernel[i];
    return n;
  }
  // Position embedding: grouped conv over time, the extra frame of an even kernel dropped.
  Tensor pos_conv(const Tensor& h) const {
    Tensor p = (*pos_conv_)(h);
    if (d_.pos_kernel % 2 == 0) p = p.slice(1, 0, p.size(1) - 1).contiguous();
    return p;
  }
  // _get_feature_vector_attention_mask: frames up to the last one the valid samples reach. Like
  // Python, a zero length marks index -1, i.e. every frame.
  Tensor frame_mask(const Tensor& attention_mask, int64_t B, int64_t T) const {
    if (attention_mask.dim() != 2 || attention_mask.size(0) != B)
      throw ShapeMismatch("attention_mask must be [batch, samples], got " + shape_str(attention_mask.shape()));
    const std::vector<int64_t> n = valid_samples(attention_mask);
    std::vector<int64_t> fm(static_cast<size_t>(B * T), 0);
    for (int64_t b = 0; b < B; ++b) {
      int64_t last = output_length(n[b]) - 1;
      if (last < 0) last += T;
      for (int64_t t = 0; t <= std::min(last, T - 1); ++t) fm[static_cast<size_t>(b * T + t)] = 1;
    }
    return Tensor::from_ints(fm, {B, T});
  }

  Dims d_;
  std::vector<ConvLayer*> conv_;
  LayerNorm* proj_norm_ = nullptr;
  Linear* proj_;
  WeightNormConv1d* pos_conv_;
  LayerNorm* enc_norm_;
  std::vector<EncoderLayer*> layers_;
};

const Tensor* mask_input(const ModelInputs& in) { return find_input(in, "attention_mask"); }

// A backbone under the family prefix (empty for the base model) plus the head's modules.
class SpeechModel : public Model {
 public:
  std::string main_input_name() const override { return "input_values"; }
  SpeechModel(const PretrainedConfig& c, const SpeechFamily& f, bool base)
      : Model(c), family_(f), backbone_(child(base ? "" : f.prefix, std::make_unique<Backbone>(c, f))) {}
  std::string base_model_prefix() const override { return family_.prefix; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor& x = require_input(in, "input_values", family_.class_prefix);
    return head(backbone_.run(x, mask_input(in), weighted_ != nullptr), in);
  }

 protected:
  virtual ModelOutput head(const EncoderOutput& e, const ModelInputs& in) = 0;
  // use_weighted_layer_sum: softmax(layer_weights)-weighted sum of every hidden state.
  void enable_layer_weights() {
    if (!config().get_bool("use_weighted_layer_sum", false)) return;
    weighted_ = &child("layer_weights", std::make_unique<nn::BareParameter>(backbone_.dims().layers + 1)).value;
  }
  Tensor features(const EncoderOutput& e) const {
    if (!weighted_) return e.last_hidden_state;
    const Tensor w = ops::softmax(*weighted_, -1);
    Tensor sum = ops::mul(e.hidden_states[0], w.slice(0, 0, 1));
    for (size_t i = 1; i < e.hidden_states.size(); ++i)
      sum = ops::add(sum, ops::mul(e.hidden_states[i], w.slice(0, static_cast<int64_t>(i), static_cast<int64_t>(i) + 1)));
    return sum;
  }
  int64_t labels() const {
    const int64_t n = config().num_labels();
    if (n <= 0) throw ConfigError("num_labels must be positive for a classification head");
    return n;
  }
  template <typename M>
  M& add(const std::string& name, std::unique_ptr<M> m) { return child(name, std::move(m)); }

  const SpeechFamily& family_;
  Backbone& backbone_;
  Tensor* weighted_ = nullptr;
};

class BaseModel : public SpeechModel {
 public:
  BaseModel(const PretrainedConfig& c, const SpeechFamily& f) : SpeechModel(c, f, true) {}

 protected:
  ModelOutput head(const EncoderOutput& e, const ModelInputs&) override {
    ModelOutput o;
    o.set("last_hidden_state", e.last_hidden_state);
    if (family_.extract_features) o.set("extract_features", e.extract_features);
    return o;
  }
};

class ForCTC : public SpeechModel {
 public:
  ForCTC(const PretrainedConfig& c, const SpeechFamily& f)
      : SpeechModel(c, f, false), lm_head_(add("lm_head", std::make_unique<Linear>(backbone_.dims().hidden, vocab(c, f)))) {}
  std::vector<std::string> may_be_missing() const override { return {"lm_head."}; }

 protected:
  static int64_t vocab(const PretrainedConfig& c, const SpeechFamily& f) {
    if (!c.has("vocab_size") || c.get_int("vocab_size") <= 0)
      throw ConfigError(f.class_prefix + "ForCTC needs a config that defines the vocabulary size of the language model head (vocab_size)");
    return c.get_int("vocab_size");
  }
  ModelOutput head(const EncoderOutput& e, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", lm_head_(e.last_hidden_state));
    return o;
  }
  Linear& lm_head_;
};

class ForSequenceClassification : public SpeechModel {
 public:
  ForSequenceClassification(const PretrainedConfig& c, const SpeechFamily& f) : SpeechModel(c, f, false) {
    enable_layer_weights();
    const int64_t proj = c.get_int("classifier_proj_size");
    projector_ = &add("projector", std::make_unique<Linear>(backbone_.dims().hidden, proj));
    classifier_ = &add("classifier", std::make_unique<Linear>(proj, labels()));
  }
  std::vector<std::string> may_be_missing() const override { return {"projector.", "classifier.", "layer_weights"}; }

 protected:
  ModelOutput head(const EncoderOutput& e, const ModelInputs&) override {
    Tensor h = (*projector_)(features(e));  // [B, T, P]
    Tensor pooled;
    if (!e.frame_mask.defined()) {
      pooled = ops::mean(h, 1);
    } else {
      const Tensor m = e.frame_mask.to(DType::F32);
      pooled = ops::div(ops::sum(ops::mul(h, m.view({m.size(0), m.size(1), 1})), 1), ops::sum(m, 1, true));
    }
    ModelOutput o;
    o.set("logits", (*classifier_)(pooled));
    return o;
  }
  Linear *projector_, *classifier_;
};

class ForFrameClassification : public SpeechModel {
 public:
  ForFrameClassification(const PretrainedConfig& c, const SpeechFamily& f) : SpeechModel(c, f, false) {
    enable_layer_weights();
    classifier_ = &add("classifier", std::make_unique<Linear>(backbone_.dims().hidden, labels()));
  }
  std::vector<std::string> may_be_missing() const override { return {"classifier.", "layer_weights"}; }

 protected:
  ModelOutput head(const EncoderOutput& e, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*classifier_)(features(e)));
    return o;
  }
  Linear* classifier_;
};

// x-vector head: projector, TDNN layers (a Linear over `kernel` dilated frames, i.e. a conv1d),
// mean and unbiased std over the valid frames, then two linear layers.
class ForXVector : public SpeechModel {
 public:
  ForXVector(const PretrainedConfig& c, const SpeechFamily& f) : SpeechModel(c, f, false) {
    enable_layer_weights();
    tdnn_dim_ = c.get_int_list("tdnn_dim"), tdnn_kernel_ = c.get_int_list("tdnn_kernel"), tdnn_dilation_ = c.get_int_list("tdnn_dilation");
    if (tdnn_dim_.empty() || tdnn_dim_.size() != tdnn_kernel_.size() || tdnn_dim_.size() != tdnn_dilation_.size())
      throw ConfigError("tdnn_dim, tdnn_kernel and tdnn_dilation must have the same non-zero length");
    const int64_t out = c.get_int("xvector_output_dim");
    projector_ = &add("projector", std::make_unique<Linear>(backbone_.dims().hidden, tdnn_dim_[0]));
    auto& tdnn = add("tdnn", std::make_unique<Container>());
    for (size_t i = 0; i < tdnn_dim_.size(); ++i) {
      const int64_t in = tdnn_dim_[i ? i - 1 : 0];
      tdnn_.push_back(&tdnn.add(std::to_string(i), std::make_unique<Container>())
                           .add("kernel", std::make_unique<Linear>(in * tdnn_kernel_[i], tdnn_dim_[i])));
    }
    feature_extractor_ = &add("feature_extractor", std::make_unique<Linear>(tdnn_dim_.back() * 2, out));
    classifier_ = &add("classifier", std::make_unique<Linear>(out, out));
    // AMSoftmaxLoss's weight: training only, loaded so the checkpoint has no stray keys.
    add("objective", std::make_unique<Container>()).add("weight", std::make_unique<nn::BareParameter>(Shape{out, labels()}));
  }
  std::vector<std::string> may_be_missing() const override {
    return {"projector.", "tdnn.", "feature_extractor.", "classifier.", "objective.", "layer_weights"};
  }

 protected:
  ModelOutput head(const EncoderOutput& e, const ModelInputs& in) override {
    Tensor h = (*projector_)(features(e));  // [B, T, D]
    for (size_t i = 0; i < tdnn_.size(); ++i) {
      const int64_t out = tdnn_dim_[i], K = tdnn_kernel_[i], inner = tdnn_.at(i)->weight.size(1) / K;
      const Tensor w = tdnn_[i]->weight.to(DType::F32).contiguous().view({out, K, inner}).transpose(1, 2).contiguous();
      h = ops::relu(ops::conv1d_channels_last(h.contiguous(), w, *tdnn_[i]->bias, 1, 0, tdnn_dilation_[i]));
    }
    const int64_t B = h.size(0), T = h.size(1), D = h.size(2);
    // Python's _get_tdnn_output_lengths counts kernels, not dilated spans; h[i, :length] then
    // clamps to the frames there are.
    std::vector<int64_t> lengths(B, T);
    if (const Tensor* m = mask_input(in)) {
      const std::vector<int64_t> samples = Backbone::valid_samples(*m);
      for (int64_t b = 0; b < B; ++b) {
        int64_t len = backbone_.output_length(samples[b]);
        for (int64_t k : tdnn_kernel_) len = len - k + 1;
        lengths[b] = std::clamp<int64_t>(len, 0, T);
      }
    }
    Tensor stats = Tensor::empty({B, 2 * D});
    const Tensor hc = h.contiguous();
    const float* hp = hc.data<float>();
    float* sp = stats.data<float>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < D; ++j) {
        const int64_t n = lengths[b];
        double s = 0, ss = 0;
        for (int64_t t = 0; t < n; ++t) s += hp[(b * T + t) * D + j];
        const double mean = s / static_cast<double>(n);
        for (int64_t t = 0; t < n; ++t) {
          const double dv = hp[(b * T + t) * D + j] - mean;
          ss += dv * dv;
        }
        sp[b * 2 * D + j] = static_cast<float>(mean);
        sp[b * 2 * D + D + j] = static_cast<float>(std::sqrt(ss / static_cast<double>(n - 1)));
      }
    Tensor embeddings = (*feature_extractor_)(stats);
    ModelOutput o;
    o.set("logits", (*classifier_)(embeddings));
    o.set("embeddings", embeddings);
    return o;
  }
  std::vector<int64_t> tdnn_dim_, tdnn_kernel_, tdnn_dilation_;
  Linear *projector_, *feature_extractor_, *classifier_;
  std::vector<Linear*> tdnn_;
};

// Wav2Vec2ForPreTraining without mask_time_indices (Python's deterministic, eval-mode path): the
// quantizer picks each group's argmax codevector of the normalized conv features (one-hot, no
// Gumbel noise); projected_states = project_hid(last_hidden_state), projected_quantized_states =
// project_q(codevectors), codevector_perplexity summed over groups.
class ForPreTraining : public SpeechModel {
 public:
  ForPreTraining(const PretrainedConfig& c, const SpeechFamily& f) : SpeechModel(c, f, false) {
    groups_ = c.get_int("num_codevector_groups"), vars_ = c.get_int("num_codevectors_per_group");
    const int64_t dim = c.get_int("codevector_dim"), proj = c.get_int("proj_codevector_dim");
    if (groups_ <= 0 || vars_ <= 0 || dim <= 0 || proj <= 0 || dim % groups_)
      throw ConfigError("`config.codevector_dim " + std::to_string(dim) + "` must be divisible by `config.num_codevector_groups` " +
                        std::to_string(groups_) + " for concatenation (and all of them positive)");
    auto& q = add("quantizer", std::make_unique<Container>());
    codevectors_ = &q.add("codevectors", std::make_unique<nn::BareParameter>(Shape{1, groups_ * vars_, dim / groups_})).value;
    weight_proj_ = &q.add("weight_proj", std::make_unique<Linear>(backbone_.dims().conv_dim.back(), groups_ * vars_));
    project_hid_ = &add("project_hid", std::make_unique<Linear>(backbone_.dims().hidden, proj));
    project_q_ = &add("project_q", std::make_unique<Linear>(dim, proj));
  }
  std::vector<std::string> may_be_missing() const override { return {"quantizer.", "project_hid.", "project_q."}; }

 protected:
  ModelOutput head(const EncoderOutput& e, const ModelInputs& in) override {
    if (find_input(in, "mask_time_indices") || find_input(in, "sampled_negative_indices"))
      throw ValueError(family_.class_prefix + "ForPreTraining: mask_time_indices / sampled_negative_indices (training) are not supported");
    const Tensor logits = (*weight_proj_)(e.extract_features).contiguous();  // [B, T, G*V]
    const int64_t B = logits.size(0), T = logits.size(1), G = groups_, V = vars_, D = codevectors_->size(2);
    // Each group's best code (argmax: the first maximum), as a row of the [G * V, D] codebook.
    std::vector<int64_t> code = ops::argmax(logits.view({B * T, G, V}), -1).to_ints();
    std::vector<double> counts(static_cast<size_t>(G * V), 0.0);
    for (size_t i = 0; i < code.size(); ++i) {
      code[i] += static_cast<int64_t>(i % static_cast<size_t>(G)) * V;
      counts[static_cast<size_t>(code[i])] += 1.0;
    }
    const Tensor quantized = ops::gather_rows(codevectors_->to(DType::F32).view({G * V, D}), Tensor::from_ints(code, {B * T * G})).view({B, T, G * D});
    // _compute_perplexity: exp of the entropy of each group's marginal code distribution, summed.
    double perplexity = 0.0;
    for (int64_t g = 0; g < G; ++g) {
      double h = 0.0;
      for (int64_t v = 0; v < V; ++v) {
        const double p = counts[static_cast<size_t>(g * V + v)] / static_cast<double>(B * T);
        if (p > 0) h -= p * std::log(p);
      }
      perplexity += std::exp(h);
    }
    ModelOutput o;
    o.set("projected_states", (*project_hid_)(e.last_hidden_state));
    o.set("projected_quantized_states", (*project_q_)(quantized));
    o.set("codevector_perplexity", Tensor::full({}, perplexity, DType::F32));
    return o;
  }

 private:
  int64_t groups_ = 0, vars_ = 0;
  Tensor* codevectors_;
  Linear *weight_proj_, *project_hid_, *project_q_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c, const SpeechFamily& f) {
  return std::make_unique<ForPreTraining>(c, f);
}
std::unique_ptr<PreTrainedModel> make_base(const PretrainedConfig& c, const SpeechFamily& f) { return std::make_unique<BaseModel>(c, f); }
std::unique_ptr<PreTrainedModel> make_ctc(const PretrainedConfig& c, const SpeechFamily& f) { return std::make_unique<ForCTC>(c, f); }
std::unique_ptr<PreTrainedModel> make_sequence_classification(const PretrainedConfig& c, const SpeechFamily& f) {
  return std::make_unique<ForSequenceClassification>(c, f);
}
std::unique_ptr<PreTrainedModel> make_frame_classification(const PretrainedConfig& c, const SpeechFamily& f) {
  return std::make_unique<ForFrameClassification>(c, f);
}
std::unique_ptr<PreTrainedModel> make_xvector(const PretrainedConfig& c, const SpeechFamily& f) { return std::make_unique<ForXVector>(c, f); }

}  // namespace transformers::wav2vec2
