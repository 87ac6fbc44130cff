// Mixtral: transformers/models/mixtral/modeling_mixtral.py — Mistral with a sparse MoE block
// (block_sparse_moe: router `gate`, experts w1 / w3 / w2) on every layer, top-k renormalized.
#include "models/mixtral/modeling_mixtral.hpp"

#include "transformers/errors.hpp"

namespace transformers::mixtral {

ConfigSpec config_spec() {
  return {"mixtral", "MixtralConfig", R"({
    "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": null, "hidden_act": "silu",
    "max_position_embeddings": 131072, "initializer_range": 0.02, "rms_norm_eps": 1e-5, "use_cache": true,
    "pad_token_id": null, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false, "rope_parameters": null,
    "sliding_window": null, "attention_dropout": 0.0, "num_experts_per_tok": 2, "num_local_experts": 8,
    "output_router_logits": false, "router_aux_loss_coef": 0.001, "router_jitter_noise": 0.0
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Mixtral");
  p.moe.experts = c.get_int("num_local_experts"), p.moe.top_k = c.get_int("num_experts_per_tok"), p.moe.inter = p.inter;
  if (p.moe.experts <= 0 || p.moe.top_k <= 0 || p.moe.top_k > p.moe.experts)
    throw ConfigError("Mixtral: num_experts_per_tok must be in 1..num_local_experts");
  p.moe.block = "block_sparse_moe", p.moe.gate = "w1", p.moe.up = "w3", p.moe.down = "w2";
  p.moe.sparse.assign(static_cast<size_t>(p.layers), true);
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Mixtral");
  return f;
}

}  // namespace transformers::mixtral
