#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::seed_oss {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::seed_oss
