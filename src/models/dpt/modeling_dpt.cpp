#include "models/dpt/modeling_dpt.hpp"

#include "core/output_recorder.hpp"

#include <cmath>

#include "models/vit/modeling_vit.hpp"
#include "transformers/errors.hpp"

namespace transformers::dpt {

ConfigSpec config_spec() {
  return {"dpt", "DPTConfig", R"({
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
    "image_size": 384, "patch_size": 16, "num_channels": 3, "is_hybrid": false, "qkv_bias": true, "backbone_out_indices": [2, 5, 8, 11],
    "readout_type": "project", "reassemble_factors": [4, 2, 1, 0.5], "neck_hidden_sizes": [96, 192, 384, 768], "fusion_hidden_size": 256,
    "head_in_index": -1, "use_batch_norm_in_fusion_residual": false, "use_bias_in_fusion_residual": null, "add_projection": false,
    "pooler_act": "tanh"
  })"};
}

std::unique_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
  nn::Conv2d::Options o;
  o.stride = {stride, stride}, o.padding = {pad, pad}, o.bias = bias;
  return std::make_unique<nn::Conv2d>(in, out, std::pair{k, k}, o);
}

UpConv::UpConv(int64_t ch, int64_t f)
    : f_(f), weight_(param("weight", {ch, ch, f, f}, nn::ParamKind::Weight)), bias_(param("bias", {ch}, nn::ParamKind::Float32)) {}

Tensor UpConv::operator()(const Tensor& x) const {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight_.size(1), f = f_;
  const Tensor tokens = x.view({B, C, H * W}).transpose(1, 2).contiguous();                                           // [B, HW, C]
  const Tensor painted = ops::linear(tokens, weight_.view({C, O * f * f}).transpose(0, 1).contiguous()).contiguous();  // [B, HW, O f f]
  // Each pixel paints an f x f block per output channel: a pixel shuffle of the painted channels.
  const Tensor y = ops::pixel_shuffle(painted.view({B, H, W, O * f * f}).permute({0, 3, 1, 2}), f);
  return ops::add(y, bias_.view({1, O, 1, 1}));
}

Reassemble::Reassemble(int64_t hidden, int64_t ch, double factor) {
  proj_ = &child("projection", conv(hidden, ch, 1, 1, 0));
  if (factor > 1) up_ = &child("resize", std::make_unique<UpConv>(ch, static_cast<int64_t>(factor)));
  else if (factor < 1) down_ = &child("resize", conv(ch, ch, 3, static_cast<int64_t>(1 / factor), 1));
}

Tensor Reassemble::operator()(const Tensor& x) const {
  const Tensor h = (*proj_)(x);
  return up_ ? (*up_)(h) : down_ ? (*down_)(h) : h;
}

Residual::Residual(int64_t ch, bool batch_norm, bool bias)
    : c1_(&child("convolution1", conv(ch, ch, 3, 1, 1, bias))), c2_(&child("convolution2", conv(ch, ch, 3, 1, 1, bias))) {
  if (batch_norm) {
    bn1_ = &child("batch_norm1", std::make_unique<nn::BatchNorm>(ch));
    bn2_ = &child("batch_norm2", std::make_unique<nn::BatchNorm>(ch));
  }
}

Tensor Residual::operator()(const Tensor& x) const {
  const auto relu = ops::Activation::Relu;
  Tensor h = (*c1_)(ops::activation(x, relu));
  if (bn1_) h = (*bn1_)(h);
  h = (*c2_)(ops::activation(h, relu));
  if (bn2_) h = (*bn2_)(h);
  return ops::add(x, h);
}

Fusion::Fusion(int64_t ch, bool batch_norm, bool bias) {
  proj_ = &child("projection", conv(ch, ch, 1, 1, 0));
  r1_ = &child("residual_layer1", std::make_unique<Residual>(ch, batch_norm, bias));
  r2_ = &child("residual_layer2", std::make_unique<Residual>(ch, batch_norm, bias));
}

Tensor Fusion::operator()(Tensor h, const Tensor* residual, std::optional<std::pair<int64_t, int64_t>> size) const {
  if (residual) {
    Tensor r = *residual;
    if (r.shape() != h.shape()) r = ops::interpolate_bilinear(r, h.size(2), h.size(3));
    h = ops::add(h, (*r1_)(r));
  }
  h = (*r2_)(h);
  const auto [oh, ow] = size ? *size : std::pair{h.size(2) * 2, h.size(3) * 2};
  return (*proj_)(ops::interpolate_bilinear(h, oh, ow, true));
}

Tensor fuse(const std::vector<Fusion*>& fusion, const std::vector<Tensor>& levels, bool to_next_level, int64_t head_in_index,
            const std::string& owner) {
  Tensor fused;
  std::vector<Tensor> outs;
  for (size_t k = 0; k < levels.size(); ++k) {
    const Tensor& h = levels[levels.size() - 1 - k];
    std::optional<std::pair<int64_t, int64_t>> size;
    if (to_next_level && k + 1 < levels.size()) size = std::pair{levels[levels.size() - 2 - k].size(2), levels[levels.size() - 2 - k].size(3)};
    fused = k == 0 ? (*fusion[k])(h, nullptr, size) : (*fusion[k])(fused, &h, size);
    outs.push_back(fused);
  }
  const int64_t at = head_in_index < 0 ? head_in_index + static_cast<int64_t>(outs.size()) : head_in_index;
  if (at < 0 || at >= static_cast<int64_t>(outs.size())) throw ConfigError(owner + ": head_in_index is out of range");
  return outs[static_cast<size_t>(at)];
}

namespace {

// DPTModel's ViT: CLS token, patch embeddings, a position table resized (bilinear) to the input's
// patch grid, ViT layers, final layernorm and an optional pooler.
class ViTBackbone : public nn::Module {
 public:
  ViTBackbone(const PretrainedConfig& c, bool pooler) : d_(vit::Dims::from(c, "DPTConfig")), g_(vit::Grid::from(c, "DPTConfig")) {
    if (g_.patch_h != g_.patch_w || g_.image_h != g_.image_w) throw ConfigError("DPTConfig: square image_size and patch_size expected");
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    patches_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<vit::PatchEmbeddings>(d_.hidden, g_));
    pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, g_.rows() * g_.cols() + 1, d_.hidden})).value;
    layers_ = vit::add_layers(child("layers", std::make_unique<nn::Container>()), d_);
    norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
    if (pooler) {
      pooler_ = &child("pooler", std::make_unique<nn::Container>()).add("dense", std::make_unique<nn::Linear>(d_.hidden, c.get_int("pooler_output_size", d_.hidden)));
      pooler_act_ = ops::activation_from_name(c.get_string("pooler_act"));
    }
  }
  const vit::Dims& dims() const { return d_; }
  int64_t patch() const { return g_.patch_h; }

  // The hidden states after the layers in `keep` (0-based), and the normalized last state.
  std::vector<Tensor> run(const Tensor& pv, const std::vector<int64_t>& keep, Tensor* last) const {
    Tensor x = patches_->project(pv, "DPT");
    const int64_t ph = pv.size(2) / g_.patch_h, pw = pv.size(3) / g_.patch_w;
    x = ops::add(vit::prepend_tokens(x, {cls_}), positions(ph, pw));
    std::vector<Tensor> out;
    for (size_t i = 0; i < layers_.size(); ++i) {
      record::hidden_state(x);
      x = (*layers_[i])(x);
      if (std::find(keep.begin(), keep.end(), static_cast<int64_t>(i)) != keep.end()) out.push_back(x);
    }
    record::hidden_state(x);  // Python's hidden_states: the embeddings, then each layer's output (not normed)
    if (last) *last = (*norm_)(x);
    return out;
  }
  Tensor pool(const Tensor& last) const {
    const Tensor first = last.slice(1, 0, 1).contiguous().view({last.size(0), last.size(2)});
    return ops::activation((*pooler_)(first), pooler_act_);
  }
  bool has_pooler() const { return pooler_ != nullptr; }

 private:
  // _resize_pos_embed: the square table's grid resized (bilinear, no corner alignment) to ph x pw.
  Tensor positions(int64_t ph, int64_t pw) const {
    const int64_t n = pos_->size(1) - 1, old = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
    if (old * old != n) throw ConfigError("DPT: the position table is not a square grid");
    const Tensor table = pos_->to(DType::F32).contiguous();
    if (old == ph && old == pw) return table;
    const Tensor grid = table.slice(1, 1, n + 1).contiguous().view({1, old, old, d_.hidden}).permute({0, 3, 1, 2}).contiguous();
    const Tensor resized = ops::interpolate_bilinear(grid, ph, pw).permute({0, 2, 3, 1}).contiguous().view({1, ph * pw, d_.hidden});
    return ops::concat({table.slice(1, 0, 1).contiguous(), resized}, 1);
  }

  vit::Dims d_;
  vit::Grid g_;
  Tensor *cls_, *pos_;
  vit::PatchEmbeddings* patches_;
  std::vector<vit::Layer*> layers_;
  nn::LayerNorm* norm_;
  nn::Linear* pooler_ = nullptr;
  ops::Activation pooler_act_{};
};

void check_supported(const PretrainedConfig& c) {
  if (c.get_bool("is_hybrid", false)) throw ConfigError("DPTConfig: DPT-Hybrid (a BiT backbone) is not supported");
  if (c.has("backbone_config") || c.has("backbone")) throw ConfigError("DPTConfig: DPT on a separate backbone (backbone_config) is not supported");
  if (c.get_bool("add_projection", false)) throw ConfigError("DPTConfig: add_projection (DPT-Hybrid's head) is not supported");
}

class Model_ : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  explicit Model_(const PretrainedConfig& c) : Model(c) {
    check_supported(c);
    vit_ = &child("", std::make_unique<ViTBackbone>(c, true));
  }
  std::string base_model_prefix() const override { return "dpt"; }
  std::string checkpoint_key(const std::string& key) const override { return vit::rename_legacy(key); }
  std::vector<std::string> may_be_missing() const override { return {"pooler."}; }
  ModelOutput forward(const ModelInputs& in) override {
    Tensor last;
    vit_->run(require_input(in, "pixel_values", "DPTModel"), {}, &last);
    ModelOutput o;
    o.set("last_hidden_state", last);
    o.set("pooler_output", vit_->pool(last));
    return o;
  }

 private:
  ViTBackbone* vit_;
};

// DPTForDepthEstimation, or with `segmentation` DPTForSemanticSegmentation: the same backbone and
// neck, then DPTSemanticSegmentationHead (conv-BN-ReLU, 1x1 to num_labels, bilinear x2) — the
// auxiliary head's weights load, its logits only feed Python's training loss.
class ForDepthEstimation : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  explicit ForDepthEstimation(const PretrainedConfig& c, bool segmentation = false) : Model(c), segmentation_(segmentation) {
    check_supported(c);
    vit_ = &child("dpt", std::make_unique<ViTBackbone>(c, false));
    out_indices_ = c.get_int_list("backbone_out_indices");
    readout_ = c.get_string("readout_type");
    if (readout_ != "project" && readout_ != "add" && readout_ != "ignore") throw ConfigError("DPTConfig: readout_type must be ignore, add or project");
    const auto sizes = c.get_int_list("neck_hidden_sizes");
    const auto factors = c.get_float_list("reassemble_factors");
    if (sizes.size() != factors.size() || sizes.size() != out_indices_.size())
      throw ConfigError("DPTConfig: neck_hidden_sizes, reassemble_factors and backbone_out_indices must have the same length");
    for (int64_t i : out_indices_)
      if (i < 0 || i >= vit_->dims().layers) throw ConfigError("DPTConfig: backbone_out_indices must name layers of the encoder");
    const int64_t hidden = vit_->dims().hidden, fusion = c.get_int("fusion_hidden_size");
    const bool bn = c.get_bool("use_batch_norm_in_fusion_residual", false), bias = c.get_bool("use_bias_in_fusion_residual", !bn);
    auto& neck = child("neck", std::make_unique<nn::Container>());
    auto& stage = neck.add("reassemble_stage", std::make_unique<nn::Container>());
    auto& re = stage.add("layers", std::make_unique<nn::Container>());
    nn::Container* projects = readout_ == "project" ? &stage.add("readout_projects", std::make_unique<nn::Container>()) : nullptr;
    auto& convs = neck.add("convs", std::make_unique<nn::Container>());
    auto& fuse = neck.add("fusion_stage", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    act_ = ops::activation_from_name(c.get_string("hidden_act"));
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (projects)
        readout_proj_.push_back(&projects->add(std::to_string(i), std::make_unique<nn::Container>()).add("0", std::make_unique<nn::Linear>(2 * hidden, hidden)));
      reassemble_.push_back(&re.add(std::to_string(i), std::make_unique<Reassemble>(hidden, sizes[i], factors[i])));
      convs_.push_back(&convs.add(std::to_string(i), conv(sizes[i], fusion, 3, 1, 1, false)));
      fusion_.push_back(&fuse.add(std::to_string(i), std::make_unique<Fusion>(fusion, bn, bias)));
    }
    head_in_ = c.get_int("head_in_index");
    if (segmentation_) {
      const int64_t labels = c.num_labels();
      if (labels <= 0) throw ConfigError("DPTConfig: num_labels must be positive for semantic segmentation");
      auto add_head = [&](const char* name, bool main) {
        auto& seq = child(name, std::make_unique<nn::Container>()).add("head", std::make_unique<nn::Container>());
        nn::Conv2d* c0 = &seq.add("0", conv(fusion, fusion, 3, 1, 1, false));
        nn::BatchNorm* bn = &seq.add("1", std::make_unique<nn::BatchNorm>(fusion));
        nn::Conv2d* c4 = &seq.add("4", conv(fusion, labels, 1, 1, 0));
        if (main) conv1_ = c0, seg_bn_ = bn, conv3_ = c4;
      };
      add_head("head", true);
      if (c.get_bool("use_auxiliary_head", true)) add_head("auxiliary_head", false);
      return;
    }
    auto& head = child("head", std::make_unique<nn::Container>());
    auto& seq = head.add("head", std::make_unique<nn::Container>());
    conv1_ = &seq.add("0", conv(fusion, fusion / 2, 3, 1, 1));
    conv2_ = &seq.add("2", conv(fusion / 2, 32, 3, 1, 1));
    conv3_ = &seq.add("4", conv(32, 1, 1, 1, 0));
  }
  std::string base_model_prefix() const override { return "dpt"; }
  std::string checkpoint_key(const std::string& key) const override { return vit::rename_legacy(key); }
  std::vector<std::string> may_be_missing() const override { return {"dpt.layernorm."}; }

  ModelOutput forward(const ModelInputs& in) override {
    const Tensor& pv = require_input(in, "pixel_values", "DPTForDepthEstimation");
    const std::vector<Tensor> feats = vit_->run(pv, out_indices_, nullptr);
    const int64_t B = pv.size(0), ph = pv.size(2) / vit_->patch(), pw = pv.size(3) / vit_->patch(), C = vit_->dims().hidden;
    std::vector<Tensor> levels;
    for (size_t i = 0; i < feats.size(); ++i) {
      const Tensor& f = feats[i];
      Tensor tokens = f.slice(1, 1, f.size(1)).contiguous();  // [B, ph * pw, C]
      const Tensor cls = f.slice(1, 0, 1).contiguous();        // [B, 1, C]
      if (readout_ == "project") {
        const Tensor readout = ops::add(Tensor::zeros(tokens.shape()), cls);
        tokens = ops::activation((*readout_proj_[i])(ops::concat({tokens, readout}, 2)), act_);
      } else if (readout_ == "add") {
        tokens = ops::add(tokens, cls);
      }
      const Tensor grid = tokens.view({B, ph, pw, C}).permute({0, 3, 1, 2}).contiguous();
      levels.push_back((*convs_[i])((*reassemble_[i])(grid)));
    }
    if (segmentation_) {
      Tensor x = ops::activation((*seg_bn_)((*conv1_)(fuse(fusion_, levels, false, head_in_, "DPTConfig"))), ops::Activation::Relu);
      x = (*conv3_)(x);
      ModelOutput o;
      o.set("logits", ops::interpolate_bilinear(x, x.size(2) * 2, x.size(3) * 2, true));
      return o;
    }
    Tensor d = (*conv1_)(fuse(fusion_, levels, false, head_in_, "DPTConfig"));
    d = ops::interpolate_bilinear(d, d.size(2) * 2, d.size(3) * 2, true);
    d = ops::activation((*conv3_)(ops::activation((*conv2_)(d), ops::Activation::Relu)), ops::Activation::Relu);
    ModelOutput o;
    o.set("predicted_depth", d.view({B, d.size(2), d.size(3)}));
    return o;
  }

 private:
  ViTBackbone* vit_;
  std::vector<int64_t> out_indices_;
  std::string readout_;
  ops::Activation act_{};
  int64_t head_in_;
  std::vector<nn::Linear*> readout_proj_;
  std::vector<Reassemble*> reassemble_;
  std::vector<nn::Conv2d*> convs_;
  std::vector<Fusion*> fusion_;
  bool segmentation_;
  nn::Conv2d *conv1_ = nullptr, *conv2_ = nullptr, *conv3_ = nullptr;
  nn::BatchNorm* seg_bn_ = nullptr;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<Model_>(c); }
std::unique_ptr<PreTrainedModel> make_for_depth_estimation(const PretrainedConfig& c) { return std::make_unique<ForDepthEstimation>(c); }
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c) { return std::make_unique<ForDepthEstimation>(c, true); }

}  // namespace transformers::dpt
