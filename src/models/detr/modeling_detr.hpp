#pragma once
// DETR (modeling_detr.py): a ResNet backbone (HF's ResNetBackbone, or timm's ResNet as the Hub
// checkpoints ship it) with frozen batch norms, a 1x1 input projection, 2D sine (or learned)
// position embeddings, a post-norm transformer encoder-decoder over learned object queries, and
// the class / box heads of DetrForObjectDetection, and DetrForSegmentation's mask head.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::detr {

ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_object_detection(const PretrainedConfig& c);
// DetrForSegmentation: the detector plus the panoptic mask head (pred_masks at 1/4 resolution).
std::unique_ptr<PreTrainedModel> make_for_segmentation(const PretrainedConfig& c);

}  // namespace transformers::detr
