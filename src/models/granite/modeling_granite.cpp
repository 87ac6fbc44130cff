// Granite: transformers/models/granite/modeling_granite.py — Llama with embedding, attention,
// residual and logit multipliers.
#include "models/granite/modeling_granite.hpp"

namespace transformers::granite {

ConfigSpec config_spec() {
  return {"granite", "GraniteConfig", R"({
    "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true, "pad_token_id": null, "bos_token_id": 1,
    "eos_token_id": 2, "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false,
    "attention_dropout": 0.0, "mlp_bias": false, "embedding_multiplier": 1.0, "logits_scaling": 1.0,
    "residual_multiplier": 1.0, "attention_multiplier": 1.0
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Granite");
  p.embed_scale = static_cast<float>(c.get_float("embedding_multiplier", 1.0));
  p.scaling = static_cast<float>(c.get_float("attention_multiplier", 1.0));
  p.residual_multiplier = static_cast<float>(c.get_float("residual_multiplier", 1.0));
  p.logits_scaling = static_cast<float>(c.get_float("logits_scaling", 1.0));
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Granite");
  return f;
}

}  // namespace transformers::granite
