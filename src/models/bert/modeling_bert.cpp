// BERT: transformers/models/bert/modeling_bert.py (v5).
#include "models/bert/modeling_bert.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::bert {

ConfigSpec config_spec() {
  ConfigSpec s;
  s.model_type = "bert";
  s.class_name = "BertConfig";
  s.defaults_json = R"({
    "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "use_cache": true,
    "classifier_dropout": null, "is_decoder": false, "add_cross_attention": false,
    "bos_token_id": null, "eos_token_id": null, "tie_word_embeddings": true
  })";
  return s;
}

BertParams BertParams::from(const PretrainedConfig& c) {
  BertParams p{};
  p.vocab_size = c.get_int("vocab_size");
  p.hidden_size = c.get_int("hidden_size");
  p.num_hidden_layers = c.get_int("num_hidden_layers");
  p.num_attention_heads = c.get_int("num_attention_heads");
  p.intermediate_size = c.get_int("intermediate_size");
  p.max_position_embeddings = c.get_int("max_position_embeddings");
  p.type_vocab_size = c.get_int("type_vocab_size");
  p.layer_norm_eps = static_cast<float>(c.get_float("layer_norm_eps"));
  p.hidden_act = ops::activation_from_name(c.get_string("hidden_act"));
  for (auto [k, v] : {std::pair{"vocab_size", p.vocab_size}, {"hidden_size", p.hidden_size},
                      {"num_attention_heads", p.num_attention_heads}, {"intermediate_size", p.intermediate_size},
                      {"max_position_embeddings", p.max_position_embeddings}, {"type_vocab_size", p.type_vocab_size}})
    if (v <= 0) throw ConfigError(c.name_or_path() + ": '" + k + "' must be positive, got " + std::to_string(v));
  if (p.num_hidden_layers < 0) throw ConfigError("'num_hidden_layers' must be >= 0");
  if (p.hidden_size % p.num_attention_heads)
    throw ConfigError("The hidden size (" + std::to_string(p.hidden_size) + ") is not a multiple of the number of attention heads (" +
                      std::to_string(p.num_attention_heads) + ")");
  return p;
}

using nn::Embedding;
using nn::LayerNorm;
using nn::Linear;

BertEmbeddings::BertEmbeddings(const BertParams& p)
    : word_embeddings(child("word_embeddings", std::make_unique<Embedding>(p.vocab_size, p.hidden_size))),
      position_embeddings(child("position_embeddings", std::make_unique<Embedding>(p.max_position_embeddings, p.hidden_size))),
      token_type_embeddings(child("token_type_embeddings", std::make_unique<Embedding>(p.type_vocab_size, p.hidden_size))),
      LayerNorm(child("LayerNorm", std::make_unique<nn::LayerNorm>(p.hidden_size, p.layer_norm_eps))),
      max_position_embeddings(p.max_position_embeddings) {}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor* token_type_ids, const Tensor* position_ids) const {
  const int64_t B = input_ids.size(0), S = input_ids.size(1);
  if (S > max_position_embeddings)
    throw ValueError("sequence length " + std::to_string(S) + " exceeds max_position_embeddings " +
                     std::to_string(max_position_embeddings));
  Tensor pos = position_ids ? *position_ids : Tensor::arange(S).view({1, S});
  Tensor types = token_type_ids ? *token_type_ids : Tensor::zeros({B, S}, DType::I64);
  if (types.shape() != input_ids.shape())
    throw ShapeMismatch("token_type_ids " + shape_str(types.shape()) + " must match input_ids " + shape_str(input_ids.shape()));
  Tensor x = ops::add(word_embeddings(input_ids), token_type_embeddings(types));
  x = ops::add(x, position_embeddings(pos));
  return LayerNorm(x);
}

BertLayer::BertLayer(const BertParams& p)
    : heads_(p.num_attention_heads),
      scaling_(1.0f / std::sqrt(static_cast<float>(p.hidden_size / p.num_attention_heads))),
      act_(p.hidden_act) {
  // Module tree as in HF: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
  // intermediate.dense, output.{dense,LayerNorm}.
  using nn::Container;
  auto& attention = child("attention", std::make_unique<Container>());
  auto& self = attention.add("self", std::make_unique<Container>());
  query_ = &self.add("query", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  key_ = &self.add("key", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  value_ = &self.add("value", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  auto& aout = attention.add("output", std::make_unique<Container>());
  attn_out_ = &aout.add("dense", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  attn_norm_ = &aout.add("LayerNorm", std::make_unique<LayerNorm>(p.hidden_size, p.layer_norm_eps));
  auto& inter = child("intermediate", std::make_unique<Container>());
  intermediate_ = &inter.add("dense", std::make_unique<Linear>(p.hidden_size, p.intermediate_size));
  auto& out = child("output", std::make_unique<Container>());
  out_ = &out.add("dense", std::make_unique<Linear>(p.intermediate_size, p.hidden_size));
  out_norm_ = &out.add("LayerNorm", std::make_unique<LayerNorm>(p.hidden_size, p.layer_norm_eps));
}

Tensor BertLayer::forward(const Tensor& hidden, const Tensor& mask) const {
  Tensor q = nn::split_heads((*query_)(hidden), heads_);
  Tensor k = nn::split_heads((*key_)(hidden), heads_);
  Tensor v = nn::split_heads((*value_)(hidden), heads_);
  Tensor ctx = nn::merge_heads(nn::scaled_dot_product_attention(q, k, v, mask, scaling_));
  Tensor attn = (*attn_norm_)(ops::add((*attn_out_)(ctx), hidden));
  Tensor inter = ops::activation((*intermediate_)(attn), act_);
  return (*out_norm_)(ops::add((*out_)(inter), attn));
}

BertEncoder::BertEncoder(const BertParams& p) {
  auto& list = child("layer", std::make_unique<nn::Container>());
  for (int64_t i = 0; i < p.num_hidden_layers; ++i) layer.push_back(&list.add(std::to_string(i), std::make_unique<BertLayer>(p)));
}

Tensor BertEncoder::forward(Tensor hidden, const Tensor& mask) const {
  for (const BertLayer* l : layer) hidden = l->forward(hidden, mask);
  return hidden;
}

Tensor BertPooler::forward(const Tensor& hidden) const { return ops::tanh(dense(hidden.select(1, 0))); }

BertBackbone::BertBackbone(const BertParams& p, bool add_pooling_layer)
    : embeddings(child("embeddings", std::make_unique<BertEmbeddings>(p))),
      encoder(child("encoder", std::make_unique<BertEncoder>(p))),
      pooler(add_pooling_layer ? &child("pooler", std::make_unique<BertPooler>(p)) : nullptr) {}

ModelOutput BertBackbone::forward(const ModelInputs& in, const std::string& cls) const {
  const Tensor& ids = require_input(in, "input_ids", cls);
  if (ids.dim() != 2) throw ShapeMismatch(cls + ": input_ids must be [batch, seq], got " + shape_str(ids.shape()));
  const Tensor* am = find_input(in, "attention_mask");
  if (am && am->shape() != ids.shape())
    throw ShapeMismatch(cls + ": attention_mask " + shape_str(am->shape()) + " must match input_ids " + shape_str(ids.shape()));
  Tensor mask = nn::extended_attention_mask(am ? *am : Tensor::full(ids.shape(), 1.0, DType::I64));
  Tensor h = embeddings.forward(ids, find_input(in, "token_type_ids"), find_input(in, "position_ids"));
  h = encoder.forward(h, mask);
  ModelOutput out;
  out.set("last_hidden_state", h);
  if (pooler) out.set("pooler_output", pooler->forward(h));
  return out;
}

BertPredictionHeadTransform::BertPredictionHeadTransform(const BertParams& p)
    : dense(child("dense", std::make_unique<Linear>(p.hidden_size, p.hidden_size))),
      LayerNorm(child("LayerNorm", std::make_unique<nn::LayerNorm>(p.hidden_size, p.layer_norm_eps))),
      act(p.hidden_act) {}

Tensor BertPredictionHeadTransform::forward(const Tensor& x) const { return LayerNorm(ops::activation(dense(x), act)); }

BertLMPredictionHead::BertLMPredictionHead(const BertParams& p)
    : transform(child("transform", std::make_unique<BertPredictionHeadTransform>(p))),
      decoder(child("decoder", std::make_unique<Linear>(p.hidden_size, p.vocab_size))),
      bias(param("bias", {p.vocab_size}, nn::ParamKind::Float32)) {}

Tensor BertLMPredictionHead::forward(const Tensor& x) const { return decoder(transform.forward(x)); }

namespace {

class BertModel : public Model {
 public:
  // The backbone is adopted under an empty name: BertModel's keys carry no prefix.
  explicit BertModel(const PretrainedConfig& c)
      : Model(c), p_(BertParams::from(c)), backbone_(child("", std::make_unique<BertBackbone>(p_, true))) {}
  std::string base_model_prefix() const override { return "bert"; }
  std::vector<std::string> may_be_missing() const override { return {"pooler."}; }
  ModelOutput forward(const ModelInputs& in) override { return backbone_.forward(in, "BertModel"); }

 private:
  BertParams p_;
  BertBackbone& backbone_;
};

class BertForMaskedLM : public Model {
 public:
  explicit BertForMaskedLM(const PretrainedConfig& c)
      : Model(c),
        p_(BertParams::from(c)),
        bert_(child("bert", std::make_unique<BertBackbone>(p_, false))),
        cls_(child("cls", std::make_unique<Predictions>(p_))) {}
  std::string base_model_prefix() const override { return "bert"; }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{"cls.predictions.decoder.weight", "bert.embeddings.word_embeddings.weight"},
            {"cls.predictions.decoder.bias", "cls.predictions.bias"}};
  }
  std::vector<std::string> may_be_missing() const override { return {"cls."}; }
  ModelOutput forward(const ModelInputs& in) override {
    ModelOutput base = bert_.forward(in, "BertForMaskedLM");
    ModelOutput out;
    out.set("logits", cls_.predictions.forward(base["last_hidden_state"]));
    return out;
  }

 private:
  struct Predictions : nn::Module {
    explicit Predictions(const BertParams& p) : predictions(child("predictions", std::make_unique<BertLMPredictionHead>(p))) {}
    BertLMPredictionHead& predictions;
  };
  BertParams p_;
  BertBackbone& bert_;
  Predictions& cls_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<BertModel>(c); }
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<BertForMaskedLM>(c); }

}  // namespace transformers::bert
