#pragma once
// BEiT (modeling_beit.py): a ViT with layer scale, a key projection without bias, learned relative
// position biases (per layer or shared) and mean pooling of the patch tokens.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::beit {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::beit
