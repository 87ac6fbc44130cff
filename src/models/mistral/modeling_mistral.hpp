#pragma once
// The Llama-derived families: each is a config spec plus the DecoderParams its modeling file
// implies (transformers/models/<family>/modeling_<family>.py). Qwen2/Qwen3/SmolLM3 share the
// "sliding only from max_window_layers on" rule, Gemma 1/2/3 the scaled embeddings and (1 + w) norms.
#include "models/llama/modeling_llama.hpp"

namespace transformers {
namespace mistral {
ConfigSpec config_spec();
const EncoderFamily& family();
ConfigSpec config_spec_ministral();
const EncoderFamily& family_ministral();
}  // namespace mistral
}  // namespace transformers
