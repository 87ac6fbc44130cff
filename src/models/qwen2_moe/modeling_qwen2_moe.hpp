#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::qwen2_moe {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::qwen2_moe
