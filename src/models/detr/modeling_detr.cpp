#include "models/detr/modeling_detr.hpp"

#include <cmath>

#include "core/output_recorder.hpp"
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

// The backbone: HF's ResNetBackbone config, or a timm ResNet by name. `out_stages` are the stages
// whose feature maps the backbone hands over (1 = "stage1", ascending): DetrModel reads the last,
// DetrForSegmentation's mask head the first three.
struct BackboneSpec {
  PretrainedConfig config;
  std::vector<size_t> out_stages{4};
  bool timm = false;
  size_t stages() const { return out_stages.back(); }
};

std::vector<size_t> checked_stages(const std::vector<int64_t>& indices, size_t depth) {
  std::vector<size_t> r;
  for (int64_t i : indices) {
    if (i < 1 || static_cast<size_t>(i) > depth || (!r.empty() && static_cast<size_t>(i) <= r.back()))
      throw ConfigError("DetrConfig: the backbone's output stages must be ascending stages 1.." + std::to_string(depth));
    r.push_back(static_cast<size_t>(i));
  }
  if (r.empty()) throw ConfigError("DetrConfig: the backbone has no output stage");
  return r;
}

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
    // timm's features_only indices: 0 the stem, 1..4 layer1..layer4 (DetrConfig asks for 1..4).
    b.out_stages = checked_stages(sub && sub->has("out_indices") ? sub->get_int_list("out_indices") : std::vector<int64_t>{1, 2, 3, 4},
                                  b.config.get_int_list("depths").size());
    return b;
  }
  b.config = sub ? *sub : PretrainedConfig::from_json_string(resnet::config_spec(), "{}", "DetrConfig backbone defaults");
  if (b.config.model_type() != "resnet")
    throw ConfigError("DetrConfig: backbone model_type '" + b.config.model_type() + "' is not supported (resnet, or a timm resnet)");
  const size_t depth = b.config.get_int_list("depths").size();
  std::vector<int64_t> indices{static_cast<int64_t>(depth)};
  if (b.config.has("out_features")) {
    indices.clear();
    for (const auto& name : b.config.get_string_list("out_features")) {
      if (name.rfind("stage", 0) != 0 || name.size() == 5 || name.size() > 9 || name.find_first_not_of("0123456789", 5) != std::string::npos)
        throw ConfigError("DetrConfig: backbone out_features must name stages, got '" + name + "'");
      indices.push_back(std::stoll(name.substr(5)));
    }
  } else if (b.config.has("out_indices")) {
    indices = b.config.get_int_list("out_indices");
  }
  b.out_stages = checked_stages(indices, depth);
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
    if (cross_attn_) {
      const record::AttentionsAs as("cross_attentions");
      h = (*cross_norm_)(ops::add(h, (*cross_attn_)(ops::add(h, pos), ops::add(memory, memory_pos), memory, mask)));
    }
    return (*final_norm_)(ops::add(h, (*fc2_)(ops::activation((*fc1_)(h), act_))));
  }

 private:
  ops::Activation act_;
  Attention *self_attn_, *cross_attn_ = nullptr;
  LayerNorm *self_norm_, *cross_norm_ = nullptr, *final_norm_;
  Linear *fc1_, *fc2_;
};

// F.interpolate(mode="nearest") of x [N, C, H, W] to (h, w): source index floor(i * in / out)
// in float, clamped; rows, then columns, each a row gather of the transposed map.
Tensor resize_nearest(const Tensor& x, int64_t h, int64_t w) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  if (H == h && W == w) return x;
  const auto source = [](int64_t in, int64_t out) {
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    std::vector<int64_t> idx(static_cast<size_t>(out));
    for (int64_t i = 0; i < out; ++i) idx[static_cast<size_t>(i)] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(i) * scale)), in - 1);
    return Tensor::from_ints(idx, {out});
  };
  const Tensor r = ops::gather_rows(x.permute({2, 0, 1, 3}).reshape({H, N * C * W}), source(H, h)).view({h, N, C, W});
  const Tensor c = ops::gather_rows(r.permute({3, 0, 1, 2}).reshape({W, h * N * C}), source(W, w)).view({w, h, N, C});
  return c.permute({2, 3, 1, 0}).contiguous();
}

// pixel_mask [B, H, W] resized to a feature map (nearest) as 0 / 1 floats.
Tensor downsample_mask(const Tensor& pixel_mask, int64_t h, int64_t w) {
  const Tensor m = pixel_mask.to(DType::F32).contiguous();
  const Tensor r = resize_nearest(m.view({m.size(0), 1, m.size(1), m.size(2)}), h, w).view({m.size(0), h, w});
  return ops::where(r, Tensor::full({1}, 1.0), Tensor::zeros({1}));
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

// What the encoder hands the decoder and the segmentation head.
struct Encoded {
  std::vector<Tensor> feature_maps;  // the backbone's, one per output stage
  Tensor projected;                  // input_projection of the last map [B, d, h, w]
  Tensor mask;                       // the pixel mask at [B, h * w], 0 / 1
  Tensor pos;                        // spatial position embeddings [B, h * w, d]
  Tensor memory;                     // encoder_last_hidden_state [B, h * w, d]
};

class DetrModel : public nn::Module {
 public:
  explicit DetrModel(const PretrainedConfig& c) : d_(Dims::from(c)), bb_(backbone_spec(c)), auxiliary_loss_(c.get_bool("auxiliary_loss", false)) {
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
    input_projection_ = &child("input_projection", std::make_unique<nn::Conv2d>(channels().back(), d_.d, std::pair<int64_t, int64_t>{1, 1}, nn::Conv2d::Options{}));
    auto& enc = child("encoder", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d_.enc_layers; ++i) enc_.push_back(&enc.add(std::to_string(i), std::make_unique<Layer>(d_, false)));
    auto& dec = child("decoder", std::make_unique<nn::Container>());
    auto& dl = dec.add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d_.dec_layers; ++i) dec_.push_back(&dl.add(std::to_string(i), std::make_unique<Layer>(d_, true)));
    dec_norm_ = &dec.add("layernorm", std::make_unique<LayerNorm>(d_.d, 1e-5f));
  }
  bool timm_backbone() const { return bb_.timm; }
  const Dims& dims() const { return d_; }
  // Channels of each backbone feature map (intermediate_channel_sizes).
  std::vector<int64_t> channels() const {
    const auto sizes = bb_.config.get_int_list("hidden_sizes");
    std::vector<int64_t> r;
    for (size_t s : bb_.out_stages) {
      if (s > sizes.size()) throw ConfigError("DetrConfig: the backbone's hidden_sizes do not cover stage " + std::to_string(s));
      r.push_back(sizes[s - 1]);
    }
    return r;
  }

  // Backbone, projection, positions and the encoder (its states recorded as encoder_*).
  Encoded encode(const ModelInputs& in, const std::string& owner) const {
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
    Encoded e;
    {
      // The backbone's own states are not part of DETR's output.
      const record::Pause pause;
      std::vector<Tensor> states;  // the embedder's output, then stage 1, 2, ...
      resnet_->features(pv, bb_.stages(), &states);
      for (size_t s : bb_.out_stages) e.feature_maps.push_back(states[s]);
    }
    const Tensor& features = e.feature_maps.back();
    const int64_t h = features.size(2), w = features.size(3), S = h * w;
    const Tensor mask = downsample_mask(pixel_mask, h, w);
    e.projected = (*input_projection_)(features);
    e.pos = rows_ ? learned_positions(B, h, w) : sine_positions(mask, d_.d);
    e.mask = mask.view({B, S});
    const record::Prefix prefix("encoder_");
    Tensor memory = e.projected.view({B, d_.d, S}).transpose(1, 2).contiguous();
    record::hidden_state(memory);
    for (const auto* l : enc_) record::hidden_state(memory = (*l)(memory, e.pos, e.mask));
    e.memory = memory;
    return e;
  }

  // The decoder over zero queries (its states recorded as decoder_* and cross_attentions): the
  // last layer's output through the final LayerNorm. With auxiliary_loss every layer's output is
  // layer-normed before the next reads it, as Python does for its intermediate outputs.
  Tensor decode(const Encoded& e) const {
    const int64_t B = e.memory.size(0);
    const record::Prefix prefix("decoder_");
    const Tensor query_pos = ops::add(Tensor::zeros({B, d_.queries, d_.d}), query_pos_->weight.to(DType::F32));
    Tensor hq = Tensor::zeros({B, d_.queries, d_.d});
    record::hidden_state(hq);
    for (size_t i = 0; i < dec_.size(); ++i) {
      hq = (*dec_[i])(hq, query_pos, e.mask, e.memory, e.pos);
      // Python hands the final (layer-normed) state over in place of the last layer's.
      if (i + 1 < dec_.size()) record::hidden_state(hq);
      if (auxiliary_loss_) hq = (*dec_norm_)(hq);
    }
    hq = (*dec_norm_)(hq);
    record::hidden_state(hq);
    return hq;
  }

  ModelOutput run(const ModelInputs& in, const std::string& owner) const {
    const Encoded e = encode(in, owner);
    ModelOutput o;
    o.set("last_hidden_state", decode(e));
    o.set("encoder_last_hidden_state", e.memory);
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
  bool auxiliary_loss_;
  resnet::ResNetModel* resnet_;
  nn::Embedding *rows_ = nullptr, *cols_ = nullptr, *query_pos_;
  nn::Conv2d* input_projection_;
  std::vector<Layer*> enc_, dec_;
  LayerNorm* dec_norm_;
};

// DetrForObjectDetection's modules: the DetrModel under "model", class_labels_classifier
// (num_labels + "no object") and the 3-layer box MLP with a sigmoid.
class Detector : public nn::Module {
 public:
  explicit Detector(const PretrainedConfig& c) : model(child("model", std::make_unique<DetrModel>(c))) {
    if (c.num_labels() <= 0) throw ConfigError("DetrConfig: num_labels must be positive for DetrForObjectDetection");
    const int64_t d = c.get_int("d_model");
    classifier_ = &child("class_labels_classifier", std::make_unique<Linear>(d, c.num_labels() + 1));
    auto& layers = child("bbox_predictor", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < 3; ++i) bbox_.push_back(&layers.add(std::to_string(i), std::make_unique<Linear>(d, i == 2 ? 4 : d)));
  }
  Tensor logits(const Tensor& h) const { return (*classifier_)(h); }
  Tensor pred_boxes(const Tensor& h) const {
    Tensor box = h;
    for (size_t i = 0; i < bbox_.size(); ++i) box = i + 1 < bbox_.size() ? ops::activation((*bbox_[i])(box), ops::Activation::Relu) : (*bbox_[i])(box);
    return ops::activation(box, ops::Activation::Sigmoid);
  }
  DetrModel& model;

 private:
  Linear* classifier_;
  std::vector<Linear*> bbox_;
};

class Base : public Model {
 public:
  explicit Base(const PretrainedConfig& c) : Model(c) {}
  std::string main_input_name() const override { return "pixel_values"; }
  std::string base_model_prefix() const override { return "model"; }
  // Python's conversion mapping (v5 names to the checkpoint's), DetrForSegmentation's legacy
  // mask-head names, and timm's ResNet names.
  std::string checkpoint_key(const std::string& key) const override {
    static const std::vector<std::pair<std::string, std::string>> renames = {
        {"backbone.model.", "backbone.conv_encoder.model."}, {".o_proj.", ".out_proj."}, {".mlp.fc1.", ".fc1."}, {".mlp.fc2.", ".fc2."},
        {"bbox_attention.q_linear.", "bbox_attention.q_proj."}, {"bbox_attention.k_linear.", "bbox_attention.k_proj."},
        {"mask_head.lay1.", "mask_head.conv1.conv."}, {"mask_head.gn1.", "mask_head.conv1.norm."},
        {"mask_head.lay2.", "mask_head.conv2.conv."}, {"mask_head.gn2.", "mask_head.conv2.norm."},
        {"mask_head.adapter1.", "mask_head.fpn_stages.0.fpn_adapter."}, {"mask_head.lay3.", "mask_head.fpn_stages.0.refine.conv."},
        {"mask_head.gn3.", "mask_head.fpn_stages.0.refine.norm."}, {"mask_head.adapter2.", "mask_head.fpn_stages.1.fpn_adapter."},
        {"mask_head.lay4.", "mask_head.fpn_stages.1.refine.conv."}, {"mask_head.gn4.", "mask_head.fpn_stages.1.refine.norm."},
        {"mask_head.adapter3.", "mask_head.fpn_stages.2.fpn_adapter."}, {"mask_head.lay5.", "mask_head.fpn_stages.2.refine.conv."},
        {"mask_head.gn5.", "mask_head.fpn_stages.2.refine.norm."}, {"mask_head.out_lay.", "mask_head.output_conv."}};
    std::string k = key;
    for (const auto& [from, to] : renames)
      for (size_t at = k.find(from); at != std::string::npos; at = k.find(from, at + to.size())) k.replace(at, from.size(), to);
    const std::string bb = "backbone.conv_encoder.model.";
    if (const size_t at = k.find(bb); at != std::string::npos && detr_->timm_backbone())
      k = k.substr(0, at + bb.size()) + resnet::rename_timm(k.substr(at + bb.size()));
    return k;
  }

 protected:
  DetrModel* detr_ = nullptr;
};

class ForModel : public Base {
 public:
  explicit ForModel(const PretrainedConfig& c) : Base(c) { detr_ = &child("", std::make_unique<DetrModel>(c)); }
  ModelOutput forward(const ModelInputs& in) override { return detr_->run(in, "DetrModel"); }
};

class ForObjectDetection : public Base {
 public:
  explicit ForObjectDetection(const PretrainedConfig& c) : Base(c), det_(child("", std::make_unique<Detector>(c))) { detr_ = &det_.model; }
  ModelOutput forward(const ModelInputs& in) override {
    const ModelOutput m = detr_->run(in, "DetrForObjectDetection");
    const Tensor& h = m["last_hidden_state"];
    ModelOutput o;
    o.set("logits", det_.logits(h));
    o.set("pred_boxes", det_.pred_boxes(h));
    o.set("last_hidden_state", h);
    o.set("encoder_last_hidden_state", m["encoder_last_hidden_state"]);
    return o;
  }

 private:
  Detector& det_;
};

// nn.GroupNorm(groups, channels) with its affine weight and bias.
class GroupNorm : public nn::Module {
 public:
  GroupNorm(int64_t groups, int64_t channels)
      : groups_(groups), weight_(param("weight", {channels}, nn::ParamKind::Float32)), bias_(param("bias", {channels}, nn::ParamKind::Float32)) {}
  Tensor operator()(const Tensor& x) const { return ops::group_norm(x, groups_, weight_, bias_, 1e-5f); }

 private:
  int64_t groups_;
  Tensor &weight_, &bias_;
};

// DetrConvBlock: 3x3 convolution, GroupNorm(min(8, out)), activation.
class ConvBlock : public nn::Module {
 public:
  ConvBlock(int64_t in, int64_t out, ops::Activation act) : act_(act) {
    if (out <= 0 || out % std::min<int64_t>(8, out))
      throw ConfigError("DetrConfig: the mask head's " + std::to_string(out) + " channels do not split into GroupNorm groups (d_model too small)");
    nn::Conv2d::Options o;
    o.padding = {1, 1};
    conv_ = &child("conv", std::make_unique<nn::Conv2d>(in, out, std::pair<int64_t, int64_t>{3, 3}, o));
    norm_ = &child("norm", std::make_unique<GroupNorm>(std::min<int64_t>(8, out), out));
  }
  Tensor operator()(const Tensor& x) const { return ops::activation((*norm_)((*conv_)(x)), act_); }

 private:
  ops::Activation act_;
  nn::Conv2d* conv_;
  GroupNorm* norm_;
};

// DetrMaskHeadSmallConv: the projected features beside each query's attention maps, two conv
// blocks, then three FPN stages that upsample (nearest) to the next backbone map, add its 1x1
// adapter and refine, halving the channels each time; a 3x3 convolution to one mask logit.
class MaskHead : public nn::Module {
 public:
  MaskHead(int64_t input_channels, const std::vector<int64_t>& fpn_channels, int64_t d, ops::Activation act) {
    if (input_channels % 8) throw ConfigError("DetrConfig: input_channels must be divisible by 8, got " + std::to_string(input_channels));
    conv1_ = &child("conv1", std::make_unique<ConvBlock>(input_channels, input_channels, act));
    conv2_ = &child("conv2", std::make_unique<ConvBlock>(input_channels, d / 2, act));
    auto& stages = child("fpn_stages", std::make_unique<nn::Container>());
    for (size_t i = 0; i < 3; ++i) {
      auto& s = stages.add(std::to_string(i), std::make_unique<nn::Container>());
      const int64_t current = d >> (i + 1), output = d >> (i + 2);
      adapters_.push_back(&s.add("fpn_adapter", std::make_unique<nn::Conv2d>(fpn_channels[i], current, std::pair<int64_t, int64_t>{1, 1}, nn::Conv2d::Options{})));
      refines_.push_back(&s.add("refine", std::make_unique<ConvBlock>(current, output, act)));
    }
    nn::Conv2d::Options o;
    o.padding = {1, 1};
    output_conv_ = &child("output_conv", std::make_unique<nn::Conv2d>(d >> 4, 1, std::pair<int64_t, int64_t>{3, 3}, o));
  }
  // projected [B, d, h, w], attention_maps [B, Q, heads, h, w], fpn maps from low to high
  // resolution [B, C_i, H_i, W_i] -> [B * Q, 1, H_2, W_2].
  Tensor operator()(const Tensor& projected, const Tensor& attention_maps, const std::vector<Tensor>& fpn) const {
    const int64_t B = attention_maps.size(0), Q = attention_maps.size(1);
    // Each query's copy of a per-image map: [B, C, H, W] -> [B * Q, C, H, W].
    const auto per_query = [&](const Tensor& x) {
      const Shape s = x.shape();
      return ops::add(Tensor::zeros({B, Q, s[1], s[2], s[3]}), x.unsqueeze(1)).view({B * Q, s[1], s[2], s[3]});
    };
    const Shape a = attention_maps.shape();
    Tensor h = ops::concat({per_query(projected), attention_maps.contiguous().view({B * Q, a[2], a[3], a[4]})}, 1);
    h = (*conv2_)((*conv1_)(h));
    for (size_t i = 0; i < 3; ++i) {
      // The adapter is per image; every query of the image adds the same map.
      const Tensor adapted = per_query((*adapters_[i])(fpn[i]));
      h = (*refines_[i])(ops::add(adapted, resize_nearest(h, adapted.size(2), adapted.size(3))));
    }
    return (*output_conv_)(h);
  }

 private:
  ConvBlock *conv1_, *conv2_;
  std::vector<nn::Conv2d*> adapters_;
  std::vector<ConvBlock*> refines_;
  nn::Conv2d* output_conv_;
};

// DetrMHAttentionMap: each query's attention over the encoder memory, softmax taken jointly over
// every head and position (no values): [B, Q, heads, h, w].
class AttentionMap : public nn::Module {
 public:
  AttentionMap(int64_t d, int64_t heads) : heads_(heads), scaling_(1.0f / std::sqrt(static_cast<float>(d / heads))) {
    q_ = &child("q_proj", std::make_unique<Linear>(d, d));
    k_ = &child("k_proj", std::make_unique<Linear>(d, d));
  }
  // queries [B, Q, d], memory [B, h * w, d], mask [B, h * w] 0 / 1.
  Tensor operator()(const Tensor& queries, const Tensor& memory, const Tensor& mask, int64_t h, int64_t w) const {
    const int64_t B = queries.size(0), Q = queries.size(1), S = memory.size(1);
    const Tensor q = ops::scale(nn::split_heads((*q_)(queries), heads_), scaling_);  // [B, heads, Q, hd]
    const Tensor k = nn::split_heads((*k_)(memory), heads_);                         // [B, heads, S, hd]
    const Tensor scores = ops::matmul(q, k, false, true).permute({0, 2, 1, 3}).contiguous().view({B, Q, heads_ * S});
    // Padding positions get the float minimum added, as Python's mask does; every head alike.
    const Tensor additive = ops::where(mask, Tensor::zeros({1}), Tensor::full({1}, -3.4028234663852886e38));
    std::vector<Tensor> per_head(static_cast<size_t>(heads_), additive.view({B, 1, S}));
    const Tensor probs = ops::softmax(scores, -1, ops::concat(per_head, -1));
    return probs.view({B, Q, heads_, h, w});
  }

 private:
  int64_t heads_;
  float scaling_;
  Linear *q_, *k_;
};

// DetrForSegmentation: the detector under "detr", and the panoptic mask head over its decoder
// output, encoder memory and the backbone's first three feature maps.
class ForSegmentation : public Base {
 public:
  explicit ForSegmentation(const PretrainedConfig& c) : Base(c), det_(child("detr", std::make_unique<Detector>(c))) {
    detr_ = &det_.model;
    const Dims& d = detr_->dims();
    const std::vector<int64_t> ch = detr_->channels();
    if (ch.size() < 3) throw ConfigError("DetrForSegmentation: the backbone must hand over at least three feature maps (out_features), got " + std::to_string(ch.size()));
    mask_head_ = &child("mask_head", std::make_unique<MaskHead>(d.d + d.enc_heads, std::vector<int64_t>{ch[2], ch[1], ch[0]}, d.d, d.act));
    bbox_attention_ = &child("bbox_attention", std::make_unique<AttentionMap>(d.d, d.enc_heads));
  }
  ModelOutput forward(const ModelInputs& in) override {
    const Encoded e = detr_->encode(in, "DetrForSegmentation");
    const Tensor h = detr_->decode(e);
    const int64_t B = h.size(0), Q = h.size(1), fh = e.projected.size(2), fw = e.projected.size(3);
    const Tensor maps = (*bbox_attention_)(h, e.memory, e.mask, fh, fw);
    const Tensor masks = (*mask_head_)(e.projected, maps, {e.feature_maps[2], e.feature_maps[1], e.feature_maps[0]});
    ModelOutput o;
    o.set("logits", det_.logits(h));
    o.set("pred_boxes", det_.pred_boxes(h));
    o.set("pred_masks", masks.view({B, Q, masks.size(2), masks.size(3)}));
    o.set("last_hidden_state", h);
    o.set("encoder_last_hidden_state", e.memory);
    return o;
  }

 private:
  Detector& det_;
  MaskHead* mask_head_;
  AttentionMap* bbox_attention_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<ForModel>(c); }
std::unique_ptr<PreTrainedModel> make_for_object_detection(const PretrainedConfig& c) { return std::make_unique<ForObjectDetection>(c); }
std::unique_ptr<PreTrainedModel> make_for_segmentation(const PretrainedConfig& c) { return std::make_unique<ForSegmentation>(c); }

}  // namespace transformers::detr
