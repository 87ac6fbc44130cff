// LLaVA: transformers/models/llava/modeling_llava.py (v5 module names; older checkpoints renamed as
// conversion_mapping.py does).
#include "core/output_recorder.hpp"
#include "models/llava/modeling_llava.hpp"

#include "models/clip/modeling_clip.hpp"
#include "models/generative.hpp"
#include "models/llama/modeling_llama.hpp"
#include "models/registry.hpp"
#include "transformers/errors.hpp"

namespace transformers::llava {

ConfigSpec config_spec() {
  ConfigSpec s{"llava", "LlavaConfig", R"({
    "image_token_index": 32000, "image_seq_length": 576, "projector_hidden_act": "gelu",
    "vision_feature_select_strategy": "default", "vision_feature_layer": null, "multimodal_projector_bias": true,
    "tie_word_embeddings": false
  })"};
  s.attribute_map = {{"image_token_id", "image_token_index"}};
  s.sub_configs = {{"vision_config", "clip_vision_model"}, {"text_config", "llama"}};
  return s;
}

namespace {

// LlavaConfig's default vision tower (CLIP ViT-L/14 at 336 px) when vision_config is absent.
ConfigSpec default_vision_spec() {
  ConfigSpec s = clip::vision_config_spec();
  s.defaults_json = R"({"hidden_size": 1024, "intermediate_size": 4096, "projection_dim": 768, "num_hidden_layers": 24, "num_attention_heads": 16,
    "num_channels": 3, "image_size": 336, "patch_size": 14, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5})";
  return s;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// LlavaForConditionalGeneration, or with with_head false LlavaModel (AutoModel): the same parts at the
// root, no lm_head, last_hidden_state out.
class ForConditionalGeneration : public GenerativeModel {
 public:
  explicit ForConditionalGeneration(const PretrainedConfig& c, bool with_head = true)
      : GenerativeModel(c), vision_cfg_(clip::tower_config(c, "vision_config", default_vision_spec)),
        text_cfg_(clip::tower_config(c, "text_config", llama::config_spec)) {
    const EncoderFamily* family = registry::decoder_family(text_cfg_.model_type());
    if (!family) throw ConfigError("LlavaConfig: text_config model_type '" + text_cfg_.model_type() + "' is not supported (llama, mistral, qwen2, qwen3)");
    image_token_ = c.get_int("image_token_index");
    strategy_ = c.get_string("vision_feature_select_strategy");
    if (strategy_ != "default" && strategy_ != "full") throw ConfigError("LlavaConfig: vision_feature_select_strategy must be 'default' or 'full'");
    if (!c.has("vision_feature_layer")) feature_layers_ = {-2};
    else try {
        feature_layers_ = {c.get_int("vision_feature_layer")};
      } catch (const ConfigError&) {
        feature_layers_ = c.get_int_list("vision_feature_layer");
      }
    auto& m = child(with_head ? "model" : "", std::make_unique<nn::Container>());
    vision_ = &m.add("vision_tower", std::make_unique<clip::VisionTransformer>(vision_cfg_, clip::VisionFlavor{true, false}));
    const int64_t vh = vision_->dims().hidden * static_cast<int64_t>(feature_layers_.size());
    const int64_t th = text_cfg_.get_int("hidden_size");
    const bool bias = c.get_bool("multimodal_projector_bias");
    auto& proj = m.add("multi_modal_projector", std::make_unique<nn::Container>());
    linear_1_ = &proj.add("linear_1", std::make_unique<nn::Linear>(vh, th, bias));
    linear_2_ = &proj.add("linear_2", std::make_unique<nn::Linear>(th, th, bias));
    act_ = ops::activation_from_name(c.get_string("projector_hidden_act"));
    auto& lm = m.add("language_model", family->backbone(text_cfg_, false));
    lm_ = dynamic_cast<const CachedBackbone*>(&lm);
    if (!lm_) throw ConfigError("LlavaConfig: the text model is not a decoder");
    if (with_head) lm_head_ = &child("lm_head", std::make_unique<nn::Linear>(th, lm_->vocab_size(), false));
  }

  std::string base_model_prefix() const override { return "model"; }
  bool ties_word_embeddings() const override {
    if (!lm_head_) return false;
    return config().get_bool("tie_word_embeddings", false) || text_cfg_.get_bool("tie_word_embeddings", false);
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    if (!lm_head_) return {};
    return {{"lm_head.weight", "model.language_model." + lm_->embedding_key()}};
  }
  std::string checkpoint_key(const std::string& key) const override {
    std::string k = key;
    if (starts_with(k, "language_model.lm_head.")) k = k.substr(15);
    else if (starts_with(k, "language_model.model.")) k = "model.language_model." + k.substr(21);
    else if (starts_with(k, "language_model.")) k = "model." + k;
    else if (starts_with(k, "vision_tower.") || starts_with(k, "multi_modal_projector.")) k = "model." + k;
    if (starts_with(k, "model.vision_tower.vision_model.")) k = "model.vision_tower." + k.substr(32);
    return k;
  }
  int64_t num_cache_layers() const override { return lm_->num_layers(); }
  int64_t max_positions() const override { return lm_->max_positions(); }
  int64_t output_vocab_size() const override { return lm_->vocab_size(); }

  bool set_prompt_input(const std::string& name, const Tensor& value) override {
    if (name != "pixel_values") return false;
    pending_pixels_ = value;
    return true;
  }
  void clear_prompt_inputs() override { pending_pixels_ = Tensor(); }

  // input_ids (+ attention_mask, pixel_values) -> logits, positions 0..S-1 as Python's forward.
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor& ids = require_input(in, "input_ids", "LlavaForConditionalGeneration");
    const Tensor* mask = find_input(in, "attention_mask");
    const Tensor* pv = find_input(in, "pixel_values");
    const Tensor* p = find_input(in, "position_ids");
    const Tensor embeds = inputs_embeds(ids, pv ? *pv : Tensor(), false);
    const Tensor h = lm_->hidden_from_embeds(embeds, p ? *p : lm_->default_positions(ids, mask), mask ? *mask : Tensor(), nullptr);
    ModelOutput o;
    if (lm_head_) {
      o.set("logits", lm_->finalize_logits((*lm_head_)(h)));
    } else {
      o.set("last_hidden_state", h);
      // Python's image_hidden_states (image_outputs.pooler_output): the projected features, per image.
      // Only a property of Python's output: with hidden states / attentions, where the output holds
      // exactly Python's fields, image_outputs.pooler_output.* carries them instead.
      if (pv && !record::hidden_states() && !record::attentions()) o.set("image_hidden_states", image_features(*pv));
    }
    if (pv && (record::hidden_states() || record::attentions())) image_outputs(*pv, o);
    return o;
  }
  Tensor forward_cached(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache& cache, bool last_only) override {
    if (!lm_head_) throw ValueError("LlavaModel has no language modeling head: generate() needs LlavaForConditionalGeneration");
    // Image features enter with the prompt only; later steps see plain tokens and the cache.
    const Tensor embeds = inputs_embeds(ids, cache.get_seq_length() == 0 ? pending_pixels_ : Tensor(), true);
    Tensor h = lm_->hidden_from_embeds(embeds, pos, mask, &cache);
    if (last_only) h = h.slice(1, h.size(1) - 1, h.size(1)).contiguous();
    return lm_->finalize_logits((*lm_head_)(h));
  }

 private:
  // get_image_features: the chosen hidden layer(s) of the vision tower (CLS dropped for
  // "default"), through the projector: [images, tokens, text hidden].
  Tensor image_features(const Tensor& pv) const {
    std::vector<Tensor> pool;
    for (int64_t layer : feature_layers_) {
      Tensor h = vision_->hidden_state(pv, layer, "LlavaForConditionalGeneration");
      if (strategy_ == "default") h = h.slice(1, 1, h.size(1)).contiguous();
      pool.push_back(h);
    }
    const Tensor x = pool.size() == 1 ? pool[0] : ops::concat(pool, 2);
    return (*linear_2_)(ops::activation((*linear_1_)(x), act_));
  }

  // Token embeddings with the image features written, in order, over the image tokens. generate()
  // may repeat each prompt (beams, num_return_sequences): `expanded` repeats its image with it.
  // Python's image_outputs (5.24 has no image_hidden_states field, only a deprecated property
  // reading image_outputs.pooler_output): the whole vision tower output, its pooler_output
  // replaced by each image's projected features. Written with hidden states / attentions only,
  // where it costs a second run of the tower.
  void image_outputs(const Tensor& pv, ModelOutput& o) const {
    const record::Prefix p("image_outputs.");
    const ModelOutput v = vision_->run({{"pixel_values", pv}}, "LlavaForConditionalGeneration");
    o.set("image_outputs.last_hidden_state", v["last_hidden_state"]);
    Tensor f;
    {
      const record::Pause pause;
      f = image_features(pv).contiguous();
    }
    for (int64_t i = 0; i < f.size(0); ++i) o.set("image_outputs.pooler_output." + std::to_string(i), f.select(0, i).contiguous());
  }
  Tensor inputs_embeds(const Tensor& ids, const Tensor& pv, bool expanded) const {
    Tensor e = lm_->embed(ids).to(DType::F32).contiguous();
    if (!pv.defined()) return e;
    Tensor f;
    {
      const record::Pause pause;  // the vision tower's states are not in Python's output
      f = image_features(pv).contiguous();
    }
    const int64_t per = f.size(1), H = f.size(2), total = f.size(0) * per;
    const auto v = ids.to_ints();
    std::vector<int64_t> at;
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] == image_token_) at.push_back(static_cast<int64_t>(i));
    const auto n = static_cast<int64_t>(at.size());
    const int64_t repeat = expanded && f.size(0) > 0 && ids.size(0) % f.size(0) == 0 ? ids.size(0) / f.size(0) : 1;
    if (n != total * repeat)
      throw ValueError("Image features and image tokens do not match, tokens: " + std::to_string(n) + ", features: " + std::to_string(total));
    if (e.size(-1) != H) throw ShapeMismatch("LLaVA: projected image features have width " + std::to_string(H) + ", the embeddings " + std::to_string(e.size(-1)));
    // The k-th image token takes feature row (image, token); every other embedding row stays.
    std::vector<int64_t> source(static_cast<size_t>(n));
    std::vector<float> is_image(static_cast<size_t>(e.numel() / H), 0.0f);
    for (int64_t k = 0; k < n; ++k) {
      source[static_cast<size_t>(k)] = k / (per * repeat) * per + k % per;
      is_image[static_cast<size_t>(at[static_cast<size_t>(k)])] = 1.0f;
    }
    Tensor placed = Tensor::zeros({static_cast<int64_t>(is_image.size()), H});
    ops::index_add_(placed, Tensor::from_ints(at, {n}), ops::gather_rows(f.reshape({-1, H}), Tensor::from_ints(source, {n})));
    return ops::where(Tensor::from_floats(is_image, {static_cast<int64_t>(is_image.size()), 1}), placed, e.reshape({-1, H})).view(e.shape());
  }

  PretrainedConfig vision_cfg_, text_cfg_;
  int64_t image_token_ = 0;
  std::string strategy_;
  std::vector<int64_t> feature_layers_;
  clip::VisionTransformer* vision_;
  nn::Linear *linear_1_ = nullptr, *linear_2_ = nullptr, *lm_head_ = nullptr;
  ops::Activation act_{};
  const CachedBackbone* lm_ = nullptr;
  Tensor pending_pixels_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_conditional_generation(const PretrainedConfig& c) { return std::make_unique<ForConditionalGeneration>(c); }
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<ForConditionalGeneration>(c, false); }

}  // namespace transformers::llava
