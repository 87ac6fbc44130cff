#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::phi3 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::phi3
