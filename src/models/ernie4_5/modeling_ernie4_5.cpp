// ERNIE 4.5 (dense): transformers/models/ernie4_5/modeling_ernie4_5.py — the Llama decoder with
// biases on every projection by use_bias and GLM-style interleaved rope.
#include "models/ernie4_5/modeling_ernie4_5.hpp"

namespace transformers::ernie4_5 {

ConfigSpec config_spec() {
  return {"ernie4_5", "Ernie4_5Config", R"({
    "vocab_size": 103424, "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 18,
    "num_attention_heads": 16, "num_key_value_heads": 2, "hidden_act": "silu", "max_position_embeddings": 131072,
    "initializer_range": 0.02, "rms_norm_eps": 1e-5, "use_cache": true, "pad_token_id": 0, "bos_token_id": 1,
    "eos_token_id": 2, "tie_word_embeddings": true, "rope_parameters": null, "use_bias": false, "head_dim": 128
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Ernie4_5");
  p.qkv_bias = p.o_bias = p.mlp_bias = c.get_bool("use_bias", false);
  p.rope_interleave = true;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Ernie4_5");
  return f;
}

}  // namespace transformers::ernie4_5
