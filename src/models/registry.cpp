// The one table of built-in architectures: model_type -> config, and (Auto class, model_type) ->
// model class. Data only; run-time registrations live in auto.cpp / core/config.cpp.
#include "models/registry.hpp"

#include "models/albert/modeling_albert.hpp"
#include "models/bert/modeling_bert.hpp"
#include "models/distilbert/modeling_distilbert.hpp"
#include "models/electra/modeling_electra.hpp"
#include "models/modernbert/modeling_modernbert.hpp"
#include "models/mpnet/modeling_mpnet.hpp"
#include "models/roberta/modeling_roberta.hpp"

namespace transformers::registry {

namespace {
ConfigSpec roberta_spec() { return roberta::config_spec("roberta", "RobertaConfig"); }
ConfigSpec xlm_roberta_spec() { return roberta::config_spec("xlm-roberta", "XLMRobertaConfig"); }
ConfigSpec camembert_spec() { return roberta::config_spec("camembert", "CamembertConfig"); }

// Generic heads bound to a family.
template <const EncoderFamily& (*F)()>
struct Generic {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return make_base_model(c, F()); }
  static std::unique_ptr<PreTrainedModel> token(const PretrainedConfig& c) { return make_token_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> qa(const PretrainedConfig& c) { return make_question_answering(c, F()); }
  static std::unique_ptr<PreTrainedModel> pooled_cls(const PretrainedConfig& c) { return make_pooled_sequence_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> choice(const PretrainedConfig& c) { return make_pooled_multiple_choice(c, F()); }
};
using B = Generic<bert::family>;
using R = Generic<roberta::family>;
using E = Generic<electra::family>;
using D = Generic<distilbert::family>;
using A = Generic<albert::family>;
using M = Generic<mpnet::family>;
using MB = Generic<modernbert::family>;
std::unique_ptr<PreTrainedModel> mpnet_mlm(const PretrainedConfig& c) { return roberta::make_lm_head_model(c, mpnet::family()); }
std::unique_ptr<PreTrainedModel> mpnet_seq(const PretrainedConfig& c) {
  return make_cls_head_sequence_classification(c, mpnet::family(), ops::Activation::Tanh);
}
}  // namespace

const std::vector<ConfigEntry>& builtin_configs() {
  static const std::vector<ConfigEntry> v = {
      {"bert", bert::config_spec},
      {"roberta", roberta_spec},
      {"xlm-roberta", xlm_roberta_spec},
      {"camembert", camembert_spec},
      {"electra", electra::config_spec},
      {"distilbert", distilbert::config_spec},
      {"albert", albert::config_spec},
      {"mpnet", mpnet::config_spec},
      {"modernbert", modernbert::config_spec},
  };
  return v;
}

const std::vector<ModelEntry>& builtin_models() {
  static const std::vector<ModelEntry> v = {
      {"AutoModel", "bert", "BertModel", B::base},
      {"AutoModelForTextEncoding", "bert", "BertModel", B::base},
      {"AutoModelForMaskedLM", "bert", "BertForMaskedLM", bert::make_for_masked_lm},
      {"AutoModelForPreTraining", "bert", "BertForPreTraining", bert::make_for_pretraining},
      {"AutoModelForNextSentencePrediction", "bert", "BertForNextSentencePrediction", bert::make_for_next_sentence},
      {"AutoModelForSequenceClassification", "bert", "BertForSequenceClassification", B::pooled_cls},
      {"AutoModelForTokenClassification", "bert", "BertForTokenClassification", B::token},
      {"AutoModelForQuestionAnswering", "bert", "BertForQuestionAnswering", B::qa},
      {"AutoModelForMultipleChoice", "bert", "BertForMultipleChoice", B::choice},

      {"AutoModel", "roberta", "RobertaModel", R::base},
      {"AutoModelForTextEncoding", "roberta", "RobertaModel", R::base},
      {"AutoModelForMaskedLM", "roberta", "RobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "roberta", "RobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "roberta", "RobertaForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "roberta", "RobertaForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "roberta", "RobertaForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "roberta", "RobertaForMultipleChoice", R::choice},

      {"AutoModel", "xlm-roberta", "XLMRobertaModel", R::base},
      {"AutoModelForTextEncoding", "xlm-roberta", "XLMRobertaModel", R::base},
      {"AutoModelForMaskedLM", "xlm-roberta", "XLMRobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "xlm-roberta", "XLMRobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "xlm-roberta", "XLMRobertaForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "xlm-roberta", "XLMRobertaForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "xlm-roberta", "XLMRobertaForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "xlm-roberta", "XLMRobertaForMultipleChoice", R::choice},

      {"AutoModel", "camembert", "CamembertModel", R::base},
      {"AutoModelForMaskedLM", "camembert", "CamembertForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "camembert", "CamembertForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "camembert", "CamembertForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "camembert", "CamembertForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "camembert", "CamembertForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "camembert", "CamembertForMultipleChoice", R::choice},

      {"AutoModel", "electra", "ElectraModel", E::base},
      {"AutoModelForTextEncoding", "electra", "ElectraModel", E::base},
      {"AutoModelForMaskedLM", "electra", "ElectraForMaskedLM", electra::make_for_masked_lm},
      {"AutoModelForPreTraining", "electra", "ElectraForPreTraining", electra::make_for_pretraining},
      {"AutoModelForSequenceClassification", "electra", "ElectraForSequenceClassification", electra::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "electra", "ElectraForTokenClassification", E::token},
      {"AutoModelForQuestionAnswering", "electra", "ElectraForQuestionAnswering", E::qa},

      {"AutoModel", "distilbert", "DistilBertModel", D::base},
      {"AutoModelForTextEncoding", "distilbert", "DistilBertModel", D::base},
      {"AutoModelForMaskedLM", "distilbert", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
      {"AutoModelForPreTraining", "distilbert", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "distilbert", "DistilBertForSequenceClassification", distilbert::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "distilbert", "DistilBertForTokenClassification", D::token},
      {"AutoModelForQuestionAnswering", "distilbert", "DistilBertForQuestionAnswering", D::qa},
      {"AutoModelForMultipleChoice", "distilbert", "DistilBertForMultipleChoice", distilbert::make_for_multiple_choice},

      {"AutoModel", "albert", "AlbertModel", A::base},
      {"AutoModelForTextEncoding", "albert", "AlbertModel", A::base},
      {"AutoModelForMaskedLM", "albert", "AlbertForMaskedLM", albert::make_for_masked_lm},
      {"AutoModelForPreTraining", "albert", "AlbertForPreTraining", albert::make_for_pretraining},
      {"AutoModelForSequenceClassification", "albert", "AlbertForSequenceClassification", A::pooled_cls},
      {"AutoModelForTokenClassification", "albert", "AlbertForTokenClassification", A::token},
      {"AutoModelForQuestionAnswering", "albert", "AlbertForQuestionAnswering", A::qa},
      {"AutoModelForMultipleChoice", "albert", "AlbertForMultipleChoice", A::choice},

      {"AutoModel", "mpnet", "MPNetModel", M::base},
      {"AutoModelForTextEncoding", "mpnet", "MPNetModel", M::base},
      {"AutoModelForMaskedLM", "mpnet", "MPNetForMaskedLM", mpnet_mlm},
      {"AutoModelForPreTraining", "mpnet", "MPNetForMaskedLM", mpnet_mlm},
      {"AutoModelForSequenceClassification", "mpnet", "MPNetForSequenceClassification", mpnet_seq},
      {"AutoModelForTokenClassification", "mpnet", "MPNetForTokenClassification", M::token},
      {"AutoModelForQuestionAnswering", "mpnet", "MPNetForQuestionAnswering", M::qa},
      {"AutoModelForMultipleChoice", "mpnet", "MPNetForMultipleChoice", M::choice},

      {"AutoModel", "modernbert", "ModernBertModel", MB::base},
      {"AutoModelForMaskedLM", "modernbert", "ModernBertForMaskedLM", modernbert::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "modernbert", "ModernBertForSequenceClassification", modernbert::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "modernbert", "ModernBertForTokenClassification", modernbert::make_for_token_classification},
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
