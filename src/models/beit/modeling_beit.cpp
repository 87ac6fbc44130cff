// BEiT: transformers/models/beit/modeling_beit.py (v5 names; older checkpoints renamed at load).
#include "core/output_recorder.hpp"
#include "models/beit/modeling_beit.hpp"

#include <cmath>
#include <regex>

#include "models/backbone.hpp"
#include "models/vision_heads.hpp"
#include "models/vit/modeling_vit.hpp"
#include "transformers/errors.hpp"

namespace transformers::beit {

ConfigSpec config_spec() {
  return {"beit", "BeitConfig", R"({
    "vocab_size": 8192, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
    "layer_norm_eps": 1e-12, "image_size": null, "patch_size": null, "num_channels": 3, "use_mask_token": false,
    "use_absolute_position_embeddings": false, "use_relative_position_bias": false, "use_shared_relative_position_bias": false,
    "layer_scale_init_value": 0.1, "drop_path_rate": 0.1, "use_mean_pooling": true, "semantic_loss_ignore_index": 255,
    "pool_scales": [1, 2, 3, 6], "use_auxiliary_head": true, "auxiliary_loss_weight": 0.4, "auxiliary_channels": 256,
    "auxiliary_num_convs": 1, "auxiliary_concat_input": false, "add_fpn": false, "reshape_hidden_states": true
  })"};
}

namespace {

// relative_position_bias_table [(2h-1)(2w-1) + 3, heads] laid out over the (1 + h w)^2 token pairs:
// patch pairs by their offset, then the CLS rows / columns / corner from the last three entries.
class RelativePositionBias : public nn::Module {
 public:
  RelativePositionBias(const vit::Grid& g, int64_t heads)
      : h_(g.rows()), w_(g.cols()), heads_(heads),
        table_(child("relative_position_bias_table", std::make_unique<nn::BareParameter>(Shape{(2 * h_ - 1) * (2 * w_ - 1) + 3, heads})).value) {}
  // [heads, 1 + rows cols, 1 + rows cols] for an image of rows x cols patches.
  Tensor operator()(int64_t rows, int64_t cols) const {
    const int64_t N = rows * cols + 1, old = (2 * h_ - 1) * (2 * w_ - 1), D = (2 * rows - 1) * (2 * cols - 1);
    // Python always passes the offset table through a bilinear resize to the image's window,
    // reading it as a (2w-1) x (2h-1) grid and writing (2 rows - 1) x (2 cols - 1): the identity
    // for square grids of the configured size, a real resampling otherwise. Reproduced as is.
    const Tensor full = table_.to(DType::F32).contiguous();
    const Tensor grid = full.slice(0, 0, old).contiguous().view({1, 2 * w_ - 1, 2 * h_ - 1, heads_}).permute({0, 3, 1, 2}).contiguous();
    const Tensor resized = ops::interpolate_bilinear(grid, 2 * rows - 1, 2 * cols - 1).permute({0, 2, 3, 1}).contiguous().view({D, heads_});
    const Tensor t = ops::concat({resized, full.slice(0, old, old + 3).contiguous()}, 0);
    std::vector<int64_t> rows_of(static_cast<size_t>(N * N));  // the table row of each (query, key) pair
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j) {
        int64_t idx;
        if (i == 0 && j == 0) idx = D + 2;
        else if (i == 0) idx = D;
        else if (j == 0) idx = D + 1;
        else {
          const int64_t yi = (i - 1) / cols, xi = (i - 1) % cols, yj = (j - 1) / cols, xj = (j - 1) % cols;
          idx = (yi - yj + rows - 1) * (2 * cols - 1) + (xi - xj + cols - 1);
        }
        rows_of[static_cast<size_t>(i * N + j)] = idx;
      }
    return ops::gather_rows(t, Tensor::from_ints(rows_of, {N * N})).view({N, N, heads_}).permute({2, 0, 1}).contiguous();
  }

 private:
  int64_t h_, w_, heads_;
  Tensor& table_;
};

class Layer : public nn::Module {
 public:
  Layer(const vit::Dims& d, const vit::Grid& g, float scale_init, bool own_bias) : d_(d) {
    using nn::Linear;
    before_ = &child("layernorm_before", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& a = child("attention", std::make_unique<nn::Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden, false));
    v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    o_ = &a.add("o_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    after_ = &child("layernorm_after", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    fc1_ = &mlp.add("fc1", std::make_unique<Linear>(d.hidden, d.intermediate));
    fc2_ = &mlp.add("fc2", std::make_unique<Linear>(d.intermediate, d.hidden));
    if (scale_init > 0) {
      l1_ = &child("lambda_1", std::make_unique<nn::BareParameter>(d.hidden)).value;
      l2_ = &child("lambda_2", std::make_unique<nn::BareParameter>(d.hidden)).value;
    }
    if (own_bias) bias_ = &child("relative_position_bias", std::make_unique<RelativePositionBias>(g, d.heads));
  }
  Tensor operator()(const Tensor& x, const Tensor& shared_bias, int64_t rows, int64_t cols) const {
    ops::AttentionOptions o;
    o.causal = false;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
    if (bias_) o.bias = shared_bias.defined() ? ops::add((*bias_)(rows, cols), shared_bias) : (*bias_)(rows, cols);
    else if (shared_bias.defined()) o.bias = shared_bias;
    const Tensor h = (*before_)(x);
    Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads), nn::split_heads((*v_)(h), d_.heads), o));
    if (l1_) a = ops::mul(a, *l1_);
    const Tensor r = ops::add(x, a);
    Tensor m = (*fc2_)(ops::activation((*fc1_)((*after_)(r)), d_.act));
    if (l2_) m = ops::mul(m, *l2_);
    return ops::add(r, m);
  }

 private:
  const vit::Dims& d_;
  nn::LayerNorm *before_, *after_;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
  Tensor *l1_ = nullptr, *l2_ = nullptr;
  RelativePositionBias* bias_ = nullptr;
};

class BeitModel : public nn::Module {
 public:
  BeitModel(const PretrainedConfig& c, bool pooler) : d_(vit::Dims::from(c, "BeitConfig")), g_(vit::Grid::from(c, "BeitConfig")) {
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    if (c.get_bool("use_mask_token")) e.add("mask_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden}));
    patches_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<vit::PatchEmbeddings>(d_.hidden, g_));
    if (c.get_bool("use_absolute_position_embeddings"))
      pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, g_.rows() * g_.cols() + 1, d_.hidden})).value;
    if (c.get_bool("use_shared_relative_position_bias")) shared_ = &child("shared_position_bias", std::make_unique<RelativePositionBias>(g_, d_.heads));
    auto& layers = child("layers", std::make_unique<nn::Container>());
    const auto scale = static_cast<float>(c.get_float("layer_scale_init_value"));
    for (int64_t i = 0; i < d_.layers; ++i)
      layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d_, g_, scale, c.get_bool("use_relative_position_bias"))));
    mean_pooling_ = c.get_bool("use_mean_pooling");
    // With mean pooling the final norm sits in the pooler; the sequence output is not normed.
    if (!mean_pooling_) norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
    else if (pooler) pool_norm_ = &child("pooler", std::make_unique<nn::Container>()).add("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  }
  const vit::Dims& dims() const { return d_; }
  const vit::Grid& grid() const { return g_; }

  // `states` (optional) receives Python's hidden_states: the embeddings, then each layer's output.
  ModelOutput run(const ModelInputs& in, std::vector<Tensor>* states = nullptr) const {
    // Any image size: v5 always resizes the position biases (bilinear) and absolute positions
    // (bicubic) to the image's patch grid; interpolate_pos_encoding changes nothing more here.
    const Tensor& pv = require_input(in, "pixel_values", "BeitModel");
    vit::wants_interpolation(in);  // checked like the other families' flag; BEiT resizes either way
    Tensor h = vit::prepend_tokens(patches_->project(pv, "BeitModel"), {cls_});
    const int64_t rows = pv.size(2) / g_.patch_h, cols = pv.size(3) / g_.patch_w;
    if (pos_) h = ops::add(h, vit::interpolate_pos_encoding(*pos_, 1, rows, cols, pv.size(2) == pv.size(3), "BeitModel"));
    const Tensor shared = shared_ ? (*shared_)(rows, cols) : Tensor();
    for (const auto* l : layers_) {
      record::hidden_state(h);
      if (states) states->push_back(h);
      h = (*l)(h, shared, rows, cols);
    }
    record::hidden_state(h);  // Python does not tie the last one to the normed output
    if (states) states->push_back(h);
    if (norm_) h = (*norm_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    if (pool_norm_) o.set("pooler_output", (*pool_norm_)(ops::mean(h.slice(1, 1, h.size(1)).contiguous(), 1)));
    else if (!mean_pooling_) o.set("pooler_output", h.select(1, 0).contiguous());
    return o;
  }

 private:
  vit::Dims d_;
  vit::Grid g_;
  Tensor *cls_, *pos_ = nullptr;
  vit::PatchEmbeddings* patches_;
  RelativePositionBias* shared_ = nullptr;
  std::vector<Layer*> layers_;
  bool mean_pooling_;
  nn::LayerNorm *norm_ = nullptr, *pool_norm_ = nullptr;
};

// conversion_mapping.py: the ViT renames plus BEiT's relative position bias tables, and the
// BeitBackbone / BeitForSemanticSegmentation renames of the FPN and the decode heads (mmseg names).
std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"encoder.relative_position_bias", "shared_position_bias"},
      {"attention.attention.relative_position_bias.relative_position_bias_table", "relative_position_bias.relative_position_bias_table"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  static const std::pair<std::regex, const char*> kHeads[] = {
      {std::regex(R"(decode_head\.psp_modules\.(\d+)\.1\.conv\.weight)"), "decode_head.psp_modules.blocks.$1.conv.convolution.weight"},
      {std::regex(R"(decode_head\.psp_modules\.(\d+)\.1\.bn\.)"), "decode_head.psp_modules.blocks.$1.conv.normalization."},
      {std::regex(R"(^fpn1\.0\.)"), "fpn.fpn1.conv_transpose1."},
      {std::regex(R"(^fpn1\.1\.)"), "fpn.fpn1.normalization."},
      {std::regex(R"(^fpn1\.3\.)"), "fpn.fpn1.conv_transpose2."},
      {std::regex(R"(^fpn2\.0\.)"), "fpn.fpn2."},
      {std::regex(R"(decode_head\.bottleneck\.)"), "decode_head.psp_bottleneck."},
      // The mmseg ConvModule's conv / bn everywhere else (std::regex has no look-behind: the
      // psp_modules keys were renamed above and no longer hold ".1.").
      {std::regex(R"(\.bn\.)"), ".normalization."},
      {std::regex(R"(\.conv\.weight$)"), ".convolution.weight"}};
  if (key.find("decode_head.") == 0 || key.find("auxiliary_head.") == 0 || key.find("fpn") == 0)
    for (const auto& [re, to] : kHeads) key = std::regex_replace(key, re, to);
  return vit::rename_legacy(key);
}

// BeitConvLayer: convolution (no bias), BatchNorm2d, ReLU.
class ConvLayer : public nn::Module {
 public:
  ConvLayer(int64_t in, int64_t out, int64_t k, int64_t padding = 0, int64_t dilation = 1) {
    nn::Conv2d::Options o;
    o.padding = {padding, padding}, o.dilation = {dilation, dilation}, o.bias = false;
    conv_ = &child("convolution", std::make_unique<nn::Conv2d>(in, out, std::pair{k, k}, o));
    norm_ = &child("normalization", std::make_unique<nn::BatchNorm>(out));
  }
  Tensor operator()(const Tensor& x) const { return ops::relu((*norm_)((*conv_)(x))); }

 private:
  nn::Conv2d* conv_;
  nn::BatchNorm* norm_;
};

std::unique_ptr<nn::Conv2d> classifier_conv(int64_t in, int64_t labels) {
  return std::make_unique<nn::Conv2d>(in, labels, std::pair<int64_t, int64_t>{1, 1}, nn::Conv2d::Options{});
}

// BeitFPNNeck over four [B, C, h, w] maps: 4x up (deconv, BN, GELU, deconv), 2x up (deconv),
// identity, 2x down (max pool).
class FPNNeck : public nn::Module {
 public:
  explicit FPNNeck(int64_t hidden) {
    auto& up = child("fpn1", std::make_unique<nn::Container>());
    up1_ = &up.add("conv_transpose1", std::make_unique<nn::ConvTranspose2d>(hidden, hidden, 2));
    norm_ = &up.add("normalization", std::make_unique<nn::BatchNorm>(hidden));
    up2_ = &up.add("conv_transpose2", std::make_unique<nn::ConvTranspose2d>(hidden, hidden, 2));
    fpn2_ = &child("fpn2", std::make_unique<nn::ConvTranspose2d>(hidden, hidden, 2));
  }
  std::vector<Tensor> operator()(const std::vector<Tensor>& maps) const {
    if (maps.size() != 4) throw ConfigError("BeitFPNNeck needs exactly 4 feature maps (out_indices of 4 stages), got " + std::to_string(maps.size()));
    return {(*up2_)(ops::gelu((*norm_)((*up1_)(maps[0])))), (*fpn2_)(maps[1]), maps[2], ops::max_pool2d(maps[3], 2, 2, 0)};
  }

 private:
  nn::ConvTranspose2d *up1_, *up2_, *fpn2_;
  nn::BatchNorm* norm_;
};

// BeitUperHead (UPerNet): a pyramid pooling module on the coarsest map, lateral 1x1 convolutions
// on the others, a top-down path of bilinear upsampling, 3x3 FPN convolutions, everything
// upsampled to the finest map, fused by fpn_bottleneck, classified by a 1x1 convolution.
class UperHead : public nn::Module {
 public:
  UperHead(const PretrainedConfig& c, int64_t hidden) {
    const auto scales = c.get_int_list("pool_scales");
    for (int64_t s : scales)
      if (s <= 0) throw ConfigError("BeitConfig: pool_scales must be positive");
    classifier_ = &child("classifier", classifier_conv(hidden, c.num_labels()));
    auto& blocks = child("psp_modules", std::make_unique<nn::Container>()).add("blocks", std::make_unique<nn::Container>());
    for (size_t i = 0; i < scales.size(); ++i) {
      psp_.push_back({scales[i], &blocks.add(std::to_string(i), std::make_unique<nn::Container>()).add("conv", std::make_unique<ConvLayer>(hidden, hidden, 1))});
    }
    psp_bottleneck_ = &child("psp_bottleneck", std::make_unique<ConvLayer>(hidden * static_cast<int64_t>(1 + scales.size()), hidden, 3, 1));
    auto& lat = child("lateral_convs", std::make_unique<nn::Container>());
    auto& fpn = child("fpn_convs", std::make_unique<nn::Container>());
    for (int i = 0; i < 3; ++i) {
      lateral_.push_back(&lat.add(std::to_string(i), std::make_unique<ConvLayer>(hidden, hidden, 1)));
      fpn_.push_back(&fpn.add(std::to_string(i), std::make_unique<ConvLayer>(hidden, hidden, 3, 1)));
    }
    fpn_bottleneck_ = &child("fpn_bottleneck", std::make_unique<ConvLayer>(4 * hidden, hidden, 3, 1));
  }
  Tensor operator()(const std::vector<Tensor>& maps) const {
    std::vector<Tensor> lat;
    for (size_t i = 0; i < 3; ++i) lat.push_back((*lateral_[i])(maps[i]));
    const Tensor& top = maps[3];
    std::vector<Tensor> pooled{top};
    for (const auto& [scale, conv] : psp_)
      pooled.push_back(ops::interpolate_bilinear((*conv)(ops::adaptive_avg_pool2d(top, scale, scale)), top.size(2), top.size(3)));
    lat.push_back((*psp_bottleneck_)(ops::concat(pooled, 1)));
    for (size_t i = lat.size() - 1; i > 0; --i)
      lat[i - 1] = ops::add(lat[i - 1], ops::interpolate_bilinear(lat[i], lat[i - 1].size(2), lat[i - 1].size(3)));
    std::vector<Tensor> outs;
    for (size_t i = 0; i < 3; ++i) outs.push_back((*fpn_[i])(lat[i]));
    outs.push_back(lat[3]);
    for (size_t i = 1; i < outs.size(); ++i) outs[i] = ops::interpolate_bilinear(outs[i], outs[0].size(2), outs[0].size(3));
    return (*classifier_)((*fpn_bottleneck_)(ops::concat(outs, 1)));
  }

 private:
  nn::Conv2d* classifier_;
  std::vector<std::pair<int64_t, ConvLayer*>> psp_;
  ConvLayer *psp_bottleneck_, *fpn_bottleneck_;
  std::vector<ConvLayer*> lateral_, fpn_;
};

// BeitFCNHead, the auxiliary head: trained alongside, its logits are not in the output (Python's
// SemanticSegmenterOutput holds the decode head's only), so it is loaded and never run.
class AuxiliaryHead : public nn::Module {
 public:
  AuxiliaryHead(const PretrainedConfig& c, int64_t hidden) {
    const int64_t channels = c.get_int("auxiliary_channels"), n = c.get_int("auxiliary_num_convs");
    auto& convs = child("convs", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < n; ++i) convs.add(std::to_string(i), std::make_unique<ConvLayer>(i ? channels : hidden, channels, 3, 1));
    if (c.get_bool("auxiliary_concat_input")) child("conv_cat", std::make_unique<ConvLayer>(hidden + channels, channels, 3, 1));
    child("classifier", classifier_conv(channels, c.num_labels()));
  }
};

// [B, 1 + rows cols, C] tokens -> [B, C, rows, cols] (the CLS token dropped).
Tensor tokens_to_grid(const Tensor& h, int64_t rows, int64_t cols) {
  return h.slice(1, 1, h.size(1)).transpose(1, 2).contiguous().view({h.size(0), h.size(2), rows, cols});
}

std::pair<int64_t, int64_t> patch_grid(const BeitModel& m, const ModelInputs& in) {
  const Tensor& pv = require_input(in, "pixel_values", "BeitModel");
  return {pv.size(2) / m.grid().patch_h, pv.size(3) / m.grid().patch_w};
}

class Base : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  explicit Base(const PretrainedConfig& c) : Model(c), beit_(child("beit", std::make_unique<BeitModel>(c, false))) {}
  std::string base_model_prefix() const override { return "beit"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }

 protected:
  BeitModel& beit_;
};

class ForSemanticSegmentation : public Base {
 public:
  explicit ForSemanticSegmentation(const PretrainedConfig& c) : Base(c) {
    if (c.num_labels() <= 0) throw ConfigError("BeitForSemanticSegmentation needs num_labels > 0");
    const BackboneStages st = BackboneStages::from(c, BackboneStages::numbered(c.get_int("num_hidden_layers")), "BeitConfig");
    if (st.out_indices.size() != 4)
      throw ConfigError("BeitForSemanticSegmentation requires config.out_indices to be a list of 4 integers, specifying which features to use "
                        "from the backbone. One can use [3, 5, 7, 11] in case of a base-sized architecture.");
    for (int64_t i : st.out_indices)  // Python reads hidden_states[i - 1]: stage 0 wraps to the last one
      states_.push_back(i == 0 ? static_cast<int64_t>(st.stage_names.size()) - 1 : i - 1);
    const int64_t hidden = beit_.dims().hidden;
    fpn_ = &child("fpn", std::make_unique<FPNNeck>(hidden));
    head_ = &child("decode_head", std::make_unique<UperHead>(c, hidden));
    if (c.get_bool("use_auxiliary_head")) child("auxiliary_head", std::make_unique<AuxiliaryHead>(c, hidden));
  }
  std::vector<std::string> may_be_missing() const override { return {"fpn.", "decode_head.", "auxiliary_head."}; }
  ModelOutput forward(const ModelInputs& in) override {
    std::vector<Tensor> states;
    beit_.run(in, &states);
    const auto [rows, cols] = patch_grid(beit_, in);
    std::vector<Tensor> maps;
    for (int64_t i : states_) maps.push_back(tokens_to_grid(states[static_cast<size_t>(i)], rows, cols));
    ModelOutput o;
    o.set("logits", (*head_)((*fpn_)(maps)));
    return o;
  }

 private:
  std::vector<int64_t> states_;
  FPNNeck* fpn_;
  UperHead* head_;
};

// BeitBackbone: stage i is hidden_states[i], reshaped to the patch grid when reshape_hidden_states,
// through the FPN neck when add_fpn.
class Backbone : public BackboneModel {
 public:
  explicit Backbone(const PretrainedConfig& c)
      : BackboneModel(c, BackboneStages::from(c, BackboneStages::numbered(c.get_int("num_hidden_layers")), "BeitConfig")),
        beit_(child("beit", std::make_unique<BeitModel>(c, false))), reshape_(c.get_bool("reshape_hidden_states")) {
    if (c.get_bool("add_fpn")) {
      if (stages().out_indices.size() != 4)
        throw ConfigError("BeitConfig requires `out_indices` to be a list of exactly 4 integers when `add_fpn=True`");
      fpn_ = &child("fpn", std::make_unique<FPNNeck>(beit_.dims().hidden));
    }
  }
  std::string base_model_prefix() const override { return "beit"; }
  std::string checkpoint_key(const std::string& key) const override {
    // BeitBackbone's own renames: the base model's weights saved at the root.
    static const std::regex root(R"(^(encoder\.layer\.|embeddings\.))");
    return rename_legacy(std::regex_replace(key, root, "beit.$1"));
  }

 protected:
  std::vector<Tensor> stage_states(const ModelInputs& in) const override {
    std::vector<Tensor> states;
    beit_.run(in, &states);
    return states;
  }
  Tensor feature_map(const std::string&, const Tensor& state, const ModelInputs& in) const override {
    if (!reshape_) return state;
    const auto [rows, cols] = patch_grid(beit_, in);
    return tokens_to_grid(state, rows, cols);
  }
  std::vector<Tensor> neck(std::vector<Tensor> maps) const override { return fpn_ ? (*fpn_)(maps) : maps; }

 private:
  BeitModel& beit_;
  bool reshape_;
  FPNNeck* fpn_ = nullptr;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) {
  return std::make_unique<VisionModel<BeitModel>>(c, "beit", true, std::make_unique<BeitModel>(c, true), rename_legacy,
                                                  std::vector<std::string>{"pooler."});
}
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  auto backbone = std::make_unique<BeitModel>(c, true);
  const int64_t hidden = backbone->dims().hidden;
  return std::make_unique<PooledImageClassification<BeitModel>>(c, "beit", std::move(backbone), rename_legacy, hidden);
}
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c) { return std::make_unique<ForSemanticSegmentation>(c); }
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c) { return std::make_unique<Backbone>(c); }

}  // namespace transformers::beit
