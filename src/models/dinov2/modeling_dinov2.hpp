#pragma once
// DINOv2 (modeling_dinov2.py): a ViT with layer scale, an optional SwiGLU MLP, and learned
// positions resized bicubically to whatever patch grid the image gives.
#include <memory>

#include "models/modeling_utils.hpp"
#include "nn/module.hpp"

namespace transformers::dinov2 {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
// Dinov2Backbone for the models that put heads on it (Depth Anything): the encoder as a module,
// and its hidden_states[i] (0: embeddings, i: after layer i) for each requested stage, through the
// final layernorm when `norm`; [B, 1 + patches, hidden] each.
std::unique_ptr<nn::Module> make_backbone(const PretrainedConfig& c);
std::vector<Tensor> backbone_features(const nn::Module& backbone, const Tensor& pixel_values, const std::vector<int64_t>& stages, bool norm);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
// Dinov2Backbone (AutoBackbone): the hidden states of out_features, normed and as patch grids.
std::unique_ptr<PreTrainedModel> make_backbone_model(const PretrainedConfig& c);
}  // namespace transformers::dinov2
