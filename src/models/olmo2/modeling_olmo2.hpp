#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::olmo2 {
ConfigSpec config_spec();
const EncoderFamily& family();
ConfigSpec config_spec_v3();  // olmo3
const EncoderFamily& family_v3();
}  // namespace transformers::olmo2
