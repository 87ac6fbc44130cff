// DeepSeek-V3: transformers/models/deepseek_v3/modeling_deepseek_v3.py (v5).
#include "core/output_recorder.hpp"
#include "models/deepseek_v3/modeling_deepseek_v3.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "nn/kv_cache.hpp"
#include "nn/moe.hpp"
#include "nn/rope.hpp"
#include "transformers/errors.hpp"

namespace transformers::deepseek_v3 {

ConfigSpec config_spec() {
  return {"deepseek_v3", "DeepseekV3Config", R"({
    "vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048,
    "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128, "n_shared_experts": 1,
    "n_routed_experts": 256, "routed_scaling_factor": 2.5, "kv_lora_rank": 512, "q_lora_rank": 1536,
    "qk_rope_head_dim": 64, "v_head_dim": 128, "qk_nope_head_dim": 128, "n_group": 8, "topk_group": 4,
    "num_experts_per_tok": 8, "first_k_dense_replace": 3, "norm_topk_prob": true, "hidden_act": "silu",
    "max_position_embeddings": 4096, "initializer_range": 0.02, "rms_norm_eps": 1e-6, "use_cache": true,
    "pad_token_id": null, "bos_token_id": 0, "eos_token_id": 1, "pretraining_tp": 1, "tie_word_embeddings": false,
    "rope_parameters": null, "rope_interleave": true, "attention_bias": false, "attention_dropout": 0.0,
    "num_nextn_predict_layers": 1
  })",
          {{"num_local_experts", "n_routed_experts"}, {"num_mtp_layers", "num_nextn_predict_layers"}}};
}

namespace {

using nn::Linear;
using nn::RMSNorm;

struct Params {
  int64_t vocab, hidden, inter, moe_inter, layers, heads, q_rank, kv_rank, rope_dim, nope_dim, v_dim;
  int64_t experts, shared, groups, topk_group, top_k, first_dense, max_pos;
  float eps, routed_scale, scaling;
  bool norm_topk, interleave, bias;
  ops::Activation act;
  nn::RotaryEmbedding rope;
  static Params from(const PretrainedConfig& c) {
    Params p{};
    p.vocab = c.get_int("vocab_size"), p.hidden = c.get_int("hidden_size"), p.inter = c.get_int("intermediate_size");
    p.moe_inter = c.get_int("moe_intermediate_size"), p.layers = c.get_int("num_hidden_layers");
    p.heads = c.get_int("num_attention_heads"), p.q_rank = c.get_int("q_lora_rank", 0), p.kv_rank = c.get_int("kv_lora_rank");
    p.rope_dim = c.get_int("qk_rope_head_dim"), p.nope_dim = c.get_int("qk_nope_head_dim"), p.v_dim = c.get_int("v_head_dim");
    p.experts = c.get_int("n_routed_experts"), p.shared = c.get_int("n_shared_experts", 0), p.groups = c.get_int("n_group");
    p.topk_group = c.get_int("topk_group"), p.top_k = c.get_int("num_experts_per_tok"), p.first_dense = c.get_int("first_k_dense_replace");
    p.max_pos = c.get_int("max_position_embeddings");
    p.eps = static_cast<float>(c.get_float("rms_norm_eps")), p.routed_scale = static_cast<float>(c.get_float("routed_scaling_factor"));
    p.norm_topk = c.get_bool("norm_topk_prob"), p.interleave = c.get_bool("rope_interleave", true), p.bias = c.get_bool("attention_bias", false);
    p.act = ops::activation_from_name(c.get_string("hidden_act"));
    if (p.experts <= 0 || p.groups <= 0 || p.experts % p.groups || p.topk_group > p.groups || p.top_k > p.experts)
      throw ConfigError("DeepseekV3: n_routed_experts must split into n_group groups, with topk_group <= n_group and num_experts_per_tok <= n_routed_experts");
    p.rope = nn::RotaryEmbedding::from_config(c, p.rope_dim);
    // softmax scale: qk_head_dim^-0.5, times mscale^2 for scaled rope with mscale_all_dim.
    p.scaling = 1.0f / std::sqrt(static_cast<float>(p.nope_dim + p.rope_dim));
    if (auto rp = c.sub_config("rope_parameters")) {
      const double all = rp->get_float("mscale_all_dim", 0.0), factor = rp->get_float("factor", 1.0);
      if (rp->get_string("rope_type", "default") != "default" && all != 0 && factor > 1) {
        const double m = 0.1 * all * std::log(factor) + 1.0;
        p.scaling = static_cast<float>(p.scaling * m * m);
      }
    }
    return p;
  }
};

class MLP : public nn::Module {
 public:
  MLP(const Params& p, int64_t inter) : act_(p.act) {
    gate_ = &child("gate_proj", std::make_unique<Linear>(p.hidden, inter, false));
    up_ = &child("up_proj", std::make_unique<Linear>(p.hidden, inter, false));
    down_ = &child("down_proj", std::make_unique<Linear>(inter, p.hidden, false));
  }
  Tensor operator()(const Tensor& x) const { return (*down_)(ops::mul(ops::activation((*gate_)(x), act_), (*up_)(x))); }

 private:
  ops::Activation act_;
  Linear *gate_, *up_, *down_;
};

// The router: sigmoid scores, biased choice, best topk_group groups (by their top-2 sum), top_k
// experts among them, weights from the unbiased scores (renormalized) times routed_scaling_factor.
class Router : public nn::Module {
 public:
  explicit Router(const Params& p)
      : weight(param("weight", {p.experts, p.hidden}, nn::ParamKind::Float32)),
        bias(param("e_score_correction_bias", {p.experts}, nn::ParamKind::Float32)),
        p_(p) {}
  // Each token's expert weights and indices, both [T, k].
  ops::TopK route(const Tensor& flat) const {
    const int64_t T = flat.size(0), E = p_.experts, G = p_.groups, per = E / G;
    const Tensor score = ops::activation(ops::linear(flat, weight), ops::Activation::Sigmoid);
    const Tensor choice = ops::add(score, bias);
    const Tensor group_score = ops::sum(ops::topk(choice.view({T, G, per}), std::min<int64_t>(2, per)).values, -1);
    // Experts outside the best topk_group groups are out of the running.
    const std::vector<int64_t> kept = ops::topk(group_score, p_.topk_group).indices.to_ints();
    std::vector<float> dropped(static_cast<size_t>(T * E), 1.0f);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < p_.topk_group; ++i)
        for (int64_t e = 0; e < per; ++e) dropped[static_cast<size_t>(t * E + kept[static_cast<size_t>(t * p_.topk_group + i)] * per + e)] = 0.0f;
    const Tensor candidates = ops::masked_fill(choice, Tensor::from_floats(dropped, {T, E}), -std::numeric_limits<float>::infinity());
    ops::TopK top = ops::topk(candidates, std::min<int64_t>(p_.top_k, p_.topk_group * per));
    const int64_t K = top.indices.size(1);
    std::vector<int64_t> at = top.indices.to_ints();
    for (int64_t t = 0; t < T; ++t)
      for (int64_t k = 0; k < K; ++k) at[static_cast<size_t>(t * K + k)] += t * E;
    Tensor w = ops::gather_rows(score.view({T * E, 1}), Tensor::from_ints(at, {T * K})).view({T, K});  // the unbiased scores
    if (p_.norm_topk) w = ops::div(w, ops::add(ops::sum(w, -1, true), Tensor::full({1}, 1e-20)));
    top.values = ops::scale(w, p_.routed_scale);
    return top;
  }
  Tensor &weight, &bias;

 private:
  const Params& p_;
};

class MoE : public nn::Module {
 public:
  explicit MoE(const Params& p) {
    auto& ex = child("experts", std::make_unique<nn::Container>());
    for (int64_t e = 0; e < p.experts; ++e) experts_.push_back(&ex.add(std::to_string(e), std::make_unique<MLP>(p, p.moe_inter)));
    gate_ = &child("gate", std::make_unique<Router>(p));
    if (p.shared > 0) shared_ = &child("shared_experts", std::make_unique<MLP>(p, p.moe_inter * p.shared));
  }
  Tensor operator()(const Tensor& x) const {
    const int64_t H = x.size(-1);
    Tensor flat = x.contiguous().view({x.numel() / H, H});
    const ops::TopK route = gate_->route(flat);
    Tensor y = nn::scatter_experts(flat, route.values, route.indices, static_cast<int64_t>(experts_.size()), x.shape(), [&](int64_t e, const Tensor& in) { return (*experts_[e])(in); });
    return shared_ ? ops::add(y, (*shared_)(x)) : y;
  }

 private:
  std::vector<MLP*> experts_;
  Router* gate_;
  MLP* shared_ = nullptr;
};


class Attention : public nn::Module {
 public:
  Attention(const Params& p, int64_t idx) : p_(p), idx_(idx) {
    const int64_t qk = p.nope_dim + p.rope_dim;
    if (p.q_rank > 0) {
      q_a_ = &child("q_a_proj", std::make_unique<Linear>(p.hidden, p.q_rank, p.bias));
      q_a_norm_ = &child("q_a_layernorm", std::make_unique<RMSNorm>(p.q_rank, 1e-6f));
      q_b_ = &child("q_b_proj", std::make_unique<Linear>(p.q_rank, p.heads * qk, false));
    } else {
      q_ = &child("q_proj", std::make_unique<Linear>(p.hidden, p.heads * qk, false));
    }
    kv_a_ = &child("kv_a_proj_with_mqa", std::make_unique<Linear>(p.hidden, p.kv_rank + p.rope_dim, p.bias));
    kv_a_norm_ = &child("kv_a_layernorm", std::make_unique<RMSNorm>(p.kv_rank, 1e-6f));
    kv_b_ = &child("kv_b_proj", std::make_unique<Linear>(p.kv_rank, p.heads * (p.nope_dim + p.v_dim), false));
    o_ = &child("o_proj", std::make_unique<Linear>(p.heads * p.v_dim, p.hidden, p.bias));
  }
  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const {
    const int64_t B = x.size(0), S = x.size(1), H = p_.heads, N = p_.nope_dim, R = p_.rope_dim, V = p_.v_dim;
    Tensor q = (q_ ? (*q_)(x) : (*q_b_)((*q_a_norm_)((*q_a_)(x)))).view({B, S, H, N + R});
    Tensor q_rot = rope(q.slice(-1, N, N + R).contiguous(), pos);
    q = ops::concat({q.slice(-1, 0, N).contiguous(), q_rot}, -1);
    Tensor kv = (*kv_a_)(x);
    Tensor latent = (*kv_a_norm_)(kv.slice(-1, 0, p_.kv_rank).contiguous()).view({B, S, 1, p_.kv_rank});
    Tensor k_rot = rope(kv.slice(-1, p_.kv_rank, p_.kv_rank + R).contiguous().view({B, S, 1, R}), pos);
    ops::AttentionOptions o;
    o.scaling = p_.scaling;
    o.key_padding = mask;
    if (cache) {  // the cache holds the compressed latent and the roped key slice, as HF's
      nn::KVCache::View v = cache->update(idx_, latent, k_rot);
      latent = v.k.permute({0, 2, 1, 3}).contiguous(), k_rot = v.v.permute({0, 2, 1, 3}).contiguous();
      o.kv_start = v.start, o.q_start = v.start + v.k.size(2) - S;
    }
    const int64_t T = latent.size(1);
    Tensor kvb = (*kv_b_)(latent.view({B, T, p_.kv_rank})).view({B, T, H, N + V});
    // Each head's key: its own no-rope part, then the roped slice every head shares.
    const Tensor shared = ops::concat(std::vector<Tensor>(static_cast<size_t>(H), k_rot.reshape({B, T, 1, R})), 2);
    Tensor k = ops::concat({kvb.slice(-1, 0, N), shared}, -1);
    Tensor v = kvb.slice(-1, N, N + V);
    return (*o_)(ops::attention(q.permute({0, 2, 1, 3}), k.permute({0, 2, 1, 3}), v.permute({0, 2, 1, 3}), o));
  }

 private:
  Tensor rope(Tensor t, const Tensor& pos) const {
    if (p_.interleave) t = nn::deinterleave(t);
    p_.rope.apply(t, pos);
    return t;
  }
  const Params& p_;
  int64_t idx_;
  Linear *q_ = nullptr, *q_a_ = nullptr, *q_b_ = nullptr, *kv_a_, *kv_b_, *o_;
  RMSNorm *q_a_norm_ = nullptr, *kv_a_norm_;
};

class Layer : public nn::Module {
 public:
  Layer(const Params& p, int64_t idx) {
    attn_ = &child("self_attn", std::make_unique<Attention>(p, idx));
    if (idx >= p.first_dense) moe_ = &child("mlp", std::make_unique<MoE>(p));
    else mlp_ = &child("mlp", std::make_unique<MLP>(p, p.inter));
    in_norm_ = &child("input_layernorm", std::make_unique<RMSNorm>(p.hidden, p.eps));
    post_norm_ = &child("post_attention_layernorm", std::make_unique<RMSNorm>(p.hidden, p.eps));
  }
  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const {
    Tensor h = ops::add(x, (*attn_)((*in_norm_)(x), pos, mask, cache));
    Tensor n = (*post_norm_)(h);
    return ops::add(h, moe_ ? (*moe_)(n) : (*mlp_)(n));
  }

 private:
  Attention* attn_;
  MoE* moe_ = nullptr;
  MLP* mlp_ = nullptr;
  RMSNorm *in_norm_, *post_norm_;
};

class Backbone : public CachedBackbone {
 public:
  explicit Backbone(Params p) : p_(std::move(p)) {
    embed_ = &child("embed_tokens", std::make_unique<nn::Embedding>(p_.vocab, p_.hidden));
    auto& layers = child("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < p_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(p_, i)));
    norm_ = &child("norm", std::make_unique<RMSNorm>(p_.hidden, p_.eps));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.max_pos; }
  std::string embedding_key() const override { return "embed_tokens.weight"; }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    if (ids.dim() != 2) throw ShapeMismatch("DeepseekV3: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    Tensor h = (*embed_)(ids);
    for (const Layer* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, pos, mask, cache);
    }
    h = (*norm_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  Params p_;
  nn::Embedding* embed_;
  std::vector<Layer*> layers_;
  RMSNorm* norm_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"model", "DeepseekV3", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<Backbone>(Params::from(c));
                               }};
  return f;
}

}  // namespace transformers::deepseek_v3
