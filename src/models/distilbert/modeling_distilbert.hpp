#pragma once
// Mirrors transformers/models/distilbert/modeling_distilbert.py: its own layer names
// (transformer.layer.N.attention.q_lin ...) over the shared attention and norm ops.
#include "models/heads.hpp"

namespace transformers::distilbert {

ConfigSpec config_spec();
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c);

}  // namespace transformers::distilbert
