// ViT: transformers/models/vit/modeling_vit.py (v5 module names; older checkpoints renamed at load).
#include "core/output_recorder.hpp"
#include "models/vit/modeling_vit.hpp"

#include <cmath>

#include "models/vision_heads.hpp"
#include "transformers/errors.hpp"

namespace transformers::vit {

// image_size and patch_size are an integer or [height, width] (null here so that either type
// passes the config check; Grid::from applies Python's 224 and 16).
ConfigSpec config_spec() {
  return {"vit", "ViTConfig", R"({
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
    "layer_norm_eps": 1e-12, "image_size": null, "patch_size": null, "num_channels": 3, "qkv_bias": true,
    "encoder_stride": 16, "pooler_output_size": null, "pooler_act": "tanh"
  })"};
}

Dims Dims::from(const PretrainedConfig& c, const std::string& owner) {
  Dims d;
  d.hidden = c.get_int("hidden_size"), d.heads = c.get_int("num_attention_heads"), d.intermediate = c.get_int("intermediate_size");
  d.layers = c.get_int("num_hidden_layers");
  d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
  d.qkv_bias = c.get_bool("qkv_bias", true);
  d.act = ops::activation_from_name(c.get_string("hidden_act"));
  if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads || d.layers < 0 || d.intermediate <= 0)
    throw ConfigError(owner + ": hidden_size must be a positive multiple of num_attention_heads");
  return d;
}

Grid Grid::from(const PretrainedConfig& c, const std::string& owner) {
  auto pair = [&](const std::string& key, int64_t def) -> std::pair<int64_t, int64_t> {
    if (!c.has(key)) return {def, def};
    try {
      const int64_t v = c.get_int(key);
      return {v, v};
    } catch (const ConfigError&) {
      const auto l = c.get_int_list(key);
      if (l.size() != 2) throw ConfigError(owner + ": " + key + " must be an integer or [height, width]");
      return {l[0], l[1]};
    }
  };
  Grid g;
  std::tie(g.image_h, g.image_w) = pair("image_size", 224);
  std::tie(g.patch_h, g.patch_w) = pair("patch_size", 16);
  g.channels = c.get_int("num_channels", 3);
  if (g.patch_h <= 0 || g.patch_w <= 0 || g.image_h < g.patch_h || g.image_w < g.patch_w || g.channels <= 0)
    throw ConfigError(owner + ": image_size, patch_size and num_channels do not give any patch");
  return g;
}

Layer::Layer(const Dims& d) : d_(d) {
  using nn::Container, nn::LayerNorm, nn::Linear;
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

Tensor Layer::operator()(const Tensor& x) const {
  const Tensor h = (*before_)(x);
  ops::AttentionOptions o;
  o.causal = false;
  o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
  const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads),
                                        nn::split_heads((*v_)(h), d_.heads), o));
  const Tensor r = ops::add(x, a);
  return ops::add(r, (*fc2_)(ops::activation((*fc1_)((*after_)(r)), d_.act)));
}

PatchEmbeddings::PatchEmbeddings(int64_t hidden, const Grid& g)
    : g_(g),
      weight_(param("weight", {hidden, g.channels, g.patch_h, g.patch_w}, nn::ParamKind::Weight)),
      bias_(param("bias", {hidden}, nn::ParamKind::Float32)) {}

Tensor PatchEmbeddings::operator()(const Tensor& pv, const std::string& owner) const {
  if (pv.dim() == 4 && pv.size(1) == g_.channels && (pv.size(2) != g_.image_h || pv.size(3) != g_.image_w))
    throw ValueError(owner + ": Input image size (" + std::to_string(pv.size(2)) + "*" + std::to_string(pv.size(3)) + ") doesn't match model (" +
                     std::to_string(g_.image_h) + "*" + std::to_string(g_.image_w) + ").");
  return project(pv, owner);
}

Tensor PatchEmbeddings::project(const Tensor& pv, const std::string& owner) const {
  if (pv.dim() != 4 || pv.size(1) != g_.channels)
    throw ShapeMismatch(owner + ": pixel_values must be [batch, " + std::to_string(g_.channels) + ", height, width], got " + shape_str(pv.shape()));
  if (pv.size(2) < g_.patch_h || pv.size(3) < g_.patch_w)
    throw ValueError(owner + ": the image (" + std::to_string(pv.size(2)) + "*" + std::to_string(pv.size(3)) + ") is smaller than one patch");
  const Tensor p = ops::conv2d(pv.to(DType::F32).contiguous(), weight_, bias_, {g_.patch_h, g_.patch_w});
  const int64_t B = p.size(0), H = p.size(1);
  return p.view({B, H, p.size(2) * p.size(3)}).transpose(1, 2).contiguous();
}

Tensor interpolate_pos_encoding(const Tensor& pos0, int64_t prefix, int64_t rows, int64_t cols, bool square_image, const std::string& owner) {
  const Tensor pos = pos0.dim() == 2 ? pos0.view({1, pos0.size(0), pos0.size(1)}) : pos0;
  const int64_t n = pos.size(1) - prefix, H = pos.size(2);
  if (n == rows * cols && square_image) return pos;
  const auto side = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
  if (side * side != n) throw ValueError(owner + ": " + std::to_string(n) + " position embeddings do not form a square grid to interpolate");
  const Tensor grid = pos.slice(1, prefix, prefix + n).to(DType::F32).contiguous().view({1, side, side, H}).permute({0, 3, 1, 2}).contiguous();
  const Tensor resized = ops::interpolate_bicubic(grid, rows, cols).permute({0, 2, 3, 1}).contiguous().view({1, rows * cols, H});
  return prefix ? ops::concat({pos.slice(1, 0, prefix).to(DType::F32).contiguous(), resized}, 1) : resized;
}

bool wants_interpolation(const ModelInputs& in) {
  const Tensor* t = find_input(in, "interpolate_pos_encoding");
  if (!t) return false;
  if (t->numel() != 1) throw ValueError("interpolate_pos_encoding must be a single value");
  return t->item() != 0.0;
}

std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"encoder.layer.", "layers."},     {"attention.query", "q_proj"}, {"attention.key", "k_proj"},
      {"attention.value", "v_proj"},     {"attention.output.dense", "attention.o_proj"},
      {"intermediate.dense", "mlp.fc1"}, {"output.dense", "mlp.fc2"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return key;
}

std::vector<Layer*> add_layers(nn::Container& layers, const Dims& d) {
  std::vector<Layer*> out;
  for (int64_t i = 0; i < d.layers; ++i) out.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d)));
  return out;
}

Tensor prepend_tokens(const Tensor& patches, const std::vector<const Tensor*>& tokens) {
  const int64_t B = patches.size(0), H = patches.size(2);
  std::vector<Tensor> parts;
  for (const Tensor* t : tokens) parts.push_back(ops::add(Tensor::zeros({B, 1, H}), *t));
  parts.push_back(patches);
  return ops::concat(parts, 1);
}

const Variant& variant() {
  static const Variant v{"vit", "ViT", false};
  return v;
}

Encoder::Encoder(const PretrainedConfig& c, const Variant& v, bool pooler, bool mask_token)
    : v_(v), d_(Dims::from(c, std::string(v.name) + "Config")), g_(Grid::from(c, std::string(v.name) + "Config")) {
  auto& e = child("embeddings", std::make_unique<nn::Container>());
  cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
  if (v.distillation) dist_ = &e.add("distillation_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
  if (mask_token) mask_ = &e.add("mask_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
  patches_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<PatchEmbeddings>(d_.hidden, g_));
  pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, g_.rows() * g_.cols() + prefix_tokens(), d_.hidden})).value;
  layers_ = add_layers(child("layers", std::make_unique<nn::Container>()), d_);
  norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  if (pooler) {
    pooler_ = &child("pooler", std::make_unique<nn::Container>()).add("dense", std::make_unique<nn::Linear>(d_.hidden, c.get_int("pooler_output_size", d_.hidden)));
    pooler_act_ = ops::activation_from_name(c.get_string("pooler_act", "tanh"));
  }
}

ModelOutput Encoder::run(const ModelInputs& in) const {
  const std::string owner = std::string(v_.name) + "Model";
  const Tensor& pv = require_input(in, "pixel_values", owner);
  const bool interpolate = wants_interpolation(in);
  Tensor x = interpolate ? patches_->project(pv, owner) : (*patches_)(pv, owner);
  if (const Tensor* m = find_input(in, "bool_masked_pos"); m && mask_) {
    // Masked patches become the mask token: x * (1 - m) + mask_token * m.
    if (m->dim() != 2 || m->size(0) != x.size(0) || m->size(1) != x.size(1))
      throw ShapeMismatch(owner + ": bool_masked_pos must be [batch, " + std::to_string(x.size(1)) + "], got " + shape_str(m->shape()));
    const Tensor w = m->to(DType::F32).contiguous().view({x.size(0), x.size(1), 1});
    x = ops::add(ops::mul(x, ops::add(ops::scale(w, -1.0f), Tensor::full({1}, 1.0f))), ops::mul(w, *mask_));
  }
  const Tensor pos = interpolate ? interpolate_pos_encoding(*pos_, prefix_tokens(), pv.size(2) / g_.patch_h, pv.size(3) / g_.patch_w,
                                                            pv.size(2) == pv.size(3), owner)
                                 : *pos_;
  Tensor h = ops::add(dist_ ? prepend_tokens(x, {cls_, dist_}) : prepend_tokens(x, {cls_}), pos);
  for (const auto* l : layers_) {
    record::hidden_state(h);
    h = (*l)(h);
  }
  record::hidden_state(h);  // Python does not tie the last one to the normed output
  h = (*norm_)(h);
  ModelOutput o;
  o.set("last_hidden_state", h);
  if (pooler_) o.set("pooler_output", ops::activation((*pooler_)(h.select(1, 0)), pooler_act_));
  return o;
}

Base::Base(const PretrainedConfig& c, const Variant& v, bool root, bool pooler, bool mask_token)
    : Model(c), v_(v), encoder_(child(root ? "" : v.prefix, std::make_unique<Encoder>(c, v, pooler, mask_token))) {}

namespace {

class ForImageClassification : public Base {
 public:
  ForImageClassification(const PretrainedConfig& c, const Variant& v)
      : Base(c, v, false, false, false), head_(child("classifier", std::make_unique<ImageClassifier>(encoder_.dims().hidden, c))) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override { return head_(Base::forward(in)["last_hidden_state"].select(1, 0)); }

 private:
  const ImageClassifier& head_;
};

// The pixel-shuffle decoder over the (square) patch grid.
class ForMaskedImageModeling : public Base {
 public:
  ForMaskedImageModeling(const PretrainedConfig& c, const Variant& v) : Base(c, v, false, false, true) {
    const Grid& g = encoder_.grid();
    const int64_t stride = c.get_int("encoder_stride");
    if (stride <= 0 || g.patch_h != stride || g.patch_w != stride)
      throw ConfigError(std::string(v.name) + "ForMaskedImageModeling: encoder_stride must equal patch_size");
    decoder_ = &child("decoder", std::make_unique<MaskedImageDecoder>(encoder_.dims().hidden, stride, g.channels));
  }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor h = Base::forward(in)["last_hidden_state"];
    const int64_t P = encoder_.prefix_tokens(), N = h.size(1) - P;
    // Python reshapes the patches to a square grid.
    const auto rows = static_cast<int64_t>(std::sqrt(static_cast<double>(N)));
    if (rows * rows != N)
      throw ValueError(std::string(v_.name) + "ForMaskedImageModeling: " + std::to_string(N) + " patches do not form a square grid");
    ModelOutput o;
    o.set("reconstruction", (*decoder_)(h.slice(1, P, N + P), rows, rows));
    return o;
  }

 private:
  MaskedImageDecoder* decoder_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c, const Variant& v) { return std::make_unique<Base>(c, v, true, true, false); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c, const Variant& v) {
  return std::make_unique<ForImageClassification>(c, v);
}
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c, const Variant& v) {
  return std::make_unique<ForMaskedImageModeling>(c, v);
}

}  // namespace transformers::vit
