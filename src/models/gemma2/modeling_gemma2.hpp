#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::gemma2 {
ConfigSpec config_spec();
const EncoderFamily& family();
// Gemma 2 / 3: sandwich norms, query_pre_attn_scalar, logit soft-capping.
llama::DecoderParams gemma2_style(const PretrainedConfig& c, const char* name, const std::function<std::string(int64_t)>& fallback);
}  // namespace transformers::gemma2
