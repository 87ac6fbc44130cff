#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::cohere {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::cohere
