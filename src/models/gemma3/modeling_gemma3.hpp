#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::gemma3 {
ConfigSpec config_spec();  // gemma3_text
const EncoderFamily& family();
}  // namespace transformers::gemma3
