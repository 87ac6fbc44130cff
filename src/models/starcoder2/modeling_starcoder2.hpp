#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::starcoder2 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::starcoder2
