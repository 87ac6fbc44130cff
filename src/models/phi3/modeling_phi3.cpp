// Phi-3: transformers/models/phi3/modeling_phi3.py — fused qkv_proj and gate_up_proj, partial
// rotary factor and LongRoPE from the rope parameters.
#include "models/phi3/modeling_phi3.hpp"

namespace transformers::phi3 {

ConfigSpec config_spec() {
  return {"phi3", "Phi3Config", R"({
    "vocab_size": 32064, "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
    "attention_dropout": 0.0, "hidden_act": "silu", "max_position_embeddings": 4096,
    "original_max_position_embeddings": 4096, "initializer_range": 0.02, "rms_norm_eps": 1e-5, "use_cache": true,
    "tie_word_embeddings": false, "rope_parameters": null, "partial_rotary_factor": 1.0, "bos_token_id": 1,
    "eos_token_id": 32000, "pad_token_id": 32000, "sliding_window": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Phi3");
  p.fused_qkv = p.fused_gate_up = true;
  p.qkv_bias = p.o_bias = p.mlp_bias = false;
  p.cache_recompute_length = c.get_int("original_max_position_embeddings", 0);
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Phi3");
  return f;
}

}  // namespace transformers::phi3
