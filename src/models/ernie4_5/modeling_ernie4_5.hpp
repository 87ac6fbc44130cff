#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::ernie4_5 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::ernie4_5
