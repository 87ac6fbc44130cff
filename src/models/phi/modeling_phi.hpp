#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::phi {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::phi
