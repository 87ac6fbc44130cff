#pragma once
// ResNet (modeling_resnet.py): a 7x7 stem with max pooling, then stages of basic or bottleneck
// residual layers (convolution + batch norm), global average pooling.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::resnet {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::resnet
