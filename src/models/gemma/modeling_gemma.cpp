// Gemma: transformers/models/gemma/modeling_gemma.py.
#include "models/gemma/modeling_gemma.hpp"

#include <cmath>

namespace transformers::gemma {

ConfigSpec config_spec() {
  return {"gemma", "GemmaConfig", R"({
    "vocab_size": 256000, "hidden_size": 3072, "intermediate_size": 24576, "num_hidden_layers": 28,
    "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
    "hidden_activation": null, "max_position_embeddings": 8192, "initializer_range": 0.02, "rms_norm_eps": 1e-6,
    "use_cache": true, "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2, "tie_word_embeddings": true,
    "rope_parameters": null, "attention_bias": false, "attention_dropout": 0.0, "use_bidirectional_attention": null
  })"};
}

llama::DecoderParams gemma_style(llama::DecoderParams p) {
  // HF multiplies by torch.tensor(hidden_size ** 0.5) in the activation dtype: a float32 here.
  p.embed_scale = static_cast<float>(std::sqrt(static_cast<double>(p.hidden)));
  p.norm = llama::DecoderParams::Norm::GemmaRMS;
  return p;
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) { return gemma_style(llama::DecoderParams::common(c, "Gemma")); }
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Gemma");
  return f;
}

}  // namespace transformers::gemma
