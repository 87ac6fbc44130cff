// OLMo: transformers/models/olmo/modeling_olmo.py — the Llama decoder with parameter-free
// LayerNorms (eps 1e-5), biases on all attention projections by attention_bias, and q/k/v clamped
// to clip_qkv when it is set.
#include "models/olmo/modeling_olmo.hpp"

#include "transformers/errors.hpp"

namespace transformers::olmo {

ConfigSpec config_spec() {
  return {"olmo", "OlmoConfig", R"({
    "vocab_size": 50304, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "use_cache": true, "pad_token_id": 1, "bos_token_id": null, "eos_token_id": 50279,
    "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false, "attention_dropout": 0.0,
    "clip_qkv": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Olmo");
  p.norm = llama::DecoderParams::Norm::LayerNoParams;
  if (c.has("clip_qkv")) {
    p.clip_qkv = static_cast<float>(c.get_float("clip_qkv"));
    if (!(p.clip_qkv > 0)) throw ConfigError("Olmo: clip_qkv must be positive");
  }
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Olmo");
  return f;
}

}  // namespace transformers::olmo
