#pragma once
#include "models/bart/modeling_bart.hpp"

namespace transformers::m2m_100 {
ConfigSpec config_spec();
const Seq2SeqFamily& family();
}  // namespace transformers::m2m_100
