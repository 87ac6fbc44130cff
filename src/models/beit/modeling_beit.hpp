#pragma once
// BEiT (modeling_beit.py): a ViT with layer scale, a key projection without bias, learned relative
// position biases (per layer or shared) and mean pooling of the patch tokens; semantic segmentation
// through an FPN neck and a UPerNet head.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::beit {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
// BeitForSemanticSegmentation: four hidden states through the FPN neck and the UPerNet head.
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c);
// BeitBackbone (AutoBackbone): the hidden states of out_features as patch grids, optionally the FPN.
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c);
}  // namespace transformers::beit
