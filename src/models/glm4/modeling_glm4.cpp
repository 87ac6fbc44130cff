// GLM-4: transformers/models/glm4/modeling_glm4.py — GLM's decoder with a norm on both sides of
// attention and of the MLP.
#include "models/glm4/modeling_glm4.hpp"

#include "models/glm/modeling_glm.hpp"

namespace transformers::glm4 {

ConfigSpec config_spec() {
  ConfigSpec s = glm::config_spec();
  s.model_type = "glm4", s.class_name = "Glm4Config";
  return s;
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = glm::glm_params(c, "Glm4");
  p.placement = llama::DecoderParams::Placement::Sandwich;
  p.post_attn_norm_name = "post_self_attn_layernorm", p.pre_ffn_norm_name = "post_attention_layernorm";
  p.post_ffn_norm_name = "post_mlp_layernorm";
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Glm4");
  return f;
}

}  // namespace transformers::glm4
