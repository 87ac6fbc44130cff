#pragma once
// DINOv2 (modeling_dinov2.py): a ViT with layer scale, an optional SwiGLU MLP, and learned
// positions resized bicubically to whatever patch grid the image gives.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::dinov2 {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::dinov2
