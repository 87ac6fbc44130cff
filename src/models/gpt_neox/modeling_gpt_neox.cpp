// GPT-NeoX: transformers/models/gpt_neox/modeling_gpt_neox.py (v5).
#include "models/gpt_neox/modeling_gpt_neox.hpp"

#include "models/llama/modeling_llama.hpp"
#include "transformers/errors.hpp"

namespace transformers::gpt_neox {

ConfigSpec config_spec() {
  return {"gpt_neox", "GPTNeoXConfig", R"({
    "vocab_size": 50432, "hidden_size": 6144, "num_hidden_layers": 44, "num_attention_heads": 64,
    "intermediate_size": 24576, "hidden_act": "gelu", "rope_parameters": null, "attention_dropout": 0.0,
    "hidden_dropout": 0.0, "classifier_dropout": 0.1, "max_position_embeddings": 2048, "initializer_range": 0.02,
    "layer_norm_eps": 1e-5, "use_cache": true, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": null,
    "tie_word_embeddings": false, "use_parallel_residual": true, "attention_bias": true
  })"};
}

// The Llama decoder with GPT-NeoX's names, LayerNorms with bias, a plain MLP and (by default)
// the two-norm parallel residual.
llama::DecoderParams params(const PretrainedConfig& c) {
  const int64_t hidden = c.get_int("hidden_size"), heads = c.get_int("num_attention_heads");
  if (heads <= 0 || hidden % heads) throw ConfigError("GPTNeoX: hidden_size must be a multiple of num_attention_heads");
  llama::DecoderParams p;
  p.name = "GPTNeoX";
  p.vocab = c.get_int("vocab_size"), p.hidden = hidden, p.inter = c.get_int("intermediate_size");
  p.layers = c.get_int("num_hidden_layers"), p.heads = p.kv_heads = heads, p.head_dim = hidden / heads;
  p.max_positions = c.get_int("max_position_embeddings");
  p.eps = static_cast<float>(c.get_float("layer_norm_eps"));
  p.act = ops::activation_from_name(c.get_string("hidden_act"));
  p.norm = llama::DecoderParams::Norm::Layer;
  p.qkv_bias = p.o_bias = c.get_bool("attention_bias", true);
  p.mlp_bias = true;
  p.gated_mlp = false, p.fc1_name = "dense_h_to_4h", p.fc2_name = "dense_4h_to_h";
  p.fused_qkv = true, p.qkv_per_head = true, p.qkv_name = "query_key_value", p.o_name = "dense";
  p.parallel_residual = p.parallel_two_norms = c.get_bool("use_parallel_residual");
  p.embed_name = "embed_in", p.attn_name = "attention", p.final_norm_name = "final_layer_norm", p.lm_head_name = "embed_out";
  p.tie_word_embeddings = c.get_bool("tie_word_embeddings", false);
  for (int64_t i = 0; i < p.layers; ++i) {
    p.window.push_back(0);
    p.rope.push_back(nn::RotaryEmbedding::from_config(c, p.head_dim));
    p.use_rope.push_back(true);
  }
  return p;
}

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "GPTNeoX", "gpt_neox");
  return f;
}

}  // namespace transformers::gpt_neox
