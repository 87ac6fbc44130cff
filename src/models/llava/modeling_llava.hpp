#pragma once
// LLaVA (modeling_llava.py): a CLIP vision tower whose chosen hidden layer is projected by a
// two-layer MLP into the language model's embedding space and spliced in at the image tokens;
// generation then runs the Llama-style decoder as usual.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::llava {
ConfigSpec config_spec();
// LlavaForConditionalGeneration (AutoModelForImageTextToText): logits; generate() with pixel_values.
std::unique_ptr<PreTrainedModel> make_for_conditional_generation(const PretrainedConfig& c);
// LlavaModel (AutoModel): the same without lm_head; last_hidden_state and image_hidden_states.
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
}  // namespace transformers::llava
