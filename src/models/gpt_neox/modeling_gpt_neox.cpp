// GPT-NeoX: transformers/models/gpt_neox/modeling_gpt_neox.py (v5).
#include "core/output_recorder.hpp"
#include "models/gpt_neox/modeling_gpt_neox.hpp"

#include <cmath>

#include "nn/rope.hpp"
#include "nn/kv_cache.hpp"
#include "transformers/errors.hpp"

namespace transformers::gpt_neox {

ConfigSpec config_spec() {
  return {"gpt_neox", "GPTNeoXConfig", R"({
    "vocab_size": 50432, "hidden_size": 6144, "num_hidden_layers": 44, "num_attention_heads": 64,
    "intermediate_size": 24576, "hidden_act": "gelu", "rope_parameters": null, "attention_dropout": 0.0,
    "hidden_dropout": 0.0, "classifier_dropout": 0.1, "max_position_embeddings": 2048, "initializer_range": 0.02,
    "layer_norm_eps": 1e-5, "use_cache": true, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": null,
    "tie_word_embeddings": false, "use_parallel_residual": true, "attention_bias": true
  })"};
}

namespace {

using nn::LayerNorm;
using nn::Linear;

struct Params {
  int64_t vocab, hidden, layers, heads, inter, max_pos;
  float eps;
  ops::Activation act;
  bool parallel, bias;
  nn::RotaryEmbedding rope;
  static Params from(const PretrainedConfig& c) {
    Params p{c.get_int("vocab_size"), c.get_int("hidden_size"), c.get_int("num_hidden_layers"), c.get_int("num_attention_heads"),
             c.get_int("intermediate_size"), c.get_int("max_position_embeddings"), static_cast<float>(c.get_float("layer_norm_eps")),
             ops::activation_from_name(c.get_string("hidden_act")), c.get_bool("use_parallel_residual"), c.get_bool("attention_bias", true), {}};
    if (p.heads <= 0 || p.hidden % p.heads) throw ConfigError("GPTNeoX: hidden_size must be a multiple of num_attention_heads");
    p.rope = nn::RotaryEmbedding::from_config(c, p.hidden / p.heads);
    return p;
  }
};

class Layer : public nn::Module {
 public:
  Layer(const Params& p, int64_t idx) : p_(p), idx_(idx) {
    ln1_ = &child("input_layernorm", std::make_unique<LayerNorm>(p.hidden, p.eps));
    ln2_ = &child("post_attention_layernorm", std::make_unique<LayerNorm>(p.hidden, p.eps));
    auto& attn = child("attention", std::make_unique<nn::Container>());
    qkv_ = &attn.add("query_key_value", std::make_unique<Linear>(p.hidden, 3 * p.hidden, p.bias));
    dense_ = &attn.add("dense", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    up_ = &mlp.add("dense_h_to_4h", std::make_unique<Linear>(p.hidden, p.inter));
    down_ = &mlp.add("dense_4h_to_h", std::make_unique<Linear>(p.inter, p.hidden));
  }
  Tensor operator()(const Tensor& x, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const {
    const int64_t B = x.size(0), S = x.size(1), H = p_.heads, D = p_.hidden / H;
    Tensor qkv = (*qkv_)((*ln1_)(x)).view({B, S, H, 3 * D});  // per head: [q | k | v]
    auto part = [&](int64_t i) { return qkv.slice(-1, i * D, (i + 1) * D).contiguous(); };
    Tensor q = part(0), k = part(1), v = part(2);
    p_.rope.apply(q, pos);
    p_.rope.apply(k, pos);
    ops::AttentionOptions o;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(D));
    o.key_padding = mask;
    Tensor a = (*dense_)(nn::cached_attention(q, k, v, cache, idx_, o));
    if (p_.parallel) return ops::add(ops::add(a, mlp((*ln2_)(x))), x);
    Tensor h = ops::add(a, x);
    return ops::add(mlp((*ln2_)(h)), h);
  }

 private:
  Tensor mlp(const Tensor& x) const { return (*down_)(ops::activation((*up_)(x), p_.act)); }
  const Params& p_;
  int64_t idx_;
  LayerNorm *ln1_, *ln2_;
  Linear *qkv_, *dense_, *up_, *down_;
};

class GPTNeoXBackbone : public CachedBackbone {
 public:
  explicit GPTNeoXBackbone(Params p) : p_(std::move(p)) {
    embed_ = &child("embed_in", std::make_unique<nn::Embedding>(p_.vocab, p_.hidden));
    auto& layers = child("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < p_.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(p_, i)));
    final_ = &child("final_layer_norm", std::make_unique<LayerNorm>(p_.hidden, p_.eps));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.max_pos; }
  std::string embedding_key() const override { return "embed_in.weight"; }
  std::string lm_head_name() const override { return "embed_out"; }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    if (ids.dim() != 2) throw ShapeMismatch("GPTNeoX: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    Tensor h = (*embed_)(ids);
    for (const Layer* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, pos, mask, cache);
    }
    h = (*final_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  Params p_;
  nn::Embedding* embed_;
  std::vector<Layer*> layers_;
  LayerNorm* final_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"gpt_neox", "GPTNeoX", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<GPTNeoXBackbone>(Params::from(c));
                               }};
  return f;
}

}  // namespace transformers::gpt_neox
