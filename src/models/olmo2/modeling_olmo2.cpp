// OLMo 2: transformers/models/olmo2/modeling_olmo2.py — norms after each block (no input norm)
// and RMSNorm over the whole query / key projections before the head split. OLMo 3: the same with
// sliding-window layers (three of every four by default) and rope per layer type.
#include "models/olmo2/modeling_olmo2.hpp"

namespace transformers::olmo2 {

ConfigSpec config_spec() {
  return {"olmo2", "Olmo2Config", R"({
    "vocab_size": 50304, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "use_cache": true, "pad_token_id": 1, "bos_token_id": null, "eos_token_id": 50279,
    "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false, "attention_dropout": 0.0,
    "rms_norm_eps": 1e-5
  })"};
}

ConfigSpec config_spec_v3() {
  ConfigSpec s = config_spec();
  s.model_type = "olmo3", s.class_name = "Olmo3Config";
  s.defaults_json = s.defaults_json.substr(0, s.defaults_json.rfind('}')) + R"(, "sliding_window": 4096, "layer_types": null})";
  return s;
}

namespace {
llama::DecoderParams olmo_params(const PretrainedConfig& c, const char* name, const std::function<std::string(int64_t)>& fallback) {
  llama::DecoderParams p = llama::DecoderParams::common(c, name, -1, fallback);
  p.placement = llama::DecoderParams::Placement::Post;
  p.qk_norm = llama::DecoderParams::QKNorm::Full;
  return p;
}
llama::DecoderParams params(const PretrainedConfig& c) { return olmo_params(c, "Olmo2", {}); }
llama::DecoderParams params_v3(const PretrainedConfig& c) {
  return olmo_params(c, "Olmo3", [](int64_t i) { return (i + 1) % 4 ? "sliding_attention" : "full_attention"; });
}
}  // namespace

const EncoderFamily& family_v3() {
  static const EncoderFamily f = llama::family_for(params_v3, "Olmo3");
  return f;
}

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Olmo2");
  return f;
}

}  // namespace transformers::olmo2
