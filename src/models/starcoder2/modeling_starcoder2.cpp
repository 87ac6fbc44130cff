// Starcoder2: transformers/models/starcoder2/modeling_starcoder2.py — the Llama decoder with
// LayerNorms, biases on every projection (use_bias), a plain c_fc -> act -> c_proj MLP and an
// optional sliding window on every layer.
#include "models/starcoder2/modeling_starcoder2.hpp"

namespace transformers::starcoder2 {

ConfigSpec config_spec() {
  return {"starcoder2", "Starcoder2Config", R"({
    "vocab_size": 49152, "hidden_size": 3072, "intermediate_size": 12288, "num_hidden_layers": 30,
    "num_attention_heads": 24, "num_key_value_heads": 2, "hidden_act": "gelu_pytorch_tanh", "max_position_embeddings": 4096,
    "initializer_range": 0.018042, "norm_epsilon": 1e-5, "use_cache": true, "bos_token_id": 50256, "eos_token_id": 50256,
    "pad_token_id": null, "rope_parameters": null, "sliding_window": null, "attention_dropout": 0.0, "residual_dropout": 0.0,
    "embedding_dropout": 0.0, "use_bias": true, "tie_word_embeddings": true
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  using P = llama::DecoderParams;
  P p = P::common(c, "Starcoder2");
  p.eps = static_cast<float>(c.get_float("norm_epsilon", 1e-5));
  p.norm = P::Norm::Layer;
  p.qkv_bias = p.o_bias = p.mlp_bias = c.get_bool("use_bias", true);
  p.gated_mlp = false;
  p.fc1_name = "c_fc", p.fc2_name = "c_proj";
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "Starcoder2");
  return f;
}

}  // namespace transformers::starcoder2
