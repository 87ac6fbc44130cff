#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::olmo2 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::olmo2
