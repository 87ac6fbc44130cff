#pragma once
// Mirrors transformers/models/albert/modeling_albert.py: BERT's embeddings at embedding_size,
// projected once, then layer groups whose weights are shared across the layers mapped to them.
#include "models/bert/modeling_bert.hpp"

namespace transformers::albert {

ConfigSpec config_spec();
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c);

}  // namespace transformers::albert
