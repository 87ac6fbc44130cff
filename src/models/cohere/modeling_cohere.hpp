#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::cohere {
ConfigSpec config_spec();
const EncoderFamily& family();
ConfigSpec config_spec_v2();  // cohere2
const EncoderFamily& family_v2();
}  // namespace transformers::cohere
