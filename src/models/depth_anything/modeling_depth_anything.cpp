// Depth Anything: transformers/models/depth_anything/modeling_depth_anything.py on the DINOv2 backbone.
#include "models/depth_anything/modeling_depth_anything.hpp"

#include <cmath>

#include "models/dinov2/modeling_dinov2.hpp"
#include "models/dpt/modeling_dpt.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::depth_anything {

ConfigSpec config_spec() {
  ConfigSpec s{"depth_anything", "DepthAnythingConfig", R"({
    "patch_size": 14, "initializer_range": 0.02, "reassemble_hidden_size": 384, "reassemble_factors": [4, 2, 1, 0.5],
    "neck_hidden_sizes": [48, 96, 192, 384], "fusion_hidden_size": 64, "head_in_index": -1, "head_hidden_size": 32,
    "depth_estimation_type": "relative", "max_depth": null
  })"};
  s.sub_configs = {{"backbone_config", "dinov2"}};
  return s;
}

namespace {

using dpt::conv;
using dpt::Fusion;
using dpt::Reassemble;

class ForDepthEstimation : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  explicit ForDepthEstimation(const PretrainedConfig& c) : Model(c), backbone_cfg_(backbone_config(c)) {
    if (backbone_cfg_.model_type() != "dinov2") throw ConfigError("DepthAnythingConfig: only a dinov2 backbone is supported, got " + backbone_cfg_.model_type());
    patch_ = c.get_int("patch_size");
    stages_ = out_stages(backbone_cfg_);
    norm_features_ = backbone_cfg_.get_bool("apply_layernorm", true);
    backbone_ = &child("backbone", dinov2::make_backbone(backbone_cfg_));
    const auto sizes = c.get_int_list("neck_hidden_sizes");
    const auto factors = c.get_float_list("reassemble_factors");
    if (sizes.size() != factors.size() || sizes.size() != stages_.size())
      throw ConfigError("DepthAnythingConfig: neck_hidden_sizes, reassemble_factors and the backbone's out_indices must have the same length");
    const int64_t hidden = c.get_int("reassemble_hidden_size"), fusion = c.get_int("fusion_hidden_size");
    auto& neck = child("neck", std::make_unique<nn::Container>());
    auto& re = neck.add("reassemble_stage", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    auto& convs = neck.add("convs", std::make_unique<nn::Container>());
    auto& fuse = neck.add("fusion_stage", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    for (size_t i = 0; i < sizes.size(); ++i) {
      reassemble_.push_back(&re.add(std::to_string(i), std::make_unique<Reassemble>(hidden, sizes[i], factors[i])));
      convs_.push_back(&convs.add(std::to_string(i), conv(sizes[i], fusion, 3, 1, 1, false)));
      fusion_.push_back(&fuse.add(std::to_string(i), std::make_unique<Fusion>(fusion, false, true)));
    }
    auto& head = child("head", std::make_unique<nn::Container>());
    conv1_ = &head.add("conv1", conv(fusion, fusion / 2, 3, 1, 1));
    conv2_ = &head.add("conv2", conv(fusion / 2, c.get_int("head_hidden_size"), 3, 1, 1));
    conv3_ = &head.add("conv3", conv(c.get_int("head_hidden_size"), 1, 1, 1, 0));
    head_in_ = c.get_int("head_in_index");
    metric_ = c.get_string("depth_estimation_type") == "metric";
    if (!metric_ && c.get_string("depth_estimation_type") != "relative") throw ConfigError("DepthAnythingConfig: depth_estimation_type must be relative or metric");
    max_depth_ = c.has("max_depth") ? static_cast<float>(c.get_float("max_depth")) : 1.0f;
  }
  std::string base_model_prefix() const override { return "depth_anything"; }
  std::string checkpoint_key(const std::string& key) const override {
    static const std::pair<const char*, const char*> kRenames[] = {{"attention.attention.query", "attention.q_proj"},
                                                                   {"attention.attention.key", "attention.k_proj"},
                                                                   {"attention.attention.value", "attention.v_proj"},
                                                                   {"attention.output.dense", "attention.o_proj"}};
    std::string k = key;
    for (const auto& [from, to] : kRenames)
      if (auto at = k.find(from); at != std::string::npos) k.replace(at, std::string(from).size(), to);
    return k;
  }

  ModelOutput forward(const ModelInputs& in) override {
    const Tensor& pv = require_input(in, "pixel_values", "DepthAnythingForDepthEstimation");
    const std::vector<Tensor> feats = dinov2::backbone_features(*backbone_, pv, stages_, norm_features_);
    const int64_t ph = pv.size(2) / patch_, pw = pv.size(3) / patch_, B = pv.size(0);
    std::vector<Tensor> levels;
    for (size_t i = 0; i < feats.size(); ++i) {
      const Tensor& f = feats[i];  // [B, 1 + ph * pw, C]: drop the CLS token, lay the patches out
      const Tensor grid = f.slice(1, 1, f.size(1)).contiguous().view({B, ph, pw, f.size(2)}).permute({0, 3, 1, 2}).contiguous();
      levels.push_back((*convs_[i])((*reassemble_[i])(grid)));
    }
    Tensor d = ops::interpolate_bilinear((*conv1_)(dpt::fuse(fusion_, levels, true, head_in_, "DepthAnythingConfig")), ph * patch_, pw * patch_, true);
    d = (*conv3_)(ops::activation((*conv2_)(d), ops::Activation::Relu));
    d = metric_ ? ops::activation(d, ops::Activation::Sigmoid) : ops::activation(d, ops::Activation::Relu);
    ModelOutput o;
    o.set("predicted_depth", ops::scale(d, max_depth_).view({B, d.size(2), d.size(3)}));
    return o;
  }

 private:
  static PretrainedConfig backbone_config(const PretrainedConfig& c) {
    if (auto b = c.sub_config("backbone_config")) return *b;
    throw ConfigError("DepthAnythingConfig: backbone_config is required");
  }
  // out_indices, else out_features ("stage3" -> 3).
  static std::vector<int64_t> out_stages(const PretrainedConfig& b) {
    if (b.has("out_indices")) return b.get_int_list("out_indices");
    std::vector<int64_t> s;
    if (b.has("out_features"))
      for (const auto& f : b.get_string_list("out_features")) {
        if (f.rfind("stage", 0) != 0) throw ConfigError("Dinov2 backbone: out_features must name stages, got " + f);
        s.push_back(std::stoll(f.substr(5)));
      }
    if (s.empty()) s.push_back(b.get_int("num_hidden_layers"));
    return s;
  }

  PretrainedConfig backbone_cfg_;
  int64_t patch_, head_in_;
  std::vector<int64_t> stages_;
  bool norm_features_, metric_;
  float max_depth_;
  nn::Module* backbone_;
  std::vector<Reassemble*> reassemble_;
  std::vector<nn::Conv2d*> convs_;
  std::vector<Fusion*> fusion_;
  nn::Conv2d *conv1_, *conv2_, *conv3_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_for_depth_estimation(const PretrainedConfig& c) { return std::make_unique<ForDepthEstimation>(c); }

}  // namespace transformers::depth_anything
