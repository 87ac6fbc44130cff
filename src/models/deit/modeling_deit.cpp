// DeiT: transformers/models/deit/modeling_deit.py, on the ViT encoder with the distillation token.
#include "models/deit/modeling_deit.hpp"

#include <algorithm>

#include "models/vit/modeling_vit.hpp"
#include "transformers/errors.hpp"

namespace transformers::deit {

namespace {

const vit::Variant kDeiT{"deit", "DeiT", true};

// (cls_classifier(h[:, 0]) + distillation_classifier(h[:, 1])) / 2
class ForImageClassificationWithTeacher : public vit::Base {
 public:
  explicit ForImageClassificationWithTeacher(const PretrainedConfig& c) : vit::Base(c, kDeiT, false, false, false) {
    if (c.num_labels() <= 0) throw ConfigError("DeiTForImageClassificationWithTeacher needs num_labels > 0");
    cls_ = &child("cls_classifier", std::make_unique<nn::Linear>(encoder_.dims().hidden, c.num_labels()));
    dist_ = &child("distillation_classifier", std::make_unique<nn::Linear>(encoder_.dims().hidden, c.num_labels()));
  }
  std::vector<std::string> may_be_missing() const override { return {"cls_classifier.", "distillation_classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor h = vit::Base::forward(in)["last_hidden_state"];
    const Tensor cls = (*cls_)(h.select(1, 0)), dist = (*dist_)(h.select(1, 1));
    ModelOutput o;
    o.set("logits", ops::scale(ops::add(cls, dist), 0.5f));
    o.set("cls_logits", cls);
    o.set("distillation_logits", dist);
    return o;
  }

 private:
  nn::Linear *cls_, *dist_;
};

}  // namespace

ConfigSpec config_spec() {
  ConfigSpec s = vit::config_spec();
  s.model_type = "deit", s.class_name = "DeiTConfig";
  return s;
}

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return vit::make_model(c, kDeiT); }
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c) { return vit::make_for_masked_image_modeling(c, kDeiT); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  const auto archs = c.architectures();
  if (std::find(archs.begin(), archs.end(), "DeiTForImageClassificationWithTeacher") != archs.end())
    return std::make_unique<ForImageClassificationWithTeacher>(c);
  return vit::make_for_image_classification(c, kDeiT);
}

}  // namespace transformers::deit
