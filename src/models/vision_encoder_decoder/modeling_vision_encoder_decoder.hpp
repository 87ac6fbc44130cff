#pragma once
// VisionEncoderDecoderModel (modeling_vision_encoder_decoder.py): any vision base model as the
// encoder (ViT, DeiT, Swin, BEiT ...), an optional enc_to_dec_proj, and a decoder with
// cross-attention (TrOCR) whose output_projection is the LM head — TrOCR and its kin.
#include "models/seq2seq.hpp"

namespace transformers::vision_encoder_decoder {

ConfigSpec config_spec();
const Seq2SeqFamily& family();

}  // namespace transformers::vision_encoder_decoder
