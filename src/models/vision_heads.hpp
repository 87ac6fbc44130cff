#pragma once
// The classification head of every vision family's *ForImageClassification: a Linear over pooled
// features, or the features themselves when num_labels is 0 (Python's nn.Identity).
#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"

namespace transformers {

class ImageClassifier : public nn::Module {
 public:
  ImageClassifier(int64_t features, const PretrainedConfig& c) {
    if (c.num_labels() > 0) linear_ = &child("", std::make_unique<nn::Linear>(features, c.num_labels()));
  }
  ModelOutput operator()(const Tensor& features) const {
    ModelOutput o;
    o.set("logits", linear_ ? (*linear_)(features) : features);
    return o;
  }

 private:
  nn::Linear* linear_ = nullptr;
};

}  // namespace transformers
