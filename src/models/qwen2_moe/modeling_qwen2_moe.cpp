// Qwen2-MoE: transformers/models/qwen2_moe/modeling_qwen2_moe.py — Qwen2 attention (q/k/v biases
// by qkv_bias), Qwen3-MoE's routed experts, plus a shared expert gated by sigmoid(shared_expert_gate).
#include "models/qwen2_moe/modeling_qwen2_moe.hpp"

#include "models/qwen2/modeling_qwen2.hpp"
#include "models/qwen3_moe/modeling_qwen3_moe.hpp"

namespace transformers::qwen2_moe {

ConfigSpec config_spec() {
  return {"qwen2_moe", "Qwen2MoeConfig", R"({
    "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 24,
    "num_attention_heads": 16, "num_key_value_heads": 16, "hidden_act": "silu", "max_position_embeddings": 32768,
    "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true, "tie_word_embeddings": false,
    "rope_parameters": null, "use_sliding_window": false, "sliding_window": 4096, "max_window_layers": 28,
    "attention_dropout": 0.0, "decoder_sparse_step": 1, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "num_experts_per_tok": 4, "num_experts": 60, "norm_topk_prob": false,
    "output_router_logits": false, "router_aux_loss_coef": 0.001, "mlp_only_layers": null, "qkv_bias": true,
    "layer_types": null, "pad_token_id": null, "bos_token_id": null, "eos_token_id": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = qwen2::qwen_style(c, "Qwen2Moe");
  p.qkv_bias = c.get_bool("qkv_bias", true), p.o_bias = false;
  qwen3_moe::qwen_moe(c, p);
  p.moe.shared_inter = c.get_int("shared_expert_intermediate_size");
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Qwen2Moe");
  return f;
}

}  // namespace transformers::qwen2_moe
