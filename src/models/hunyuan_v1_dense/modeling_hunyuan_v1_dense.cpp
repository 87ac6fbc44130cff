// HunYuan dense: transformers/models/hunyuan_v1_dense/modeling_hunyuan_v1_dense.py — Llama with
// per-head q/k RMSNorms (query_layernorm / key_layernorm) applied after the rotation.
#include "models/hunyuan_v1_dense/modeling_hunyuan_v1_dense.hpp"

namespace transformers::hunyuan_v1_dense {

ConfigSpec config_spec() {
  return {"hunyuan_v1_dense", "HunYuanDenseV1Config", R"({
    "vocab_size": 290943, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "hidden_act": "silu", "max_position_embeddings": 2048,
    "initializer_range": 0.02, "rms_norm_eps": 1e-5, "use_cache": true, "pad_token_id": 0, "bos_token_id": 1,
    "eos_token_id": 2, "eod_token_id": 3, "pretraining_tp": 1, "tie_word_embeddings": false, "rope_parameters": null,
    "attention_bias": false, "attention_dropout": 0.0, "head_dim": null
  })"};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  llama::DecoderParams p = llama::DecoderParams::common(c, "HunYuanDenseV1");
  p.mlp_bias = false;
  p.qk_norm = llama::DecoderParams::QKNorm::PerHead;
  p.q_norm_name = "query_layernorm", p.k_norm_name = "key_layernorm";
  p.qk_norm_after_rope = true;
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "HunYuanDenseV1");
  return f;
}

}  // namespace transformers::hunyuan_v1_dense
