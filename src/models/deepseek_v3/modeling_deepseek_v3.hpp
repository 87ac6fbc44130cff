#pragma once
// Mirrors transformers/models/deepseek_v3/modeling_deepseek_v3.py: multi-head latent attention
// (low-rank q, compressed kv latent cached, interleaved rope on a slice of each head) and MoE
// with shared experts and group-limited sigmoid routing.
#include "models/generative.hpp"

namespace transformers::deepseek_v3 {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::deepseek_v3
