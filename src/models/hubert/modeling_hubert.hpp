#pragma once
#include "models/wav2vec2/modeling_wav2vec2.hpp"

namespace transformers::hubert {
ConfigSpec config_spec();
const wav2vec2::SpeechFamily& family();
}  // namespace transformers::hubert
