// Qwen2: Llama with q/k/v biases (no o_proj bias) and Qwen's sliding-window layer rule.
#include "models/qwen2/modeling_qwen2.hpp"

namespace transformers::qwen2 {

ConfigSpec config_spec() {
  return {"qwen2", "Qwen2Config", R"({
    "vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 32, "hidden_act": "silu", "max_position_embeddings": 32768,
    "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true, "tie_word_embeddings": false,
    "rope_parameters": null, "use_sliding_window": false, "sliding_window": null, "max_window_layers": 28,
    "layer_types": null, "attention_dropout": 0.0, "pad_token_id": null, "bos_token_id": null, "eos_token_id": null
  })"};
}

llama::DecoderParams qwen_style(const PretrainedConfig& c, const char* name) {
  const int64_t window = c.get_bool("use_sliding_window", false) ? c.get_int("sliding_window", 0) : 0;
  const int64_t from = c.get_int("max_window_layers", 0);
  return llama::DecoderParams::common(c, name, window, [&](int64_t i) -> std::string {
    return window > 0 && i >= from ? "sliding_attention" : "full_attention";
  });
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = qwen_style(c, "Qwen2");
  p.qkv_bias = true, p.o_bias = false;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Qwen2");
  return f;
}

}  // namespace transformers::qwen2
