#pragma once
// Swin Transformer (modeling_swin.py): attention inside local windows (shifted every other layer,
// with a learned relative position bias), patch merging between stages, mean pooling at the end.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::swin {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c);
}  // namespace transformers::swin
