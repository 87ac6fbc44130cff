#include "models/heads.hpp"

#include "transformers/errors.hpp"

namespace transformers {
namespace {

class BaseModel : public Model {
 public:
  BaseModel(const PretrainedConfig& c, const EncoderFamily& f)
      : Model(c), prefix_(f.prefix), backbone_(child("", f.backbone(c, true))) {}
  std::string base_model_prefix() const override { return prefix_; }
  std::vector<std::string> may_be_missing() const override { return {"pooler."}; }
  ModelOutput forward(const ModelInputs& in) override { return backbone_.encode(in); }

 private:
  std::string prefix_;
  EncoderBackbone& backbone_;
};

int64_t num_labels(const PretrainedConfig& c) {
  const int64_t n = c.num_labels();
  if (n <= 0) throw ConfigError("num_labels must be positive for a classification head");
  return n;
}

class TokenClassification : public EncoderHeadModel {
 public:
  TokenClassification(const PretrainedConfig& c, const EncoderFamily& f, const std::string& name, bool bias)
      : EncoderHeadModel(c, f, false),
        name_(name),
        classifier_(add(name, std::make_unique<nn::Linear>(backbone_.hidden_size(), num_labels(c), bias))) {}
  std::vector<std::string> may_be_missing() const override { return {name_ + "."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", classifier_(base["last_hidden_state"]));
    return o;
  }
  std::string name_;
  nn::Linear& classifier_;
};

// HF sizes qa_outputs by num_labels and splits it into start / end: it must be 2.
int64_t qa_labels(const PretrainedConfig& c) {
  if (c.num_labels() != 2) throw ConfigError("question answering needs num_labels == 2 (start, end), got " + std::to_string(c.num_labels()));
  return 2;
}

class QuestionAnswering : public EncoderHeadModel {
 public:
  QuestionAnswering(const PretrainedConfig& c, const EncoderFamily& f)
      : EncoderHeadModel(c, f, false), qa_(add("qa_outputs", std::make_unique<nn::Linear>(backbone_.hidden_size(), qa_labels(c)))) {}
  std::vector<std::string> may_be_missing() const override { return {"qa_outputs."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    Tensor logits = qa_(base["last_hidden_state"]);  // [B, S, 2]
    ModelOutput o;
    o.set("start_logits", logits.select(-1, 0).contiguous());
    o.set("end_logits", logits.select(-1, 1).contiguous());
    return o;
  }
  nn::Linear& qa_;
};

class PooledSequenceClassification : public EncoderHeadModel {
 public:
  PooledSequenceClassification(const PretrainedConfig& c, const EncoderFamily& f, int64_t out)
      : EncoderHeadModel(c, f, true), classifier_(add("classifier", std::make_unique<nn::Linear>(backbone_.hidden_size(), out))) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier.", family_.prefix + ".pooler."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    ModelOutput o;
    o.set("logits", classifier_(base["pooler_output"]));
    return o;
  }
  nn::Linear& classifier_;
};

class ClsHeadSequenceClassification : public EncoderHeadModel {
 public:
  ClsHeadSequenceClassification(const PretrainedConfig& c, const EncoderFamily& f, ops::Activation act)
      : EncoderHeadModel(c, f, false), act_(act) {
    auto& cls = add("classifier", std::make_unique<nn::Container>());
    dense_ = &cls.add("dense", std::make_unique<nn::Linear>(backbone_.hidden_size(), backbone_.hidden_size()));
    out_proj_ = &cls.add("out_proj", std::make_unique<nn::Linear>(backbone_.hidden_size(), num_labels(c)));
  }
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    Tensor x = base["last_hidden_state"].select(1, 0);
    ModelOutput o;
    o.set("logits", (*out_proj_)(ops::activation((*dense_)(x), act_)));
    return o;
  }
  ops::Activation act_;
  nn::Linear* dense_;
  nn::Linear* out_proj_;
};

class PooledMultipleChoice : public PooledSequenceClassification {
 public:
  PooledMultipleChoice(const PretrainedConfig& c, const EncoderFamily& f) : PooledSequenceClassification(c, f, 1) {}
  ModelOutput forward(const ModelInputs& in) override {
    return forward_choices(in, [this](const ModelInputs& x) { return PooledSequenceClassification::forward(x); });
  }
};

}  // namespace

ModelInputs flatten_choices(const ModelInputs& in, int64_t& num_choices) {
  const Tensor& ids = require_input(in, "input_ids", "MultipleChoice");
  if (ids.dim() != 3) throw ShapeMismatch("multiple choice input_ids must be [batch, num_choices, seq], got " + shape_str(ids.shape()));
  num_choices = ids.size(1);
  ModelInputs out;
  for (const auto& [k, v] : in) {
    if (!v.defined()) continue;
    if (v.dim() != 3 || v.size(0) != ids.size(0) || v.size(1) != num_choices)
      throw ShapeMismatch("multiple choice input '" + k + "' must be [batch, num_choices, seq], got " + shape_str(v.shape()));
    out[k] = v.reshape({-1, v.size(2)});
  }
  return out;
}

std::unique_ptr<PreTrainedModel> make_base_model(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<BaseModel>(c, f);
}
std::unique_ptr<PreTrainedModel> make_token_classification(const PretrainedConfig& c, const EncoderFamily& f, const std::string& head,
                                                          bool bias) {
  return std::make_unique<TokenClassification>(c, f, head, bias);
}
std::unique_ptr<PreTrainedModel> make_question_answering(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<QuestionAnswering>(c, f);
}
std::unique_ptr<PreTrainedModel> make_pooled_sequence_classification(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<PooledSequenceClassification>(c, f, num_labels(c));
}
std::unique_ptr<PreTrainedModel> make_cls_head_sequence_classification(const PretrainedConfig& c, const EncoderFamily& f,
                                                                       ops::Activation act) {
  return std::make_unique<ClsHeadSequenceClassification>(c, f, act);
}
std::unique_ptr<PreTrainedModel> make_pooled_multiple_choice(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<PooledMultipleChoice>(c, f);
}

ModelOutput forward_choices(const ModelInputs& in, const std::function<ModelOutput(const ModelInputs&)>& run) {
  int64_t n = 0;
  ModelOutput o = run(flatten_choices(in, n));
  o.set("logits", o["logits"].view({-1, n}));
  return o;
}

}  // namespace transformers
