#pragma once
// EfficientNet (modeling_efficientnet.py): MBConv blocks (1x1 expansion, depthwise convolution with
// TensorFlow-style padding, squeeze-and-excitation, 1x1 projection) scaled by width and depth
// coefficients, then a 1x1 head convolution and global pooling.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::efficientnet {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::efficientnet
