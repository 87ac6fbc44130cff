// Helium: transformers/models/helium/modeling_helium.py — Llama with q/k/v biases by attention_bias,
// an o_proj without one, and interleaved (GLM-style) rope.
#include "models/helium/modeling_helium.hpp"

namespace transformers::helium {

ConfigSpec config_spec() {
  return {"helium", "HeliumConfig", R"({
    "vocab_size": 48000, "hidden_size": 2560, "intermediate_size": 7040, "num_hidden_layers": 24,
    "num_attention_heads": 20, "num_key_value_heads": 20, "head_dim": 128, "hidden_act": "silu", "attention_dropout": 0.0,
    "max_position_embeddings": 4096, "initializer_range": 0.02, "rms_norm_eps": 1e-8, "use_cache": true,
    "tie_word_embeddings": false, "rope_parameters": null, "pad_token_id": 3, "eos_token_id": 2, "bos_token_id": 1,
    "attention_bias": false, "mlp_bias": false
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Helium");
  p.o_bias = false;
  p.rope_interleave = true;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Helium");
  return f;
}

}  // namespace transformers::helium
