// Cohere (Command-R): transformers/models/cohere/modeling_cohere.py — the Llama decoder with
// bias-free LayerNorms, attention and MLP in parallel off one norm, interleaved rope, optional
// per-head q/k LayerNorms ([heads, head_dim] weights) and logits multiplied by logit_scale.
#include "models/cohere/modeling_cohere.hpp"

namespace transformers::cohere {

ConfigSpec config_spec() {
  return {"cohere", "CohereConfig", R"({
    "vocab_size": 256000, "hidden_size": 8192, "intermediate_size": 22528, "logit_scale": 0.0625,
    "num_hidden_layers": 40, "num_attention_heads": 64, "num_key_value_heads": null, "hidden_act": "silu",
    "max_position_embeddings": 8192, "initializer_range": 0.02, "layer_norm_eps": 1e-5, "use_cache": true,
    "pad_token_id": 0, "bos_token_id": 5, "eos_token_id": 255001, "tie_word_embeddings": true, "rope_parameters": null,
    "attention_bias": false, "attention_dropout": 0.0, "use_qk_norm": false
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  using P = llama::DecoderParams;
  P p = P::common(c, "Cohere");
  p.eps = static_cast<float>(c.get_float("layer_norm_eps", 1e-5));
  p.norm = P::Norm::LayerNoBias;
  p.parallel_residual = true;
  p.rope_interleave = true;
  if (c.get_bool("use_qk_norm", false)) p.qk_norm = P::QKNorm::HeadWeights;
  p.logits_scaling = 1.0f / static_cast<float>(c.get_float("logit_scale", 0.0625));
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Cohere");
  return f;
}

}  // namespace transformers::cohere
