// BERT: transformers/models/bert/modeling_bert.py (v5).
#include "core/output_recorder.hpp"
#include "models/bert/modeling_bert.hpp"

#include <algorithm>
#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::bert {

ConfigSpec config_spec() {
  return {"bert", "BertConfig", R"({
    "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "use_cache": true,
    "classifier_dropout": null, "is_decoder": false, "add_cross_attention": false,
    "bos_token_id": null, "eos_token_id": null, "tie_word_embeddings": true
  })"};
}

BertParams BertParams::from(const PretrainedConfig& c) {
  BertParams p{};
  p.vocab_size = c.get_int("vocab_size");
  p.hidden_size = c.get_int("hidden_size");
  p.embedding_size = c.get_int("embedding_size", p.hidden_size);
  p.num_hidden_layers = c.get_int("num_hidden_layers");
  p.num_attention_heads = c.get_int("num_attention_heads");
  p.intermediate_size = c.get_int("intermediate_size");
  p.max_position_embeddings = c.get_int("max_position_embeddings");
  p.type_vocab_size = c.get_int("type_vocab_size", 1);  // MPNet has no token types
  p.pad_token_id = c.get_int("pad_token_id", 0);
  p.is_decoder = c.get_bool("is_decoder", false);
  p.layer_norm_eps = static_cast<float>(c.get_float("layer_norm_eps"));
  p.hidden_act = ops::activation_from_name(c.get_string("hidden_act"));
  for (auto [k, v] : {std::pair{"vocab_size", p.vocab_size}, {"hidden_size", p.hidden_size}, {"embedding_size", p.embedding_size},
                      {"num_attention_heads", p.num_attention_heads}, {"intermediate_size", p.intermediate_size},
                      {"max_position_embeddings", p.max_position_embeddings}, {"type_vocab_size", p.type_vocab_size}})
    if (v <= 0) throw ConfigError(c.name_or_path() + ": '" + k + "' must be positive, got " + std::to_string(v));
  if (p.num_hidden_layers < 0) throw ConfigError("'num_hidden_layers' must be >= 0");
  if (p.hidden_size % p.num_attention_heads)
    throw ConfigError("The hidden size (" + std::to_string(p.hidden_size) + ") is not a multiple of the number of attention heads (" +
                      std::to_string(p.num_attention_heads) + ")");
  return p;
}

using nn::Container;
using nn::Embedding;
using nn::LayerNorm;
using nn::Linear;

BertEmbeddings::BertEmbeddings(const BertParams& p)
    : word_embeddings(child("word_embeddings", std::make_unique<Embedding>(p.vocab_size, p.embedding_size))),
      position_embeddings(child("position_embeddings", std::make_unique<Embedding>(p.max_position_embeddings, p.embedding_size))),
      token_type_embeddings(child("token_type_embeddings", std::make_unique<Embedding>(p.type_vocab_size, p.embedding_size))),
      LayerNorm(child("LayerNorm", std::make_unique<nn::LayerNorm>(p.embedding_size, p.layer_norm_eps))),
      p_(p) {}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor* token_type_ids, const Tensor* position_ids) const {
  const int64_t B = input_ids.size(0), S = input_ids.size(1);
  Tensor pos;
  if (position_ids) {
    pos = *position_ids;
  } else if (p_.padding_offset_positions) {
    pos = nn::padding_offset_positions(input_ids, p_.pad_token_id);
  } else {
    if (S > p_.max_position_embeddings)
      throw ValueError("sequence length " + std::to_string(S) + " exceeds max_position_embeddings " +
                       std::to_string(p_.max_position_embeddings));
    pos = Tensor::arange(S).view({1, S});
  }
  Tensor types = token_type_ids ? *token_type_ids : Tensor::zeros({B, S}, DType::I64);
  if (types.shape() != input_ids.shape())
    throw ShapeMismatch("token_type_ids " + shape_str(types.shape()) + " must match input_ids " + shape_str(input_ids.shape()));
  Tensor x = ops::add(word_embeddings(input_ids), token_type_embeddings(types));
  x = ops::add(x, position_embeddings(pos));
  return LayerNorm(x);
}

BertLayer::BertLayer(const BertParams& p) : heads_(p.num_attention_heads), act_(p.hidden_act) {
  // HF's tree: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
  // intermediate.dense, output.{dense,LayerNorm}.
  auto& attention = child("attention", std::make_unique<Container>());
  auto& self = attention.add("self", std::make_unique<Container>());
  query_ = &self.add("query", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  key_ = &self.add("key", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  value_ = &self.add("value", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  auto& aout = attention.add("output", std::make_unique<Container>());
  attn_out_ = &aout.add("dense", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  attn_norm_ = &aout.add("LayerNorm", std::make_unique<LayerNorm>(p.hidden_size, p.layer_norm_eps));
  intermediate_ = &child("intermediate", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(p.hidden_size, p.intermediate_size));
  auto& out = child("output", std::make_unique<Container>());
  out_ = &out.add("dense", std::make_unique<Linear>(p.intermediate_size, p.hidden_size));
  out_norm_ = &out.add("LayerNorm", std::make_unique<LayerNorm>(p.hidden_size, p.layer_norm_eps));
}

Tensor BertLayer::forward(const Tensor& hidden, const Tensor& mask) const {
  return nn::PostNormLayer{query_, key_, value_, attn_out_, intermediate_, out_, attn_norm_, out_norm_, heads_, act_}(hidden, mask);
}

BertBackbone::BertBackbone(const BertParams& p, bool add_pooling_layer, const std::string& cls)
    : p_(p), cls_(cls), embeddings_(child("embeddings", std::make_unique<BertEmbeddings>(p))) {
  if (p.embedding_size != p.hidden_size)
    project_ = &child("embeddings_project", std::make_unique<Linear>(p.embedding_size, p.hidden_size));
  auto& list = child("encoder", std::make_unique<Container>()).add("layer", std::make_unique<Container>());
  for (int64_t i = 0; i < p.num_hidden_layers; ++i) layers_.push_back(&list.add(std::to_string(i), std::make_unique<BertLayer>(p)));
  if (add_pooling_layer) pooler_ = &child("pooler", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
}

ModelOutput BertBackbone::encode(const ModelInputs& in) const {
  const Tensor& ids = require_input(in, "input_ids", cls_);
  if (ids.dim() != 2) throw ShapeMismatch(cls_ + ": input_ids must be [batch, seq], got " + shape_str(ids.shape()));
  const Tensor* am = find_input(in, "attention_mask");
  if (am && am->shape() != ids.shape())
    throw ShapeMismatch(cls_ + ": attention_mask " + shape_str(am->shape()) + " must match input_ids " + shape_str(ids.shape()));
  // Python adds a causal mask whenever config.is_decoder (BertLMHeadModel, *ForCausalLM).
  const Tensor full_mask = am ? *am : Tensor::full(ids.shape(), 1.0, DType::I64);
  const Tensor mask = p_.is_decoder ? nn::causal_extended_attention_mask(full_mask) : nn::extended_attention_mask(full_mask);
  Tensor h = embeddings_.forward(ids, find_input(in, "token_type_ids"), find_input(in, "position_ids"));
  if (project_) h = (*project_)(h);
  for (const BertLayer* l : layers_) {
    record::hidden_state(h);
    h = l->forward(h, mask);
  }
  record::hidden_state(h);
  ModelOutput out;
  out.set("last_hidden_state", h);
  if (pooler_) out.set("pooler_output", ops::tanh((*pooler_)(h.select(1, 0))));
  return out;
}

BertLMPredictionHead::BertLMPredictionHead(const BertParams& p) : act_(p.hidden_act) {
  auto& transform = child("transform", std::make_unique<Container>());
  dense_ = &transform.add("dense", std::make_unique<Linear>(p.hidden_size, p.hidden_size));
  norm_ = &transform.add("LayerNorm", std::make_unique<LayerNorm>(p.hidden_size, p.layer_norm_eps));
  decoder_ = &child("decoder", std::make_unique<Linear>(p.hidden_size, p.vocab_size));
  param("bias", {p.vocab_size}, nn::ParamKind::Float32);
}

Tensor BertLMPredictionHead::forward(const Tensor& x) const { return (*decoder_)((*norm_)(ops::activation((*dense_)(x), act_))); }

const EncoderFamily& family() {
  static const EncoderFamily f{"bert", "Bert", [](const PretrainedConfig& c, bool pool) {
                                 return std::make_unique<BertBackbone>(BertParams::from(c), pool, "Bert");
                               }};
  return f;
}

namespace {

// cls.predictions (MLM) and/or cls.seq_relationship (NSP) over the BERT backbone.
class BertPretrainingHeads : public EncoderHeadModel {
 public:
  BertPretrainingHeads(const PretrainedConfig& c, bool mlm, bool nsp)
      : EncoderHeadModel(c, family(), nsp), mlm_(mlm), nsp_(nsp) {
    const BertParams p = BertParams::from(c);
    auto& cls = add("cls", std::make_unique<Container>());
    if (mlm) predictions_ = &cls.add("predictions", std::make_unique<BertLMPredictionHead>(p));
    if (nsp) seq_relationship_ = &cls.add("seq_relationship", std::make_unique<Linear>(p.hidden_size, 2));
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    if (!mlm_) return {};
    return {{"cls.predictions.decoder.weight", family_.word_embeddings()}, {"cls.predictions.decoder.bias", "cls.predictions.bias"}};
  }
  std::vector<std::string> may_be_missing() const override { return {"cls.", "bert.pooler."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    if (mlm_ && nsp_) {
      o.set("prediction_logits", predictions_->forward(base["last_hidden_state"]));
      o.set("seq_relationship_logits", (*seq_relationship_)(base["pooler_output"]));
    } else if (mlm_) {
      o.set("logits", predictions_->forward(base["last_hidden_state"]));
    } else {
      o.set("logits", (*seq_relationship_)(base["pooler_output"]));
    }
    return o;
  }

 private:
  bool mlm_, nsp_;
  BertLMPredictionHead* predictions_ = nullptr;
  Linear* seq_relationship_ = nullptr;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<BertPretrainingHeads>(c, true, false); }
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c) { return std::make_unique<BertPretrainingHeads>(c, true, true); }
std::unique_ptr<PreTrainedModel> make_for_next_sentence(const PretrainedConfig& c) { return std::make_unique<BertPretrainingHeads>(c, false, true); }

}  // namespace transformers::bert
