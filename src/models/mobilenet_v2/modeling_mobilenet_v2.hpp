#pragma once
// MobileNetV2 (modeling_mobilenet_v2.py): inverted residual blocks (1x1 expand, depthwise 3x3,
// 1x1 project) with batch norm and ReLU6, TensorFlow "SAME" padding as the original checkpoints use.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::mobilenet_v2 {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
// DeepLabV3 (image pooling + 1x1 ASPP) on the backbone, dilated past output_stride.
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c);
}  // namespace transformers::mobilenet_v2
