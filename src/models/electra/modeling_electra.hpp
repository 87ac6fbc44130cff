#pragma once
// Mirrors transformers/models/electra/modeling_electra.py: BERT's layers with a separate
// embedding_size (projected by embeddings_project) and no pooler.
#include "models/bert/modeling_bert.hpp"

namespace transformers::electra {

ConfigSpec config_spec();
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c);

}  // namespace transformers::electra
