#pragma once
// SegFormer (modeling_segformer.py): a hierarchical transformer (overlapping patch embeddings,
// attention over a strided reduction of the keys, MLPs with a depthwise convolution) and an all-MLP
// decode head that fuses the four scales into per-pixel class logits.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::segformer {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c);
}  // namespace transformers::segformer
