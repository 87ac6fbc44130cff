#pragma once
// Mirrors transformers/models/falcon/modeling_falcon.py: fused query_key_value in its three
// layouts (multi-query, per-head q/k/v, grouped "new decoder architecture"), parallel attention
// and MLP, rotary positions (ALiBi checkpoints are rejected).
#include "models/generative.hpp"

namespace transformers::falcon {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::falcon
