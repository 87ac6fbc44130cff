// Phi (1 / 1.5 / 2): transformers/models/phi/modeling_phi.py — LayerNorm, attention and MLP in
// parallel off one norm, partial rotary, `dense` output projection, fc1 / fc2 MLP, biased lm_head.
#include "models/phi/modeling_phi.hpp"

namespace transformers::phi {

ConfigSpec config_spec() {
  return {"phi", "PhiConfig", R"({
    "vocab_size": 51200, "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 24,
    "num_attention_heads": 32, "num_key_value_heads": null, "resid_pdrop": 0.0, "embd_pdrop": 0.0,
    "attention_dropout": 0.0, "hidden_act": "gelu_new", "max_position_embeddings": 2048, "initializer_range": 0.02,
    "layer_norm_eps": 1e-5, "use_cache": true, "tie_word_embeddings": false, "rope_parameters": null,
    "partial_rotary_factor": 0.5, "qk_layernorm": false, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  using P = llama::DecoderParams;
  P p = P::common(c, "Phi");
  p.eps = static_cast<float>(c.get_float("layer_norm_eps", 1e-5));
  p.norm = P::Norm::Layer;
  p.parallel_residual = true, p.gated_mlp = false;
  p.qkv_bias = p.o_bias = p.mlp_bias = p.lm_head_bias = true;
  p.o_name = "dense", p.final_norm_name = "final_layernorm";
  if (c.get_bool("qk_layernorm", false)) p.qk_norm = P::QKNorm::PerHead, p.q_norm_name = "q_layernorm", p.k_norm_name = "k_layernorm";
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Phi");
  return f;
}

}  // namespace transformers::phi
