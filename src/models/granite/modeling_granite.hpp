#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::granite {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::granite
