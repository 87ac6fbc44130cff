#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::mixtral {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::mixtral
