// Qwen3-MoE: transformers/models/qwen3_moe/modeling_qwen3_moe.py — Qwen3 attention, sparse MLP
// on layers with (i + 1) % decoder_sparse_step == 0 outside mlp_only_layers.
#include "models/qwen3_moe/modeling_qwen3_moe.hpp"

#include <algorithm>

#include "models/qwen2/modeling_qwen2.hpp"
#include "transformers/errors.hpp"

namespace transformers::qwen3_moe {

ConfigSpec config_spec() {
  return {"qwen3_moe", "Qwen3MoeConfig", R"({
    "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 6144, "num_hidden_layers": 24,
    "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": null, "hidden_act": "silu",
    "max_position_embeddings": 32768, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false, "use_sliding_window": false,
    "sliding_window": null, "max_window_layers": 28, "layer_types": null, "attention_dropout": 0.0,
    "decoder_sparse_step": 1, "moe_intermediate_size": 768, "num_experts_per_tok": 8, "num_local_experts": 128,
    "norm_topk_prob": false, "output_router_logits": false, "router_aux_loss_coef": 0.001, "mlp_only_layers": [],
    "pad_token_id": null, "bos_token_id": null, "eos_token_id": null
  })",
          {{"num_experts", "num_local_experts"}}};
}

void qwen_moe(const PretrainedConfig& c, llama::DecoderParams& p) {
  p.moe.experts = c.get_int("num_experts"), p.moe.top_k = c.get_int("num_experts_per_tok");
  p.moe.inter = c.get_int("moe_intermediate_size"), p.moe.norm_topk = c.get_bool("norm_topk_prob", false);
  const int64_t step = c.get_int("decoder_sparse_step", 1);
  if (step <= 0) throw ConfigError(p.name + ": decoder_sparse_step must be positive");
  if (p.moe.experts > 0 && (p.moe.top_k <= 0 || p.moe.top_k > p.moe.experts))
    throw ConfigError(p.name + ": num_experts_per_tok must be in 1..num_experts");
  const auto only = c.has("mlp_only_layers") ? c.get_int_list("mlp_only_layers") : std::vector<int64_t>{};
  for (int64_t i = 0; i < p.layers; ++i)
    p.moe.sparse.push_back(std::find(only.begin(), only.end(), i) == only.end() && p.moe.experts > 0 && (i + 1) % step == 0);
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = qwen2::qwen_style(c, "Qwen3Moe");
  p.qk_norm = llama::DecoderParams::QKNorm::PerHead;
  qwen_moe(c, p);
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Qwen3Moe");
  return f;
}

}  // namespace transformers::qwen3_moe
