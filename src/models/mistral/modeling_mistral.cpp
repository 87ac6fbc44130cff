// Mistral: Llama with GQA defaults and a sliding window on every layer when sliding_window is set.
// Ministral: the same decoder with its layer_types (every layer sliding when sliding_window is set).
#include "models/mistral/modeling_mistral.hpp"

namespace transformers::mistral {

ConfigSpec config_spec() {
  return {"mistral", "MistralConfig", R"({
    "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": null, "hidden_act": "silu",
    "max_position_embeddings": 131072, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "pad_token_id": null, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false,
    "rope_parameters": null, "sliding_window": 4096, "attention_dropout": 0.0
  })"};
}

ConfigSpec config_spec_ministral() {
  ConfigSpec s = config_spec();
  s.model_type = "ministral", s.class_name = "MinistralConfig";
  s.defaults_json = s.defaults_json.substr(0, s.defaults_json.rfind('}')) + R"(, "layer_types": null})";
  return s;
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) { return llama::DecoderParams::common(c, "Mistral"); }
llama::DecoderParams params_ministral(const PretrainedConfig& c) { return llama::DecoderParams::common(c, "Ministral"); }
}  // namespace

const EncoderFamily& family_ministral() {
  static const EncoderFamily f = llama::family_for(params_ministral, "Ministral");
  return f;
}

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Mistral");
  return f;
}

}  // namespace transformers::mistral
