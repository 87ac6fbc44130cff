// Llama: transformers/models/llama/modeling_llama.py (v5), with the switches its derived
// families need (see DecoderParams).
#include "core/output_recorder.hpp"
#include "models/llama/modeling_llama.hpp"

#include <algorithm>
#include <cmath>

#include "models/generative.hpp"
#include "nn/moe.hpp"
#include "transformers/errors.hpp"

namespace transformers::llama {

ConfigSpec config_spec() {
  return {"llama", "LlamaConfig", R"({
    "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": null, "head_dim": null, "hidden_act": "silu",
    "max_position_embeddings": 2048, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "pad_token_id": null, "bos_token_id": 1, "eos_token_id": 2, "pretraining_tp": 1, "tie_word_embeddings": false,
    "rope_parameters": null, "attention_bias": false, "attention_dropout": 0.0, "mlp_bias": false
  })"};
}

std::vector<std::string> layer_types(const PretrainedConfig& c, int64_t layers, const std::function<std::string(int64_t)>& fallback) {
  std::vector<std::string> t;
  if (c.has("layer_types")) {
    t = c.get_string_list("layer_types");
    if (static_cast<int64_t>(t.size()) != layers)
      throw ConfigError("layer_types has " + std::to_string(t.size()) + " entries for " + std::to_string(layers) + " layers");
  } else {
    for (int64_t i = 0; i < layers; ++i) t.push_back(fallback(i));
  }
  for (const auto& s : t)
    if (s != "full_attention" && s != "sliding_attention") throw ConfigError("unsupported layer type '" + s + "'");
  return t;
}

DecoderParams DecoderParams::common(const PretrainedConfig& c, const char* name, int64_t window,
                                    const std::function<std::string(int64_t)>& fallback) {
  DecoderParams p;
  p.name = name;
  p.vocab = c.get_int("vocab_size"), p.hidden = c.get_int("hidden_size"), p.inter = c.get_int("intermediate_size");
  p.layers = c.get_int("num_hidden_layers"), p.heads = c.get_int("num_attention_heads");
  p.kv_heads = c.get_int("num_key_value_heads", p.heads);
  if (p.heads <= 0 || p.kv_heads <= 0 || p.heads % p.kv_heads)
    throw ConfigError(std::string(name) + ": num_attention_heads must be a positive multiple of num_key_value_heads");
  p.head_dim = c.get_int("head_dim", p.hidden / p.heads);
  if (p.head_dim <= 0) throw ConfigError(std::string(name) + ": head_dim must be positive");
  p.eps = static_cast<float>(c.get_float("rms_norm_eps", 1e-6));
  p.act = ops::activation_from_name(c.get_string("hidden_act", c.get_string("hidden_activation", "silu")));
  p.qkv_bias = p.o_bias = c.get_bool("attention_bias", false);
  p.mlp_bias = c.get_bool("mlp_bias", false);
  p.tie_word_embeddings = c.get_bool("tie_word_embeddings", false);
  p.max_positions = c.get_int("max_position_embeddings", 0);
  // Mistral-style configs without layer_types slide every layer when sliding_window is set.
  if (window < 0) window = c.get_int("sliding_window", 0);
  const auto types = layer_types(c, p.layers, fallback ? fallback : [&](int64_t) -> std::string {
    return window > 0 ? "sliding_attention" : "full_attention";
  });
  for (const auto& t : types) {
    const bool sliding = t == "sliding_attention";
    if (sliding && window <= 0) throw ConfigError(std::string(name) + ": a sliding_attention layer needs sliding_window");
    p.window.push_back(sliding ? window : 0);
    p.rope.push_back(nn::RotaryEmbedding::from_config(c, p.head_dim, t));
    p.use_rope.push_back(true);
  }
  return p;
}

DecoderParams params(const PretrainedConfig& c) { return DecoderParams::common(c, "Llama"); }

namespace {

using nn::Container;
using nn::Linear;

class Norm : public nn::Module {
 public:
  Norm(const Shape& shape, const DecoderParams& p)
      : weight(p.norm == DecoderParams::Norm::LayerNoParams ? fixed_ : param("weight", shape, nn::ParamKind::Float32)),
        bias(p.norm == DecoderParams::Norm::Layer ? &param("bias", shape, nn::ParamKind::Float32) : nullptr),
        eps_(p.norm == DecoderParams::Norm::LayerNoParams ? 1e-5f : p.eps),
        kind_(p.norm) {
    if (kind_ == DecoderParams::Norm::LayerNoBias || kind_ == DecoderParams::Norm::LayerNoParams) {
      const int64_t d = shape.back();
      zeros_ = Tensor::zeros({d});
      if (shape.size() > 1 || kind_ == DecoderParams::Norm::LayerNoParams) ones_ = Tensor::full({d}, 1.0);
    }
  }
  Norm(int64_t dim, const DecoderParams& p) : Norm(Shape{dim}, p) {}
  Tensor operator()(const Tensor& x) const {
    if (kind_ == DecoderParams::Norm::GemmaRMS) return ops::rms_norm(x, ops::add(weight, Tensor::full({1}, 1.0)), eps_);
    if (kind_ == DecoderParams::Norm::Layer) return ops::layer_norm(x, weight, *bias, eps_);
    if (kind_ == DecoderParams::Norm::LayerNoParams) return ops::layer_norm(x, ones_, zeros_, eps_);
    if (kind_ == DecoderParams::Norm::LayerNoBias)  // a [heads, head_dim] weight scales each head after the norm
      return ones_.defined() ? ops::mul(ops::layer_norm(x, ones_, zeros_, eps_), weight) : ops::layer_norm(x, weight, zeros_, eps_);
    return ops::rms_norm(x, weight, eps_);
  }
  Tensor& weight;
  Tensor* bias;

 private:
  float eps_;
  DecoderParams::Norm kind_;
  Tensor zeros_, ones_;
  Tensor fixed_;  // the `weight` a parameter-free norm refers to (never read)
};

class Attention : public nn::Module {
 public:
  Attention(const DecoderParams& p, int64_t layer) : p_(p), layer_(layer) {
    const int64_t q = p.heads * p.head_dim, kv = p.kv_heads * p.head_dim;
    if (p.fused_qkv) {
      qkv_ = &child(p.qkv_name, std::make_unique<Linear>(p.hidden, q + 2 * kv, p.qkv_bias));
    } else {
      q_ = &child("q_proj", std::make_unique<Linear>(p.hidden, q, p.qkv_bias));
      k_ = &child("k_proj", std::make_unique<Linear>(p.hidden, kv, p.qkv_bias));
      v_ = &child("v_proj", std::make_unique<Linear>(p.hidden, kv, p.qkv_bias));
    }
    o_ = &child(p.o_name, std::make_unique<Linear>(q, p.hidden, p.o_bias));
    if (p.attention_sinks) sinks_ = &param("sinks", {p.heads}, nn::ParamKind::Float32);
    using QK = DecoderParams::QKNorm;
    if (p.qk_norm != QK::None) {
      const Shape qs = p.qk_norm == QK::Full ? Shape{q} : p.qk_norm == QK::HeadWeights ? Shape{p.heads, p.head_dim} : Shape{p.head_dim};
      const Shape ks = p.qk_norm == QK::Full ? Shape{kv} : p.qk_norm == QK::HeadWeights ? Shape{p.kv_heads, p.head_dim} : Shape{p.head_dim};
      q_norm_ = &child(p.q_norm_name, std::make_unique<Norm>(qs, p));
      k_norm_ = &child(p.k_norm_name, std::make_unique<Norm>(ks, p));
    }
  }

  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& key_padding, nn::KVCache* cache) const {
    const int64_t B = x.size(0), S = x.size(1), qd = p_.heads * p_.head_dim, kvd = p_.kv_heads * p_.head_dim;
    Tensor q, k, v;
    if (qkv_ && p_.qkv_per_head) {  // [B, S, heads, 3 * head_dim]: each head's q, k, v side by side
      const int64_t D = p_.head_dim;
      Tensor qkv = (*qkv_)(x).view({B, S, p_.heads, 3 * D});
      q = qkv.slice(-1, 0, D).contiguous().view({B, S, qd}), k = qkv.slice(-1, D, 2 * D).contiguous().view({B, S, kvd});
      v = qkv.slice(-1, 2 * D, 3 * D).contiguous().view({B, S, kvd});
    } else if (qkv_) {
      Tensor qkv = (*qkv_)(x);
      q = qkv.slice(-1, 0, qd).contiguous(), k = qkv.slice(-1, qd, qd + kvd).contiguous(), v = qkv.slice(-1, qd + kvd, qd + 2 * kvd).contiguous();
    } else {
      q = (*q_)(x), k = (*k_)(x), v = (*v_)(x);
    }
    if (p_.clip_qkv > 0)
      for (Tensor* t : {&q, &k, &v}) *t = ops::clamp(*t, -p_.clip_qkv, p_.clip_qkv);
    if (p_.qk_norm == DecoderParams::QKNorm::Full) q = (*q_norm_)(q), k = (*k_norm_)(k);
    q = q.view({B, S, p_.heads, p_.head_dim}), k = k.view({B, S, p_.kv_heads, p_.head_dim}), v = v.view({B, S, p_.kv_heads, p_.head_dim});
    const bool head_norms = p_.qk_norm == DecoderParams::QKNorm::PerHead || p_.qk_norm == DecoderParams::QKNorm::HeadWeights;
    if (head_norms && !p_.qk_norm_after_rope) q = (*q_norm_)(q), k = (*k_norm_)(k);
    if (p_.use_rope[layer_]) {
      if (p_.rope_interleave) {  // q . k unchanged; v keeps its order
        const int64_t n = p_.rope[layer_].rotary_dim();
        q = nn::deinterleave(q, n), k = nn::deinterleave(k, n);
      }
      p_.rope[layer_].apply(q, pos);
      p_.rope[layer_].apply(k, pos);
    }
    if (head_norms && p_.qk_norm_after_rope) q = (*q_norm_)(q), k = (*k_norm_)(k);
    ops::AttentionOptions o;
    o.scaling = p_.scaling > 0 ? p_.scaling : 1.0f / std::sqrt(static_cast<float>(p_.head_dim));
    o.softcap = p_.attn_softcap;
    o.sliding_window = p_.window[layer_];
    o.key_padding = key_padding;
    if (sinks_) o.sinks = *sinks_;
    return (*o_)(nn::cached_attention(q, k, v, cache, static_cast<int64_t>(layer_), o));
  }

 private:
  const DecoderParams& p_;
  size_t layer_;
  Linear *q_ = nullptr, *k_ = nullptr, *v_ = nullptr, *qkv_ = nullptr, *o_ = nullptr;
  Norm *q_norm_ = nullptr, *k_norm_ = nullptr;
  Tensor* sinks_ = nullptr;
};

class MLP : public nn::Module {
 public:
  explicit MLP(const DecoderParams& p) : MLP(p, p.inter, "gate_proj", "up_proj", "down_proj") {}
  MLP(const DecoderParams& p, int64_t inter, const std::string& gate, const std::string& up, const std::string& down) : act_(p.act) {
    if (!p.gated_mlp) {
      up_ = &child(p.fc1_name, std::make_unique<Linear>(p.hidden, inter, p.mlp_bias));
      down_ = &child(p.fc2_name, std::make_unique<Linear>(inter, p.hidden, p.mlp_bias));
      return;
    }
    if (p.fused_gate_up) {
      gate_up_ = &child("gate_up_proj", std::make_unique<Linear>(p.hidden, 2 * inter, p.mlp_bias));
    } else {
      gate_ = &child(gate, std::make_unique<Linear>(p.hidden, inter, p.mlp_bias));
      up_ = &child(up, std::make_unique<Linear>(p.hidden, inter, p.mlp_bias));
    }
    down_ = &child(down, std::make_unique<Linear>(inter, p.hidden, p.mlp_bias));
  }
  Tensor operator()(const Tensor& x) const {
    Tensor g, u;
    if (!gate_ && !gate_up_) return (*down_)(ops::activation((*up_)(x), act_));
    if (gate_up_) {
      Tensor gu = (*gate_up_)(x);
      const int64_t I = gu.size(-1) / 2;
      g = gu.slice(-1, 0, I).contiguous(), u = gu.slice(-1, I, 2 * I).contiguous();
    } else {
      g = (*gate_)(x), u = (*up_)(x);
    }
    return (*down_)(ops::mul(ops::activation(g, act_), u));
  }

 private:
  ops::Activation act_;
  Linear *gate_ = nullptr, *up_ = nullptr, *gate_up_ = nullptr, *down_;
};

// Top-k routed experts: softmax over the router logits in fp32, the k best (renormalized when
// norm_topk), each expert's MLP on its tokens, summed in expert order as HF's index_add_.
class SparseMoe : public nn::Module {
 public:
  explicit SparseMoe(const DecoderParams& p) : m_(p.moe) {
    gate_ = &child("gate", std::make_unique<Linear>(p.hidden, m_.experts, false));
    auto& ex = child("experts", std::make_unique<Container>());
    for (int64_t e = 0; e < m_.experts; ++e)
      experts_.push_back(&ex.add(std::to_string(e), std::make_unique<MLP>(p, m_.inter, m_.gate, m_.up, m_.down)));
    if (m_.shared_inter > 0) {
      shared_ = &child("shared_expert", std::make_unique<MLP>(p, m_.shared_inter, m_.gate, m_.up, m_.down));
      shared_gate_ = &child("shared_expert_gate", std::make_unique<Linear>(p.hidden, 1, false));
    }
  }
  Tensor operator()(const Tensor& x) const {
    const int64_t H = x.size(-1), T = x.numel() / H, E = m_.experts, K = m_.top_k;
    Tensor flat = x.contiguous().view({T, H});
    const ops::TopK top = ops::topk(ops::softmax((*gate_)(flat), -1), K);
    const Tensor w = m_.norm_topk ? ops::div(top.values, ops::sum(top.values, -1, true)) : top.values;
    Tensor out = nn::scatter_experts(flat, w, top.indices, E, x.shape(), [&](int64_t e, const Tensor& in) { return (*experts_[static_cast<size_t>(e)])(in); });
    if (!shared_) return out;
    const Tensor shared = ops::mul(ops::activation((*shared_gate_)(flat), ops::Activation::Sigmoid), (*shared_)(flat));
    return ops::add(out, shared.view(x.shape()));
  }

 private:
  DecoderParams::Moe m_;
  Linear* gate_;
  std::vector<MLP*> experts_;
  MLP* shared_ = nullptr;
  Linear* shared_gate_ = nullptr;
};

// gpt-oss experts: stacked per-expert tensors used as stored ([in, out] per expert).
class GptOssExperts : public nn::Module {
 public:
  GptOssExperts(const DecoderParams& p)
      : gate_up(param("gate_up_proj", {p.moe.experts, p.hidden, 2 * p.moe.inter}, nn::ParamKind::Weight)),
        gate_up_bias(param("gate_up_proj_bias", {p.moe.experts, 2 * p.moe.inter}, nn::ParamKind::Float32)),
        down(param("down_proj", {p.moe.experts, p.moe.inter, p.hidden}, nn::ParamKind::Weight)),
        down_bias(param("down_proj_bias", {p.moe.experts, p.hidden}, nn::ParamKind::Float32)),
        alpha_(p.moe.swiglu_alpha),
        limit_(p.moe.swiglu_limit) {}
  Tensor operator()(int64_t e, const Tensor& x) const {
    Tensor gu = ops::add(ops::matmul(x, gate_up.select(0, e)), gate_up_bias.select(0, e));  // [n, 2I]
    const Tensor act = ops::swiglu_clamped(gu, alpha_, limit_);
    return ops::add(ops::matmul(act, down.select(0, e)), down_bias.select(0, e));
  }
  Tensor &gate_up, &gate_up_bias, &down, &down_bias;

 private:
  float alpha_, limit_;
};

class GptOssMoe : public nn::Module {
 public:
  explicit GptOssMoe(const DecoderParams& p) : m_(p.moe) {
    router_ = &child("router", std::make_unique<Linear>(p.hidden, m_.experts, true));
    experts_ = &child("experts", std::make_unique<GptOssExperts>(p));
  }
  Tensor operator()(const Tensor& x) const {
    const int64_t H = x.size(-1), T = x.numel() / H, E = m_.experts, K = m_.top_k;
    Tensor flat = x.contiguous().view({T, H});
    const ops::TopK top = ops::topk((*router_)(flat), K);  // softmax over the top-k logits
    return nn::scatter_experts(flat, ops::softmax(top.values, -1), top.indices, E, x.shape(), [&](int64_t e, const Tensor& in) { return (*experts_)(e, in); });
  }

 private:
  DecoderParams::Moe m_;
  Linear* router_;
  GptOssExperts* experts_;
};

class DecoderLayer : public nn::Module {
 public:
  DecoderLayer(const DecoderParams& p, int64_t i) : p_(p) {
    using P = DecoderParams::Placement;
    if (p.placement != P::Post) input_norm_ = &child("input_layernorm", std::make_unique<Norm>(p.hidden, p));
    attn_ = &child(p.attn_name, std::make_unique<Attention>(p, i));
    if (!p.parallel_residual || p.parallel_two_norms) post_attn_norm_ = &child(p.post_attn_norm_name, std::make_unique<Norm>(p.hidden, p));
    if (p.placement == P::Sandwich) pre_ffn_norm_ = &child(p.pre_ffn_norm_name, std::make_unique<Norm>(p.hidden, p));
    if (p.placement != P::Pre) post_ffn_norm_ = &child(p.post_ffn_norm_name, std::make_unique<Norm>(p.hidden, p));
    if (p.moe.gpt_oss) oss_ = &child("mlp", std::make_unique<GptOssMoe>(p));
    else if (!p.moe.sparse.empty() && p.moe.sparse[static_cast<size_t>(i)]) moe_ = &child(p.moe.block, std::make_unique<SparseMoe>(p));
    else mlp_ = &child("mlp", std::make_unique<MLP>(p));
  }
  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& key_padding, nn::KVCache* cache) const {
    using P = DecoderParams::Placement;
    if (p_.parallel_residual) {
      const Tensor h = (*input_norm_)(x);
      const Tensor a = (*attn_)(h, pos, key_padding, cache);
      return ops::add(ops::add(a, ffn(p_.parallel_two_norms ? (*post_attn_norm_)(x) : h)), x);
    }
    Tensor a = (*attn_)(input_norm_ ? (*input_norm_)(x) : x, pos, key_padding, cache);
    if (p_.placement != P::Pre) a = (*post_attn_norm_)(a);
    Tensor h = ops::add(x, residual(a));
    const Tensor in = p_.placement == P::Pre ? (*post_attn_norm_)(h) : pre_ffn_norm_ ? (*pre_ffn_norm_)(h) : h;
    Tensor m = ffn(in);
    if (post_ffn_norm_) m = (*post_ffn_norm_)(m);
    return ops::add(h, residual(m));
  }

 private:
  Tensor residual(const Tensor& t) const { return p_.residual_multiplier == 1.0f ? t : ops::scale(t, p_.residual_multiplier); }
  Tensor ffn(const Tensor& x) const { return oss_ ? (*oss_)(x) : moe_ ? (*moe_)(x) : (*mlp_)(x); }
  const DecoderParams& p_;
  Norm *input_norm_ = nullptr, *post_attn_norm_ = nullptr, *pre_ffn_norm_ = nullptr, *post_ffn_norm_ = nullptr;
  Attention* attn_;
  MLP* mlp_ = nullptr;
  SparseMoe* moe_ = nullptr;
  GptOssMoe* oss_ = nullptr;
};

class DecoderBackbone : public CachedBackbone {
 public:
  explicit DecoderBackbone(DecoderParams p) : p_(std::move(p)) {
    embed_ = &child(p_.embed_name, std::make_unique<nn::Embedding>(p_.vocab, p_.hidden));
    auto& layers = child("layers", std::make_unique<Container>());
    for (int64_t i = 0; i < p_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<DecoderLayer>(p_, i)));
    norm_ = &child(p_.final_norm_name, std::make_unique<Norm>(p_.hidden, p_));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.max_positions; }
  std::string embedding_key() const override { return p_.embed_name + ".weight"; }
  std::string lm_head_name() const override { return p_.lm_head_name; }
  bool lm_head_bias() const override { return p_.lm_head_bias; }
  int64_t cache_recompute_length() const override { return p_.cache_recompute_length; }

  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    return hidden_from_embeds(embed(ids), pos, mask, cache);
  }
  Tensor embed(const Tensor& ids) const override {
    if (ids.dim() != 2) throw ShapeMismatch(p_.name + ": input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    return (*embed_)(ids);
  }
  Tensor hidden_from_embeds(const Tensor& embeds, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    Tensor h = embeds;
    if (p_.embed_scale != 1.0f) h = ops::scale(h, p_.embed_scale);
    for (const DecoderLayer* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, pos, mask, cache);
    }
    h = (*norm_)(h);
    record::hidden_state(h);  // Python's last entry is the normed output
    return h;
  }
  Tensor finalize_logits(const Tensor& logits) const override {
    Tensor l = logits;
    if (p_.logits_scaling != 1.0f) l = ops::scale(l, 1.0f / p_.logits_scaling);
    if (p_.final_softcap > 0) l = ops::scale(ops::tanh(ops::scale(l, 1.0f / p_.final_softcap)), p_.final_softcap);
    return l;
  }

 private:
  DecoderParams p_;
  nn::Embedding* embed_;
  std::vector<DecoderLayer*> layers_;
  Norm* norm_;
};

}  // namespace

EncoderFamily family_for(DecoderParams (*params)(const PretrainedConfig&), const char* class_prefix, const char* prefix) {
  return EncoderFamily{prefix, class_prefix, [params](const PretrainedConfig& c, bool) {
                         return std::make_unique<DecoderBackbone>(params(c));
                       }};
}

const EncoderFamily& family() {
  static const EncoderFamily f = family_for(params, "Llama");
  return f;
}


}  // namespace transformers::llama
