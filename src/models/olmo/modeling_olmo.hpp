#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::olmo {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::olmo
