// Falcon: transformers/models/falcon/modeling_falcon.py (v5).
#include "core/output_recorder.hpp"
#include "models/falcon/modeling_falcon.hpp"

#include <cmath>

#include "nn/kv_cache.hpp"
#include "nn/rope.hpp"
#include "transformers/errors.hpp"

namespace transformers::falcon {

ConfigSpec config_spec() {
  return {"falcon", "FalconConfig", R"({
    "vocab_size": 65024, "hidden_size": 4544, "num_hidden_layers": 32, "num_attention_heads": 71,
    "num_ln_in_parallel_attn": null, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "use_cache": true,
    "hidden_dropout": 0.0, "attention_dropout": 0.0, "num_kv_heads": null, "alibi": false,
    "new_decoder_architecture": false, "multi_query": true, "parallel_attn": true, "bias": false,
    "max_position_embeddings": 2048, "rope_parameters": null, "bos_token_id": 11, "eos_token_id": 11,
    "pad_token_id": null, "ffn_hidden_size": null, "activation": "gelu", "tie_word_embeddings": true
  })"};
}

namespace {

using nn::LayerNorm;
using nn::Linear;

struct Params {
  int64_t vocab, hidden, layers, heads, kv_heads, head_dim, ffn, max_pos, ln_count;
  float eps;
  bool new_arch, multi_query, parallel, bias, alibi;
  ops::Activation act;
  nn::RotaryEmbedding rope;
  static Params from(const PretrainedConfig& c) {
    Params p{};
    p.vocab = c.get_int("vocab_size"), p.hidden = c.get_int("hidden_size"), p.layers = c.get_int("num_hidden_layers");
    p.heads = c.get_int("num_attention_heads"), p.max_pos = c.get_int("max_position_embeddings");
    p.eps = static_cast<float>(c.get_float("layer_norm_epsilon"));
    p.new_arch = c.get_bool("new_decoder_architecture"), p.multi_query = c.get_bool("multi_query");
    p.parallel = c.get_bool("parallel_attn"), p.bias = c.get_bool("bias");
    p.act = ops::activation_from_name(c.get_string("activation"));
    p.alibi = c.get_bool("alibi");
    if (p.heads <= 0 || p.hidden % p.heads) throw ConfigError("Falcon: hidden_size must be a multiple of num_attention_heads");
    p.head_dim = p.hidden / p.heads;
    const int64_t kv = c.get_int("num_kv_heads", p.heads);
    p.kv_heads = (p.new_arch || !p.multi_query) ? kv : 1;
    if (p.kv_heads <= 0 || p.heads % p.kv_heads) throw ConfigError("Falcon: num_attention_heads must be a multiple of num_kv_heads");
    p.ffn = c.get_int("ffn_hidden_size", 4 * p.hidden);
    p.ln_count = p.new_arch ? c.get_int("num_ln_in_parallel_attn", 2) : 1;
    if (!p.alibi) p.rope = nn::RotaryEmbedding::from_config(c, p.head_dim);
    return p;
  }
  int64_t qkv_out() const {
    if (new_arch) return (kv_heads * 2 + heads) * head_dim;
    return multi_query ? hidden + 2 * head_dim : 3 * hidden;
  }
};

class Layer : public nn::Module {
 public:
  Layer(const Params& p, int64_t idx) : p_(p), idx_(idx) {
    if (p.new_arch && p.ln_count == 2) {
      ln_attn_ = &child("ln_attn", std::make_unique<LayerNorm>(p.hidden, p.eps));
      ln_mlp_ = &child("ln_mlp", std::make_unique<LayerNorm>(p.hidden, p.eps));
    } else {
      ln_attn_ = &child("input_layernorm", std::make_unique<LayerNorm>(p.hidden, p.eps));
      if (!p.parallel) ln_mlp_ = &child("post_attention_layernorm", std::make_unique<LayerNorm>(p.hidden, p.eps));
    }
    auto& attn = child("self_attention", std::make_unique<nn::Container>());
    qkv_ = &attn.add("query_key_value", std::make_unique<Linear>(p.hidden, p.qkv_out(), p.bias));
    dense_ = &attn.add("dense", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    up_ = &mlp.add("dense_h_to_4h", std::make_unique<Linear>(p.hidden, p.ffn, p.bias));
    down_ = &mlp.add("dense_4h_to_h", std::make_unique<Linear>(p.ffn, p.hidden, p.bias));
  }
  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& mask, const Tensor& alibi, nn::KVCache* cache) const {
    const Tensor attn_in = (*ln_attn_)(x);
    const Tensor a = attention(attn_in, pos, mask, alibi, cache);
    if (!p_.new_arch && !p_.parallel) {  // sequential: x + attn, then the MLP on its own norm
      const Tensor h = ops::add(x, a);
      return ops::add(h, mlp((*ln_mlp_)(h)));
    }
    const Tensor mlp_in = ln_mlp_ && p_.new_arch ? (*ln_mlp_)(x) : attn_in;
    return ops::add(ops::add(mlp(mlp_in), a), x);
  }

 private:
  Tensor mlp(const Tensor& x) const { return (*down_)(ops::activation((*up_)(x), p_.act)); }
  Tensor attention(const Tensor& x, const Tensor& pos, const Tensor& mask, const Tensor& alibi, nn::KVCache* cache) const {
    const int64_t B = x.size(0), S = x.size(1), H = p_.heads, KV = p_.kv_heads, D = p_.head_dim;
    Tensor qkv = (*qkv_)(x);
    Tensor q, k, v;
    if (p_.new_arch) {  // [kv, group + 2, D]: the group's queries, then its key and value
      const int64_t G = H / KV;
      Tensor t = qkv.view({B, S, KV, G + 2, D});
      q = t.slice(3, 0, G).contiguous().view({B, S, H, D});
      k = t.slice(3, G, G + 1).contiguous().view({B, S, KV, D});
      v = t.slice(3, G + 1, G + 2).contiguous().view({B, S, KV, D});
    } else if (p_.multi_query) {  // [H + 2, D]
      Tensor t = qkv.view({B, S, H + 2, D});
      q = t.slice(2, 0, H).contiguous(), k = t.slice(2, H, H + 1).contiguous(), v = t.slice(2, H + 1, H + 2).contiguous();
    } else {  // [H, 3, D]
      Tensor t = qkv.view({B, S, H, 3, D});
      q = t.select(3, 0).contiguous(), k = t.select(3, 1).contiguous(), v = t.select(3, 2).contiguous();
    }
    if (!p_.alibi) {  // ALiBi models have no rotary positions
      p_.rope.apply(q, pos);
      p_.rope.apply(k, pos);
    }
    ops::AttentionOptions o;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(D));
    o.key_padding = mask;
    // Python's eager ALiBi path (the one output_attentions takes, whatever attn_implementation) adds
    // alibi to the scores before scaling and again inside the mask it built from alibi / sqrt(D):
    // the scaled bias counts twice there, once on the SDPA path.
    o.bias = alibi.defined() && record::attentions() ? ops::scale(alibi, 2.0f) : alibi;
    return (*dense_)(nn::cached_attention(q, k, v, cache, idx_, o));
  }
  const Params& p_;
  int64_t idx_;
  LayerNorm *ln_attn_, *ln_mlp_ = nullptr;
  Linear *qkv_, *dense_, *up_, *down_;
};

class FalconBackbone : public CachedBackbone {
 public:
  explicit FalconBackbone(Params p) : p_(std::move(p)) {
    embed_ = &child("word_embeddings", std::make_unique<nn::Embedding>(p_.vocab, p_.hidden));
    auto& h = child("h", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < p_.layers; ++i) layers_.push_back(&h.add(std::to_string(i), std::make_unique<Layer>(p_, i)));
    ln_f_ = &child("ln_f", std::make_unique<LayerNorm>(p_.hidden, p_.eps));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.max_pos; }
  std::string embedding_key() const override { return "word_embeddings.weight"; }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    if (ids.dim() != 2) throw ShapeMismatch("Falcon: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    Tensor h = (*embed_)(ids);
    const Tensor alibi = p_.alibi ? alibi_bias(mask, ids.size(0), ids.size(1), (cache ? cache->get_seq_length() : 0) + ids.size(1)) : Tensor();
    for (const Layer* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, pos, mask, alibi, cache);
    }
    h = (*ln_f_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  // build_alibi_tensor / sqrt(head_dim) as the attention bias [B, H, S, T]: slope_h * the key's
  // position among the row's real tokens, computed in bfloat16 as Python does.
  Tensor alibi_bias(const Tensor& mask, int64_t B, int64_t S, int64_t T) const {
    const int64_t H = p_.heads;
    const int64_t p2 = int64_t{1} << static_cast<int>(std::floor(std::log2(static_cast<double>(H))));
    std::vector<float> slopes;
    const float base = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(p2)) - 3))));
    for (int64_t i = 1; i <= p2; ++i) slopes.push_back(std::pow(base, static_cast<float>(i)));
    if (p2 != H) {
      const float extra = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(2 * p2)) - 3))));
      for (int64_t i = 1, n = 0; n < std::min(p2, H - p2); i += 2, ++n) slopes.push_back(std::pow(extra, static_cast<float>(i)));
    }
    for (float& s : slopes) s = bf16_to_f32(f32_to_bf16(s));
    if (mask.defined() && (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != T))
      throw ShapeMismatch("Falcon: attention_mask " + shape_str(mask.shape()) + " must cover the " + std::to_string(T) + " keys");
    const Tensor m = mask.defined() ? mask.to(DType::I64).contiguous() : Tensor::full({B, T}, 1.0, DType::I64);
    const float inv = static_cast<float>(std::sqrt(static_cast<double>(p_.head_dim)));
    Tensor bias = Tensor::empty({B, H, S, T});
    float* out = bias.data<float>();
    const int64_t* mp = m.data<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> pos(static_cast<size_t>(T));
      for (int64_t j = 0, run = 0; j < T; ++j) {
        const int64_t mj = mp[b * T + j];
        run += mj;
        pos[j] = static_cast<float>((run - 1) * mj);
      }
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < S; ++i)
          for (int64_t j = 0; j < T; ++j) out[((b * H + h) * S + i) * T + j] = bf16_to_f32(f32_to_bf16(slopes[h] * pos[j])) / inv;
    }
    return bias;
  }
  Params p_;
  nn::Embedding* embed_;
  std::vector<Layer*> layers_;
  LayerNorm* ln_f_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"transformer", "Falcon", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<FalconBackbone>(Params::from(c));
                               }};
  return f;
}

}  // namespace transformers::falcon
