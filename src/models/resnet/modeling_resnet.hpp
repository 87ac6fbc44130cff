#pragma once
// ResNet (modeling_resnet.py): a 7x7 stem with max pooling, then stages of basic or bottleneck
// residual layers (convolution + batch norm), global average pooling.
#include <memory>

#include "models/modeling_utils.hpp"
#include "nn/module.hpp"

namespace transformers::resnet {
ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);

class ConvLayer;
class ResidualLayer;

// ResNetModel's stem and stages; detection models (DETR) read one stage's feature map, as
// ResNetBackbone's out_features.
class ResNetModel : public nn::Module {
 public:
  explicit ResNetModel(const PretrainedConfig& c);
  // last_hidden_state (the last stage) and pooler_output.
  ModelOutput run(const ModelInputs& in) const;
  // The output of the first `stages` stages (1 = "stage1") for pixel_values [B, C, H, W];
  // `states` (optional) receives Python's hidden_states: the embedder's output, then each stage's.
  Tensor features(const Tensor& pixel_values, size_t stages, std::vector<Tensor>* states = nullptr) const;
  size_t num_stages() const { return stage_end_.size(); }

 private:
  int64_t channels_;
  ConvLayer* stem_;
  std::vector<ResidualLayer*> layers_;
  std::vector<size_t> stage_end_;  // per stage, one past its last layer
};

// A timm / torchvision ResNet weight name as ours ("layer2.0.downsample.1.weight" ->
// "encoder.stages.1.layers.0.shortcut.normalization.weight"); other names unchanged.
std::string rename_timm(const std::string& key);
// The ResNetConfig JSON equal to a timm model name ("resnet50").
std::string timm_config_json(const std::string& name);
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c);
// ResNetBackbone (AutoBackbone): the embedder's and stages' outputs named by out_features.
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c);
}  // namespace transformers::resnet
