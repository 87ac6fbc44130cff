#pragma once
// Mirrors transformers/models/gpt2/modeling_gpt2.py: learned positions, pre-LayerNorm blocks, and
// Conv1D projections whose weights are stored [in, out] (used as stored: y = x W + b).
#include "models/generative.hpp"

namespace transformers::gpt2 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::gpt2
