#pragma once
// Mirrors transformers/models/bert/{configuration_bert,modeling_bert}.py.
// Derived encoder families (RoBERTa, ELECTRA, ...) reuse these modules with their own config.
#include <memory>
#include <vector>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"

namespace transformers::bert {

ConfigSpec config_spec();

struct BertParams {
  int64_t vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size;
  int64_t max_position_embeddings, type_vocab_size;
  float layer_norm_eps;
  ops::Activation hidden_act;
  static BertParams from(const PretrainedConfig& c);
};

class BertEmbeddings : public nn::Module {
 public:
  explicit BertEmbeddings(const BertParams& p);
  Tensor forward(const Tensor& input_ids, const Tensor* token_type_ids, const Tensor* position_ids) const;
  nn::Embedding &word_embeddings, &position_embeddings, &token_type_embeddings;
  nn::LayerNorm& LayerNorm;
  int64_t max_position_embeddings;
};

class BertLayer : public nn::Module {
 public:
  explicit BertLayer(const BertParams& p);
  Tensor forward(const Tensor& hidden, const Tensor& mask) const;

 private:
  int64_t heads_;
  float scaling_;
  ops::Activation act_;
  nn::Linear *query_, *key_, *value_, *attn_out_, *intermediate_, *out_;
  nn::LayerNorm *attn_norm_, *out_norm_;
};

class BertEncoder : public nn::Module {
 public:
  explicit BertEncoder(const BertParams& p);
  Tensor forward(Tensor hidden, const Tensor& mask) const;
  std::vector<BertLayer*> layer;
};

class BertPooler : public nn::Module {
 public:
  explicit BertPooler(const BertParams& p) : dense(child("dense", std::make_unique<nn::Linear>(p.hidden_size, p.hidden_size))) {}
  Tensor forward(const Tensor& hidden) const;  // tanh(dense(hidden[:, 0]))
  nn::Linear& dense;
};

// BertModel as a module (embeddings, encoder, optional pooler), embedded by every Bert head.
class BertBackbone : public nn::Module {
 public:
  BertBackbone(const BertParams& p, bool add_pooling_layer);
  // Returns last_hidden_state and (when pooling) pooler_output.
  ModelOutput forward(const ModelInputs& in, const std::string& cls) const;
  BertEmbeddings& embeddings;
  BertEncoder& encoder;
  BertPooler* pooler;
};

class BertPredictionHeadTransform : public nn::Module {
 public:
  explicit BertPredictionHeadTransform(const BertParams& p);
  Tensor forward(const Tensor& x) const;
  nn::Linear& dense;
  nn::LayerNorm& LayerNorm;
  ops::Activation act;
};

class BertLMPredictionHead : public nn::Module {
 public:
  explicit BertLMPredictionHead(const BertParams& p);
  Tensor forward(const Tensor& x) const;
  BertPredictionHeadTransform& transform;
  nn::Linear& decoder;
  Tensor& bias;
};

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);

}  // namespace transformers::bert
