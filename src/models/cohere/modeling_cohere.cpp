// Cohere (Command-R): transformers/models/cohere/modeling_cohere.py — the Llama decoder with
// bias-free LayerNorms, attention and MLP in parallel off one norm, interleaved rope, optional
// per-head q/k LayerNorms ([heads, head_dim] weights) and logits multiplied by logit_scale.
// Cohere2 (Command R7B): sliding-window layers with rope, every sliding_window_pattern-th layer
// global and without position embeddings.
#include "models/cohere/modeling_cohere.hpp"

#include "transformers/errors.hpp"

namespace transformers::cohere {

ConfigSpec config_spec() {
  return {"cohere", "CohereConfig", R"({
    "vocab_size": 256000, "hidden_size": 8192, "intermediate_size": 22528, "logit_scale": 0.0625,
    "num_hidden_layers": 40, "num_attention_heads": 64, "num_key_value_heads": null, "hidden_act": "silu",
    "max_position_embeddings": 8192, "initializer_range": 0.02, "layer_norm_eps": 1e-5, "use_cache": true,
    "pad_token_id": 0, "bos_token_id": 5, "eos_token_id": 255001, "tie_word_embeddings": true, "rope_parameters": null,
    "attention_bias": false, "attention_dropout": 0.0, "use_qk_norm": false
  })"};
}

ConfigSpec config_spec_v2() {
  ConfigSpec s = config_spec();
  s.model_type = "cohere2", s.class_name = "Cohere2Config";
  s.defaults_json = s.defaults_json.substr(0, s.defaults_json.rfind('}')) + R"(, "sliding_window": 4096, "layer_types": null,
    "sliding_window_pattern": 4})";
  return s;
}

namespace {
llama::DecoderParams cohere_params(const PretrainedConfig& c, const char* name, const std::function<std::string(int64_t)>& fallback) {
  using P = llama::DecoderParams;
  P p = P::common(c, name, -1, fallback);
  p.eps = static_cast<float>(c.get_float("layer_norm_eps", 1e-5));
  p.norm = P::Norm::LayerNoBias;
  p.parallel_residual = true;
  p.rope_interleave = true;
  if (c.get_bool("use_qk_norm", false)) p.qk_norm = P::QKNorm::HeadWeights;
  p.logits_scaling = 1.0f / static_cast<float>(c.get_float("logit_scale", 0.0625));
  return p;
}

llama::DecoderParams params(const PretrainedConfig& c) { return cohere_params(c, "Cohere", {}); }

llama::DecoderParams params_v2(const PretrainedConfig& c) {
  const int64_t pattern = c.get_int("sliding_window_pattern", 4);
  if (pattern <= 0) throw ConfigError("Cohere2: sliding_window_pattern must be positive");
  llama::DecoderParams p = cohere_params(c, "Cohere2", [&](int64_t i) { return (i + 1) % pattern ? "sliding_attention" : "full_attention"; });
  for (size_t i = 0; i < p.window.size(); ++i) p.use_rope[i] = p.window[i] > 0;  // global layers have no position embeddings
  return p;
}
}  // namespace

const EncoderFamily& family_v2() {
  static const EncoderFamily f = llama::family_for(params_v2, "Cohere2");
  return f;
}

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Cohere");
  return f;
}

}  // namespace transformers::cohere
