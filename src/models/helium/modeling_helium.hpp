#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::helium {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::helium
