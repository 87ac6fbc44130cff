// gpt-oss: transformers/models/gpt_oss/modeling_gpt_oss.py — attention sinks, alternating sliding
// and full layers, YaRN rope, a biased top-k router and clamped-SwiGLU experts (bf16 / fp32
// checkpoints, and the MXFP4-packed release weights, dequantized to bf16 at load).
#include "models/gpt_oss/modeling_gpt_oss.hpp"

#include "transformers/errors.hpp"

namespace transformers::gpt_oss {

ConfigSpec config_spec() {
  return {"gpt_oss", "GptOssConfig", R"({
    "num_hidden_layers": 36, "num_local_experts": 128, "vocab_size": 201088, "hidden_size": 2880,
    "intermediate_size": 2880, "head_dim": 64, "num_attention_heads": 64, "num_key_value_heads": 8,
    "sliding_window": 128, "rope_parameters": null, "tie_word_embeddings": false, "hidden_act": "silu",
    "initializer_range": 0.02, "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "experts_per_token": 4,
    "num_experts_per_tok": 4, "router_aux_loss_coef": 0.9, "output_router_logits": false, "use_cache": true,
    "layer_types": null, "attention_dropout": 0.0, "attention_bias": true, "swiglu_limit": 7.0,
    "swiglu_alpha": 1.702, "pad_token_id": null, "bos_token_id": null, "eos_token_id": null
  })",
          {{"num_experts", "num_local_experts"}}};
}

namespace {
llama::DecoderParams params(const PretrainedConfig& c) {
  if (auto q = c.sub_config("quantization_config"); q && q->get_string("quant_method", "") != "mxfp4")
    throw QuantizationError("gpt_oss: quantization '" + q->get_string("quant_method", "") + "' is not supported (MXFP4 is, dequantized at load)");
  llama::DecoderParams p = llama::DecoderParams::common(c, "GptOss", -1, [](int64_t i) -> std::string {
    return i % 2 == 0 ? "sliding_attention" : "full_attention";
  });
  p.attention_sinks = true;
  p.qkv_bias = p.o_bias = c.get_bool("attention_bias", true);
  p.moe.gpt_oss = true;
  p.moe.experts = c.get_int("num_local_experts"), p.moe.top_k = c.get_int("num_experts_per_tok"), p.moe.inter = p.inter;
  p.moe.swiglu_alpha = static_cast<float>(c.get_float("swiglu_alpha", 1.702));
  p.moe.swiglu_limit = static_cast<float>(c.get_float("swiglu_limit", 7.0));
  if (p.moe.experts <= 0 || p.moe.top_k <= 0 || p.moe.top_k > p.moe.experts)
    throw ConfigError("GptOss: num_experts_per_tok must be in 1..num_local_experts");
  return p;
}
}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f = llama::family_for(params, "GptOss");
  return f;
}

}  // namespace transformers::gpt_oss
