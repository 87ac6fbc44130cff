#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::gpt_oss {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::gpt_oss
