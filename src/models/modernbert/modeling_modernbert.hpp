#pragma once
// Mirrors transformers/models/modernbert/modeling_modernbert.py: pre-norm layers with fused Wqkv,
// RoPE (global / local theta), alternating full and sliding-window attention, GeGLU MLP.
#include "models/heads.hpp"

namespace transformers::modernbert {

ConfigSpec config_spec();
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_token_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_question_answering(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c);

}  // namespace transformers::modernbert
