#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::whisper {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
}  // namespace transformers::whisper
