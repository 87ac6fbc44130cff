#pragma once
#include "transformers/pipelines.hpp"

namespace transformers {
// The tokenizer of a pipeline's model, with the model's hub options.
std::unique_ptr<PreTrainedTokenizer> load_tokenizer(const std::string& name, const FromPretrainedOptions& o);
}  // namespace transformers
