#pragma once
// SigLIP (modeling_siglip.py) on CLIP's towers: a bidirectional text tower pooled through a head on
// its last token, a vision tower without class token pooled by attention, and sigmoid-calibrated
// logits (scale and bias).
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::siglip {
ConfigSpec config_spec();
ConfigSpec text_config_spec();
ConfigSpec vision_config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_vision_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::siglip
