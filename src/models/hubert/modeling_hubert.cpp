// HuBERT (modeling_hubert.py): Wav2Vec2's model without its quantizer and adapter; the feature
// projection's layer norm is optional (feat_proj_layer_norm) and the base model returns no
// extract_features.
#include "models/hubert/modeling_hubert.hpp"

namespace transformers::hubert {

ConfigSpec config_spec() {
  ConfigSpec s = wav2vec2::config_spec();
  s.model_type = "hubert", s.class_name = "HubertConfig";
  // HubertConfig: Wav2Vec2's fields less the quantizer / x-vector / adapter ones, plus these two.
  s.defaults_json = s.defaults_json.substr(0, s.defaults_json.rfind('}')) + R"(, "feat_proj_layer_norm": true, "conv_pos_batch_norm": false })";
  return s;
}

const wav2vec2::SpeechFamily& family() {
  static const wav2vec2::SpeechFamily f{"hubert", "Hubert", false, true};
  return f;
}

}  // namespace transformers::hubert
