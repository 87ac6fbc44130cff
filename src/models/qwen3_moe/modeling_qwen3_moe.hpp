#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::qwen3_moe {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::qwen3_moe
