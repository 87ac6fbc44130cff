// SmolLM3: Llama with Qwen's sliding rule and NoPE layers (no_rope_layers[i] == 0 skips RoPE).
#include "models/smollm3/modeling_smollm3.hpp"

#include "models/qwen2/modeling_qwen2.hpp"
#include "transformers/errors.hpp"

namespace transformers::smollm3 {

ConfigSpec config_spec() {
  return {"smollm3", "SmolLM3Config", R"({
    "vocab_size": 128256, "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
    "num_attention_heads": 16, "num_key_value_heads": 4, "hidden_act": "silu", "max_position_embeddings": 32768,
    "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true, "pad_token_id": 128004,
    "bos_token_id": 128000, "eos_token_id": 128001, "rope_parameters": null, "use_sliding_window": false,
    "sliding_window": null, "no_rope_layers": null, "no_rope_layer_interval": 4, "layer_types": null,
    "attention_bias": false, "attention_dropout": 0.0, "mlp_bias": false, "tie_word_embeddings": true
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = qwen2::qwen_style(c, "SmolLM3");
  std::vector<int64_t> use;
  if (c.has("no_rope_layers")) {
    use = c.get_int_list("no_rope_layers");
  } else {
    const int64_t every = c.get_int("no_rope_layer_interval", 4);
    if (every <= 0) throw ConfigError("SmolLM3: no_rope_layer_interval must be positive");
    for (int64_t i = 0; i < p.layers; ++i) use.push_back((i + 1) % every != 0);
  }
  if (static_cast<int64_t>(use.size()) != p.layers) throw ConfigError("SmolLM3: no_rope_layers must have num_hidden_layers entries");
  for (int64_t i = 0; i < p.layers; ++i) p.use_rope[i] = use[i] != 0;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "SmolLM3");
  return f;
}

}  // namespace transformers::smollm3
