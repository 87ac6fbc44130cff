// Qwen3: Qwen2's layout without default biases, with per-head RMSNorm on queries and keys.
#include "models/qwen3/modeling_qwen3.hpp"

#include "models/qwen2/modeling_qwen2.hpp"

namespace transformers::qwen3 {

ConfigSpec config_spec() {
  return {"qwen3", "Qwen3Config", R"({
    "vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 32, "head_dim": 128, "hidden_act": "silu",
    "max_position_embeddings": 32768, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false, "use_sliding_window": false,
    "sliding_window": null, "max_window_layers": 28, "layer_types": null, "attention_dropout": 0.0,
    "pad_token_id": null, "bos_token_id": null, "eos_token_id": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = qwen2::qwen_style(c, "Qwen3");
  p.qk_norm = llama::DecoderParams::QKNorm::PerHead;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Qwen3");
  return f;
}

}  // namespace transformers::qwen3
