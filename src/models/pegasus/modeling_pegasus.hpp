#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::pegasus {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
}  // namespace transformers::pegasus
