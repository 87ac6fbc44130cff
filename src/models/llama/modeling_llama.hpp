#pragma once
// Mirrors transformers/models/llama/modeling_llama.py. The Llama decoder is parameterized by
// DecoderParams so its derived families (Mistral, Qwen2/3, Gemma 1/2/3, OLMo 2, Granite, SmolLM3,
// Phi-3) are a config spec plus a params function each, not copies.
#include <vector>

#include "models/generative.hpp"
#include "nn/rope.hpp"

namespace transformers::llama {

struct DecoderParams {
  std::string name = "Llama";  // class prefix for messages
  int64_t vocab = 0, hidden = 0, inter = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
  float eps = 1e-6f;
  ops::Activation act = ops::Activation::Silu;
  enum class Norm { RMS, GemmaRMS /* x * (1 + w) */, Layer /* LayerNorm with bias */, LayerNoBias /* Cohere */,
                    LayerNoParams /* OLMo: no weight or bias */ } norm = Norm::RMS;
  // Pre: norm -> block -> residual (Llama). Sandwich: norm -> block -> norm -> residual (Gemma 2/3).
  // Post: block -> norm -> residual (OLMo 2).
  enum class Placement { Pre, Sandwich, Post } placement = Placement::Pre;
  // The layer norms' names: after attention (Pre: before the MLP), before and after the MLP.
  // GLM-4 calls them post_self_attn_layernorm / post_attention_layernorm / post_mlp_layernorm.
  std::string post_attn_norm_name = "post_attention_layernorm", pre_ffn_norm_name = "pre_feedforward_layernorm",
              post_ffn_norm_name = "post_feedforward_layernorm";
  bool qkv_bias = false, o_bias = false, mlp_bias = false;
  // PerHead: one [head_dim] weight shared by the heads; HeadWeights: [heads, head_dim] (Cohere); Full: over all heads.
  enum class QKNorm { None, PerHead, HeadWeights, Full } qk_norm = QKNorm::None;
  std::string q_norm_name = "q_norm", k_norm_name = "k_norm";
  bool qk_norm_after_rope = false;  // HunYuan: the per-head norms follow the rotation
  float clip_qkv = 0;  // > 0: q, k and v clamped to [-clip_qkv, clip_qkv] after their projections (OLMo)
  // Phi / StableLM: x + attn(norm(x)) + mlp(norm(x)) with one norm per layer.
  bool parallel_residual = false;
  bool gated_mlp = true;  // false: fc1 -> act -> fc2 (Phi; Starcoder2 names them c_fc / c_proj)
  std::string fc1_name = "fc1", fc2_name = "fc2";
  std::string o_name = "o_proj", final_norm_name = "norm";
  bool lm_head_bias = false;
  int64_t cache_recompute_length = 0;  // see GenerativeModel::cache_recompute_length
  bool fused_qkv = false, fused_gate_up = false;  // Phi-3's qkv_proj / gate_up_proj
  // GPT-NeoX: the fused projection is laid out per head ([q | k | v] for each head in turn).
  bool qkv_per_head = false;
  std::string qkv_name = "qkv_proj";
  // GPT-NeoX's parallel residual: x + attn(norm1(x)) + mlp(norm2(x)), each branch its own norm
  // (false: one norm feeds both, as Phi).
  bool parallel_two_norms = false;
  // Module names where a family differs from Llama's (GPT-NeoX: embed_in / attention /
  // final_layer_norm under "gpt_neox", embed_out as the head).
  std::string embed_name = "embed_tokens", attn_name = "self_attn", lm_head_name = "lm_head";
  float scaling = 0;  // 0: head_dim^-0.5
  float attn_softcap = 0, final_softcap = 0;
  float embed_scale = 1, residual_multiplier = 1, logits_scaling = 1;
  std::vector<int64_t> window;            // per layer, 0 = full attention
  std::vector<nn::RotaryEmbedding> rope;  // per layer
  std::vector<bool> use_rope;             // per layer (SmolLM3 NoPE layers)
  bool rope_interleave = false;          // ERNIE 4.5, GLM-4: rope on (x2i, x2i+1) pairs of the rotary channels
  int64_t max_positions = 0;
  bool tie_word_embeddings = false;
  // Sparse mixture of experts (Mixtral, Qwen3-MoE): a router `gate` and per-expert MLPs under
  // `block` on the layers marked in `sparse`.
  struct Moe {
    int64_t experts = 0, top_k = 0, inter = 0;
    bool norm_topk = true;
    std::string block = "mlp", gate = "gate_proj", up = "up_proj", down = "down_proj";
    std::vector<bool> sparse;  // per layer
    // Qwen2-MoE: a shared_expert MLP of this width on every token, scaled by sigmoid(shared_expert_gate(x)).
    int64_t shared_inter = 0;
    // gpt-oss: a biased `router` (top-k on logits, softmax over the k), experts as stacked
    // tensors (experts.gate_up_proj [E, H, 2I] interleaved gate/up, down_proj [E, I, H], biases)
    // and the clamped SwiGLU (up + 1) * gate * sigmoid(alpha * gate).
    bool gpt_oss = false;
    float swiglu_alpha = 1.702f, swiglu_limit = 7.0f;
  } moe;
  bool attention_sinks = false;  // gpt-oss: self_attn.sinks, one logit per head in the softmax

  // The fields every Llama-like config spells the same way: sizes, eps, activation, rope per
  // layer type, layer_types / sliding_window, tie_word_embeddings. `window` < 0 reads
  // sliding_window; `fallback` names each layer's type when the config has no layer_types
  // (default: every layer slides when there is a window, as Mistral).
  static DecoderParams common(const PretrainedConfig& c, const char* name, int64_t window = -1,
                              const std::function<std::string(int64_t)>& fallback = {});
};

ConfigSpec config_spec();
DecoderParams params(const PretrainedConfig& c);
// Llama's own backbone family.
const EncoderFamily& family();
// The backbone family (base_model_prefix `prefix`) for a params function.
EncoderFamily family_for(DecoderParams (*params)(const PretrainedConfig&), const char* class_prefix, const char* prefix = "model");

// layer_types from the config, or `fallback(i)` for each layer when the config has none.
std::vector<std::string> layer_types(const PretrainedConfig& c, int64_t layers, const std::function<std::string(int64_t)>& fallback);

}  // namespace transformers::llama
