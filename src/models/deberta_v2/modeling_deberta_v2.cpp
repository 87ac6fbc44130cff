// DeBERTa-v2: transformers/models/deberta_v2/modeling_deberta_v2.py (v5).
#include "core/output_recorder.hpp"
#include "models/deberta_v2/modeling_deberta_v2.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::deberta_v2 {

ConfigSpec config_spec() {
  return {"deberta-v2", "DebertaV2Config", R"({
    "vocab_size": 128100, "hidden_size": 1536, "num_hidden_layers": 24, "num_attention_heads": 24,
    "intermediate_size": 6144, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512, "type_vocab_size": 0, "initializer_range": 0.02, "layer_norm_eps": 1e-7,
    "relative_attention": false, "max_relative_positions": -1, "pad_token_id": 0, "bos_token_id": null,
    "eos_token_id": null, "position_biased_input": true, "pos_att_type": null, "pooler_dropout": 0.0,
    "pooler_hidden_act": "gelu", "legacy": true, "tie_word_embeddings": true
  })"};
}

namespace {

using nn::Container;
using nn::Embedding;
using nn::LayerNorm;
using nn::Linear;

struct Dims {
  int64_t vocab, hidden, embedding, layers, heads, head_dim, intermediate, max_pos, type_vocab, span = 0, buckets = 0, max_rel = 0;
  int64_t conv_kernel = 0, conv_groups = 1, pooler_hidden;
  float eps;
  bool relative, position_biased_input, share_att_key, c2p, p2c, norm_rel_ebd;
  ops::Activation act, conv_act, pooler_act;

  static Dims from(const PretrainedConfig& c) {
    Dims d{};
    d.vocab = c.get_int("vocab_size"), d.hidden = c.get_int("hidden_size"), d.embedding = c.get_int("embedding_size", d.hidden);
    d.layers = c.get_int("num_hidden_layers"), d.heads = c.get_int("num_attention_heads");
    d.intermediate = c.get_int("intermediate_size"), d.max_pos = c.get_int("max_position_embeddings");
    d.type_vocab = c.get_int("type_vocab_size", 0);
    d.eps = static_cast<float>(c.get_float("layer_norm_eps"));
    if (d.hidden <= 0 || d.heads <= 0 || d.hidden % d.heads)
      throw ConfigError("The hidden size (" + std::to_string(d.hidden) + ") is not a multiple of the number of attention heads (" +
                        std::to_string(d.heads) + ")");
    d.head_dim = c.get_int("attention_head_size", d.hidden / d.heads);
    d.act = ops::activation_from_name(c.get_string("hidden_act"));
    d.relative = c.get_bool("relative_attention", false);
    d.position_biased_input = c.get_bool("position_biased_input", true);
    d.share_att_key = c.get_bool("share_att_key", false);
    // pos_att_type: a list, or the older "p2c|c2p" string
    std::vector<std::string> types;
    if (c.has("pos_att_type")) {
      try {
        types = c.get_string_list("pos_att_type");
      } catch (const ConfigError&) {
        const std::string s = c.get_string("pos_att_type");
        for (size_t b = 0, e; b <= s.size(); b = e + 1) {
          e = s.find('|', b);
          if (e == std::string::npos) e = s.size();
          std::string t = s.substr(b, e - b);
          t.erase(0, t.find_first_not_of(' '));
          t.erase(t.find_last_not_of(' ') + 1);
          for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          types.push_back(t);
        }
      }
    }
    for (const auto& t : types) d.c2p |= t == "c2p", d.p2c |= t == "p2c";
    if (d.relative) {
      d.max_rel = c.get_int("max_relative_positions", -1);
      if (d.max_rel < 1) d.max_rel = d.max_pos;
      d.buckets = c.get_int("position_buckets", -1);
      d.span = d.buckets > 0 ? d.buckets : d.max_rel;
    }
    std::string norm_rel = c.get_string("norm_rel_ebd", "none");
    for (auto& ch : norm_rel) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    d.norm_rel_ebd = norm_rel.find("layer_norm") != std::string::npos;
    d.conv_kernel = c.get_int("conv_kernel_size", 0), d.conv_groups = c.get_int("conv_groups", 1);
    d.conv_act = ops::activation_from_name(c.get_string("conv_act", "tanh"));
    d.pooler_hidden = c.get_int("pooler_hidden_size", d.hidden);
    d.pooler_act = ops::activation_from_name(c.get_string("pooler_hidden_act", "gelu"));
    if (d.vocab <= 0 || d.max_pos <= 0 || d.layers < 0 || d.intermediate <= 0) throw ConfigError("DebertaV2Config: sizes must be positive");
    return d;
  }
};

// make_log_bucket_position in float32 as torch computes it (the ceil must see the same value).
int64_t log_bucket(int64_t rel, int64_t bucket_size, int64_t max_position) {
  const int64_t mid = bucket_size / 2;
  const int64_t sign = rel > 0 ? 1 : rel < 0 ? -1 : 0;
  const int64_t abs_pos = (rel < mid && rel > -mid) ? mid - 1 : std::abs(rel);
  if (abs_pos <= mid) return rel;
  const float ratio = static_cast<float>(abs_pos) / static_cast<float>(mid);
  const float denom = std::log(static_cast<float>(static_cast<double>(max_position - 1) / static_cast<double>(mid)));
  const float log_pos = std::ceil(std::log(ratio) / denom * static_cast<float>(mid - 1)) + static_cast<float>(mid);
  return static_cast<int64_t>(log_pos) * sign;
}

class Layer : public nn::Module {
 public:
  explicit Layer(const Dims& d) : d_(d) {
    auto& att = child("attention", std::make_unique<Container>());
    auto& self = att.add("self", std::make_unique<Container>());
    const int64_t all = d.heads * d.head_dim;
    q_ = &self.add("query_proj", std::make_unique<Linear>(d.hidden, all));
    k_ = &self.add("key_proj", std::make_unique<Linear>(d.hidden, all));
    v_ = &self.add("value_proj", std::make_unique<Linear>(d.hidden, all));
    if (d.relative && !d.share_att_key) {
      if (d.c2p) pos_k_ = &self.add("pos_key_proj", std::make_unique<Linear>(d.hidden, all));
      if (d.p2c) pos_q_ = &self.add("pos_query_proj", std::make_unique<Linear>(d.hidden, all));
    }
    auto& out = att.add("output", std::make_unique<Container>());
    o_ = &out.add("dense", std::make_unique<Linear>(all, d.hidden));
    attn_norm_ = &out.add("LayerNorm", std::make_unique<LayerNorm>(d.hidden, d.eps));
    ffn_in_ = &child("intermediate", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(d.hidden, d.intermediate));
    auto& o2 = child("output", std::make_unique<Container>());
    ffn_out_ = &o2.add("dense", std::make_unique<Linear>(d.intermediate, d.hidden));
    out_norm_ = &o2.add("LayerNorm", std::make_unique<LayerNorm>(d.hidden, d.eps));
  }

  // x [B, S, H]; mask [B, 1, S, S] additive (pairs of real tokens 0, else the fp32 minimum);
  // rel [S, S] bucketed relative positions; rel_emb [2 * span, H] or undefined.
  Tensor operator()(const Tensor& x, const Tensor& mask, const std::vector<int64_t>& rel, const Tensor& rel_emb) const {
    const int64_t B = x.size(0), S = x.size(1), H = d_.heads, D = d_.head_dim;
    const Tensor q = nn::split_heads((*q_)(x), H), k = nn::split_heads((*k_)(x), H), v = nn::split_heads((*v_)(x), H);  // [B, H, S, D]
    const float sf = 1.0f + (d_.c2p ? 1.0f : 0.0f) + (d_.p2c ? 1.0f : 0.0f);
    const float scale = std::sqrt(static_cast<float>(D) * sf);
    Tensor scores = ops::scale(ops::matmul(q, k, false, true), 1.0f / scale);  // [B, H, S, S]
    if (d_.relative && (d_.c2p || d_.p2c)) {
      const int64_t span2 = 2 * d_.span;
      const Tensor re = rel_emb.slice(0, 0, std::min<int64_t>(span2, rel_emb.size(0))).contiguous();
      const int64_t R = re.size(0);
      Tensor bias = Tensor::zeros({B, H, S, S});
      float* bp = bias.data<float>();
      auto add_scores = [&](const Linear& proj, const Tensor& rows, bool c2p) {
        // rows [B, H, S, D] · projected positions [H, R, D] -> [B, H, S, R], gathered by bucket
        const Tensor pos = proj(re);  // [R, H * D]
        for (int64_t h = 0; h < H; ++h) {
          const Tensor ph = pos.slice(1, h * D, (h + 1) * D).contiguous();                     // [R, D]
          const Tensor a = ops::matmul(rows.select(1, h).contiguous(), ph, false, true).contiguous();  // [B, S, R]
          const float* ap = a.data<float>();
          for (int64_t b = 0; b < B; ++b)
            for (int64_t i = 0; i < S; ++i)
              for (int64_t j = 0; j < S; ++j) {
                const int64_t idx = std::clamp<int64_t>(rel[i * S + j] + d_.span, 0, span2 - 1);
                const int64_t row = c2p ? i : j;  // c2p: query i against position; p2c: key j against position
                if (idx < R) bp[((b * H + h) * S + i) * S + j] += ap[(b * S + row) * R + idx] / scale;
              }
        }
      };
      const Linear& pk = d_.share_att_key ? *k_ : (pos_k_ ? *pos_k_ : *k_);
      const Linear& pq = d_.share_att_key ? *q_ : (pos_q_ ? *pos_q_ : *q_);
      if (d_.c2p) add_scores(pk, q, true);
      if (d_.p2c) add_scores(pq, k, false);
      scores = ops::add(scores, bias);
    }
    const Tensor probs = ops::softmax(scores, -1, mask);
    record::attention(probs);
    const Tensor ctx = nn::merge_heads(ops::matmul(probs, v));
    const Tensor a = (*attn_norm_)(ops::add((*o_)(ctx), x));
    return (*out_norm_)(ops::add((*ffn_out_)(ops::activation((*ffn_in_)(a), d_.act)), a));
  }

 private:
  const Dims& d_;
  Linear *q_, *k_, *v_, *pos_k_ = nullptr, *pos_q_ = nullptr, *o_, *ffn_in_, *ffn_out_;
  LayerNorm *attn_norm_, *out_norm_;
};

class Backbone : public EncoderBackbone {
 public:
  explicit Backbone(const Dims& d) : d_(d) {
    auto& emb = child("embeddings", std::make_unique<Container>());
    word_ = &emb.add("word_embeddings", std::make_unique<Embedding>(d.vocab, d.embedding));
    if (d.position_biased_input) pos_ = &emb.add("position_embeddings", std::make_unique<Embedding>(d.max_pos, d.embedding));
    if (d.type_vocab > 0) type_ = &emb.add("token_type_embeddings", std::make_unique<Embedding>(d.type_vocab, d.embedding));
    if (d.embedding != d.hidden) proj_ = &emb.add("embed_proj", std::make_unique<Linear>(d.embedding, d.hidden, false));
    emb_norm_ = &emb.add("LayerNorm", std::make_unique<LayerNorm>(d.hidden, d.eps));
    auto& enc = child("encoder", std::make_unique<Container>());
    auto& layers = enc.add("layer", std::make_unique<Container>());
    for (int64_t i = 0; i < d.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d_)));
    if (d.relative) rel_ = &enc.add("rel_embeddings", std::make_unique<Embedding>(2 * d.span, d.hidden));
    if (d.norm_rel_ebd) rel_norm_ = &enc.add("LayerNorm", std::make_unique<LayerNorm>(d.hidden, d.eps));
    if (d.conv_kernel > 0) {
      auto& conv = enc.add("conv", std::make_unique<Container>());
      conv_ = &conv.add("conv", std::make_unique<nn::Conv1d>(d.hidden, d.hidden, d.conv_kernel,
                                                             nn::Conv1d::Options{.padding = (d.conv_kernel - 1) / 2, .groups = d.conv_groups}));
      conv_norm_ = &conv.add("LayerNorm", std::make_unique<LayerNorm>(d.hidden, d.eps));
    }
  }
  int64_t hidden_size() const override { return d_.hidden; }
  ModelOutput encode(const ModelInputs& in) const override {
    const Tensor& ids0 = require_input(in, "input_ids", "DebertaV2");
    if (ids0.dim() != 2) throw ShapeMismatch("DebertaV2: input_ids must be [batch, seq], got " + shape_str(ids0.shape()));
    const Tensor ids = ids0.to(DType::I64).contiguous();
    const int64_t B = ids.size(0), S = ids.size(1);
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids.shape()) throw ShapeMismatch("DebertaV2: attention_mask must match input_ids");
    const Tensor m = am ? am->to(DType::F32).contiguous() : Tensor::full({B, S}, 1.0);
    Tensor h = (*word_)(ids);
    if (pos_) {
      if (S > d_.max_pos) throw ValueError("sequence length " + std::to_string(S) + " exceeds max_position_embeddings " + std::to_string(d_.max_pos));
      const Tensor* pid = find_input(in, "position_ids");
      h = ops::add(h, (*pos_)(pid ? *pid : Tensor::arange(S).view({1, S})));
    }
    if (type_) {
      const Tensor* tt = find_input(in, "token_type_ids");
      h = ops::add(h, (*type_)(tt ? *tt : Tensor::zeros({B, S}, DType::I64)));
    }
    if (proj_) h = (*proj_)(h);
    h = ops::mul((*emb_norm_)(h), m.view({B, S, 1}));
    // attention between two real tokens only; a padded query row sees nothing (uniform weights)
    const Tensor both_real = ops::mul(m.view({B, 1, S, 1}), m.view({B, 1, 1, S}));
    const Tensor mask = ops::where(both_real, Tensor::zeros({1}), Tensor::full({1}, std::numeric_limits<float>::lowest()));
    std::vector<int64_t> rel(static_cast<size_t>(S * S));
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = 0; j < S; ++j)
        rel[i * S + j] = d_.buckets > 0 ? log_bucket(i - j, d_.buckets, d_.max_rel) : i - j;
    Tensor rel_emb;
    if (rel_) rel_emb = rel_norm_ ? (*rel_norm_)(rel_->weight) : rel_->weight.to(DType::F32);
    const Tensor embedded = h;
    for (size_t i = 0; i < layers_.size(); ++i) {
      record::hidden_state(h);
      h = (*layers_[i])(h, mask, rel, rel_emb);
      if (i == 0 && conv_) h = conv_layer(embedded, h, m);
    }
    record::hidden_state(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    return o;
  }

 private:
  // ConvLayer: conv over the embeddings, zeroed at pads, activation, added to the first layer's
  // output, LayerNorm, then pads zeroed again.
  Tensor conv_layer(const Tensor& x, const Tensor& residual, const Tensor& m) const {
    const int64_t B = x.size(0), S = x.size(1);
    const Tensor mm = m.view({B, S, 1});
    Tensor out = ops::conv1d_channels_last(x, conv_->weight, *conv_->bias, 1, conv_->opt.padding, 1, conv_->opt.groups);
    out = ops::activation(ops::mul(out, mm), d_.conv_act);
    return ops::mul((*conv_norm_)(ops::add(residual, out)), mm);
  }
  Dims d_;
  Embedding *word_, *pos_ = nullptr, *type_ = nullptr, *rel_ = nullptr;
  Linear* proj_ = nullptr;
  LayerNorm *emb_norm_, *rel_norm_ = nullptr, *conv_norm_ = nullptr;
  nn::Conv1d* conv_ = nullptr;
  std::vector<Layer*> layers_;
};

// The MLM heads: legacy BERT-style cls.predictions (decoder tied to the word embeddings), or
// lm_predictions.lm_head (dense, act, LayerNorm, then the word embeddings and a bias).
class ForMaskedLM : public EncoderHeadModel {
 public:
  explicit ForMaskedLM(const PretrainedConfig& c) : EncoderHeadModel(c, family(), false), d_(Dims::from(c)), legacy_(c.get_bool("legacy", true)) {
    if (legacy_) {
      auto& pred = add("cls", std::make_unique<Container>()).add("predictions", std::make_unique<Container>());
      auto& tr = pred.add("transform", std::make_unique<Container>());
      dense_ = &tr.add("dense", std::make_unique<Linear>(d_.hidden, d_.embedding));
      norm_ = &tr.add("LayerNorm", std::make_unique<LayerNorm>(d_.embedding, d_.eps));
      decoder_ = &pred.add("decoder", std::make_unique<Linear>(d_.embedding, d_.vocab, false));
      bias_ = &pred.add("bias", std::make_unique<nn::BareParameter>(d_.vocab)).value;
    } else {
      auto& head = add("lm_predictions", std::make_unique<Container>()).add("lm_head", std::make_unique<Container>());
      dense_ = &head.add("dense", std::make_unique<Linear>(d_.hidden, d_.hidden));
      norm_ = &head.add("LayerNorm", std::make_unique<LayerNorm>(d_.hidden, d_.eps));
      bias_ = &head.add("bias", std::make_unique<nn::BareParameter>(d_.vocab)).value;
    }
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    if (!legacy_) return {};
    return {{"cls.predictions.decoder.weight", family_.word_embeddings()}};
  }
  bool ties_word_embeddings() const override { return legacy_ && Model::ties_word_embeddings(); }
  std::vector<std::string> may_be_missing() const override { return {legacy_ ? "cls." : "lm_predictions."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    const Tensor h = (*norm_)(ops::activation((*dense_)(base["last_hidden_state"]), d_.act));
    ModelOutput o;
    if (legacy_) o.set("logits", ops::add((*decoder_)(h), *bias_));
    else o.set("logits", ops::linear(h, get_parameter(family_.word_embeddings()), *bias_));
    return o;
  }

 private:
  Dims d_;
  bool legacy_;
  Linear *dense_, *decoder_ = nullptr;
  LayerNorm* norm_;
  Tensor* bias_;
};

// ContextPooler (dense + pooler_hidden_act on the first token), then the classifier; `choices`
// reshapes [B * C, 1] to [B, C].
class ForClassification : public EncoderHeadModel {
 public:
  ForClassification(const PretrainedConfig& c, bool choices) : EncoderHeadModel(c, family(), false), d_(Dims::from(c)), choices_(choices) {
    pooler_ = &add("pooler", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(d_.pooler_hidden, d_.pooler_hidden));
    const int64_t labels = choices ? 1 : c.num_labels();
    if (labels <= 0) throw ConfigError("num_labels must be positive for a classification head");
    classifier_ = &add("classifier", std::make_unique<Linear>(d_.pooler_hidden, labels));
  }
  std::vector<std::string> may_be_missing() const override { return {"pooler.", "classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    if (!choices_) return EncoderHeadModel::forward(in);
    return forward_choices(in, [this](const ModelInputs& x) { return EncoderHeadModel::forward(x); });
  }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*classifier_)(ops::activation((*pooler_)(base["last_hidden_state"].select(1, 0).contiguous()), d_.pooler_act)));
    return o;
  }

 private:
  Dims d_;
  bool choices_;
  Linear *pooler_, *classifier_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"deberta", "DebertaV2", [](const PretrainedConfig& c, bool) { return std::make_unique<Backbone>(Dims::from(c)); }};
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<ForMaskedLM>(c); }
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c) {
  return std::make_unique<ForClassification>(c, false);
}
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c) { return std::make_unique<ForClassification>(c, true); }

}  // namespace transformers::deberta_v2
