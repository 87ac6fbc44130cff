// The one table of built-in architectures: model_type -> config, and (Auto class, model_type) ->
// model class. Data only; run-time registrations live in auto.cpp / core/config.cpp.
#include "models/registry.hpp"

#include "models/bert/modeling_bert.hpp"

namespace transformers::registry {

const std::vector<ConfigEntry>& builtin_configs() {
  static const std::vector<ConfigEntry> v = {
      {"bert", bert::config_spec},
  };
  return v;
}

const std::vector<ModelEntry>& builtin_models() {
  static const std::vector<ModelEntry> v = {
      {"AutoModel", "bert", "BertModel", bert::make_model},
      {"AutoModelForTextEncoding", "bert", "BertModel", bert::make_model},
      {"AutoModelForMaskedLM", "bert", "BertForMaskedLM", bert::make_for_masked_lm},
  };
  return v;
}

const std::vector<std::string>& auto_class_names() {
  static const std::vector<std::string> v = {
      "AutoModel", "AutoModelForMaskedLM", "AutoModelForPreTraining", "AutoModelForCausalLM",
      "AutoModelForSequenceClassification", "AutoModelForTokenClassification", "AutoModelForQuestionAnswering",
      "AutoModelForMultipleChoice", "AutoModelForNextSentencePrediction", "AutoModelForTextEncoding",
      "AutoModelForSeq2SeqLM", "AutoModelForImageClassification"};
  return v;
}

}  // namespace transformers::registry
