// T5: transformers/models/t5/modeling_t5.py (v5).
#include "core/output_recorder.hpp"
#include "models/t5/modeling_t5.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::t5 {

ConfigSpec config_spec() {
  return {"t5", "T5Config", R"({
    "vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6, "num_decoder_layers": null,
    "num_heads": 8, "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128, "dropout_rate": 0.1,
    "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0, "feed_forward_proj": "relu", "is_encoder_decoder": true,
    "use_cache": true, "pad_token_id": 0, "eos_token_id": 1, "classifier_dropout": 0.0, "is_decoder": false
  })",
          {{"hidden_size", "d_model"}, {"num_attention_heads", "num_heads"}, {"num_hidden_layers", "num_layers"}, {"head_dim", "d_kv"}}};
}

namespace {

using nn::Linear;
using nn::RMSNorm;

struct Dims {
  int64_t vocab, d_model, d_kv, d_ff, enc_layers, dec_layers, heads, buckets, max_distance;
  float eps;
  ops::Activation act;
  bool gated, scale_outputs;
  static Dims from(const PretrainedConfig& c) {
    Dims d{c.get_int("vocab_size"), c.get_int("d_model"), c.get_int("d_kv"), c.get_int("d_ff"), c.get_int("num_layers"), 0,
           c.get_int("num_heads"), c.get_int("relative_attention_num_buckets"), c.get_int("relative_attention_max_distance"),
           static_cast<float>(c.get_float("layer_norm_epsilon")), ops::Activation::Relu, false, true};
    d.dec_layers = c.get_int("num_decoder_layers", d.enc_layers);
    // T5Config.__post_init__: "gated-<act>" or "<act>"; gated-gelu means gelu_new.
    const std::string proj = c.get_string("feed_forward_proj");
    const auto dash = proj.find('-');
    if (dash != std::string::npos && (proj.substr(0, dash) != "gated" || proj.find('-', dash + 1) != std::string::npos))
      throw ConfigError("T5: feed_forward_proj '" + proj + "' must be 'gated-{ACT_FN}' or '{ACT_FN}'");
    d.gated = dash != std::string::npos;
    d.act = ops::activation_from_name(proj == "gated-gelu" ? "gelu_new" : proj.substr(dash == std::string::npos ? 0 : dash + 1));
    // Original T5 scales the decoder output by d_model^-0.5 before the tied LM head; v1.1 (saved
    // with tie_word_embeddings false) does not.
    d.scale_outputs = c.has("scale_decoder_outputs") ? c.get_bool("scale_decoder_outputs") : c.get_bool("tie_word_embeddings", true);
    if (d.heads <= 0 || d.d_kv <= 0) throw ConfigError("T5: num_heads and d_kv must be positive");
    // Bidirectional buckets split in half, then in exact and logarithmic halves again.
    if (d.buckets < 4 || d.max_distance <= d.buckets / 2)
      throw ConfigError("T5: relative_attention_num_buckets must be at least 4 and relative_attention_max_distance larger than half of it");
    return d;
  }
};

// _relative_position_bucket, in float32 as torch computes it.
int64_t relative_bucket(int64_t rel, bool bidirectional, int64_t num_buckets, int64_t max_distance) {
  int64_t bucket = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (rel > 0) bucket += num_buckets;
    rel = std::abs(rel);
  } else {
    rel = -std::min<int64_t>(rel, 0);
  }
  const int64_t max_exact = num_buckets / 2;
  if (rel < max_exact) return bucket + rel;
  const float scaled = std::log(static_cast<float>(rel) / static_cast<float>(max_exact)) /
                       static_cast<float>(std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact))) *
                       static_cast<float>(num_buckets - max_exact);
  return bucket + std::min(max_exact + static_cast<int64_t>(scaled), num_buckets - 1);
}

class Attention : public nn::Module {
 public:
  Attention(const Dims& d, bool relative_bias) : d_(d) {
    const int64_t inner = d.heads * d.d_kv;
    q_ = &child("q", std::make_unique<Linear>(d.d_model, inner, false));
    k_ = &child("k", std::make_unique<Linear>(d.d_model, inner, false));
    v_ = &child("v", std::make_unique<Linear>(d.d_model, inner, false));
    o_ = &child("o", std::make_unique<Linear>(inner, d.d_model, false));
    if (relative_bias) bias_ = &child("relative_attention_bias", std::make_unique<nn::Embedding>(d.buckets, d.heads));
  }
  // compute_bias: [H, S, T] for queries past..past+S-1 against keys 0..T-1.
  Tensor compute_bias(int64_t S, int64_t T, int64_t past, bool bidirectional) const {
    std::vector<int64_t> buckets(static_cast<size_t>(S * T));
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = 0; j < T; ++j) buckets[i * T + j] = relative_bucket(j - (past + i), bidirectional, d_.buckets, d_.max_distance);
    Tensor values = ops::embedding(bias_->weight, Tensor::from_ints(buckets, {S, T}));  // [S, T, H]
    return values.permute({2, 0, 1}).contiguous();
  }
  bool has_relative_bias() const { return bias_ != nullptr; }
  Tensor self_attention(const Tensor& x, const Tensor& mask, const Tensor& bias, bool causal, nn::KVCache* cache, int64_t layer) const {
    ops::AttentionOptions o;
    o.causal = causal, o.key_padding = mask, o.bias = bias;
    return (*o_)(nn::cached_attention(heads_of(*q_, x), heads_of(*k_, x), heads_of(*v_, x), cache, layer, o));
  }
  Tensor cross_attention(const Tensor& x, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache, int64_t layer) const {
    const auto kv = cross_key_values(*k_, *v_, enc, d_.heads, cache, layer);
    ops::AttentionOptions o;
    o.causal = false, o.key_padding = enc_mask;
    const record::AttentionsAs cross("cross_attentions");
    return (*o_)(ops::attention(heads_of(*q_, x).permute({0, 2, 1, 3}), kv.k.permute({0, 2, 1, 3}), kv.v.permute({0, 2, 1, 3}), o));
  }

 private:
  Tensor heads_of(const Linear& proj, const Tensor& x) const { return proj(x).view({x.size(0), x.size(1), d_.heads, d_.d_kv}); }
  const Dims& d_;
  Linear *q_, *k_, *v_, *o_;
  nn::Embedding* bias_ = nullptr;
};

// T5LayerSelfAttention / T5LayerCrossAttention: the attention module plus its pre-norm.
class AttentionLayer : public nn::Module {
 public:
  AttentionLayer(const Dims& d, const std::string& name, bool relative_bias)
      : attention(child(name, std::make_unique<Attention>(d, relative_bias))),
        layer_norm(child("layer_norm", std::make_unique<RMSNorm>(d.d_model, d.eps))) {}
  Attention& attention;
  RMSNorm& layer_norm;
};

class FeedForward : public nn::Module {
 public:
  explicit FeedForward(const Dims& d) : d_(d) {
    auto& dense = child("DenseReluDense", std::make_unique<nn::Container>());
    if (d.gated) {
      wi_ = &dense.add("wi_0", std::make_unique<Linear>(d.d_model, d.d_ff, false));
      wi_1_ = &dense.add("wi_1", std::make_unique<Linear>(d.d_model, d.d_ff, false));
    } else {
      wi_ = &dense.add("wi", std::make_unique<Linear>(d.d_model, d.d_ff, false));
    }
    wo_ = &dense.add("wo", std::make_unique<Linear>(d.d_ff, d.d_model, false));
    layer_norm_ = &child("layer_norm", std::make_unique<RMSNorm>(d.d_model, d.eps));
  }
  Tensor operator()(const Tensor& h) const {
    const Tensor x = (*layer_norm_)(h);
    Tensor a = ops::activation((*wi_)(x), d_.act);
    if (wi_1_) a = ops::mul(a, (*wi_1_)(x));
    return ops::add(h, (*wo_)(a));
  }

 private:
  const Dims& d_;
  Linear *wi_, *wi_1_ = nullptr, *wo_;
  RMSNorm* layer_norm_;
};

class Block : public nn::Module {
 public:
  Block(const Dims& d, bool decoder, bool relative_bias) {
    auto& layer = child("layer", std::make_unique<nn::Container>());
    self_ = &layer.add("0", std::make_unique<AttentionLayer>(d, "SelfAttention", relative_bias));
    if (decoder) cross_ = &layer.add("1", std::make_unique<AttentionLayer>(d, "EncDecAttention", false));
    ff_ = &layer.add(decoder ? "2" : "1", std::make_unique<FeedForward>(d));
  }
  Tensor operator()(Tensor h, const Tensor& mask, const Tensor& bias, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache,
                    int64_t idx) const {
    h = ops::add(h, self_->attention.self_attention(self_->layer_norm(h), mask, bias, cross_ != nullptr, cache, idx));
    if (cross_) h = ops::add(h, cross_->attention.cross_attention(cross_->layer_norm(h), enc, enc_mask, cache, idx));
    return (*ff_)(h);
  }
  const Attention& self_attention() const { return self_->attention; }

 private:
  AttentionLayer *self_, *cross_ = nullptr;
  FeedForward* ff_;
};

class Stack : public nn::Module {
 public:
  Stack(const Dims& d, bool decoder) : decoder_(decoder) {
    embed_tokens_ = &child("embed_tokens", std::make_unique<nn::Embedding>(d.vocab, d.d_model));
    auto& block = child("block", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < (decoder ? d.dec_layers : d.enc_layers); ++i)
      blocks_.push_back(&block.add(std::to_string(i), std::make_unique<Block>(d, decoder, i == 0)));
    final_layer_norm_ = &child("final_layer_norm", std::make_unique<RMSNorm>(d.d_model, d.eps));
  }
  Tensor operator()(const Tensor& ids, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const {
    if (ids.dim() != 2) throw ShapeMismatch("T5: input ids must be [batch, seq], got " + shape_str(ids.shape()));
    const int64_t S = ids.size(1), past = cache ? cache->get_seq_length() : 0;
    Tensor h = (*embed_tokens_)(ids);
    // The first layer's relative position bias serves every layer of the stack.
    const Tensor bias = blocks_.empty() ? Tensor() : blocks_[0]->self_attention().compute_bias(S, past + S, past, !decoder_);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      record::hidden_state(h);
      h = (*blocks_[i])(h, mask, bias, enc, enc_mask, cache, static_cast<int64_t>(i));
    }
    h = (*final_layer_norm_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  bool decoder_;
  nn::Embedding* embed_tokens_;
  std::vector<Block*> blocks_;
  RMSNorm* final_layer_norm_;
};

class T5Backbone : public Seq2SeqBackbone {
 public:
  T5Backbone(const PretrainedConfig& c, bool encoder_only) : d_(Dims::from(c)) {
    child("shared", std::make_unique<nn::Embedding>(d_.vocab, d_.d_model));
    encoder_ = &child("encoder", std::make_unique<Stack>(d_, false));
    if (!encoder_only) decoder_ = &child("decoder", std::make_unique<Stack>(d_, true));
  }
  Tensor encode(const Tensor& ids, const Tensor& mask) const override { return (*encoder_)(ids, mask, {}, {}, nullptr); }
  Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const override {
    if (!decoder_) throw ValueError("T5: this model has no decoder");
    if (!enc.defined()) throw ValueError("T5: the decoder needs the encoder output");
    return (*decoder_)(ids, mask, enc, enc_mask, cache);
  }
  int64_t hidden_size() const override { return d_.d_model; }
  int64_t num_decoder_layers() const override { return d_.dec_layers; }
  int64_t decoder_vocab_size() const override { return d_.vocab; }
  std::vector<std::pair<std::string, std::string>> tied_embeddings() const override {
    return {{"encoder.embed_tokens.weight", "shared.weight"}, {"decoder.embed_tokens.weight", "shared.weight"}};
  }
  std::string lm_head_tie_source() const override { return "shared.weight"; }
  float decoder_output_scale() const override { return d_.scale_outputs ? static_cast<float>(std::pow(static_cast<double>(d_.d_model), -0.5)) : 1.0f; }
  bool always_ties_embeddings() const override { return true; }

 private:
  Dims d_;
  Stack *encoder_, *decoder_ = nullptr;
};

}  // namespace

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f{"transformer", "T5", true, "input_ids",
                               [](const PretrainedConfig& c, bool encoder_only) { return std::make_unique<T5Backbone>(c, encoder_only); }};
  return f;
}

}  // namespace transformers::t5
