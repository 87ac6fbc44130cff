#pragma once
// Depth Anything (modeling_depth_anything.py): four DINOv2 hidden layers reassembled into a feature
// pyramid, fused coarse to fine (DPT's neck), and a convolutional head predicting depth per pixel.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::depth_anything {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_for_depth_estimation(const PretrainedConfig& c);
}  // namespace transformers::depth_anything
