#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::mbart {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
bart::BartParams params();
// MBartForCausalLM: the decoder alone with a tied lm_head.
std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c);
}  // namespace transformers::mbart
