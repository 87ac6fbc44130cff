#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::qwen3_moe {
ConfigSpec config_spec();
const EncoderFamily& family();
// The routed experts of Qwen2-MoE / Qwen3-MoE configs: num_experts, num_experts_per_tok,
// moe_intermediate_size, norm_topk_prob, and which layers are sparse (decoder_sparse_step, mlp_only_layers).
void qwen_moe(const PretrainedConfig& c, llama::DecoderParams& p);
}  // namespace transformers::qwen3_moe
