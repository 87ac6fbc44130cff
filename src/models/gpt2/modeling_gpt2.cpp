// GPT-2: transformers/models/gpt2/modeling_gpt2.py (v5).
#include "core/output_recorder.hpp"
#include "models/gpt2/modeling_gpt2.hpp"

#include <cmath>

#include "nn/kv_cache.hpp"
#include "transformers/errors.hpp"

namespace transformers::gpt2 {

ConfigSpec config_spec() {
  return {"gpt2", "GPT2Config", R"({
    "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": null,
    "activation_function": "gelu_new", "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
    "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "summary_type": "cls_index", "summary_use_proj": true,
    "summary_activation": null, "summary_proj_to_labels": true, "summary_first_dropout": 0.1,
    "scale_attn_weights": true, "use_cache": true, "bos_token_id": 50256, "eos_token_id": 50256, "pad_token_id": null,
    "scale_attn_by_inverse_layer_idx": false, "reorder_and_upcast_attn": false, "tie_word_embeddings": true
  })",
          {{"hidden_size", "n_embd"}, {"max_position_embeddings", "n_positions"}, {"num_attention_heads", "n_head"},
           {"num_hidden_layers", "n_layer"}}};
}

namespace {

using nn::LayerNorm;

struct Params {
  int64_t vocab, positions, hidden, layers, heads, inner;
  float eps;
  ops::Activation act;
  bool scale_weights, scale_by_layer, cross = false;
  static Params from(const PretrainedConfig& c) {
    Params p{c.get_int("vocab_size"), c.get_int("n_positions"), c.get_int("n_embd"), c.get_int("n_layer"), c.get_int("n_head"), 0,
             static_cast<float>(c.get_float("layer_norm_epsilon")), ops::activation_from_name(c.get_string("activation_function")),
             c.get_bool("scale_attn_weights"), c.get_bool("scale_attn_by_inverse_layer_idx")};
    p.cross = c.get_bool("add_cross_attention", false);
    p.inner = c.get_int("n_inner", 4 * p.hidden);
    if (p.heads <= 0 || p.hidden % p.heads) throw ConfigError("GPT2: n_embd must be a multiple of n_head");
    return p;
  }
};

// transformers.pytorch_utils.Conv1D: weight [in, out].
class Conv1D : public nn::Module {
 public:
  Conv1D(int64_t out, int64_t in) : weight(param("weight", {in, out}, nn::ParamKind::Weight)), bias(param("bias", {out}, nn::ParamKind::Float32)) {}
  Tensor operator()(const Tensor& x) const { return ops::add(ops::matmul(x, weight), bias); }
  Tensor& weight;
  Tensor& bias;
};

class Block : public nn::Module {
 public:
  Block(const Params& p, int64_t idx) : p_(p), idx_(idx) {
    ln_1_ = &child("ln_1", std::make_unique<LayerNorm>(p.hidden, p.eps));
    auto& attn = child("attn", std::make_unique<nn::Container>());
    c_attn_ = &attn.add("c_attn", std::make_unique<Conv1D>(3 * p.hidden, p.hidden));
    attn_proj_ = &attn.add("c_proj", std::make_unique<Conv1D>(p.hidden, p.hidden));
    if (p.cross) {
      auto& x = child("crossattention", std::make_unique<nn::Container>());
      x_kv_ = &x.add("c_attn", std::make_unique<Conv1D>(2 * p.hidden, p.hidden));
      x_q_ = &x.add("q_attn", std::make_unique<Conv1D>(p.hidden, p.hidden));
      x_proj_ = &x.add("c_proj", std::make_unique<Conv1D>(p.hidden, p.hidden));
      ln_cross_ = &child("ln_cross_attn", std::make_unique<LayerNorm>(p.hidden, p.eps));
    }
    ln_2_ = &child("ln_2", std::make_unique<LayerNorm>(p.hidden, p.eps));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    c_fc_ = &mlp.add("c_fc", std::make_unique<Conv1D>(p.inner, p.hidden));
    mlp_proj_ = &mlp.add("c_proj", std::make_unique<Conv1D>(p.hidden, p.inner));
  }
  // With encoder states (and cross-attention layers), a cross-attention block follows the
  // self-attention: queries from q_attn, keys / values from c_attn over the encoder output.
  Tensor operator()(const Tensor& x, const Tensor& mask, nn::KVCache* cache, const Tensor& enc = {}, const Tensor& enc_mask = {}) const {
    const int64_t B = x.size(0), S = x.size(1), D = p_.hidden / p_.heads;
    Tensor qkv = (*c_attn_)((*ln_1_)(x));
    auto part = [&](const Tensor& t, int64_t i) {
      return t.slice(-1, i * p_.hidden, (i + 1) * p_.hidden).contiguous().view({t.size(0), t.size(1), p_.heads, D});
    };
    Tensor q = part(qkv, 0), k = part(qkv, 1), v = part(qkv, 2);
    ops::AttentionOptions o;
    o.scaling = p_.scale_weights ? 1.0f / std::sqrt(static_cast<float>(D)) : 1.0f;
    if (p_.scale_by_layer) o.scaling /= static_cast<float>(idx_ + 1);
    o.key_padding = mask;
    Tensor h = ops::add(x, (*attn_proj_)(nn::cached_attention(q, k, v, cache, idx_, o)));
    if (enc.defined() && x_q_) {
      auto project = [&] {
        const Tensor kv = (*x_kv_)(enc);
        return nn::KVCache::Cross{part(kv, 0), part(kv, 1)};
      };
      const nn::KVCache::Cross kv = cache ? cache->cross(idx_, project) : project();
      ops::AttentionOptions xo = o;
      xo.causal = false, xo.key_padding = enc_mask;
      const Tensor xq = (*x_q_)((*ln_cross_)(h)).view({B, S, p_.heads, D});
      const record::AttentionsAs cross("cross_attentions");
      h = ops::add(h, (*x_proj_)(ops::attention(xq.permute({0, 2, 1, 3}), kv.k.permute({0, 2, 1, 3}), kv.v.permute({0, 2, 1, 3}), xo)));
    }
    return ops::add(h, (*mlp_proj_)(ops::activation((*c_fc_)((*ln_2_)(h)), p_.act)));
  }

 private:
  const Params& p_;
  int64_t idx_;
  LayerNorm *ln_1_, *ln_2_, *ln_cross_ = nullptr;
  Conv1D *c_attn_, *attn_proj_, *c_fc_, *mlp_proj_, *x_kv_ = nullptr, *x_q_ = nullptr, *x_proj_ = nullptr;
};

class GPT2Backbone : public CachedBackbone {
 public:
  explicit GPT2Backbone(const Params& p) : p_(p) {
    wte_ = &child("wte", std::make_unique<nn::Embedding>(p.vocab, p.hidden));
    wpe_ = &child("wpe", std::make_unique<nn::Embedding>(p.positions, p.hidden));
    auto& h = child("h", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < p.layers; ++i) blocks_.push_back(&h.add(std::to_string(i), std::make_unique<Block>(p_, i)));
    ln_f_ = &child("ln_f", std::make_unique<LayerNorm>(p.hidden, p.eps));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.positions; }
  std::string embedding_key() const override { return "wte.weight"; }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    return hidden(ids, pos, mask, cache, {}, {});
  }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache, const Tensor& enc, const Tensor& enc_mask) const {
    if (ids.dim() != 2) throw ShapeMismatch("GPT2: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    Tensor h = ops::add((*wte_)(ids), (*wpe_)(pos));  // out-of-range positions raise in embedding()
    for (const Block* b : blocks_) {
      record::hidden_state(h);
      h = (*b)(h, mask, cache, enc, enc_mask);
    }
    h = (*ln_f_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  Params p_;
  nn::Embedding *wte_, *wpe_;
  std::vector<Block*> blocks_;
  LayerNorm* ln_f_;
};

// GPT2LMHeadModel's transformer as a VisionEncoderDecoder decoder: positions count on from the
// cache, every block reads the encoder output.
class CrossDecoder : public CrossAttentionDecoder {
 public:
  explicit CrossDecoder(const PretrainedConfig& c) : gpt2_(child("", std::make_unique<GPT2Backbone>(Params::from(c)))) {
    if (!c.get_bool("add_cross_attention", false)) throw ConfigError("GPT2Config: a decoder for an encoder needs add_cross_attention");
  }
  Tensor operator()(const Tensor& ids0, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const override {
    if (ids0.dim() != 2) throw ShapeMismatch("GPT2: input_ids must be [batch, seq], got " + shape_str(ids0.shape()));
    const Tensor ids = ids0.to(DType::I64).contiguous();
    const int64_t B = ids.size(0), S = ids.size(1), past = cache ? cache->get_seq_length() : 0;
    std::vector<int64_t> pos(static_cast<size_t>(B * S));
    for (int64_t i = 0; i < B * S; ++i) pos[static_cast<size_t>(i)] = past + i % S;
    return gpt2_.hidden(ids, Tensor::from_ints(pos, {B, S}), mask, cache, enc, enc_mask);
  }
  int64_t max_positions() const override { return gpt2_.max_positions(); }
  int64_t vocab_size() const override { return gpt2_.vocab_size(); }

 private:
  GPT2Backbone& gpt2_;
};

}  // namespace

std::unique_ptr<CrossAttentionDecoder> make_cross_decoder(const PretrainedConfig& c) { return std::make_unique<CrossDecoder>(c); }

const EncoderFamily& family() {
  static const EncoderFamily f{"transformer", "GPT2", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<GPT2Backbone>(Params::from(c));
                               }};
  return f;
}

}  // namespace transformers::gpt2
