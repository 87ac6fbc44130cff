#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::exaone4 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::exaone4
