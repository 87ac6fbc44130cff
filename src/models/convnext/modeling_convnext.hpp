#pragma once
// ConvNeXt (modeling_convnext.py) and ConvNeXt V2 (modeling_convnextv2.py): a patchify stem, stages
// of depthwise 7x7 convolution + LayerNorm + pointwise MLP blocks with downsampling between them;
// V2 replaces the layer scale with global response normalization.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::convnext {
ConfigSpec config_spec();
ConfigSpec v2_config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_v2_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_v2_for_image_classification(const PretrainedConfig& c);
// ConvNextBackbone / ConvNextV2Backbone (AutoBackbone): out_features' states, each with its LayerNorm.
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_v2_backbone(const PretrainedConfig& c);
}  // namespace transformers::convnext
