// Gemma 3 (text): transformers/models/gemma3/modeling_gemma3.py — Gemma 2's layer with per-head
// q/k norms, five sliding layers per global one, and a separate rope base for sliding layers.
#include "models/gemma3/modeling_gemma3.hpp"

#include "models/gemma2/modeling_gemma2.hpp"
#include "transformers/errors.hpp"

namespace transformers::gemma3 {

ConfigSpec config_spec() {
  return {"gemma3_text", "Gemma3TextConfig", R"({
    "vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
    "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
    "max_position_embeddings": 131072, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2, "tie_word_embeddings": true, "rope_parameters": null,
    "attention_bias": false, "attention_dropout": 0.0, "query_pre_attn_scalar": 256, "sliding_window": 4096,
    "layer_types": null, "final_logit_softcapping": null, "attn_logit_softcapping": null,
    "use_bidirectional_attention": false
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  const int64_t pattern = c.get_int("_sliding_window_pattern", c.get_int("sliding_window_pattern", 6));
  if (pattern <= 0) throw ConfigError("Gemma3: sliding_window_pattern must be positive");
  llama::DecoderParams p = gemma2::gemma2_style(c, "Gemma3", [&](int64_t i) -> std::string {
    return (i + 1) % pattern ? "sliding_attention" : "full_attention";
  });
  p.qk_norm = llama::DecoderParams::QKNorm::PerHead;
  // Published (pre-v5) configs: rope_theta + rope_scaling for global layers, rope_local_base_freq
  // with the plain rope for sliding ones.
  if (!c.has("rope_parameters"))
    for (int64_t i = 0; i < p.layers; ++i)
      if (p.window[i] > 0) p.rope[i] = nn::RotaryEmbedding::with_theta(c.get_float("rope_local_base_freq", 10000.0), p.head_dim);
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Gemma3");
  return f;
}

}  // namespace transformers::gemma3
