#pragma once
// What every *Backbone (Python's AutoBackbone classes: BackboneMixin + BackboneConfigMixin) shares:
// the stage names, out_features / out_indices aligned and checked as backbone_utils.py does, and a
// model whose output is BackboneOutput (feature_maps.0.., then hidden_states / attentions when
// asked). A family supplies every stage's state and how a selected state becomes a feature map.
#include <string>
#include <vector>

#include "models/modeling_utils.hpp"

namespace transformers {

// config.stage_names with the config's out_features / out_indices resolved as
// BackboneConfigMixin.set_output_features_output_indices: either one derives the other, neither
// means the last stage; both must name the same stages. Negative indices count from the end.
struct BackboneStages {
  std::vector<std::string> stage_names;
  std::vector<std::string> out_features;
  std::vector<int64_t> out_indices;  // non-negative, ascending, into stage_names
  static BackboneStages from(const PretrainedConfig& c, std::vector<std::string> stage_names, const std::string& owner);
  // "stem", "stage1" .. "stage<n>" (the names every family here uses).
  static std::vector<std::string> numbered(int64_t stages);
};

class BackboneModel : public Model {
 public:
  BackboneModel(const PretrainedConfig& c, BackboneStages stages) : Model(c), stages_(std::move(stages)) {}
  std::string main_input_name() const override { return "pixel_values"; }
  const BackboneStages& stages() const { return stages_; }
  // feature_maps.i for out_features[i], then the neck over them (BEiT's FPN), in Python's order.
  ModelOutput forward(const ModelInputs& in) override;

 protected:
  // Every stage's state in stage_names' order (what Python zips with stage_names), recording
  // Python's hidden_states / attentions as it goes.
  virtual std::vector<Tensor> stage_states(const ModelInputs& in) const = 0;
  // A selected stage's state as Python returns it in feature_maps (a norm, a reshape to a grid).
  virtual Tensor feature_map(const std::string& stage, const Tensor& state, const ModelInputs& in) const {
    (void)stage, (void)in;
    return state;
  }
  virtual std::vector<Tensor> neck(std::vector<Tensor> maps) const { return maps; }

 private:
  BackboneStages stages_;
};

}  // namespace transformers
