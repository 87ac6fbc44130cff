// BART: transformers/models/bart/modeling_bart.py (v5), parameterized for mBART, Marian, Pegasus
// and M2M100 (see BartParams).
#include "core/output_recorder.hpp"
#include "models/bart/modeling_bart.hpp"

#include <cmath>

#include "io/json.hpp"
#include "transformers/errors.hpp"

namespace transformers::bart {

const std::map<std::string, std::string> kAttributeMap = {
    {"num_attention_heads", "encoder_attention_heads"}, {"hidden_size", "d_model"}, {"num_hidden_layers", "encoder_layers"}};

std::string config_defaults(const std::string& extra) {
  Json j = parse_json(R"({
    "vocab_size": 50265, "max_position_embeddings": 1024, "encoder_layers": 12, "encoder_ffn_dim": 4096,
    "encoder_attention_heads": 16, "decoder_layers": 12, "decoder_ffn_dim": 4096, "decoder_attention_heads": 16,
    "encoder_layerdrop": 0.0, "decoder_layerdrop": 0.0, "activation_function": "gelu", "d_model": 1024, "dropout": 0.1,
    "attention_dropout": 0.0, "activation_dropout": 0.0, "init_std": 0.02, "classifier_dropout": 0.0,
    "scale_embedding": false, "use_cache": true, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
    "is_encoder_decoder": true, "decoder_start_token_id": 2, "forced_eos_token_id": 2, "is_decoder": false,
    "tie_word_embeddings": true
  })", "BART defaults");
  const Json over = parse_json(extra, "config defaults");
  for (auto& [k, v] : over.items()) j[k] = v;
  return j.dump();
}

ConfigSpec config_spec() { return {"bart", "BartConfig", config_defaults(R"({"num_labels": 3})"), kAttributeMap}; }

namespace {

using nn::LayerNorm;
using nn::Linear;

struct Dims {
  BartParams p;
  int64_t d_model, vocab, decoder_vocab, pad, max_positions;
  int64_t enc_layers, enc_heads, enc_ffn, dec_layers, dec_heads, dec_ffn;
  float embed_scale;
  ops::Activation act;
  bool shared;
  int64_t mel_bins = 0, source_positions = 0;
  int64_t cross_dim = 0;  // features the cross-attention keys / values read (TrOCR: cross_attention_hidden_size)
  // decoder_only: a decoder stack on its own (TrOCR), whose config has no encoder_* keys.
  static Dims from(const PretrainedConfig& c, const BartParams& p, bool decoder_only = false) {
    auto enc = [&](const char* key) { return decoder_only ? 0 : c.get_int(key); };
    Dims d{p, c.get_int("d_model"), c.get_int("vocab_size"), 0, c.get_int("pad_token_id", -1), c.get_int(p.max_positions_key),
           enc("encoder_layers"), enc("encoder_attention_heads"), enc("encoder_ffn_dim"),
           c.get_int("decoder_layers"), c.get_int("decoder_attention_heads"), c.get_int("decoder_ffn_dim"), 1.0f,
           ops::activation_from_name(c.get_string("activation_function")), true};
    d.embed_scale = p.embed_scale && c.get_bool("scale_embedding", false) ? std::sqrt(static_cast<float>(d.d_model)) : 1.0f;
    d.shared = !decoder_only && !p.audio_encoder && (!p.marian_vocab || c.get_bool("share_encoder_decoder_embeddings", true));
    if (p.audio_encoder) d.mel_bins = c.get_int("num_mel_bins"), d.source_positions = c.get_int("max_source_positions");
    d.decoder_vocab = p.marian_vocab && !d.shared ? c.get_int("decoder_vocab_size", d.vocab) : d.vocab;
    d.cross_dim = c.get_int("cross_attention_hidden_size", d.d_model);
    for (int64_t h : decoder_only ? std::vector<int64_t>{d.dec_heads} : std::vector<int64_t>{d.enc_heads, d.dec_heads})
      if (h <= 0 || d.d_model % h) throw ConfigError(p.class_prefix + ": d_model must be a multiple of the attention heads");
    if (d.cross_dim <= 0) throw ConfigError(p.class_prefix + ": cross_attention_hidden_size must be positive");
    return d;
  }
};

class Attention : public nn::Module {
 public:
  // kv_dim: the width of what keys and values are projected from (the encoder's, for cross-attention)
  Attention(int64_t d, int64_t heads, bool k_bias, int64_t kv_dim)
      : heads_(heads), scaling_(1.0f / std::sqrt(static_cast<float>(d / heads))) {
    k_proj_ = &child("k_proj", std::make_unique<Linear>(kv_dim, d, k_bias));
    v_proj_ = &child("v_proj", std::make_unique<Linear>(kv_dim, d));
    q_proj_ = &child("q_proj", std::make_unique<Linear>(d, d));
    out_proj_ = &child("out_proj", std::make_unique<Linear>(d, d));
  }
  Tensor self_attention(const Tensor& x, const Tensor& mask, bool causal, nn::KVCache* cache, int64_t layer) const {
    ops::AttentionOptions o = options(mask);
    o.causal = causal;
    return (*out_proj_)(nn::cached_attention(heads_of(*q_proj_, x), heads_of(*k_proj_, x), heads_of(*v_proj_, x), cache, layer, o));
  }
  Tensor cross_attention(const Tensor& x, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache, int64_t layer) const {
    const auto kv = cross_key_values(*k_proj_, *v_proj_, enc, heads_, cache, layer);
    ops::AttentionOptions o = options(enc_mask);
    o.causal = false;
    const Tensor q = heads_of(*q_proj_, x);
    if (cache)
      for (size_t i = 0; i < cache->capture_cross_heads.size(); ++i)
        if (cache->capture_cross_heads[i].first == layer) {
          cache->captured_cross.resize(cache->capture_cross_heads.size());
          cache->captured_cross[i] = nn::attention_probs(q, kv.k, cache->capture_cross_heads[i].second, scaling_, enc_mask);
        }
    const record::AttentionsAs cross("cross_attentions");
    return (*out_proj_)(ops::attention(q.permute({0, 2, 1, 3}), kv.k.permute({0, 2, 1, 3}), kv.v.permute({0, 2, 1, 3}), o));
  }

 private:
  Tensor heads_of(const Linear& proj, const Tensor& x) const { return proj(x).view({x.size(0), x.size(1), heads_, -1}); }
  ops::AttentionOptions options(const Tensor& mask) const {
    ops::AttentionOptions o;
    o.scaling = scaling_;
    o.key_padding = mask;
    return o;
  }
  int64_t heads_;
  float scaling_;
  Linear *k_proj_, *v_proj_, *q_proj_, *out_proj_;
};

// Encoder and decoder layers: self-attention, (decoder) cross-attention, feed-forward, each a
// residual around a LayerNorm placed before (pre-norm) or after (post-norm) it.
class Layer : public nn::Module {
 public:
  Layer(const Dims& d, bool decoder) : d_(d) {
    const int64_t heads = decoder ? d.dec_heads : d.enc_heads, ffn = decoder ? d.dec_ffn : d.enc_ffn;
    self_attn_ = &child("self_attn", std::make_unique<Attention>(d.d_model, heads, d.p.k_proj_bias, d.d_model));
    self_attn_layer_norm_ = &child("self_attn_layer_norm", std::make_unique<LayerNorm>(d.d_model, 1e-5f));
    if (decoder) {
      encoder_attn_ = &child("encoder_attn", std::make_unique<Attention>(d.d_model, heads, d.p.k_proj_bias, d.cross_dim));
      encoder_attn_layer_norm_ = &child("encoder_attn_layer_norm", std::make_unique<LayerNorm>(d.d_model, 1e-5f));
    }
    fc1_ = &child("fc1", std::make_unique<Linear>(d.d_model, ffn));
    fc2_ = &child("fc2", std::make_unique<Linear>(ffn, d.d_model));
    final_layer_norm_ = &child("final_layer_norm", std::make_unique<LayerNorm>(d.d_model, 1e-5f));
  }
  Tensor operator()(Tensor h, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache, int64_t idx) const {
    const bool decoder = encoder_attn_ != nullptr;
    h = residual(h, *self_attn_layer_norm_, [&](const Tensor& x) { return self_attn_->self_attention(x, mask, decoder, cache, idx); });
    // Without encoder states (the *ForCausalLM decoder-only use) Python skips cross-attention.
    if (decoder && enc.defined())
      h = residual(h, *encoder_attn_layer_norm_, [&](const Tensor& x) { return encoder_attn_->cross_attention(x, enc, enc_mask, cache, idx); });
    return residual(h, *final_layer_norm_, [&](const Tensor& x) { return (*fc2_)(ops::activation((*fc1_)(x), d_.act)); });
  }

 private:
  template <typename F>
  Tensor residual(const Tensor& h, const LayerNorm& norm, F&& f) const {
    return d_.p.pre_norm ? ops::add(h, f(norm(h))) : norm(ops::add(h, f(h)));
  }
  const Dims& d_;
  Attention *self_attn_, *encoder_attn_ = nullptr;
  LayerNorm *self_attn_layer_norm_, *encoder_attn_layer_norm_ = nullptr, *final_layer_norm_;
  Linear *fc1_, *fc2_;
};

// Position embeddings [B, S, d] of ids [B, S] that follow `past` earlier tokens.
Tensor sinusoidal(const Dims& d, const std::vector<int64_t>& pos, int64_t B, int64_t S) {
  const int64_t D = d.d_model;
  Tensor out = Tensor::zeros({B, S, D});
  float* o = out.data<float>();
  if (d.p.positions == Positions::Sinusoidal) {
    // Marian/Pegasus: angle pos / 10000^(2*(j//2)/D) in double; sin of the even columns fill the
    // first ceil(D/2) entries, cos of the odd ones the rest.
    const int64_t sentinel = (D + 1) / 2;
    for (int64_t r = 0; r < B * S; ++r) {
      const double p = static_cast<double>(pos[r]);
      for (int64_t j = 0; j < D; ++j) {
        const double angle = p / std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(D));
        if (j % 2 == 0) o[r * D + j / 2] = static_cast<float>(std::sin(angle));
        else o[r * D + sentinel + j / 2] = static_cast<float>(std::cos(angle));
      }
    }
    return out;
  }
  // M2M100 (fairseq): float32 frequencies exp(-i * log(10000) / (half - 1)); the padding row is 0.
  const int64_t half = D / 2;
  const float step = static_cast<float>(std::log(10000.0) / static_cast<double>(half - 1));
  for (int64_t r = 0; r < B * S; ++r) {
    if (pos[r] == d.pad) continue;
    for (int64_t i = 0; i < half; ++i) {
      const float a = static_cast<float>(pos[r]) * std::exp(static_cast<float>(i) * -step);
      o[r * D + i] = std::sin(a);
      o[r * D + half + i] = std::cos(a);
    }
  }
  return out;
}

class Stack : public nn::Module {
 public:
  Stack(const Dims& d, bool decoder) : d_(d) {
    if (!decoder && d.p.audio_encoder) {
      conv1_ = &child("conv1", std::make_unique<nn::Conv1d>(d.mel_bins, d.d_model, 3, nn::Conv1d::Options{.padding = 1}));
      conv2_ = &child("conv2", std::make_unique<nn::Conv1d>(d.d_model, d.d_model, 3, nn::Conv1d::Options{.stride = 2, .padding = 1}));
      embed_positions_ = &child("embed_positions", std::make_unique<nn::Embedding>(d.source_positions, d.d_model));
    } else {
      embed_tokens_ = &child("embed_tokens", std::make_unique<nn::Embedding>(decoder ? d.decoder_vocab : d.vocab, d.d_model));
    }
    if (d.p.positions == Positions::Learned && !embed_positions_)
      embed_positions_ = &child("embed_positions", std::make_unique<nn::Embedding>(d.max_positions + d.p.position_offset, d.d_model));
    auto& layers = child("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < (decoder ? d.dec_layers : d.enc_layers); ++i)
      layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d, decoder)));
    if (d.p.layernorm_embedding) layernorm_embedding_ = &child("layernorm_embedding", std::make_unique<LayerNorm>(d.d_model, 1e-5f));
    if (d.p.pre_norm) layer_norm_ = &child("layer_norm", std::make_unique<LayerNorm>(d.d_model, 1e-5f));
  }
  Tensor operator()(const Tensor& ids0, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache,
                    std::vector<Tensor>* states = nullptr) const {
    if (conv1_) return audio(ids0, states);
    if (states) throw ValueError(d_.p.class_prefix + ": hidden states are exposed for the audio encoder only");
    if (ids0.dim() != 2) throw ShapeMismatch(d_.p.class_prefix + ": input ids must be [batch, seq], got " + shape_str(ids0.shape()));
    const Tensor ids = ids0.to(DType::I64).contiguous();
    const int64_t past = cache ? cache->get_seq_length() : 0;
    Tensor h = (*embed_tokens_)(ids);
    if (d_.embed_scale != 1.0f) h = ops::scale(h, d_.embed_scale);
    // Python derives them from the mask in prepare_inputs_for_generation only: forward counts on.
    h = ops::add(h, positions(ids, past, d_.p.positions_from_mask && cache ? mask : Tensor()));
    if (layernorm_embedding_) h = (*layernorm_embedding_)(h);
    for (size_t i = 0; i < layers_.size(); ++i) {
      record::hidden_state(h);
      h = (*layers_[i])(h, mask, enc, enc_mask, cache, static_cast<int64_t>(i));
    }
    if (layer_norm_) h = (*layer_norm_)(h);
    record::hidden_state(h);
    return h;
  }

 private:
  Tensor positions(const Tensor& ids, int64_t past, const Tensor& mask) const {
    const int64_t B = ids.size(0), S = ids.size(1);
    if (d_.p.positions != Positions::Fairseq && past + S > d_.max_positions)
      throw ValueError(d_.p.class_prefix + ": sequence of " + std::to_string(past + S) + " tokens is longer than max_position_embeddings " +
                       std::to_string(d_.max_positions));
    if (mask.defined() && d_.p.positions == Positions::Learned) {
      if (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != past + S)
        throw ShapeMismatch(d_.p.class_prefix + ": decoder_attention_mask must be [batch, past + new tokens]");
      // real tokens: cumsum(mask) - 1 + offset, padding 0 (positions are exact in fp32)
      const Tensor real = ops::ne(is_floating(mask.dtype()) ? mask.to(DType::I64) : mask, 0);
      const Tensor pos = ops::mul(ops::add(ops::cumsum(real, 1), Tensor::full({1}, static_cast<double>(d_.p.position_offset - 1))), real);
      return (*embed_positions_)(pos.slice(1, past, past + S).to(DType::I64));
    }
    Tensor pos;
    if (d_.p.positions == Positions::Fairseq) {
      // create_position_ids_from_input_ids: non-pad tokens count on from pad + 1 + past
      const Tensor real = ops::ne(ids, d_.pad);
      pos = ops::add(ops::mul(ops::add(ops::cumsum(real, 1), Tensor::full({1}, static_cast<double>(past))), real),
                     Tensor::full({1}, static_cast<double>(d_.pad)));
    } else {
      const int64_t first = past + (d_.p.positions == Positions::Learned ? d_.p.position_offset : 0);
      pos = ops::add(Tensor::zeros({B, 1}), ops::arange(first, first + S).view({1, S}));  // each row counts on from `first`
    }
    pos = pos.to(DType::I64);
    if (d_.p.positions == Positions::Learned) return (*embed_positions_)(pos);
    return sinusoidal(d_, pos.to_ints(), B, S);
  }

  // Whisper's encoder: input_features [B, mel bins, 2 * max_source_positions].
  Tensor audio(const Tensor& features, std::vector<Tensor>* states) const {
    const int64_t want = 2 * d_.source_positions;
    if (features.dim() != 3 || features.size(1) != d_.mel_bins || features.size(2) != want)
      throw ValueError(d_.p.class_prefix + " expects the mel input features to be of shape [batch, " + std::to_string(d_.mel_bins) + ", " +
                       std::to_string(want) + "], got " + shape_str(features.shape()) + "; pad the features to " + std::to_string(want) + " frames");
    Tensor h = ops::gelu((*conv2_)(ops::gelu((*conv1_)(features))));
    h = ops::add(h.transpose(1, 2).contiguous(), embed_positions_->weight);
    for (size_t i = 0; i < layers_.size(); ++i) {
      if (states) states->push_back(h);
      record::hidden_state(h);
      h = (*layers_[i])(h, {}, {}, {}, nullptr, static_cast<int64_t>(i));
    }
    h = layer_norm_ ? (*layer_norm_)(h) : h;
    if (states) states->push_back(h);
    record::hidden_state(h);
    return h;
  }

  const Dims& d_;
  nn::Conv1d *conv1_ = nullptr, *conv2_ = nullptr;
  nn::Embedding *embed_tokens_ = nullptr, *embed_positions_ = nullptr;
  std::vector<Layer*> layers_;
  LayerNorm *layernorm_embedding_ = nullptr, *layer_norm_ = nullptr;
};

class BartBackbone : public Seq2SeqBackbone {
 public:
  BartBackbone(const PretrainedConfig& c, const BartParams& p, bool encoder_only) : d_(Dims::from(c, p)) {
    if (d_.shared) child("shared", std::make_unique<nn::Embedding>(d_.vocab, d_.d_model));
    encoder_ = &child("encoder", std::make_unique<Stack>(d_, false));
    if (!encoder_only) decoder_ = &child("decoder", std::make_unique<Stack>(d_, true));
  }
  Tensor encode(const Tensor& ids, const Tensor& mask) const override { return (*encoder_)(ids, mask, {}, {}, nullptr); }
  Tensor encode(const Tensor& ids, const Tensor& mask, std::vector<Tensor>& states) const override {
    return (*encoder_)(ids, mask, {}, {}, nullptr, &states);
  }
  Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const override {
    if (!decoder_) throw ValueError(d_.p.class_prefix + ": this model has no decoder");
    if (!enc.defined()) throw ValueError(d_.p.class_prefix + ": the decoder needs the encoder output");
    return (*decoder_)(ids, mask, enc, enc_mask, cache);
  }
  int64_t hidden_size() const override { return d_.d_model; }
  int64_t num_decoder_layers() const override { return d_.dec_layers; }
  int64_t decoder_vocab_size() const override { return d_.decoder_vocab; }
  int64_t max_positions() const override { return d_.p.positions == Positions::Fairseq ? 0 : d_.max_positions; }
  std::vector<std::pair<std::string, std::string>> tied_embeddings() const override {
    if (!d_.shared) return {};
    return {{"encoder.embed_tokens.weight", "shared.weight"}, {"decoder.embed_tokens.weight", "shared.weight"}};
  }
  std::string lm_head_tie_source() const override { return d_.shared ? "shared.weight" : "decoder.embed_tokens.weight"; }
  std::string lm_head_name() const override { return d_.p.audio_encoder ? "proj_out" : "lm_head"; }
  bool has_final_logits_bias() const override { return d_.p.final_logits_bias; }
  bool base_shifts_inputs() const override { return d_.p.base_shifts; }
  Tensor shift_right(const Tensor& input_ids, const PretrainedConfig& c) const override {
    if (!d_.p.mbart_shift) return Seq2SeqBackbone::shift_right(input_ids, c);
    // mBART: the last non-pad token of each row (its language id) moves to the front.
    if (!c.has("pad_token_id")) throw ValueError("pad_token_id has to be defined in the config to derive decoder_input_ids");
    const int64_t B = input_ids.size(0), S = input_ids.size(1), pad = c.get_int("pad_token_id");
    if (S == 0) return input_ids.to(DType::I64);
    // Label padding (-100) read as pad; ids stay exact in fp32 (vocabularies are far below 2^24).
    const Tensor ids = ops::where(ops::eq(input_ids, -100), Tensor::full({1}, static_cast<double>(pad)), input_ids).to(DType::I64);
    const std::vector<int64_t> n = ops::sum(ops::ne(ids, pad), 1).to_ints();
    // Python gathers at index n - 1, wrapping to the last column when a row is all padding.
    std::vector<int64_t> at(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) at[static_cast<size_t>(b)] = b * S + (n[static_cast<size_t>(b)] > 0 ? n[static_cast<size_t>(b)] - 1 : S - 1);
    const Tensor first = ops::gather_rows(ids.reshape({B * S, 1}), Tensor::from_ints(at, {B}));
    return ops::concat({first, ids.slice(1, 0, S - 1)}, 1);
  }

 private:
  Dims d_;
  Stack *encoder_, *decoder_ = nullptr;
};

class StandaloneDecoder : public CrossAttentionDecoder {
 public:
  StandaloneDecoder(const PretrainedConfig& c, const BartParams& p) : d_(Dims::from(c, p, true)), stack_(child("", std::make_unique<Stack>(d_, true))) {}
  Tensor operator()(const Tensor& ids, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const override {
    return stack_(ids, mask, enc, enc_mask, cache);
  }
  int64_t max_positions() const override { return d_.p.positions == Positions::Fairseq ? 0 : d_.max_positions; }
  int64_t vocab_size() const override { return d_.vocab; }

 private:
  Dims d_;
  Stack& stack_;
};

// *ForCausalLM (BartForCausalLM, MBart..., Marian..., Pegasus...): the decoder alone under
// model.decoder (Python's *DecoderWrapper), causal self-attention over input_ids, no cross-attention,
// lm_head tied to the decoder's embed_tokens.
class ForCausalLM : public Model {
 public:
  ForCausalLM(const PretrainedConfig& c, const BartParams& p) : Model(c), p_(p) {
    auto& model = child("model", std::make_unique<nn::Container>());
    decoder_ = &model.add("decoder", std::make_unique<StandaloneDecoder>(c, p));
    lm_head_ = &child(head_name(), std::make_unique<Linear>(c.get_int("d_model"), decoder_->vocab_size(), false));
  }
  std::string base_model_prefix() const override { return "model"; }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{head_name() + ".weight", "model.decoder.embed_tokens.weight"}};
  }
  std::vector<std::string> may_be_missing() const override { return {head_name() + "."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor& ids = require_input(in, "input_ids", p_.class_prefix + "ForCausalLM");
    const Tensor* mask = find_input(in, "attention_mask");
    ModelOutput o;
    o.set("logits", (*lm_head_)((*decoder_)(ids, mask ? *mask : Tensor(), {}, {}, nullptr)));
    return o;
  }

 private:
  std::string head_name() const { return p_.audio_encoder ? "proj_out" : "lm_head"; }  // Whisper: proj_out
  BartParams p_;
  StandaloneDecoder* decoder_;
  Linear* lm_head_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_causal_lm(const PretrainedConfig& c, const BartParams& p) { return std::make_unique<ForCausalLM>(c, p); }
std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return make_causal_lm(c, BartParams{}); }

std::unique_ptr<CrossAttentionDecoder> make_decoder_stack(const PretrainedConfig& c, const BartParams& p) {
  return std::make_unique<StandaloneDecoder>(c, p);
}

Seq2SeqFamily family_for(const BartParams& p) {
  return {"model", p.class_prefix, false, p.audio_encoder ? "input_features" : "input_ids",
          [p](const PretrainedConfig& c, bool encoder_only) { return std::make_unique<BartBackbone>(c, p, encoder_only); }};
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = family_for(BartParams{});
  return f;
}

}  // namespace transformers::bart
