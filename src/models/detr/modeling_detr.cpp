#include "models/detr/modeling_detr.hpp"

#include <cmath>

#include "models/resnet/modeling_resnet.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::detr {

ConfigSpec config_spec() {
  ConfigSpec s{"detr", "DetrConfig", R"({
    "num_channels": 3, "num_queries": 100, "encoder_layers": 6, "encoder_ffn_dim": 2048, "encoder_attention_heads": 8,
    "decoder_layers": 6, "decoder_ffn_dim": 2048, "decoder_attention_heads": 8, "encoder_layerdrop": 0.0, "decoder_layerdrop": 0.0,
    "is_encoder_decoder": true, "activation_function": "relu", "d_model": 256, "dropout": 0.1, "attention_dropout": 0.0,
    "activation_dropout": 0.0, "init_std": 0.02, "init_xavier_std": 1.0, "auxiliary_loss": false, "position_embedding_type": "sine",
    "dilation": false, "use_timm_backbone": true, "backbone": "resnet50"
  })"};
  s.attribute_map = {{"hidden_size", "d_model"}, {"num_attention_heads", "encoder_attention_heads"}, {"num_hidden_layers", "encoder_layers"}};
  s.sub_configs = {{"backbone_config", "resnet"}};
  return s;
}

namespace {

using nn::LayerNorm;
using nn::Linear;

// The backbone: HF's ResNetBackbone config (the last of out_features), or a timm ResNet by name.
struct BackboneSpec {
  PretrainedConfig config;
  size_t stages = 4;
  bool timm = false;
};

BackboneSpec backbone_spec(const PretrainedConfig& c) {
  BackboneSpec b;
  std::optional<PretrainedConfig> sub = c.sub_config("backbone_config");
  std::string timm_name;
  if (sub && sub->model_type() == "timm_backbone") timm_name = sub->get_string("backbone");
  else if (!sub && c.get_bool("use_timm_backbone", true)) timm_name = c.get_string("backbone", "resnet50");
  if (!timm_name.empty()) {
    if (c.get_bool("dilation", false)) throw ConfigError("DetrConfig: dilation (DC5 backbones) is not supported");
    b.config = PretrainedConfig::from_json_string(resnet::config_spec(), resnet::timm_config_json(timm_name), "timm backbone " + timm_name);
    b.timm = true;
    return b;
  }
  b.config = sub ? *sub : PretrainedConfig::from_json_string(resnet::config_spec(), "{}", "DetrConfig backbone defaults");
  if (b.config.model_type() != "resnet")
    throw ConfigError("DetrConfig: backbone model_type '" + b.config.model_type() + "' is not supported (resnet, or a timm resnet)");
  const auto depths = b.config.get_int_list("depths");
  b.stages = depths.size();
  if (b.config.has("out_features")) {
    const auto names = b.config.get_string_list("out_features");
    if (names.empty() || names.back().rfind("stage", 0) != 0) throw ConfigError("DetrConfig: backbone out_features must end with a stage");
    b.stages = static_cast<size_t>(std::stoul(names.back().substr(5)));
  } else if (b.config.has("out_indices")) {
    b.stages = static_cast<size_t>(b.config.get_int_list("out_indices").back());
  }
  if (b.stages < 1 || b.stages > depths.size()) throw ConfigError("DetrConfig: the backbone's output stage does not exist");
  return b;
}

struct Dims {
  int64_t d = 0, enc_heads = 0, dec_heads = 0, enc_ffn = 0, dec_ffn = 0, enc_layers = 0, dec_layers = 0, queries = 0;
  ops::Activation act{};
  static Dims from(const PretrainedConfig& c) {
    Dims d{c.get_int("d_model"), c.get_int("encoder_attention_heads"), c.get_int("decoder_attention_heads"), c.get_int("encoder_ffn_dim"),
           c.get_int("decoder_ffn_dim"), c.get_int("encoder_layers"), c.get_int("decoder_layers"), c.get_int("num_queries"),
           ops::activation_from_name(c.get_string("activation_function"))};
    for (int64_t h : {d.enc_heads, d.dec_heads})
      if (h <= 0 || d.d % h) throw ConfigError("DetrConfig: d_model must be a multiple of the attention heads");
    if (d.d % 2 || d.queries <= 0) throw ConfigError("DetrConfig: d_model must be even and num_queries positive");
    return d;
  }
};

// Attention whose queries and keys carry position embeddings and values do not.
class Attention : public nn::Module {
 public:
  Attention(int64_t d, int64_t heads) : heads_(heads), scaling_(1.0f / std::sqrt(static_cast<float>(d / heads))) {
    k_ = &child("k_proj", std::make_unique<Linear>(d, d));
    v_ = &child("v_proj", std::make_unique<Linear>(d, d));
    q_ = &child("q_proj", std::make_unique<Linear>(d, d));
    o_ = &child("out_proj", std::make_unique<Linear>(d, d));
  }
  Tensor operator()(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& key_padding) const {
    ops::AttentionOptions o;
    o.causal = false, o.scaling = scaling_, o.key_padding = key_padding;
    return (*o_)(ops::attention(nn::split_heads((*q_)(q_in), heads_), nn::split_heads((*k_)(k_in), heads_), nn::split_heads((*v_)(v_in), heads_), o));
  }

 private:
  int64_t heads_;
  float scaling_;
  Linear *k_, *v_, *q_, *o_;
};

// Encoder (self-attention) and decoder (plus cross-attention) layers, each sublayer a residual
// followed by its LayerNorm.
class Layer : public nn::Module {
 public:
  Layer(const Dims& d, bool decoder) : act_(d.act) {
    const int64_t heads = decoder ? d.dec_heads : d.enc_heads, ffn = decoder ? d.dec_ffn : d.enc_ffn;
    self_attn_ = &child("self_attn", std::make_unique<Attention>(d.d, heads));
    self_norm_ = &child("self_attn_layer_norm", std::make_unique<LayerNorm>(d.d, 1e-5f));
    if (decoder) {
      cross_attn_ = &child("encoder_attn", std::make_unique<Attention>(d.d, heads));
      cross_norm_ = &child("encoder_attn_layer_norm", std::make_unique<LayerNorm>(d.d, 1e-5f));
    }
    fc1_ = &child("fc1", std::make_unique<Linear>(d.d, ffn));
    fc2_ = &child("fc2", std::make_unique<Linear>(ffn, d.d));
    final_norm_ = &child("final_layer_norm", std::make_unique<LayerNorm>(d.d, 1e-5f));
  }
  // h: encoder features with `pos` (spatial) and `mask`; or decoder queries with `pos` (query
  // positions) reading `memory` + `memory_pos` under `mask`.
  Tensor operator()(Tensor h, const Tensor& pos, const Tensor& mask, const Tensor& memory = {}, const Tensor& memory_pos = {}) const {
    const Tensor qk = ops::add(h, pos);
    h = (*self_norm_)(ops::add(h, (*self_attn_)(qk, qk, h, cross_attn_ ? Tensor() : mask)));
    if (cross_attn_) h = (*cross_norm_)(ops::add(h, (*cross_attn_)(ops::add(h, pos), ops::add(memory, memory_pos), memory, mask)));
    return (*final_norm_)(ops::add(h, (*fc2_)(ops::activation((*fc1_)(h), act_))));
  }

 private:
  ops::Activation act_;
  Attention *self_attn_, *cross_attn_ = nullptr;
  LayerNorm *self_norm_, *cross_norm_ = nullptr, *final_norm_;
  Linear *fc1_, *fc2_;
};

// pixel_mask [B, H, W] resized to the feature map by nearest neighbour, as F.interpolate does
// (source index floor(i * in / out) in float).
Tensor downsample_mask(const Tensor& pixel_mask, int64_t h, int64_t w) {
  const Tensor m = pixel_mask.to(DType::F32).contiguous();
  const int64_t B = m.size(0), H = m.size(1), W = m.size(2);
  const float sy = static_cast<float>(H) / static_cast<float>(h), sx = static_cast<float>(W) / static_cast<float>(w);
  std::vector<int64_t> iy(static_cast<size_t>(h)), ix(static_cast<size_t>(w));
  for (int64_t y = 0; y < h; ++y) iy[static_cast<size_t>(y)] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(y) * sy)), H - 1);
  for (int64_t x = 0; x < w; ++x) ix[static_cast<size_t>(x)] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(x) * sx)), W - 1);
  // Source rows, then source columns, each a row gather of the transposed map.
  const Tensor r = ops::gather_rows(m.permute({1, 0, 2}).reshape({H, B * W}), Tensor::from_ints(iy, {h})).view({h, B, W});
  const Tensor c = ops::gather_rows(r.permute({2, 1, 0}).reshape({W, B * h}), Tensor::from_ints(ix, {w})).view({w, B, h});
  return ops::where(c.permute({1, 2, 0}), Tensor::full({1}, 1.0), Tensor::zeros({1}));
}

// DetrSinePositionEmbedding(normalize=True): cumulative counts of valid positions down and across,
// scaled to [0, 2pi], through sin / cos at temperature 10000; y channels first. [B, h * w, d].
Tensor sine_positions(const Tensor& mask, int64_t d) {
  const int64_t B = mask.size(0), h = mask.size(1), w = mask.size(2), F = d / 2;
  const float* m = mask.data<float>();
  std::vector<float> dim_t(static_cast<size_t>(F));
  for (int64_t i = 0; i < F; ++i) dim_t[static_cast<size_t>(i)] = std::pow(10000.0f, static_cast<float>(2 * (i / 2)) / static_cast<float>(F));
  const auto two_pi = static_cast<float>(2 * M_PI);
  Tensor out = Tensor::empty({B, h * w, d});
  float* o = out.data<float>();
  std::vector<float> ys(static_cast<size_t>(h * w)), xs(static_cast<size_t>(h * w));
  for (int64_t b = 0; b < B; ++b) {
    const float* mb = m + b * h * w;
    for (int64_t x = 0; x < w; ++x)
      for (int64_t y = 0, acc = 0; y < h; ++y) acc += mb[y * w + x] != 0.0f, ys[static_cast<size_t>(y * w + x)] = static_cast<float>(acc);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0, acc = 0; x < w; ++x) acc += mb[y * w + x] != 0.0f, xs[static_cast<size_t>(y * w + x)] = static_cast<float>(acc);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const size_t at = static_cast<size_t>(y * w + x);
        const float ye = ys[at] / (ys[static_cast<size_t>((h - 1) * w + x)] + 1e-6f) * two_pi;
        const float xe = xs[at] / (xs[static_cast<size_t>(y * w + w - 1)] + 1e-6f) * two_pi;
        float* row = o + (b * h * w + static_cast<int64_t>(at)) * d;
        for (int64_t i = 0; i < F; ++i) {
          const float py = ye / dim_t[static_cast<size_t>(i)], px = xe / dim_t[static_cast<size_t>(i)];
          row[i] = i % 2 ? std::cos(py) : std::sin(py);
          row[F + i] = i % 2 ? std::cos(px) : std::sin(px);
        }
      }
  }
  return out;
}

class DetrModel : public nn::Module {
 public:
  explicit DetrModel(const PretrainedConfig& c) : d_(Dims::from(c)), bb_(backbone_spec(c)) {
    auto& backbone = child("backbone", std::make_unique<nn::Container>()).add("conv_encoder", std::make_unique<nn::Container>());
    resnet_ = &backbone.add("model", std::make_unique<resnet::ResNetModel>(bb_.config));
    const std::string pe = c.get_string("position_embedding_type");
    if (pe == "learned") {
      auto& p = child("position_embedding", std::make_unique<nn::Container>());
      rows_ = &p.add("row_embeddings", std::make_unique<nn::Embedding>(50, d_.d / 2));
      cols_ = &p.add("column_embeddings", std::make_unique<nn::Embedding>(50, d_.d / 2));
    } else if (pe != "sine") {
      throw ConfigError("DetrConfig: position_embedding_type must be 'sine' or 'learned', got '" + pe + "'");
    }
    query_pos_ = &child("query_position_embeddings", std::make_unique<nn::Embedding>(d_.queries, d_.d));
    const int64_t channels = bb_.config.get_int_list("hidden_sizes")[bb_.stages - 1];
    input_projection_ = &child("input_projection", std::make_unique<nn::Conv2d>(channels, d_.d, std::pair<int64_t, int64_t>{1, 1}, nn::Conv2d::Options{}));
    auto& enc = child("encoder", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d_.enc_layers; ++i) enc_.push_back(&enc.add(std::to_string(i), std::make_unique<Layer>(d_, false)));
    auto& dec = child("decoder", std::make_unique<nn::Container>());
    auto& dl = dec.add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d_.dec_layers; ++i) dec_.push_back(&dl.add(std::to_string(i), std::make_unique<Layer>(d_, true)));
    dec_norm_ = &dec.add("layernorm", std::make_unique<LayerNorm>(d_.d, 1e-5f));
  }
  bool timm_backbone() const { return bb_.timm; }

  ModelOutput run(const ModelInputs& in, const std::string& owner) const {
    const Tensor& pv = require_input(in, "pixel_values", owner);
    if (pv.dim() != 4) throw ShapeMismatch(owner + ": pixel_values must be [batch, channels, height, width], got " + shape_str(pv.shape()));
    const int64_t B = pv.size(0);
    Tensor pixel_mask;
    if (const Tensor* pm = find_input(in, "pixel_mask")) {
      if (pm->shape() != Shape{B, pv.size(2), pv.size(3)})
        throw ShapeMismatch(owner + ": pixel_mask " + shape_str(pm->shape()) + " must be [batch, height, width] of pixel_values " + shape_str(pv.shape()));
      pixel_mask = *pm;
    } else {
      pixel_mask = Tensor::full({B, pv.size(2), pv.size(3)}, 1.0, DType::F32);
    }
    const Tensor features = resnet_->features(pv, bb_.stages);
    const int64_t h = features.size(2), w = features.size(3), S = h * w;
    const Tensor mask = downsample_mask(pixel_mask, h, w);
    const Tensor src = (*input_projection_)(features).view({B, d_.d, S}).transpose(1, 2).contiguous();
    const Tensor pos = rows_ ? learned_positions(B, h, w) : sine_positions(mask, d_.d);
    const Tensor key_padding = mask.view({B, S});
    Tensor memory = src;
    for (const auto* l : enc_) memory = (*l)(memory, pos, key_padding);
    const Tensor query_pos = ops::add(Tensor::zeros({B, d_.queries, d_.d}), query_pos_->weight.to(DType::F32));
    Tensor hq = Tensor::zeros({B, d_.queries, d_.d});
    for (const auto* l : dec_) hq = (*l)(hq, query_pos, key_padding, memory, pos);
    ModelOutput o;
    o.set("last_hidden_state", (*dec_norm_)(hq));
    o.set("encoder_last_hidden_state", memory);
    return o;
  }

 private:
  // DetrLearnedPositionEmbedding: column embedding then row embedding at each position.
  Tensor learned_positions(int64_t B, int64_t h, int64_t w) const {
    if (h > 50 || w > 50) throw ValueError("DETR: learned position embeddings cover 50x50 feature maps, got " + std::to_string(h) + "x" + std::to_string(w));
    const int64_t F = d_.d / 2;
    const Tensor rows = rows_->weight.to(DType::F32).contiguous(), cols = cols_->weight.to(DType::F32).contiguous();
    // Broadcast by adding zeros of the grid's shape: column x's embedding, then row y's.
    const Tensor grid = Tensor::zeros({B, h, w, F});
    const Tensor col = ops::add(grid, cols.slice(0, 0, w).view({1, 1, w, F})), row = ops::add(grid, rows.slice(0, 0, h).view({1, h, 1, F}));
    return ops::concat({col, row}, -1).view({B, h * w, d_.d});
  }

  Dims d_;
  BackboneSpec bb_;
  resnet::ResNetModel* resnet_;
  nn::Embedding *rows_ = nullptr, *cols_ = nullptr, *query_pos_;
  nn::Conv2d* input_projection_;
  std::vector<Layer*> enc_, dec_;
  LayerNorm* dec_norm_;
};

class Base : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  Base(const PretrainedConfig& c, bool root) : Model(c), detr_(child(root ? "" : "model", std::make_unique<DetrModel>(c))) {}
  std::string base_model_prefix() const override { return "model"; }
  ModelOutput forward(const ModelInputs& in) override { return detr_.run(in, "DetrModel"); }
  // Python's conversion mapping (v5 names to the checkpoint's), and timm's ResNet names.
  std::string checkpoint_key(const std::string& key) const override {
    std::string k = key;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"backbone.model.", "backbone.conv_encoder.model."}, {".o_proj.", ".out_proj."},
                                   {".mlp.fc1.", ".fc1."}, {".mlp.fc2.", ".fc2."}})
      for (size_t at = k.find(from); at != std::string::npos; at = k.find(from, at + to.size())) k.replace(at, from.size(), to);
    const std::string bb = "backbone.conv_encoder.model.";
    if (const size_t at = k.find(bb); at != std::string::npos && detr_.timm_backbone())
      k = k.substr(0, at + bb.size()) + resnet::rename_timm(k.substr(at + bb.size()));
    return k;
  }

 protected:
  DetrModel& detr_;
};

// class_labels_classifier (num_labels + "no object") and the 3-layer box MLP with a sigmoid.
class ForObjectDetection : public Base {
 public:
  explicit ForObjectDetection(const PretrainedConfig& c) : Base(c, false) {
    if (c.num_labels() <= 0) throw ConfigError("DetrConfig: num_labels must be positive for DetrForObjectDetection");
    const int64_t d = c.get_int("d_model");
    classifier_ = &child("class_labels_classifier", std::make_unique<Linear>(d, c.num_labels() + 1));
    auto& layers = child("bbox_predictor", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < 3; ++i) bbox_.push_back(&layers.add(std::to_string(i), std::make_unique<Linear>(d, i == 2 ? 4 : d)));
  }
  ModelOutput forward(const ModelInputs& in) override {
    ModelOutput o = detr_.run(in, "DetrForObjectDetection");
    const Tensor h = o["last_hidden_state"];
    Tensor box = h;
    for (size_t i = 0; i < bbox_.size(); ++i) box = i + 1 < bbox_.size() ? ops::activation((*bbox_[i])(box), ops::Activation::Relu) : (*bbox_[i])(box);
    o.set("logits", (*classifier_)(h));
    o.set("pred_boxes", ops::activation(box, ops::Activation::Sigmoid));
    return o;
  }

 private:
  Linear* classifier_;
  std::vector<Linear*> bbox_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<Base>(c, true); }
std::unique_ptr<PreTrainedModel> make_for_object_detection(const PretrainedConfig& c) { return std::make_unique<ForObjectDetection>(c); }

}  // namespace transformers::detr
