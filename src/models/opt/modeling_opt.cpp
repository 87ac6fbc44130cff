// OPT: transformers/models/opt/modeling_opt.py (v5).
#include "core/output_recorder.hpp"
#include "models/opt/modeling_opt.hpp"

#include <cmath>

#include "nn/kv_cache.hpp"
#include "transformers/errors.hpp"

namespace transformers::opt {

ConfigSpec config_spec() {
  return {"opt", "OPTConfig", R"({
    "vocab_size": 50272, "hidden_size": 768, "num_hidden_layers": 12, "ffn_dim": 3072, "max_position_embeddings": 2048,
    "do_layer_norm_before": true, "_remove_final_layer_norm": false, "word_embed_proj_dim": null, "dropout": 0.1,
    "attention_dropout": 0.0, "num_attention_heads": 12, "activation_function": "relu", "layerdrop": 0.0,
    "init_std": 0.02, "use_cache": true, "pad_token_id": 1, "bos_token_id": 2, "eos_token_id": 2, "enable_bias": true,
    "layer_norm_elementwise_affine": true, "tie_word_embeddings": true
  })"};
}

namespace {

using nn::LayerNorm;
using nn::Linear;

constexpr int64_t kOffset = 2;  // OPTLearnedPositionalEmbedding

struct Params {
  int64_t vocab, hidden, layers, heads, ffn, max_pos, proj;
  ops::Activation act;
  bool pre_norm, final_norm, bias;
  static Params from(const PretrainedConfig& c) {
    Params p{c.get_int("vocab_size"), c.get_int("hidden_size"), c.get_int("num_hidden_layers"), c.get_int("num_attention_heads"),
             c.get_int("ffn_dim"), c.get_int("max_position_embeddings"), 0, ops::activation_from_name(c.get_string("activation_function")),
             c.get_bool("do_layer_norm_before"), false, c.get_bool("enable_bias", true)};
    p.proj = c.get_int("word_embed_proj_dim", p.hidden);
    p.final_norm = p.pre_norm && !c.get_bool("_remove_final_layer_norm", false);
    if (!c.get_bool("layer_norm_elementwise_affine", true)) throw ConfigError("OPT: layer_norm_elementwise_affine=false is not supported");
    if (p.heads <= 0 || p.hidden % p.heads) throw ConfigError("OPT: hidden_size must be a multiple of num_attention_heads");
    return p;
  }
};

class Layer : public nn::Module {
 public:
  Layer(const Params& p, int64_t idx) : p_(p), idx_(idx) {
    auto& attn = child("self_attn", std::make_unique<nn::Container>());
    k_ = &attn.add("k_proj", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    v_ = &attn.add("v_proj", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    q_ = &attn.add("q_proj", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    o_ = &attn.add("out_proj", std::make_unique<Linear>(p.hidden, p.hidden, p.bias));
    attn_ln_ = &child("self_attn_layer_norm", std::make_unique<LayerNorm>(p.hidden, 1e-5f));
    fc1_ = &child("fc1", std::make_unique<Linear>(p.hidden, p.ffn, p.bias));
    fc2_ = &child("fc2", std::make_unique<Linear>(p.ffn, p.hidden, p.bias));
    final_ln_ = &child("final_layer_norm", std::make_unique<LayerNorm>(p.hidden, 1e-5f));
  }
  Tensor operator()(const Tensor& x, const Tensor& mask, nn::KVCache* cache) const {
    const int64_t B = x.size(0), S = x.size(1), H = p_.heads, D = p_.hidden / H;
    Tensor h = p_.pre_norm ? (*attn_ln_)(x) : x;
    Tensor q = (*q_)(h).view({B, S, H, D}), k = (*k_)(h).view({B, S, H, D}), v = (*v_)(h).view({B, S, H, D});
    ops::AttentionOptions o;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(D));
    o.key_padding = mask;
    Tensor r = ops::add(x, (*o_)(nn::cached_attention(q, k, v, cache, idx_, o)));
    if (!p_.pre_norm) r = (*attn_ln_)(r);
    Tensor f = (*fc2_)(ops::activation((*fc1_)(p_.pre_norm ? (*final_ln_)(r) : r), p_.act));
    Tensor out = ops::add(r, f);
    return p_.pre_norm ? out : (*final_ln_)(out);
  }

 private:
  const Params& p_;
  int64_t idx_;
  Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
  LayerNorm *attn_ln_, *final_ln_;
};

// OPTModel: everything sits under `decoder`.
class OPTBackbone : public CachedBackbone {
 public:
  explicit OPTBackbone(const Params& p) : p_(p) {
    auto& dec = child("decoder", std::make_unique<nn::Container>());
    embed_ = &dec.add("embed_tokens", std::make_unique<nn::Embedding>(p.vocab, p.proj));
    pos_ = &dec.add("embed_positions", std::make_unique<nn::Embedding>(p.max_pos + kOffset, p.hidden));
    if (p.proj != p.hidden) {
      proj_out_ = &dec.add("project_out", std::make_unique<Linear>(p.hidden, p.proj, false));
      proj_in_ = &dec.add("project_in", std::make_unique<Linear>(p.proj, p.hidden, false));
    }
    if (p.final_norm) final_ = &dec.add("final_layer_norm", std::make_unique<LayerNorm>(p.hidden, 1e-5f));
    auto& layers = dec.add("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < p.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(p_, i)));
  }
  int64_t hidden_size() const override { return p_.proj; }
  int64_t num_layers() const override { return p_.layers; }
  int64_t vocab_size() const override { return p_.vocab; }
  int64_t max_positions() const override { return p_.max_pos; }
  std::string embedding_key() const override { return "decoder.embed_tokens.weight"; }
  // cumsum(mask) * mask - 1: pads at -1 (row 1 of the offset table), as OPT's forward.
  Tensor default_positions(const Tensor& ids, const Tensor* mask) const override {
    if (!mask) return CachedBackbone::default_positions(ids, mask);
    const Tensor on = ops::ne(*mask, 0);
    return ops::sub(ops::mul(ops::cumsum(on, 1), on), Tensor::full({1}, 1.0)).to(DType::I64);
  }
  Tensor hidden(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache* cache) const override {
    if (ids.dim() != 2) throw ShapeMismatch("OPT: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    const Tensor shifted = ops::add(pos, Tensor::full({1}, static_cast<double>(kOffset))).to(DType::I64);
    Tensor e = (*embed_)(ids);
    if (proj_in_) e = (*proj_in_)(e);
    Tensor h = ops::add(e, (*pos_)(shifted));
    for (const Layer* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, mask, cache);
    }
    if (final_) h = (*final_)(h);
    if (proj_out_) h = (*proj_out_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  Params p_;
  nn::Embedding *embed_, *pos_;
  Linear *proj_in_ = nullptr, *proj_out_ = nullptr;
  LayerNorm* final_ = nullptr;
  std::vector<Layer*> layers_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"model", "OPT", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<OPTBackbone>(Params::from(c));
                               }};
  return f;
}

}  // namespace transformers::opt
