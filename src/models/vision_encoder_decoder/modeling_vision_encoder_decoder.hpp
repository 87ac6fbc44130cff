#pragma once
// VisionEncoderDecoderModel (modeling_vision_encoder_decoder.py): any vision base model as the
// encoder (ViT, DeiT, Swin, BEiT ...), an optional enc_to_dec_proj, and a decoder with
// cross-attention (TrOCR, or GPT-2 with add_cross_attention) whose LM head the model generates with:
// TrOCR, ViT-GPT2 captioners and their kin.
#include "models/seq2seq.hpp"

namespace transformers::vision_encoder_decoder {

ConfigSpec config_spec();
const Seq2SeqFamily& family();

}  // namespace transformers::vision_encoder_decoder
