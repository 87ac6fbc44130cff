// CLIP: transformers/models/clip/modeling_clip.py (v5). The towers also serve SigLIP (siglip/).
#include "core/output_recorder.hpp"
#include "models/clip/modeling_clip.hpp"

#include <cmath>

#include "models/vision_heads.hpp"
#include "models/vit/modeling_vit.hpp"
#include "transformers/errors.hpp"

namespace transformers::clip {

ConfigSpec text_config_spec() {
  return {"clip_text_model", "CLIPTextConfig", R"({
    "vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "projection_dim": 512, "num_hidden_layers": 12,
    "num_attention_heads": 8, "max_position_embeddings": 77, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
    "attention_dropout": 0.0, "initializer_range": 0.02, "initializer_factor": 1.0,
    "pad_token_id": 1, "bos_token_id": 49406, "eos_token_id": 49407
  })"};
}

ConfigSpec vision_config_spec() {
  return {"clip_vision_model", "CLIPVisionConfig", R"({
    "hidden_size": 768, "intermediate_size": 3072, "projection_dim": 512, "num_hidden_layers": 12, "num_attention_heads": 12,
    "num_channels": 3, "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
    "attention_dropout": 0.0, "initializer_range": 0.02, "initializer_factor": 1.0
  })"};
}

ConfigSpec config_spec() {
  ConfigSpec s{"clip", "CLIPConfig", R"({"projection_dim": 512, "logit_scale_init_value": 2.6592, "initializer_factor": 1.0})"};
  s.sub_configs = {{"text_config", "clip_text_model"}, {"vision_config", "clip_vision_model"}};
  return s;
}

Dims Dims::from(const PretrainedConfig& c, const std::string& owner) {
  Dims d;
  d.hidden = c.get_int("hidden_size"), d.heads = c.get_int("num_attention_heads"), d.intermediate = c.get_int("intermediate_size");
  d.layers = c.get_int("num_hidden_layers");
  d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
  d.act = ops::activation_from_name(c.get_string("hidden_act"));
  if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads || d.layers < 0 || d.intermediate <= 0)
    throw ConfigError(owner + ": hidden_size must be a positive multiple of num_attention_heads");
  return d;
}

EncoderLayer::EncoderLayer(const Dims& d) : d_(d) {
  using nn::Container, nn::LayerNorm, nn::Linear;
  ln1_ = &child("layer_norm1", std::make_unique<LayerNorm>(d.hidden, d.eps));
  auto& a = child("self_attn", std::make_unique<Container>());
  q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden));
  k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden));
  v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden));
  o_ = &a.add("out_proj", std::make_unique<Linear>(d.hidden, d.hidden));
  ln2_ = &child("layer_norm2", std::make_unique<LayerNorm>(d.hidden, d.eps));
  auto& mlp = child("mlp", std::make_unique<Container>());
  fc1_ = &mlp.add("fc1", std::make_unique<Linear>(d.hidden, d.intermediate));
  fc2_ = &mlp.add("fc2", std::make_unique<Linear>(d.intermediate, d.hidden));
}

Tensor EncoderLayer::operator()(const Tensor& x, const ops::AttentionOptions& o) const {
  const Tensor h = (*ln1_)(x);
  const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads),
                                        nn::split_heads((*v_)(h), d_.heads), o));
  const Tensor r = ops::add(x, a);
  return ops::add(r, (*fc2_)(ops::activation((*fc1_)((*ln2_)(r)), d_.act)));
}

namespace {

std::vector<EncoderLayer*> add_layers(nn::Container& encoder, const Dims& d) {
  auto& layers = encoder.add("layers", std::make_unique<nn::Container>());
  std::vector<EncoderLayer*> out;
  for (int64_t i = 0; i < d.layers; ++i) out.push_back(&layers.add(std::to_string(i), std::make_unique<EncoderLayer>(d)));
  return out;
}

ops::AttentionOptions attention_options(const Dims& d, bool causal) {
  ops::AttentionOptions o;
  o.causal = causal;
  o.scaling = 1.0f / std::sqrt(static_cast<float>(d.hidden / d.heads));
  return o;
}

// The fused q/k/v projection of torch's nn.MultiheadAttention.
class FusedInProjection : public nn::Module {
 public:
  explicit FusedInProjection(int64_t hidden)
      : weight(param("in_proj_weight", {3 * hidden, hidden}, nn::ParamKind::Weight)),
        bias(param("in_proj_bias", {3 * hidden}, nn::ParamKind::Float32)),
        out_proj(&child("out_proj", std::make_unique<nn::Linear>(hidden, hidden))) {}
  Tensor& weight;
  Tensor& bias;
  nn::Linear* out_proj;
};

}  // namespace

TextTransformer::TextTransformer(const PretrainedConfig& c, TextFlavor f) : d_(Dims::from(c, c.class_name())), f_(f) {
  eos_token_id_ = c.get_int("eos_token_id", 2);
  max_positions_ = c.get_int("max_position_embeddings");
  auto& e = child("embeddings", std::make_unique<nn::Container>());
  tokens_ = &e.add("token_embedding", std::make_unique<nn::Embedding>(c.get_int("vocab_size"), d_.hidden));
  positions_ = &e.add("position_embedding", std::make_unique<nn::Embedding>(max_positions_, d_.hidden));
  layers_ = add_layers(child("encoder", std::make_unique<nn::Container>()), d_);
  final_ = &child("final_layer_norm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  if (f.last_token_head) head_ = &child("head", std::make_unique<nn::Linear>(d_.hidden, c.get_int("projection_size", d_.hidden)));
}

ModelOutput TextTransformer::run(const ModelInputs& in, const std::string& owner) const {
  const Tensor& ids = require_input(in, "input_ids", owner);
  if (ids.dim() != 2) throw ShapeMismatch(owner + ": input_ids must be [batch, length], got " + shape_str(ids.shape()));
  const int64_t B = ids.size(0), L = ids.size(1);
  if (L > max_positions_)
    throw ValueError(owner + ": Sequence length must be less than max_position_embeddings (got `sequence length`: " + std::to_string(L) +
                     " and max_position_embeddings: " + std::to_string(max_positions_) + ")");
  Tensor pos;
  if (const Tensor* p = find_input(in, "position_ids")) {
    pos = *p;
  } else {
    std::vector<int64_t> v(static_cast<size_t>(B * L));
    for (int64_t i = 0; i < B * L; ++i) v[static_cast<size_t>(i)] = i % L;
    pos = Tensor::from_ints(v, {B, L});
  }
  Tensor h = ops::add((*tokens_)(ids), (*positions_)(pos));
  ops::AttentionOptions o = attention_options(d_, f_.causal);
  if (const Tensor* m = find_input(in, "attention_mask")) o.key_padding = *m;
  for (const auto* l : layers_) {
    record::hidden_state(h);
    h = (*l)(h, o);
  }
  record::hidden_state(h);  // before final_layer_norm: the towers do not tie the last one
  h = (*final_)(h).contiguous();
  Tensor pooled;
  if (f_.last_token_head) {
    pooled = (*head_)(h.select(1, L - 1));
  } else {
    // CLIP pools the first eos token; configs from before eos_token_id was fixed (== 2) take the
    // largest id, as Python does.
    const auto v = ids.to_ints();
    std::vector<Tensor> rows;
    for (int64_t b = 0; b < B; ++b) {
      int64_t at = 0;
      for (int64_t t = 0; t < L; ++t) {
        const int64_t id = v[static_cast<size_t>(b * L + t)];
        if (eos_token_id_ == 2 ? id > v[static_cast<size_t>(b * L + at)] : id == eos_token_id_) {
          at = t;
          if (eos_token_id_ != 2) break;
        }
      }
      rows.push_back(h.select(0, b).select(0, at).view({1, d_.hidden}));
    }
    pooled = ops::concat(rows, 0);
  }
  ModelOutput out;
  out.set("last_hidden_state", h);
  out.set("pooler_output", pooled);
  return out;
}

AttentionPoolingHead::AttentionPoolingHead(const Dims& d) : d_(d) {
  probe_ = &child("probe", std::make_unique<nn::BareParameter>(Shape{1, 1, d.hidden})).value;
  auto& a = child("attention", std::make_unique<FusedInProjection>(d.hidden));
  in_w_ = &a.weight, in_b_ = &a.bias, out_ = a.out_proj;
  norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
  auto& mlp = child("mlp", std::make_unique<nn::Container>());
  fc1_ = &mlp.add("fc1", std::make_unique<nn::Linear>(d.hidden, d.intermediate));
  fc2_ = &mlp.add("fc2", std::make_unique<nn::Linear>(d.intermediate, d.hidden));
}

Tensor AttentionPoolingHead::operator()(const Tensor& h) const {
  const int64_t B = h.size(0), H = d_.hidden;
  const Tensor wq = in_w_->slice(0, 0, H).contiguous(), wk = in_w_->slice(0, H, 2 * H).contiguous(), wv = in_w_->slice(0, 2 * H, 3 * H).contiguous();
  const Tensor bq = in_b_->slice(0, 0, H).contiguous(), bk = in_b_->slice(0, H, 2 * H).contiguous(), bv = in_b_->slice(0, 2 * H, 3 * H).contiguous();
  const Tensor probe = ops::add(Tensor::zeros({B, 1, H}), *probe_);
  const record::Pause pause;  // an nn.MultiheadAttention Python's attentions do not hold
  const Tensor a = (*out_)(ops::attention(nn::split_heads(ops::linear(probe, wq, bq), d_.heads), nn::split_heads(ops::linear(h, wk, bk), d_.heads),
                                          nn::split_heads(ops::linear(h, wv, bv), d_.heads), attention_options(d_, false)));
  const Tensor r = ops::add(a, (*fc2_)(ops::activation((*fc1_)((*norm_)(a)), d_.act)));
  return r.select(1, 0).contiguous();
}

VisionTransformer::VisionTransformer(const PretrainedConfig& c, VisionFlavor f) : d_(Dims::from(c, c.class_name())), f_(f) {
  image_ = c.get_int("image_size"), patch_ = c.get_int("patch_size"), channels_ = c.get_int("num_channels", 3);
  if (patch_ <= 0 || image_ < patch_ || channels_ <= 0) throw ConfigError(c.class_name() + ": image_size and patch_size do not give any patch");
  const int64_t n = (image_ / patch_) * (image_ / patch_) + (f.class_token ? 1 : 0);
  auto& e = child("embeddings", std::make_unique<nn::Container>());
  if (f.class_token) class_ = &e.add("class_embedding", std::make_unique<nn::BareParameter>(d_.hidden)).value;
  nn::Conv2d::Options po;
  po.stride = {patch_, patch_}, po.bias = !f.class_token;
  patch_embedding_ = &e.add("patch_embedding", std::make_unique<nn::Conv2d>(channels_, d_.hidden, std::pair{patch_, patch_}, po));
  positions_ = &e.add("position_embedding", std::make_unique<nn::Embedding>(n, d_.hidden));
  if (f.class_token) pre_ = &child("pre_layrnorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  layers_ = add_layers(child("encoder", std::make_unique<nn::Container>()), d_);
  post_ = &child("post_layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  if (f.attention_head && c.get_bool("vision_use_head", true)) head_ = &child("head", std::make_unique<AttentionPoolingHead>(d_));
}

Tensor VisionTransformer::embeddings(const Tensor& pv, const std::string& owner, bool interpolate) const {
  if (pv.dim() != 4 || pv.size(1) != channels_)
    throw ShapeMismatch(owner + ": pixel_values must be [batch, " + std::to_string(channels_) + ", height, width], got " + shape_str(pv.shape()));
  if (interpolate && (pv.size(2) < patch_ || pv.size(3) < patch_))
    throw ValueError(owner + ": the image (" + std::to_string(pv.size(2)) + "*" + std::to_string(pv.size(3)) + ") is smaller than one patch");
  if (!interpolate && (pv.size(2) != image_ || pv.size(3) != image_))
    throw ValueError(owner + ": Input image size (" + std::to_string(pv.size(2)) + "*" + std::to_string(pv.size(3)) + ") doesn't match model (" +
                     std::to_string(image_) + "*" + std::to_string(image_) + ").");
  const Tensor p = (*patch_embedding_)(pv.to(DType::F32).contiguous());
  const int64_t B = p.size(0), H = d_.hidden, N = p.size(2) * p.size(3);
  Tensor h = p.view({B, H, N}).transpose(1, 2).contiguous();
  if (class_) h = ops::concat({ops::add(Tensor::zeros({B, 1, H}), class_->view({1, 1, H})), h}, 1);
  const Tensor pos = interpolate ? vit::interpolate_pos_encoding(positions_->weight, class_ ? 1 : 0, p.size(2), p.size(3), pv.size(2) == pv.size(3), owner)
                                 : positions_->weight;
  h = ops::add(h, pos.to(DType::F32));
  return pre_ ? (*pre_)(h) : h;
}

Tensor VisionTransformer::hidden_state(const Tensor& pv, int64_t index, const std::string& owner, bool interpolate) const {
  const auto n = static_cast<int64_t>(layers_.size());
  const int64_t at = index < 0 ? index + n + 1 : index;
  if (at < 0 || at > n) throw ValueError(owner + ": vision_feature_layer " + std::to_string(index) + " is out of range for " + std::to_string(n) + " layers");
  Tensor h = embeddings(pv, owner, interpolate);
  const ops::AttentionOptions o = attention_options(d_, false);
  for (int64_t i = 0; i < at; ++i) {
    record::hidden_state(h);
    h = (*layers_[static_cast<size_t>(i)])(h, o);
  }
  record::hidden_state(h);
  return h;
}

ModelOutput VisionTransformer::run(const ModelInputs& in, const std::string& owner) const {
  Tensor h = hidden_state(require_input(in, "pixel_values", owner), -1, owner, vit::wants_interpolation(in));
  ModelOutput out;
  if (f_.class_token) {
    out.set("last_hidden_state", h);
    out.set("pooler_output", (*post_)(h.select(1, 0)));
  } else {
    h = (*post_)(h);
    out.set("last_hidden_state", h);
    if (head_) out.set("pooler_output", (*head_)(h));
  }
  return out;
}

Tensor l2_normalize(const Tensor& x) {
  // x / ||x|| = rms_norm(x) / sqrt(D) (no eps: a zero row stays NaN, as torch's x / x.norm()).
  const int64_t D = x.size(-1);
  return ops::scale(ops::rms_norm(x, Tensor(), 0.0f), static_cast<float>(1.0 / std::sqrt(static_cast<double>(D))));
}

PretrainedConfig tower_config(const PretrainedConfig& c, const std::string& key, ConfigSpec (*spec)()) {
  if (auto sub = c.sub_config(key)) return *sub;
  return PretrainedConfig::from_json_string(spec(), "{}", c.name_or_path() + " [" + key + " defaults]");
}

namespace {

// CLIPModel / SiglipModel: both towers and their similarity logits. CLIP projects each pooled
// output and scales cosine similarities by logit_scale.exp(); SigLIP's pooled outputs are already
// projected, and it adds logit_bias.
class DualTower : public Model {
 public:
  DualTower(const PretrainedConfig& c, const Family& f)
      : Model(c),
        f_(f),
        text_(child("text_model", std::make_unique<TextTransformer>(tower_config(c, "text_config", f.text_spec), f.text))),
        vision_(child("vision_model", std::make_unique<VisionTransformer>(tower_config(c, "vision_config", f.vision_spec), f.vision))) {
    if (f.projections) {
      const int64_t proj = c.get_int("projection_dim");
      visual_ = &child("visual_projection", std::make_unique<nn::Linear>(vision_.dims().hidden, proj, false));
      textp_ = &child("text_projection", std::make_unique<nn::Linear>(text_.dims().hidden, proj, false));
    }
    scale_ = &child("logit_scale", std::make_unique<nn::BareParameter>(f.projections ? Shape{} : Shape{1})).value;
    if (!f.projections) bias_ = &child("logit_bias", std::make_unique<nn::BareParameter>(Shape{1})).value;
  }
  std::string base_model_prefix() const override { return f_.prefix; }
  // Both inputs give the similarity logits; either alone gives its normalized embeddings only
  // (what Python's get_text_features / get_image_features compute, normalized as forward does).
  ModelOutput forward(const ModelInputs& in) override {
    const std::string owner = std::string(f_.name) + "Model";
    const bool has_text = find_input(in, "input_ids") != nullptr, has_image = find_input(in, "pixel_values") != nullptr;
    if (!has_text && !has_image) throw ValueError(owner + ".forward: give input_ids, pixel_values or both");
    // Python's CLIPOutput / SiglipOutput order: logits_per_image, logits_per_text, text_embeds,
    // image_embeds, then each tower's whole output nested (text_model_output.pooler_output, ...).
    ModelOutput vision_out, text_out;
    Tensor image, text;
    if (has_image) {
      const record::Prefix p("vision_model_output.");
      vision_out = vision_.run(in, owner);
      // Python's get_image_features puts the projected features in the tower's pooler_output.
      if (visual_) vision_out.set("pooler_output", (*visual_)(vision_out["pooler_output"]));
      image = l2_normalize(vision_out["pooler_output"]);
    }
    if (has_text) {
      const record::Prefix p("text_model_output.");
      text_out = text_.run(in, owner);
      if (textp_) text_out.set("pooler_output", (*textp_)(text_out["pooler_output"]));
      text = l2_normalize(text_out["pooler_output"]);
    }
    ModelOutput o;
    if (has_text && has_image) {
      Tensor per_text = ops::scale(ops::matmul(text, image, false, true), std::exp(scale_->to_floats()[0]));
      if (bias_) per_text = ops::add(per_text, *bias_);
      o.set("logits_per_image", per_text.transpose(0, 1).contiguous());
      o.set("logits_per_text", per_text);
    }
    if (has_text) o.set("text_embeds", text);
    if (has_image) o.set("image_embeds", image);
    for (const auto& [name, t] : text_out.fields) o.set("text_model_output." + name, t);
    for (const auto& [name, t] : vision_out.fields) o.set("vision_model_output." + name, t);
    return o;
  }

 private:
  const Family& f_;
  TextTransformer& text_;
  VisionTransformer& vision_;
  nn::Linear *visual_ = nullptr, *textp_ = nullptr;
  Tensor *scale_, *bias_ = nullptr;
};

// CLIPTextModel / CLIPVisionModel / SiglipVisionModel: one tower at the root (checkpoint keys
// under text_model. / vision_model. have that prefix stripped).
template <typename Tower, bool kIsText>
class TowerModel : public Model {
 public:
  TowerModel(const PretrainedConfig& c, const Family& f)
      : Model(c), name_(std::string(f.name) + (kIsText ? "TextModel" : "VisionModel")), tower_(child("", make(c, f))) {}
  std::string base_model_prefix() const override { return kIsText ? "text_model" : "vision_model"; }
  ModelOutput forward(const ModelInputs& in) override { return tower_.run(in, name_); }

 private:
  static std::unique_ptr<Tower> make(const PretrainedConfig& c, const Family& f) {
    if constexpr (kIsText) return std::make_unique<Tower>(c, f.text);
    else return std::make_unique<Tower>(c, f.vision);
  }
  std::string name_;
  Tower& tower_;
};

// *ForImageClassification: the classifier over the mean of the vision tower's tokens (CLIP leaves
// out its class token).
class ForImageClassification : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  ForImageClassification(const PretrainedConfig& c, const Family& f)
      : Model(c),
        f_(f),
        vision_(child("vision_model", std::make_unique<VisionTransformer>(tower_config(c, "vision_config", f.vision_spec), f.vision))),
        head_(child("classifier", std::make_unique<ImageClassifier>(vision_.dims().hidden, c))) {}
  std::string base_model_prefix() const override { return f_.prefix; }
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor h = vision_.run(in, std::string(f_.name) + "ForImageClassification")["last_hidden_state"];
    const int64_t first = f_.vision.class_token ? 1 : 0;
    return head_(ops::mean(h.slice(1, first, h.size(1)).contiguous(), 1));
  }

 private:
  const Family& f_;
  VisionTransformer& vision_;
  const ImageClassifier& head_;
};

}  // namespace

const Family& family() {
  static const Family f{"CLIP", "clip", {true, false}, {true, false}, text_config_spec, vision_config_spec, true};
  return f;
}

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c, const Family& f) { return std::make_unique<DualTower>(c, f); }
std::unique_ptr<PreTrainedModel> make_text_model(const PretrainedConfig& c, const Family& f) {
  return std::make_unique<TowerModel<TextTransformer, true>>(c, f);
}
std::unique_ptr<PreTrainedModel> make_vision_model(const PretrainedConfig& c, const Family& f) {
  return std::make_unique<TowerModel<VisionTransformer, false>>(c, f);
}
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c, const Family& f) {
  return std::make_unique<ForImageClassification>(c, f);
}

}  // namespace transformers::clip
