#pragma once
// The classification head of every vision family's *ForImageClassification: a Linear over pooled
// features, or the features themselves when num_labels is 0 (Python's nn.Identity).
#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "ops/ops.hpp"
#include "transformers/errors.hpp"

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

// A vision family's base model class: its backbone (a module with `ModelOutput run(inputs)`) at
// the root, or under `prefix` inside a head model; `rename` maps older checkpoint names. The
// backbone is built from the config (Backbone(c)) or given by the family.
template <typename Backbone>
class VisionModel : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  VisionModel(const PretrainedConfig& c, const char* prefix, bool root, std::string (*rename)(std::string) = nullptr)
      : VisionModel(c, prefix, root, std::make_unique<Backbone>(c), rename) {}
  VisionModel(const PretrainedConfig& c, const char* prefix, bool root, std::unique_ptr<Backbone> backbone,
              std::string (*rename)(std::string) = nullptr, std::vector<std::string> may_be_missing = {})
      : Model(c), prefix_(prefix), rename_(rename), may_be_missing_(std::move(may_be_missing)),
        backbone_(child(root ? "" : prefix, std::move(backbone))) {}
  std::string base_model_prefix() const override { return prefix_; }
  std::string checkpoint_key(const std::string& key) const override { return rename_ ? rename_(key) : key; }
  std::vector<std::string> may_be_missing() const override { return may_be_missing_; }
  ModelOutput forward(const ModelInputs& in) override { return backbone_.run(in); }

 protected:
  std::string prefix_;
  std::string (*rename_)(std::string);
  std::vector<std::string> may_be_missing_;
  Backbone& backbone_;
};

// *ForImageClassification over the backbone's pooler_output (flattened to [B, features], as
// ResNet's Sequential(Flatten, Linear) does). `head` is the Linear's path: "classifier", or
// "classifier.1" behind a Flatten.
template <typename Backbone>
class PooledImageClassification : public VisionModel<Backbone> {
 public:
  // A backbone built from the config, with `int64_t features()`.
  PooledImageClassification(const PretrainedConfig& c, const char* prefix, std::string (*rename)(std::string) = nullptr)
      : PooledImageClassification(c, prefix, std::make_unique<Backbone>(c), rename) {}
  PooledImageClassification(const PretrainedConfig& c, const char* prefix, std::unique_ptr<Backbone> backbone,
                            std::string (*rename)(std::string), int64_t features = -1, const std::string& head = "classifier")
      : VisionModel<Backbone>(c, prefix, false, std::move(backbone), rename),
        head_(add_head(head, features >= 0 ? features : feature_count(this->backbone_), c)) {}
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor pooled = VisionModel<Backbone>::forward(in)["pooler_output"];
    return head_(pooled.dim() > 2 ? pooled.view({pooled.size(0), pooled.numel() / pooled.size(0)}) : pooled);
  }

 private:
  template <typename B>
  static int64_t feature_count(const B& b) {
    if constexpr (requires { b.features(); })
      return b.features();
    else
      throw ConfigError("PooledImageClassification: the backbone does not say its feature count");
  }
  const ImageClassifier& add_head(const std::string& path, int64_t features, const PretrainedConfig& c) {
    const auto dot = path.find('.');
    if (dot == std::string::npos) return this->child(path, std::make_unique<ImageClassifier>(features, c));
    return this->child(path.substr(0, dot), std::make_unique<nn::Container>())
        .add(path.substr(dot + 1), std::make_unique<ImageClassifier>(features, c));
  }
  const ImageClassifier& head_;
};

}  // namespace transformers
