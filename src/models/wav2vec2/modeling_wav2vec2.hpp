#pragma once
// Wav2Vec2 (modeling_wav2vec2.py) and the families built on its encoder (HuBERT): a convolutional
// feature encoder over the raw waveform, a projection, a convolutional position embedding, then a
// post-norm or pre-norm ("stable layer norm") transformer; task heads for CTC, utterance and frame
// classification and speaker x-vectors.
#include <memory>

#include "models/modeling_utils.hpp"

namespace transformers::wav2vec2 {

struct SpeechFamily {
  std::string prefix;        // base_model_prefix: "wav2vec2", "hubert"
  std::string class_prefix;  // "Wav2Vec2", "Hubert"
  bool extract_features = true;       // the base model also returns the normalized conv features
  bool optional_projection_norm = false;  // HuBERT: feature_projection.layer_norm only with feat_proj_layer_norm
};

ConfigSpec config_spec();
const SpeechFamily& family();

std::unique_ptr<PreTrainedModel> make_base(const PretrainedConfig& c, const SpeechFamily& f);
std::unique_ptr<PreTrainedModel> make_ctc(const PretrainedConfig& c, const SpeechFamily& f);
std::unique_ptr<PreTrainedModel> make_sequence_classification(const PretrainedConfig& c, const SpeechFamily& f);
std::unique_ptr<PreTrainedModel> make_frame_classification(const PretrainedConfig& c, const SpeechFamily& f);
std::unique_ptr<PreTrainedModel> make_xvector(const PretrainedConfig& c, const SpeechFamily& f);
// Wav2Vec2ForPreTraining's eval-mode outputs without mask_time_indices (projected states, the
// argmax-quantized targets projected, codevector perplexity).
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c, const SpeechFamily& f);

}  // namespace transformers::wav2vec2
