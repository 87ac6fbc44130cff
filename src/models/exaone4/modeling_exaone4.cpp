// EXAONE 4: transformers/models/exaone4/modeling_exaone4.py — OLMo 2's post-norm layers, per-head
// q/k RMSNorms, and in hybrid models (sliding_window set) rope only on the sliding layers.
#include "models/exaone4/modeling_exaone4.hpp"

#include "transformers/errors.hpp"

namespace transformers::exaone4 {

ConfigSpec config_spec() {
  return {"exaone4", "Exaone4Config", R"({
    "vocab_size": 102400, "hidden_size": 4096, "intermediate_size": 16384, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 32, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "rms_norm_eps": 1e-5, "use_cache": true, "bos_token_id": 0, "eos_token_id": 2,
    "pad_token_id": null, "tie_word_embeddings": false, "rope_parameters": null, "attention_dropout": 0.0,
    "sliding_window": 4096, "sliding_window_pattern": 4, "layer_types": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  const int64_t window = c.get_int("sliding_window", 0);
  // Without layer_types: every sliding_window_pattern-th layer global (an integer pattern only).
  int64_t pattern = 4;
  bool int_pattern = true;
  if (c.has("sliding_window_pattern")) try {
      pattern = c.get_int("sliding_window_pattern");
    } catch (const ConfigError&) {  // a string pattern ("LLLG"): Python needs layer_types then too
      int_pattern = false;
    }
  llama::DecoderParams p = llama::DecoderParams::common(c, "Exaone4", window, [&](int64_t i) -> std::string {
    if (window <= 0) return "full_attention";
    if (!int_pattern || pattern <= 0) throw ConfigError("Exaone4: give layer_types, or an integer sliding_window_pattern");
    return (i + 1) % pattern ? "sliding_attention" : "full_attention";
  });
  p.placement = llama::DecoderParams::Placement::Post;
  p.qk_norm = llama::DecoderParams::QKNorm::PerHead;
  if (window > 0)
    for (size_t i = 0; i < p.window.size(); ++i) p.use_rope[i] = p.window[i] > 0;  // global layers: no position embeddings
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Exaone4");
  return f;
}

}  // namespace transformers::exaone4
