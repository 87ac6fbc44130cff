// DistilBERT: transformers/models/distilbert/modeling_distilbert.py (v5).
#include "core/output_recorder.hpp"
#include "models/distilbert/modeling_distilbert.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::distilbert {

ConfigSpec config_spec() {
  return {"distilbert", "DistilBertConfig", R"({
    "vocab_size": 30522, "max_position_embeddings": 512, "sinusoidal_pos_embds": false, "n_layers": 6,
    "n_heads": 12, "dim": 768, "hidden_dim": 3072, "dropout": 0.1, "attention_dropout": 0.1,
    "activation": "gelu", "initializer_range": 0.02, "qa_dropout": 0.1, "seq_classif_dropout": 0.2,
    "pad_token_id": 0, "eos_token_id": null, "bos_token_id": null, "tie_word_embeddings": true
  })",
          {{"hidden_size", "dim"}, {"num_attention_heads", "n_heads"}, {"num_hidden_layers", "n_layers"}}};
}

namespace {

constexpr float kEps = 1e-12f;  // hard-coded in every DistilBERT LayerNorm

struct Dims {
  int64_t vocab, max_pos, layers, heads, dim, hidden_dim;
  ops::Activation act;
  static Dims from(const PretrainedConfig& c) {
    Dims d{c.get_int("vocab_size"), c.get_int("max_position_embeddings"), c.get_int("n_layers"), c.get_int("n_heads"),
           c.get_int("dim"), c.get_int("hidden_dim"), ops::activation_from_name(c.get_string("activation"))};
    if (d.dim <= 0 || d.heads <= 0 || d.dim % d.heads) throw ConfigError("DistilBERT: dim must be a positive multiple of n_heads");
    return d;
  }
};

// DistilBERT's names for the shared post-norm layer.
class TransformerBlock : public nn::Module {
 public:
  explicit TransformerBlock(const Dims& d) {
    auto& a = child("attention", std::make_unique<nn::Container>());
    l_.q = &a.add("q_lin", std::make_unique<nn::Linear>(d.dim, d.dim));
    l_.k = &a.add("k_lin", std::make_unique<nn::Linear>(d.dim, d.dim));
    l_.v = &a.add("v_lin", std::make_unique<nn::Linear>(d.dim, d.dim));
    l_.o = &a.add("out_lin", std::make_unique<nn::Linear>(d.dim, d.dim));
    l_.attn_norm = &child("sa_layer_norm", std::make_unique<nn::LayerNorm>(d.dim, kEps));
    auto& ffn = child("ffn", std::make_unique<nn::Container>());
    l_.ffn_in = &ffn.add("lin1", std::make_unique<nn::Linear>(d.dim, d.hidden_dim));
    l_.ffn_out = &ffn.add("lin2", std::make_unique<nn::Linear>(d.hidden_dim, d.dim));
    l_.out_norm = &child("output_layer_norm", std::make_unique<nn::LayerNorm>(d.dim, kEps));
    l_.heads = d.heads;
    l_.act = d.act;
  }
  Tensor forward(const Tensor& x, const Tensor& mask) const { return l_(x, mask); }

 private:
  nn::PostNormLayer l_{};
};

class DistilBertBackbone : public EncoderBackbone {
 public:
  explicit DistilBertBackbone(const Dims& d) : d_(d) {
    auto& emb = child("embeddings", std::make_unique<nn::Container>());
    word_ = &emb.add("word_embeddings", std::make_unique<nn::Embedding>(d.vocab, d.dim));
    pos_ = &emb.add("position_embeddings", std::make_unique<nn::Embedding>(d.max_pos, d.dim));
    norm_ = &emb.add("LayerNorm", std::make_unique<nn::LayerNorm>(d.dim, kEps));
    auto& layers = child("transformer", std::make_unique<nn::Container>()).add("layer", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < d.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<TransformerBlock>(d)));
  }
  int64_t hidden_size() const override { return d_.dim; }
  ModelOutput encode(const ModelInputs& in) const override {
    const Tensor& ids = require_input(in, "input_ids", "DistilBert");
    if (ids.dim() != 2) throw ShapeMismatch("DistilBert: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    const int64_t S = ids.size(1);
    if (S > d_.max_pos) throw ValueError("sequence length " + std::to_string(S) + " exceeds max_position_embeddings");
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids.shape()) throw ShapeMismatch("DistilBert: attention_mask must match input_ids");
    const Tensor* pid = find_input(in, "position_ids");
    Tensor h = (*norm_)(ops::add((*word_)(ids), (*pos_)(pid ? *pid : Tensor::arange(S).view({1, S}))));
    Tensor mask = nn::extended_attention_mask(am ? *am : Tensor::full(ids.shape(), 1.0, DType::I64));
    for (const auto* l : layers_) {
      record::hidden_state(h);
      h = l->forward(h, mask);
    }
    record::hidden_state(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    return o;
  }

 private:
  Dims d_;
  nn::Embedding *word_, *pos_;
  nn::LayerNorm* norm_;
  std::vector<TransformerBlock*> layers_;
};

class DistilBertForMaskedLM : public EncoderHeadModel {
 public:
  explicit DistilBertForMaskedLM(const PretrainedConfig& c) : EncoderHeadModel(c, family(), false), d_(Dims::from(c)) {
    transform_ = &add("vocab_transform", std::make_unique<nn::Linear>(d_.dim, d_.dim));
    norm_ = &add("vocab_layer_norm", std::make_unique<nn::LayerNorm>(d_.dim, kEps));
    projector_ = &add("vocab_projector", std::make_unique<nn::Linear>(d_.dim, d_.vocab));
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{"vocab_projector.weight", family_.word_embeddings()}};
  }
  std::vector<std::string> may_be_missing() const override { return {"vocab_"}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*projector_)((*norm_)(ops::activation((*transform_)(base["last_hidden_state"]), d_.act))));
    return o;
  }

 private:
  Dims d_;
  nn::Linear *transform_, *projector_;
  nn::LayerNorm* norm_;
};

// pre_classifier -> ReLU -> classifier on the first token; `choices` reshapes [B*C, 1] to [B, C].
class DistilBertClassifier : public EncoderHeadModel {
 public:
  DistilBertClassifier(const PretrainedConfig& c, bool choices) : EncoderHeadModel(c, family(), false), choices_(choices) {
    const Dims d = Dims::from(c);
    pre_ = &add("pre_classifier", std::make_unique<nn::Linear>(d.dim, d.dim));
    cls_ = &add("classifier", std::make_unique<nn::Linear>(d.dim, choices ? 1 : c.num_labels()));
  }
  std::vector<std::string> may_be_missing() const override { return {"pre_classifier.", "classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    if (!choices_) return EncoderHeadModel::forward(in);
    return forward_choices(in, [this](const ModelInputs& x) { return EncoderHeadModel::forward(x); });
  }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*cls_)(ops::relu((*pre_)(base["last_hidden_state"].select(1, 0)))));
    return o;
  }

 private:
  bool choices_;
  nn::Linear *pre_, *cls_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"distilbert", "DistilBert", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<DistilBertBackbone>(Dims::from(c));
                               }};
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<DistilBertForMaskedLM>(c); }
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c) {
  return std::make_unique<DistilBertClassifier>(c, false);
}
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c) { return std::make_unique<DistilBertClassifier>(c, true); }

}  // namespace transformers::distilbert
