#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::glm {
ConfigSpec config_spec();
const EncoderFamily& family();
// GLM's decoder: q/k/v biases (attention_bias), a fused gate_up_proj and interleaved rope on the
// rotary channels (partial_rotary_factor, 0.5 by default). GLM-4 adds its four norms on top.
llama::DecoderParams glm_params(const PretrainedConfig& c, const char* name);
}  // namespace transformers::glm
