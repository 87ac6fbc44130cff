// ResNet: transformers/models/resnet/modeling_resnet.py.
#include "core/output_recorder.hpp"
#include "models/resnet/modeling_resnet.hpp"
#include "models/backbone.hpp"

#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

#include <map>
#include <regex>

namespace transformers::resnet {

ConfigSpec config_spec() {
  return {"resnet", "ResNetConfig", R"({
    "num_channels": 3, "embedding_size": 64, "hidden_sizes": [256, 512, 1024, 2048], "depths": [3, 4, 6, 3],
    "layer_type": "bottleneck", "hidden_act": "relu", "downsample_in_first_stage": false, "downsample_in_bottleneck": false
  })"};
}

// ResNetConvLayer: convolution (no bias, "same" padding) -> batch norm -> activation (or none).
class ConvLayer : public nn::Module {
 public:
  ConvLayer(int64_t in, int64_t out, int64_t kernel, int64_t stride, std::optional<ops::Activation> act) : act_(act) {
    nn::Conv2d::Options o;
    o.stride = {stride, stride}, o.padding = {kernel / 2, kernel / 2}, o.bias = false;
    conv_ = &child("convolution", std::make_unique<nn::Conv2d>(in, out, std::pair{kernel, kernel}, o));
    norm_ = &child("normalization", std::make_unique<nn::BatchNorm>(out));
  }
  Tensor operator()(const Tensor& x) const {
    const Tensor y = (*norm_)((*conv_)(x));
    return act_ ? ops::activation(y, *act_) : y;
  }

 private:
  std::optional<ops::Activation> act_;
  nn::Conv2d* conv_;
  nn::BatchNorm* norm_;
};

// Basic (two 3x3) or bottleneck (1x1 reduce, 3x3, 1x1 expand) residual layer with a projected
// shortcut when the shape changes.
class ResidualLayer : public nn::Module {
 public:
  ResidualLayer(const PretrainedConfig& c, int64_t in, int64_t out, int64_t stride, ops::Activation act) : act_(act) {
    if (in != out || stride != 1) {
      auto& s = child("shortcut", std::make_unique<nn::Container>());
      nn::Conv2d::Options o;
      o.stride = {stride, stride}, o.bias = false;
      short_conv_ = &s.add("convolution", std::make_unique<nn::Conv2d>(in, out, std::pair<int64_t, int64_t>{1, 1}, o));
      short_norm_ = &s.add("normalization", std::make_unique<nn::BatchNorm>(out));
    }
    auto& l = child("layer", std::make_unique<nn::Container>());
    if (c.get_string("layer_type") == "bottleneck") {
      const int64_t r = out / 4;
      const bool first = c.get_bool("downsample_in_bottleneck");
      convs_.push_back(&l.add("0", std::make_unique<ConvLayer>(in, r, 1, first ? stride : 1, act)));
      convs_.push_back(&l.add("1", std::make_unique<ConvLayer>(r, r, 3, first ? 1 : stride, act)));
      convs_.push_back(&l.add("2", std::make_unique<ConvLayer>(r, out, 1, 1, std::nullopt)));
    } else {
      convs_.push_back(&l.add("0", std::make_unique<ConvLayer>(in, out, 3, stride, act)));
      convs_.push_back(&l.add("1", std::make_unique<ConvLayer>(out, out, 3, 1, std::nullopt)));
    }
  }
  Tensor operator()(const Tensor& x) const {
    Tensor h = x;
    for (const auto* conv : convs_) h = (*conv)(h);
    const Tensor r = short_conv_ ? (*short_norm_)((*short_conv_)(x)) : x;
    return ops::activation(ops::add(h, r), act_);
  }

 private:
  ops::Activation act_;
  nn::Conv2d* short_conv_ = nullptr;
  nn::BatchNorm* short_norm_ = nullptr;
  std::vector<ConvLayer*> convs_;
};

ResNetModel::ResNetModel(const PretrainedConfig& c) {
  const auto act = ops::activation_from_name(c.get_string("hidden_act"));
  channels_ = c.get_int("num_channels");
  const int64_t emb = c.get_int("embedding_size");
  const auto sizes = c.get_int_list("hidden_sizes"), depths = c.get_int_list("depths");
  if (sizes.empty() || sizes.size() != depths.size()) throw ConfigError("ResNetConfig: hidden_sizes and depths must have the same, non-zero length");
  const std::string lt = c.get_string("layer_type");
  if (lt != "basic" && lt != "bottleneck") throw ConfigError("ResNetConfig: layer_type must be 'basic' or 'bottleneck', got '" + lt + "'");
  stem_ = &child("embedder", std::make_unique<nn::Container>()).add("embedder", std::make_unique<ConvLayer>(channels_, emb, 7, 2, act));
  auto& stages = child("encoder", std::make_unique<nn::Container>()).add("stages", std::make_unique<nn::Container>());
  int64_t in = emb;
  for (size_t s = 0; s < sizes.size(); ++s) {
    if (depths[s] <= 0) throw ConfigError("ResNetConfig: depths must be positive");
    auto& layers = stages.add(std::to_string(s), std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    const int64_t stride = s == 0 ? (c.get_bool("downsample_in_first_stage") ? 2 : 1) : 2;
    for (int64_t i = 0; i < depths[s]; ++i)
      layers_.push_back(&layers.add(std::to_string(i), std::make_unique<ResidualLayer>(c, i == 0 ? in : sizes[s], sizes[s], i == 0 ? stride : 1, act)));
    stage_end_.push_back(layers_.size());
    in = sizes[s];
  }
}

Tensor ResNetModel::features(const Tensor& pv, size_t stages, std::vector<Tensor>* states) const {
  if (pv.dim() != 4 || pv.size(1) != channels_)
    throw ValueError("ResNetModel: Make sure that the channel dimension of the pixel values match with the one set in the configuration, got " +
                     shape_str(pv.shape()));
  if (stages < 1 || stages > stage_end_.size()) throw ValueError("ResNetModel: stage " + std::to_string(stages) + " does not exist");
  Tensor h = ops::max_pool2d((*stem_)(pv.to(DType::F32).contiguous()), 3, 2, 1);
  for (size_t s = 0, i = 0; s < stages; ++s) {
    record::hidden_state(h);  // the embedder's output, then each stage's
    if (states) states->push_back(h);
    for (; i < stage_end_[s]; ++i) h = (*layers_[i])(h);
  }
  record::hidden_state(h);
  if (states) states->push_back(h);
  return h;
}

ModelOutput ResNetModel::run(const ModelInputs& in) const {
  const Tensor h = features(require_input(in, "pixel_values", "ResNetModel"), stage_end_.size());
  const int64_t B = h.size(0), C = h.size(1);
  ModelOutput o;
  o.set("last_hidden_state", h);
  o.set("pooler_output", ops::mean(h.view({B, C, h.size(2) * h.size(3)}), 2).view({B, C, 1, 1}));
  return o;
}

std::string rename_timm(const std::string& key) {
  // torchvision / timm ResNet names: conv1 / bn1 stem, layerL.i.convK / bnK, downsample.0 / .1.
  static const std::regex stem(R"(^(conv1|bn1)\.(.*)$)"), conv(R"(^layer(\d+)\.(\d+)\.(conv|bn)(\d+)\.(.*)$)"),
      down(R"(^layer(\d+)\.(\d+)\.downsample\.([01])\.(.*)$)");
  auto part = [](const std::string& kind) { return kind == "conv" || kind == "0" ? "convolution." : "normalization."; };
  auto stage = [](const std::string& l) { return std::to_string(std::stoi(l) - 1); };
  std::smatch m;
  if (std::regex_match(key, m, stem)) return "embedder.embedder." + std::string(part(m[1] == "conv1" ? "conv" : "bn")) + m[2].str();
  if (std::regex_match(key, m, conv))
    return "encoder.stages." + stage(m[1]) + ".layers." + m[2].str() + ".layer." + std::to_string(std::stoi(m[4]) - 1) + "." + part(m[3]) + m[5].str();
  if (std::regex_match(key, m, down)) return "encoder.stages." + stage(m[1]) + ".layers." + m[2].str() + ".shortcut." + part(m[3]) + m[4].str();
  return key;
}

std::string timm_config_json(const std::string& name) {
  static const std::map<std::string, std::pair<const char*, const char*>> known = {
      {"resnet18", {"basic", "[2, 2, 2, 2]"}},       {"resnet34", {"basic", "[3, 4, 6, 3]"}},
      {"resnet50", {"bottleneck", "[3, 4, 6, 3]"}},  {"resnet101", {"bottleneck", "[3, 4, 23, 3]"}},
      {"resnet152", {"bottleneck", "[3, 8, 36, 3]"}},
  };
  const auto it = known.find(name);
  if (it == known.end()) throw ConfigError("timm backbone '" + name + "' is not supported (resnet18, resnet34, resnet50, resnet101, resnet152)");
  const bool basic = std::string(it->second.first) == "basic";
  return std::string(R"({"model_type": "resnet", "embedding_size": 64, "layer_type": ")") + it->second.first + R"(", "depths": )" +
         it->second.second + R"(, "hidden_sizes": )" + (basic ? "[64, 128, 256, 512]" : "[256, 512, 1024, 2048]") + "}";
}

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<VisionModel<ResNetModel>>(c, "resnet", true); }

namespace {
// ResNetBackbone: the embedder and encoder at the root, stage i = hidden_states[i] as is.
class Backbone : public BackboneModel {
 public:
  explicit Backbone(const PretrainedConfig& c)
      : BackboneModel(c, BackboneStages::from(c, BackboneStages::numbered(static_cast<int64_t>(c.get_int_list("depths").size())), "ResNetConfig")),
        model_(child("", std::make_unique<ResNetModel>(c))) {}
  std::string base_model_prefix() const override { return "resnet"; }

 protected:
  std::vector<Tensor> stage_states(const ModelInputs& in) const override {
    std::vector<Tensor> states;
    model_.features(require_input(in, "pixel_values", "ResNetBackbone"), model_.num_stages(), &states);
    return states;
  }

 private:
  ResNetModel& model_;
};
}  // namespace

std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c) { return std::make_unique<Backbone>(c); }
// classifier = Sequential(Flatten, Linear): the Linear is "classifier.1".
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  return std::make_unique<PooledImageClassification<ResNetModel>>(c, "resnet", std::make_unique<ResNetModel>(c), nullptr,
                                                                  c.get_int_list("hidden_sizes").back(), "classifier.1");
}

}  // namespace transformers::resnet
