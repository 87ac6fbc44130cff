#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::marian {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
}  // namespace transformers::marian
