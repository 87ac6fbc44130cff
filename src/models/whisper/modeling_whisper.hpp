#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::whisper {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
bart::BartParams params();
// WhisperForCausalLM: the decoder alone (no cross-attention) with proj_out tied to its embed_tokens.
std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c);
}  // namespace transformers::whisper
