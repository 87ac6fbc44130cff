#pragma once
// TrOCR's decoder (modeling_trocr.py): BART's post-norm decoder layers, learned (offset 2) or
// fairseq sinusoidal positions, optional embedding LayerNorm, and cross-attention that may read a
// narrower encoder (cross_attention_hidden_size). It runs inside VisionEncoderDecoderModel.
#include "models/bart/modeling_bart.hpp"

namespace transformers::trocr {

ConfigSpec config_spec();
// TrOCRDecoder for a "trocr" config.
std::unique_ptr<CrossAttentionDecoder> make_decoder(const PretrainedConfig& c);

}  // namespace transformers::trocr
