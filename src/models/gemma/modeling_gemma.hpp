#pragma once
#include "models/llama/modeling_llama.hpp"

namespace transformers::gemma {
ConfigSpec config_spec();
const EncoderFamily& family();
// What Gemma 1/2/3 share: embeddings scaled by sqrt(hidden_size), norms as x * (1 + w).
llama::DecoderParams gemma_style(llama::DecoderParams p);
}  // namespace transformers::gemma
