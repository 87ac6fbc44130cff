#pragma once
// DeiT (modeling_deit.py): ViT with a second, distillation token; the teacher-distilled classifier
// averages the heads on both tokens.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::deit {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c);
// DeiTForImageClassification, or DeiTForImageClassificationWithTeacher when config.architectures
// names it (Python's mapping holds both and picks by architectures).
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
}  // namespace transformers::deit
