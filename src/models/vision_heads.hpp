#pragma once
// The classification head of every vision family's *ForImageClassification: a Linear over pooled
// features, or the features themselves when num_labels is 0 (Python's nn.Identity).
#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "ops/ops.hpp"

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

// *ForMaskedImageModeling's decoder: Conv2d(features, stride^2 * channels, 1) then
// PixelShuffle(stride), over a rows x cols grid of token features [B, rows * cols, features].
class MaskedImageDecoder : public nn::Module {
 public:
  MaskedImageDecoder(int64_t features, int64_t stride, int64_t channels)
      : stride_(stride),
        conv_(child("0", std::make_unique<nn::Conv2d>(features, stride * stride * channels, std::pair<int64_t, int64_t>{1, 1}, nn::Conv2d::Options{}))) {}
  Tensor operator()(const Tensor& tokens, int64_t rows, int64_t cols) const {
    const int64_t B = tokens.size(0);
    // The 1x1 convolution is a linear map of each token's features.
    const Tensor lin = ops::linear(tokens.contiguous(), conv_.weight.view({conv_.weight.size(0), conv_.weight.size(1)}), *conv_.bias);
    return ops::pixel_shuffle(lin.view({B, rows, cols, lin.size(-1)}).permute({0, 3, 1, 2}), stride_);
  }

 private:
  int64_t stride_;
  nn::Conv2d& conv_;
};

// A vision family's base model class: its backbone (a module with `ModelOutput run(inputs)` and
// `int64_t features()`) at the root, or under `prefix` inside a head model; `rename` maps older
// checkpoint names.
template <typename Backbone>
class VisionModel : public Model {
 public:
  VisionModel(const PretrainedConfig& c, const char* prefix, bool root, std::string (*rename)(std::string) = nullptr)
      : Model(c), prefix_(prefix), rename_(rename), backbone_(child(root ? "" : prefix, std::make_unique<Backbone>(c))) {}
  std::string base_model_prefix() const override { return prefix_; }
  std::string checkpoint_key(const std::string& key) const override { return rename_ ? rename_(key) : key; }
  ModelOutput forward(const ModelInputs& in) override { return backbone_.run(in); }

 protected:
  std::string prefix_;
  std::string (*rename_)(std::string);
  Backbone& backbone_;
};

// *ForImageClassification over the backbone's pooler_output.
template <typename Backbone>
class PooledImageClassification : public VisionModel<Backbone> {
 public:
  PooledImageClassification(const PretrainedConfig& c, const char* prefix, std::string (*rename)(std::string) = nullptr)
      : VisionModel<Backbone>(c, prefix, false, rename),
        head_(this->child("classifier", std::make_unique<ImageClassifier>(this->backbone_.features(), c))) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override { return head_(VisionModel<Backbone>::forward(in)["pooler_output"]); }

 private:
  const ImageClassifier& head_;
};

}  // namespace transformers
