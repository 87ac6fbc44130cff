// OLMo 2: transformers/models/olmo2/modeling_olmo2.py — norms after each block (no input norm)
// and RMSNorm over the whole query / key projections before the head split.
#include "models/olmo2/modeling_olmo2.hpp"

namespace transformers::olmo2 {

ConfigSpec config_spec() {
  return {"olmo2", "Olmo2Config", R"({
    "vocab_size": 50304, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "use_cache": true, "pad_token_id": 1, "bos_token_id": null, "eos_token_id": 50279,
    "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": false, "attention_dropout": 0.0,
    "rms_norm_eps": 1e-5
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "Olmo2");
  p.placement = llama::DecoderParams::Placement::Post;
  p.qk_norm = llama::DecoderParams::QKNorm::Full;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Olmo2");
  return f;
}

}  // namespace transformers::olmo2
