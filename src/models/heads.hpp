#pragma once
// Task heads shared by every encoder family (DESIGN: generic heads). A family provides its
// backbone (embeddings + encoder [+ pooler]) as an EncoderBackbone; the heads here are the
// ones HF writes identically across families. Heads that really differ live in the family file.
#include <functional>
#include <memory>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"

namespace transformers {

class EncoderBackbone : public nn::Module {
 public:
  // last_hidden_state (and pooler_output when built with a pooler).
  virtual ModelOutput encode(const ModelInputs& in) const = 0;
  virtual int64_t hidden_size() const = 0;
};

struct EncoderFamily {
  std::string prefix;  // base_model_prefix: "bert", "roberta", "electra", ...
  std::string class_prefix;  // "Bert", "Roberta", ... for class names in errors
  std::function<std::unique_ptr<EncoderBackbone>(const PretrainedConfig&, bool with_pooler)> backbone;
  // The word-embedding key an MLM decoder ties to, e.g. "roberta.embeddings.word_embeddings.weight".
  std::string word_embeddings() const { return prefix + ".embeddings.word_embeddings.weight"; }
};

// A backbone under `family.prefix` plus head modules registered at the root, as in HF.
class EncoderHeadModel : public Model {
 public:
  EncoderHeadModel(const PretrainedConfig& c, const EncoderFamily& f, bool with_pooler)
      : Model(c), family_(f), backbone_(child(f.prefix, f.backbone(c, with_pooler))) {}
  std::string base_model_prefix() const override { return family_.prefix; }
  ModelOutput forward(const ModelInputs& in) override { return head(backbone_.encode(in), in); }

 protected:
  virtual ModelOutput head(const ModelOutput& base, const ModelInputs& in) = 0;
  template <typename M>
  M& add(const std::string& name, std::unique_ptr<M> m) { return child(name, std::move(m)); }
  EncoderFamily family_;
  EncoderBackbone& backbone_;
};

// The base model itself (AutoModel): backbone keys carry no prefix.
std::unique_ptr<PreTrainedModel> make_base_model(const PretrainedConfig& c, const EncoderFamily& f);
// logits = classifier(last_hidden_state); decoders' generic heads name it `score`
std::unique_ptr<PreTrainedModel> make_token_classification(const PretrainedConfig& c, const EncoderFamily& f,
                                                          const std::string& head = "classifier", bool bias = true);
// start_logits, end_logits = qa_outputs(last_hidden_state)
std::unique_ptr<PreTrainedModel> make_question_answering(const PretrainedConfig& c, const EncoderFamily& f);
// BERT style: classifier(pooler_output)
std::unique_ptr<PreTrainedModel> make_pooled_sequence_classification(const PretrainedConfig& c, const EncoderFamily& f);
// RoBERTa / ELECTRA style: classifier.out_proj(act(classifier.dense(h[:, 0])))
std::unique_ptr<PreTrainedModel> make_cls_head_sequence_classification(const PretrainedConfig& c, const EncoderFamily& f,
                                                                       ops::Activation act);
// [B, C, S] inputs, logits [B, C] = classifier(pooler_output) reshaped
std::unique_ptr<PreTrainedModel> make_pooled_multiple_choice(const PretrainedConfig& c, const EncoderFamily& f);

// Flattens [B, C, S] multiple-choice inputs to [B*C, S].
ModelInputs flatten_choices(const ModelInputs& in, int64_t& num_choices);
// A multiple-choice forward: `run` on the flattened inputs, its [B*C, 1] logits as [B, C].
ModelOutput forward_choices(const ModelInputs& in, const std::function<ModelOutput(const ModelInputs&)>& run);

}  // namespace transformers
