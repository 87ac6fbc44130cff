#pragma once
// Mirrors transformers/models/opt/modeling_opt.py: learned positions offset by 2 and derived from
// the attention mask, pre- or post-LayerNorm layers, optional project_in / project_out.
#include "models/generative.hpp"

namespace transformers::opt {
ConfigSpec config_spec();
const EncoderFamily& family();
}  // namespace transformers::opt
