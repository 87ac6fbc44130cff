// StableLM: transformers/models/stablelm/modeling_stablelm.py — LayerNorm, partial rotary,
// optional q/k/v biases and parallel residual.
#include "models/stablelm/modeling_stablelm.hpp"

#include "transformers/errors.hpp"

namespace transformers::stablelm {

ConfigSpec config_spec() {
  return {"stablelm", "StableLmConfig", R"({
    "vocab_size": 50304, "intermediate_size": 6912, "hidden_size": 2560, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 32, "hidden_act": "silu", "max_position_embeddings": 4096,
    "initializer_range": 0.02, "layer_norm_eps": 1e-5, "use_cache": true, "tie_word_embeddings": false,
    "rope_parameters": null, "partial_rotary_factor": 0.25, "use_qkv_bias": false, "qk_layernorm": false,
    "use_parallel_residual": false, "hidden_dropout": 0.0, "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 0,
    "pad_token_id": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  using P = llama::DecoderParams;
  P p = P::common(c, "StableLm");
  p.eps = static_cast<float>(c.get_float("layer_norm_eps", 1e-5));
  p.norm = P::Norm::Layer;
  p.qkv_bias = c.get_bool("use_qkv_bias", false), p.o_bias = false, p.mlp_bias = false;
  p.parallel_residual = c.get_bool("use_parallel_residual", false);
  if (c.get_bool("qk_layernorm", false)) throw ConfigError("StableLm: qk_layernorm (per-head LayerNorms) is not supported yet");
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "StableLm");
  return f;
}

}  // namespace transformers::stablelm
