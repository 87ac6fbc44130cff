#pragma once
// The decoding loop lives in generation/, a layer above models: a model's generate() calls it
// through this hook, which generation/utils.cpp installs at load time, so no model names
// generation code (and generation is a free function over the GenerativeModel interface).
#include "transformers/generation.hpp"

namespace transformers {

class GenerativeModel;

using GenerateLoop = GenerateOutput (*)(GenerativeModel& model, const Tensor& input_ids, const GenerationConfig& overrides,
                                        const Tensor& attention_mask, const GenerateHooks& hooks);

// Returns true so it can initialize a namespace-scope constant.
bool install_generate_loop(GenerateLoop loop);

}  // namespace transformers
