// GLM: transformers/models/glm/modeling_glm.py — the Llama decoder with q/k/v biases, a fused
// gate_up_proj and interleaved rope on half of each head.
#include "models/glm/modeling_glm.hpp"

namespace transformers::glm {

ConfigSpec config_spec() {
  return {"glm", "GlmConfig", R"({
    "vocab_size": 151552, "hidden_size": 4096, "intermediate_size": 13696, "num_hidden_layers": 40,
    "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "hidden_act": "silu", "attention_dropout": 0.0,
    "max_position_embeddings": 131072, "initializer_range": 0.02, "rms_norm_eps": 1.5625e-07, "use_cache": true,
    "tie_word_embeddings": false, "rope_parameters": null, "partial_rotary_factor": 0.5, "pad_token_id": 151329,
    "eos_token_id": null, "bos_token_id": null, "attention_bias": true
  })"};
}

llama::DecoderParams glm_params(const PretrainedConfig& c, const char* name) {
  llama::DecoderParams p = llama::DecoderParams::common(c, name);
  p.qkv_bias = c.get_bool("attention_bias", true), p.o_bias = false;
  p.fused_gate_up = true;
  p.rope_interleave = true;
  return p;
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) { return glm_params(c, "Glm"); }
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Glm");
  return f;
}

}  // namespace transformers::glm
