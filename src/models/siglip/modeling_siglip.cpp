// SigLIP: transformers/models/siglip/modeling_siglip.py, as a flavor of CLIP's towers.
#include "models/siglip/modeling_siglip.hpp"

#include "models/clip/modeling_clip.hpp"

namespace transformers::siglip {

ConfigSpec text_config_spec() {
  return {"siglip_text_model", "SiglipTextConfig", R"({
    "vocab_size": 32000, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
    "max_position_embeddings": 64, "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6, "attention_dropout": 0.0,
    "pad_token_id": 1, "bos_token_id": 49406, "eos_token_id": 49407, "projection_size": null
  })"};
}

ConfigSpec vision_config_spec() {
  return {"siglip_vision_model", "SiglipVisionConfig", R"({
    "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12, "num_channels": 3,
    "image_size": 224, "patch_size": 16, "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6, "attention_dropout": 0.0,
    "vision_use_head": true
  })"};
}

ConfigSpec config_spec() {
  ConfigSpec s{"siglip", "SiglipConfig", R"({"initializer_factor": 1.0})"};
  s.sub_configs = {{"text_config", "siglip_text_model"}, {"vision_config", "siglip_vision_model"}};
  return s;
}

namespace {
const clip::Family& family() {
  static const clip::Family f{"Siglip", "siglip", {false, true}, {false, true}, text_config_spec, vision_config_spec, false};
  return f;
}
}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return clip::make_model(c, family()); }
std::unique_ptr<PreTrainedModel> make_vision_model(const PretrainedConfig& c) { return clip::make_vision_model(c, family()); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) { return clip::make_for_image_classification(c, family()); }

}  // namespace transformers::siglip
