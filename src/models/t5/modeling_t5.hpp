#pragma once
// T5 (transformers/models/t5/modeling_t5.py): v1.0 (ReLU) and v1.1 (gated-GELU) feed-forwards,
// bucketed relative position bias shared by a stack's layers, RMS layer norms, no attention scaling.
#include "models/seq2seq.hpp"

namespace transformers::t5 {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
}  // namespace transformers::t5
