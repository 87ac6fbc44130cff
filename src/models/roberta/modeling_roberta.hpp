#pragma once
// Mirrors transformers/models/roberta/modeling_roberta.py, and the XLM-RoBERTa and CamemBERT
// files that repeat it under their own model_type: BERT's backbone with fairseq position ids.
#include "models/bert/modeling_bert.hpp"

namespace transformers::roberta {

ConfigSpec config_spec(const std::string& model_type, const std::string& class_name);
const EncoderFamily& family();
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
// RoBERTa's `lm_head` (dense -> gelu -> layer_norm -> tied decoder) over another family (MPNet).
std::unique_ptr<PreTrainedModel> make_lm_head_model(const PretrainedConfig& c, const EncoderFamily& f);
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c);

}  // namespace transformers::roberta
