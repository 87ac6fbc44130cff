#pragma once
// Mirrors transformers/models/gpt_neox/modeling_gpt_neox.py (Pythia, GPT-NeoX-20B): fused
// query_key_value laid out per head, partial rotary, parallel residual, embed_out head.
#include "models/generative.hpp"

namespace transformers::gpt_neox {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::gpt_neox
