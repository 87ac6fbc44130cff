#pragma once
// Mirrors transformers/models/gpt2/modeling_gpt2.py: learned positions, pre-LayerNorm blocks, and
// Conv1D projections whose weights are stored [in, out] (used as stored: y = x W + b).
#include "models/seq2seq.hpp"

namespace transformers::gpt2 {
ConfigSpec config_spec();
const EncoderFamily& family();
// The transformer of GPT2LMHeadModel with add_cross_attention, as a VisionEncoderDecoder decoder.
std::unique_ptr<CrossAttentionDecoder> make_cross_decoder(const PretrainedConfig& c);
}  // namespace transformers::gpt2
