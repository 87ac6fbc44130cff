#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::smollm3 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::smollm3
