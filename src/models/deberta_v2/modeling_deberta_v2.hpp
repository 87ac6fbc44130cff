#pragma once
// DeBERTa-v2 / v3 (modeling_deberta_v2.py): disentangled attention — content-to-content plus
// content-to-position (c2p) and position-to-content (p2c) scores over log-bucketed relative
// positions — with the optional first-layer convolution and its own heads.
#include "models/heads.hpp"

namespace transformers::deberta_v2 {

ConfigSpec config_spec();
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c);

}  // namespace transformers::deberta_v2
