#pragma once
// Mirrors transformers/models/bert/{configuration_bert,modeling_bert}.py. The embeddings,
// layers and backbone here are reused by RoBERTa (and XLM-R, CamemBERT) and ELECTRA.
#include <memory>
#include <vector>

#include "models/heads.hpp"

namespace transformers::bert {

ConfigSpec config_spec();

struct BertParams {
  int64_t vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size;
  int64_t max_position_embeddings, type_vocab_size;
  int64_t embedding_size;  // ELECTRA: may differ from hidden_size
  int64_t pad_token_id = 0;
  bool padding_offset_positions = false;  // RoBERTa: positions count from pad_token_id + 1
  bool is_decoder = false;  // config.is_decoder (the *ForCausalLM / BertLMHeadModel use): causal self-attention
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

 private:
  BertParams p_;
};

class BertLayer : public nn::Module {
 public:
  explicit BertLayer(const BertParams& p);
  Tensor forward(const Tensor& hidden, const Tensor& mask) const;

 private:
  int64_t heads_;
  ops::Activation act_;
  nn::Linear *query_, *key_, *value_, *attn_out_, *intermediate_, *out_;
  nn::LayerNorm *attn_norm_, *out_norm_;
};

// embeddings [+ embeddings_project] + encoder.layer.N [+ pooler]
class BertBackbone : public EncoderBackbone {
 public:
  BertBackbone(const BertParams& p, bool add_pooling_layer, const std::string& cls);
  ModelOutput encode(const ModelInputs& in) const override;
  int64_t hidden_size() const override { return p_.hidden_size; }

 private:
  BertParams p_;
  std::string cls_;
  BertEmbeddings& embeddings_;
  nn::Linear* project_ = nullptr;
  std::vector<BertLayer*> layers_;
  nn::Linear* pooler_ = nullptr;
};

// The BERT-style MLM transform: dense -> act -> LayerNorm, then the (tied) decoder.
class BertLMPredictionHead : public nn::Module {
 public:
  explicit BertLMPredictionHead(const BertParams& p);
  Tensor forward(const Tensor& x) const;

 private:
  ops::Activation act_;
  nn::Linear *dense_, *decoder_;
  nn::LayerNorm* norm_;
};

const EncoderFamily& family();

}  // namespace transformers::bert

namespace transformers::bert {
std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_next_sentence(const PretrainedConfig& c);
}  // namespace transformers::bert
