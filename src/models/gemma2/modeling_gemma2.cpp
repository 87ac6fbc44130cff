// Gemma 2: transformers/models/gemma2/modeling_gemma2.py — alternating sliding / global layers
// (layer 0 slides), attention and final logit soft-capping, four norms per layer.
#include "models/gemma2/modeling_gemma2.hpp"

#include <cmath>

#include "models/gemma/modeling_gemma.hpp"

namespace transformers::gemma2 {

ConfigSpec config_spec() {
  return {"gemma2", "Gemma2Config", R"({
    "vocab_size": 256000, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
    "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
    "max_position_embeddings": 8192, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2, "tie_word_embeddings": true, "rope_parameters": null,
    "attention_bias": false, "attention_dropout": 0.0, "query_pre_attn_scalar": 256, "sliding_window": 4096,
    "layer_types": null, "final_logit_softcapping": 30.0, "attn_logit_softcapping": 50.0,
    "use_bidirectional_attention": null
  })"};
}

llama::DecoderParams gemma2_style(const PretrainedConfig& c, const char* name, const std::function<std::string(int64_t)>& fallback) {
  llama::DecoderParams p = gemma::gemma_style(llama::DecoderParams::common(c, name, -1, fallback));
  p.placement = llama::DecoderParams::Placement::Sandwich;
  p.scaling = static_cast<float>(std::pow(c.get_float("query_pre_attn_scalar", static_cast<double>(p.head_dim)), -0.5));
  p.attn_softcap = static_cast<float>(c.get_float("attn_logit_softcapping", 0.0));
  p.final_softcap = static_cast<float>(c.get_float("final_logit_softcapping", 0.0));
  return p;
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  return gemma2_style(c, "Gemma2", [](int64_t i) -> std::string { return (i + 1) % 2 ? "sliding_attention" : "full_attention"; });
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Gemma2");
  return f;
}

}  // namespace transformers::gemma2
