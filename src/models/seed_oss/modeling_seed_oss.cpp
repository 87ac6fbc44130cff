// Seed-OSS: transformers/models/seed_oss/modeling_seed_oss.py — Llama with q/k/v biases by
// attention_bias and the o_proj's by attention_out_bias.
#include "models/seed_oss/modeling_seed_oss.hpp"

namespace transformers::seed_oss {

ConfigSpec config_spec() {
  return {"seed_oss", "SeedOssConfig", R"({
    "vocab_size": 155136, "hidden_size": 4096, "intermediate_size": 27648, "num_hidden_layers": 64,
    "num_attention_heads": 80, "num_key_value_heads": 8, "hidden_act": "silu", "max_position_embeddings": 524288,
    "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true, "pad_token_id": 1, "bos_token_id": 0,
    "eos_token_id": 2, "pretraining_tp": 1, "tie_word_embeddings": false, "rope_parameters": null, "attention_bias": true,
    "attention_out_bias": false, "attention_dropout": 0.1, "residual_dropout": 0.1, "mlp_bias": false, "head_dim": 128
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "SeedOss");
  p.qkv_bias = c.get_bool("attention_bias", true), p.o_bias = c.get_bool("attention_out_bias", false);
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "SeedOss");
  return f;
}

}  // namespace transformers::seed_oss
