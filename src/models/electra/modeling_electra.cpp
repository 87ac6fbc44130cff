// ELECTRA: transformers/models/electra/modeling_electra.py (v5).
#include "models/electra/modeling_electra.hpp"

#include <optional>

#include "transformers/errors.hpp"

namespace transformers::electra {

ConfigSpec config_spec() {
  return {"electra", "ElectraConfig", R"({
    "vocab_size": 30522, "embedding_size": 128, "hidden_size": 256, "num_hidden_layers": 12,
    "num_attention_heads": 4, "intermediate_size": 1024, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "summary_type": "first", "summary_use_proj": true,
    "summary_activation": "gelu", "summary_last_dropout": 0.1, "pad_token_id": 0, "use_cache": true,
    "classifier_dropout": null, "is_decoder": false, "add_cross_attention": false, "bos_token_id": null,
    "eos_token_id": null, "tie_word_embeddings": true
  })"};
}

const EncoderFamily& family() {
  static const EncoderFamily f{"electra", "Electra", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<bert::BertBackbone>(bert::BertParams::from(c), false, "Electra");
                               }};
  return f;
}

namespace {

class ElectraForMaskedLM : public EncoderHeadModel {
 public:
  explicit ElectraForMaskedLM(const PretrainedConfig& c) : EncoderHeadModel(c, family(), false) {
    const bert::BertParams p = bert::BertParams::from(c);
    auto& gp = add("generator_predictions", std::make_unique<nn::Container>());
    norm_ = &gp.add("LayerNorm", std::make_unique<nn::LayerNorm>(p.embedding_size, p.layer_norm_eps));
    dense_ = &gp.add("dense", std::make_unique<nn::Linear>(p.hidden_size, p.embedding_size));
    lm_head_ = &add("generator_lm_head", std::make_unique<nn::Linear>(p.embedding_size, p.vocab_size));
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{"generator_lm_head.weight", family_.word_embeddings()}};
  }
  std::vector<std::string> may_be_missing() const override { return {"generator_predictions.", "generator_lm_head."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*lm_head_)((*norm_)(ops::gelu((*dense_)(base["last_hidden_state"])))));
    return o;
  }

 private:
  nn::LayerNorm* norm_;
  nn::Linear *dense_, *lm_head_;
};

class ElectraForPreTraining : public EncoderHeadModel {
 public:
  explicit ElectraForPreTraining(const PretrainedConfig& c) : EncoderHeadModel(c, family(), false) {
    const bert::BertParams p = bert::BertParams::from(c);
    act_ = p.hidden_act;
    auto& dp = add("discriminator_predictions", std::make_unique<nn::Container>());
    dense_ = &dp.add("dense", std::make_unique<nn::Linear>(p.hidden_size, p.hidden_size));
    pred_ = &dp.add("dense_prediction", std::make_unique<nn::Linear>(p.hidden_size, 1));
  }
  std::vector<std::string> may_be_missing() const override { return {"discriminator_predictions."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*pred_)(ops::activation((*dense_)(base["last_hidden_state"]), act_)).squeeze(-1).contiguous());
    return o;
  }

 private:
  ops::Activation act_;
  nn::Linear *dense_, *pred_;
};

// sequence_summary (Python's SequenceSummary: the first token, through `summary` when
// summary_use_proj, then summary_activation) -> classifier [B*C, 1], read as [B, C].
class ElectraForMultipleChoice : public EncoderHeadModel {
 public:
  explicit ElectraForMultipleChoice(const PretrainedConfig& c) : EncoderHeadModel(c, family(), false) {
    const bert::BertParams p = bert::BertParams::from(c);
    if (c.get_string("summary_type", "first") != "first")
      throw ConfigError("ElectraForMultipleChoice: only summary_type 'first' is supported, got '" + c.get_string("summary_type") + "'");
    auto& summary = add("sequence_summary", std::make_unique<nn::Container>());
    int64_t width = p.hidden_size;
    if (c.get_bool("summary_use_proj", true)) {
      if (c.get_bool("summary_proj_to_labels", false) && c.num_labels() > 0) width = c.num_labels();
      summary_ = &summary.add("summary", std::make_unique<nn::Linear>(p.hidden_size, width));
    }
    const std::string act = c.get_string("summary_activation", "");
    if (!act.empty()) act_ = ops::activation_from_name(act);
    classifier_ = &add("classifier", std::make_unique<nn::Linear>(width, 1));
  }
  std::vector<std::string> may_be_missing() const override { return {"sequence_summary.", "classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    return forward_choices(in, [this](const ModelInputs& x) { return EncoderHeadModel::forward(x); });
  }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    Tensor x = base["last_hidden_state"].select(1, 0);
    if (summary_) x = (*summary_)(x);
    if (act_) x = ops::activation(x, *act_);
    ModelOutput o;
    o.set("logits", (*classifier_)(x));
    return o;
  }

 private:
  nn::Linear* summary_ = nullptr;
  std::optional<ops::Activation> act_;
  nn::Linear* classifier_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c) { return std::make_unique<ElectraForMultipleChoice>(c); }
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<ElectraForMaskedLM>(c); }
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c) { return std::make_unique<ElectraForPreTraining>(c); }
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c) {
  return make_cls_head_sequence_classification(c, family(), ops::Activation::Gelu);
}

}  // namespace transformers::electra
