#pragma once
// Task pipelines built on the Auto classes.
#include <memory>
#include <string>
#include <vector>

#include "transformers/modeling.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

// Sentence embeddings as sentence-transformers computes them: the folder's modules.json chain
// (Transformer -> Pooling from 1_Pooling/config.json -> optional Normalize), max_seq_length from
// sentence_bert_config.json. A plain model folder gets mean pooling without normalization.
class SentenceTransformer {
 public:
  static std::unique_ptr<SentenceTransformer> from_pretrained(const std::string& name_or_path, const FromPretrainedOptions& o = {});
  // [N, D] fp32 embeddings, batched with padding.
  Tensor encode(const std::vector<std::string>& sentences, int64_t batch_size = 32) const;
  // Cosine similarity matrix of two embedding sets [N, D] x [M, D] -> [N, M].
  static Tensor cos_sim(const Tensor& a, const Tensor& b);

  const std::string& pooling_mode() const { return pooling_; }
  bool normalize() const { return normalize_; }
  int64_t max_seq_length() const { return max_seq_length_; }
  const PreTrainedModel& model() const { return *model_; }
  const PreTrainedTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tokenizer_;
  std::string pooling_ = "mean";  // cls | mean | max | mean_sqrt_len
  bool normalize_ = false;
  int64_t max_seq_length_ = 512;
};

}  // namespace transformers
