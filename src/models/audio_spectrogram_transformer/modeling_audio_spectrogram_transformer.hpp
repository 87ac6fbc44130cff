#pragma once
// Audio Spectrogram Transformer (modeling_audio_spectrogram_transformer.py): a ViT over 16x16
// patches of the log-mel spectrogram with CLS and distillation tokens.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::audio_spectrogram_transformer {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_audio_classification(const PretrainedConfig& c);
}  // namespace transformers::audio_spectrogram_transformer
