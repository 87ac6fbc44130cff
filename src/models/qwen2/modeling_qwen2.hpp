#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::qwen2 {
ConfigSpec config_spec();
const EncoderFamily& family();
// Qwen2 / Qwen3 / SmolLM3: sliding_window counts only with use_sliding_window, and then only on
// layers from max_window_layers on (when the config lists no layer_types).
llama::DecoderParams qwen_style(const PretrainedConfig& c, const char* name);
}  // namespace transformers::qwen2
