#pragma once
#include "transformers/pipelines.hpp"

namespace transformers {
// The tokenizer of a pipeline's model, with the model's hub options.
std::unique_ptr<PreTrainedTokenizer> load_tokenizer(const std::string& name, const FromPretrainedOptions& o);

std::vector<double> softmax(const float* x, int64_t n);
// id2label's name for class i, else "LABEL_i".
std::string label_of(const PretrainedConfig& c, int64_t i);
// The classification pipelines' postprocess: identity for problem_type regression, sigmoid for
// multi-label (and, with `single_logit_sigmoid`, for one logit as text-classification does), else
// softmax; labels best first, cut to top_k (nullopt: all).
std::vector<LabelScore> label_scores(const PretrainedConfig& c, const float* logits, int64_t n, std::optional<int64_t> top_k,
                                     bool single_logit_sigmoid);
// Whether `auto_class` maps config.model_type to a class (Python's `model_type in
// MODEL_FOR_..._MAPPING_NAMES`): how pipelines pick a model's kind without naming models.
bool auto_class_maps(const std::string& auto_class, const PretrainedConfig& config);
// Byte offset of code point `cp` in the UTF-8 string `s` (its size past the end).
size_t byte_of(const std::string& s, int64_t cp);
}  // namespace transformers
