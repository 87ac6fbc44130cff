// RoBERTa: transformers/models/roberta/modeling_roberta.py (v5); XLM-RoBERTa and CamemBERT
// share every module and weight name ("roberta." prefix).
#include "models/roberta/modeling_roberta.hpp"

namespace transformers::roberta {

ConfigSpec config_spec(const std::string& model_type, const std::string& class_name) {
  return {model_type, class_name, R"({
    "vocab_size": 50265, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 1, "bos_token_id": 0,
    "eos_token_id": 2, "use_cache": true, "classifier_dropout": null, "is_decoder": false,
    "add_cross_attention": false, "tie_word_embeddings": true
  })"};
}

const EncoderFamily& family() {
  static const EncoderFamily f{"roberta", "Roberta", [](const PretrainedConfig& c, bool pool) {
                                 bert::BertParams p = bert::BertParams::from(c);
                                 p.padding_offset_positions = true;
                                 return std::make_unique<bert::BertBackbone>(p, pool, "Roberta");
                               }};
  return f;
}

namespace {

// lm_head: dense -> gelu -> layer_norm -> decoder (tied to the word embeddings) + bias.
class RobertaForMaskedLM : public EncoderHeadModel {
 public:
  RobertaForMaskedLM(const PretrainedConfig& c, const EncoderFamily& f) : EncoderHeadModel(c, f, false) {
    const bert::BertParams p = bert::BertParams::from(c);
    auto& lm = add("lm_head", std::make_unique<nn::Container>());
    dense_ = &lm.add("dense", std::make_unique<nn::Linear>(p.hidden_size, p.hidden_size));
    norm_ = &lm.add("layer_norm", std::make_unique<nn::LayerNorm>(p.hidden_size, p.layer_norm_eps));
    decoder_ = &lm.add("decoder", std::make_unique<nn::Linear>(p.hidden_size, p.vocab_size));
    lm.add("bias", std::make_unique<nn::BareParameter>(p.vocab_size));
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{"lm_head.decoder.weight", family_.word_embeddings()}, {"lm_head.decoder.bias", "lm_head.bias"}};
  }
  std::vector<std::string> may_be_missing() const override { return {"lm_head."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", (*decoder_)((*norm_)(ops::gelu((*dense_)(base["last_hidden_state"])))));
    return o;
  }

 private:
  nn::Linear *dense_, *decoder_;
  nn::LayerNorm* norm_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return make_lm_head_model(c, family()); }
std::unique_ptr<PreTrainedModel> make_lm_head_model(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<RobertaForMaskedLM>(c, f);
}
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c) {
  return make_cls_head_sequence_classification(c, family(), ops::Activation::Tanh);
}

}  // namespace transformers::roberta
