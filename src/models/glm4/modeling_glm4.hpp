#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::glm4 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::glm4
