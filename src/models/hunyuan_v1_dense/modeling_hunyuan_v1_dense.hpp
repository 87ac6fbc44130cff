#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::hunyuan_v1_dense {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::hunyuan_v1_dense
