#pragma once
// Mirrors transformers/models/mpnet/modeling_mpnet.py: BERT-like layers with a T5-style relative
// position bias shared by every layer, RoBERTa-style position ids and heads.
#include "models/heads.hpp"

namespace transformers::mpnet {

ConfigSpec config_spec();
const EncoderFamily& family();

}  // namespace transformers::mpnet
