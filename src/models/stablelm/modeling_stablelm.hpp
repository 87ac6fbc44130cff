#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::stablelm {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::stablelm
