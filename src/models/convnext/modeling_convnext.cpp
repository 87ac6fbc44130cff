// ConvNeXt and ConvNeXt V2: transformers/models/{convnext,convnextv2}.
#include "core/output_recorder.hpp"
#include "models/convnext/modeling_convnext.hpp"
#include "models/backbone.hpp"

#include <cmath>

#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::convnext {

namespace {
constexpr const char* kDefaults = R"("num_channels": 3, "patch_size": 4, "num_stages": 4, "hidden_sizes": [96, 192, 384, 768],
    "depths": [3, 3, 9, 3], "hidden_act": "gelu", "initializer_range": 0.02, "layer_norm_eps": 1e-12, "drop_path_rate": 0.0,
    "image_size": 224)";
}

ConfigSpec config_spec() { return {"convnext", "ConvNextConfig", std::string("{") + kDefaults + R"(, "layer_scale_init_value": 1e-6})"}; }
ConfigSpec v2_config_spec() { return {"convnextv2", "ConvNextV2Config", std::string("{") + kDefaults + "}"}; }

namespace {

struct Variant {
  const char* prefix;  // "convnext" / "convnextv2"
  const char* name;    // "ConvNext" / "ConvNextV2"
  bool v2;
};
const Variant kV1{"convnext", "ConvNext", false}, kV2{"convnextv2", "ConvNextV2", true};

// [B, C, H, W] <-> [B, H, W, C]
Tensor to_channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous(); }
Tensor to_channels_first(const Tensor& x) { return x.permute({0, 3, 1, 2}).contiguous(); }

// ConvNextLayerNorm(data_format="channels_first"): LayerNorm over the channels of [B, C, H, W].
Tensor layer_norm_channels_first(const nn::LayerNorm& ln, const Tensor& x) { return to_channels_first(ln(to_channels_last(x))); }

// V2's global response normalization over [B, H, W, C].
class GRN : public nn::Module {
 public:
  explicit GRN(int64_t dim) : weight_(param("weight", {1, 1, 1, dim}, nn::ParamKind::Float32)), bias_(param("bias", {1, 1, 1, dim}, nn::ParamKind::Float32)) {}
  Tensor operator()(const Tensor& x) const {
    const int64_t B = x.size(0), HW = x.size(1) * x.size(2), C = x.size(3);
    Tensor y = x.contiguous().clone();
    const float* w = weight_.data<float>();
    const float* b = bias_.data<float>();
    float* p = y.data<float>();
    std::vector<float> g(static_cast<size_t>(C));
    for (int64_t n = 0; n < B; ++n) {
      float* img = p + n * HW * C;
      double mean = 0;
      for (int64_t c = 0; c < C; ++c) {
        double s = 0;
        for (int64_t i = 0; i < HW; ++i) s += static_cast<double>(img[i * C + c]) * img[i * C + c];
        g[static_cast<size_t>(c)] = static_cast<float>(std::sqrt(s));
        mean += g[static_cast<size_t>(c)];
      }
      const auto denom = static_cast<float>(mean / static_cast<double>(C)) + 1e-6f;
      for (int64_t i = 0; i < HW; ++i)
        for (int64_t c = 0; c < C; ++c) {
          float& v = img[i * C + c];
          v = w[c] * (v * (g[static_cast<size_t>(c)] / denom)) + b[c] + v;
        }
    }
    return y;
  }

 private:
  Tensor& weight_;
  Tensor& bias_;
};

class Layer : public nn::Module {
 public:
  Layer(const PretrainedConfig& c, const Variant& v, int64_t dim) : act_(ops::activation_from_name(c.get_string("hidden_act"))) {
    nn::Conv2d::Options o;
    o.padding = {3, 3}, o.groups = dim;
    dwconv_ = &child("dwconv", std::make_unique<nn::Conv2d>(dim, dim, std::pair<int64_t, int64_t>{7, 7}, o));
    norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(dim, 1e-6f));
    fc1_ = &child("pwconv1", std::make_unique<nn::Linear>(dim, 4 * dim));
    if (v.v2) grn_ = &child("grn", std::make_unique<GRN>(4 * dim));
    fc2_ = &child("pwconv2", std::make_unique<nn::Linear>(4 * dim, dim));
    if (!v.v2 && c.get_float("layer_scale_init_value") > 0)
      scale_ = &child("layer_scale_parameter", std::make_unique<nn::BareParameter>(dim)).value;
  }
  Tensor operator()(const Tensor& x) const {
    Tensor h = ops::activation((*fc1_)((*norm_)(to_channels_last((*dwconv_)(x)))), act_);
    if (grn_) h = (*grn_)(h);
    h = (*fc2_)(h);
    if (scale_) h = ops::mul(h, *scale_);
    return ops::add(x, to_channels_first(h));
  }

 private:
  ops::Activation act_;
  nn::Conv2d* dwconv_;
  nn::LayerNorm* norm_;
  nn::Linear *fc1_, *fc2_;
  GRN* grn_ = nullptr;
  Tensor* scale_ = nullptr;
};

class Stage : public nn::Module {
 public:
  Stage(const PretrainedConfig& c, const Variant& v, int64_t in, int64_t out, int64_t stride, int64_t depth) {
    auto& down = child("downsampling_layer", std::make_unique<nn::Container>());
    if (in != out || stride > 1) {
      down_norm_ = &down.add("0", std::make_unique<nn::LayerNorm>(in, 1e-6f));
      nn::Conv2d::Options o;
      o.stride = {stride, stride};
      down_conv_ = &down.add("1", std::make_unique<nn::Conv2d>(in, out, std::pair<int64_t, int64_t>{2, 2}, o));
    }
    auto& layers = child("layers", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < depth; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(c, v, out)));
  }
  Tensor operator()(Tensor x) const {
    if (down_conv_) x = (*down_conv_)(layer_norm_channels_first(*down_norm_, x));
    for (const auto* l : layers_) x = (*l)(x);
    return x;
  }

 private:
  nn::LayerNorm* down_norm_ = nullptr;
  nn::Conv2d* down_conv_ = nullptr;
  std::vector<Layer*> layers_;
};

class ConvNextModel : public nn::Module {
 public:
  // final_norm: the pooler's LayerNorm (ConvNextModel has it, ConvNextBackbone does not).
  ConvNextModel(const PretrainedConfig& c, const Variant& v, bool final_norm = true) : v_(v) {
    const auto sizes = c.get_int_list("hidden_sizes"), depths = c.get_int_list("depths");
    const int64_t stages = c.get_int("num_stages");
    if (stages <= 0 || static_cast<int64_t>(sizes.size()) < stages || static_cast<int64_t>(depths.size()) < stages)
      throw ConfigError(std::string(v.name) + "Config: hidden_sizes and depths must cover num_stages");
    channels_ = c.get_int("num_channels");
    int64_t patch = 0;
    try {
      patch = c.get_int("patch_size");
    } catch (const ConfigError&) {
      throw ConfigError(std::string(v.name) + "Config: only a square patch_size (one integer) is supported");
    }
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    nn::Conv2d::Options po;
    po.stride = {patch, patch};
    patches_ = &e.add("patch_embeddings", std::make_unique<nn::Conv2d>(channels_, sizes[0], std::pair{patch, patch}, po));
    stem_norm_ = &e.add("layernorm", std::make_unique<nn::LayerNorm>(sizes[0], 1e-6f));
    auto& st = child("encoder", std::make_unique<nn::Container>()).add("stages", std::make_unique<nn::Container>());
    for (int64_t i = 0; i < stages; ++i)
      stages_.push_back(&st.add(std::to_string(i), std::make_unique<Stage>(c, v, i ? sizes[static_cast<size_t>(i - 1)] : sizes[0],
                                                                           sizes[static_cast<size_t>(i)], i ? 2 : 1, depths[static_cast<size_t>(i)])));
    if (final_norm)
      norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(sizes[static_cast<size_t>(stages - 1)], static_cast<float>(c.get_float("layer_norm_eps"))));
  }
  // `states` (optional) receives Python's hidden_states: the embeddings, then each stage's output.
  ModelOutput run(const ModelInputs& in, std::vector<Tensor>* states = nullptr) const {
    const std::string owner = std::string(v_.name) + "Model";
    const Tensor& pv = require_input(in, "pixel_values", owner);
    if (pv.dim() != 4 || pv.size(1) != channels_)
      throw ValueError(owner + ": Make sure that the channel dimension of the pixel values match with the one set in the configuration, got " +
                       shape_str(pv.shape()));
    Tensor h = layer_norm_channels_first(*stem_norm_, (*patches_)(pv.to(DType::F32).contiguous()));
    for (const auto* s : stages_) {
      record::hidden_state(h);
      if (states) states->push_back(h);
      h = (*s)(h);
    }
    record::hidden_state(h);
    if (states) states->push_back(h);
    const int64_t B = h.size(0), C = h.size(1);
    ModelOutput o;
    o.set("last_hidden_state", h);
    if (norm_) o.set("pooler_output", (*norm_)(ops::mean(h.view({B, C, h.size(2) * h.size(3)}), 2)));
    return o;
  }

 private:
  const Variant& v_;
  int64_t channels_;
  nn::Conv2d* patches_;
  nn::LayerNorm *stem_norm_, *norm_ = nullptr;
  std::vector<Stage*> stages_;
};

// ConvNextBackbone / ConvNextV2Backbone: stage i = hidden_states[i] through a channels-first
// LayerNorm of its own (hidden_states_norms.<stage>, eps 1e-6).
class Backbone : public BackboneModel {
 public:
  Backbone(const PretrainedConfig& c, const Variant& v)
      : BackboneModel(c, BackboneStages::from(c, BackboneStages::numbered(c.get_int("num_stages")), std::string(v.name) + "Config")),
        prefix_(v.prefix), model_(child("", std::make_unique<ConvNextModel>(c, v, false))) {
    const auto sizes = c.get_int_list("hidden_sizes");
    auto& norms = child("hidden_states_norms", std::make_unique<nn::Container>());
    for (size_t i = 0; i < stages().out_indices.size(); ++i) {
      const auto at = static_cast<size_t>(stages().out_indices[i]);
      norms_.emplace_back(stages().out_features[i], &norms.add(stages().out_features[i], std::make_unique<nn::LayerNorm>(sizes[at ? at - 1 : 0], 1e-6f)));
    }
  }
  std::string base_model_prefix() const override { return prefix_; }

 protected:
  std::vector<Tensor> stage_states(const ModelInputs& in) const override {
    std::vector<Tensor> states;
    model_.run(in, &states);
    return states;
  }
  Tensor feature_map(const std::string& stage, const Tensor& state, const ModelInputs&) const override {
    for (const auto& [name, norm] : norms_)
      if (name == stage) return layer_norm_channels_first(*norm, state);
    return state;
  }

 private:
  std::string prefix_;
  ConvNextModel& model_;
  std::vector<std::pair<std::string, nn::LayerNorm*>> norms_;
};

std::unique_ptr<PreTrainedModel> base_model(const PretrainedConfig& c, const Variant& v) {
  return std::make_unique<VisionModel<ConvNextModel>>(c, v.prefix, true, std::make_unique<ConvNextModel>(c, v));
}
std::unique_ptr<PreTrainedModel> image_classification(const PretrainedConfig& c, const Variant& v) {
  return std::make_unique<PooledImageClassification<ConvNextModel>>(
      c, v.prefix, std::make_unique<ConvNextModel>(c, v), nullptr,
      c.get_int_list("hidden_sizes")[static_cast<size_t>(c.get_int("num_stages") - 1)]);
}
}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return base_model(c, kV1); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) { return image_classification(c, kV1); }
std::unique_ptr<PreTrainedModel> make_v2_model(const PretrainedConfig& c) { return base_model(c, kV2); }
std::unique_ptr<PreTrainedModel> make_v2_for_image_classification(const PretrainedConfig& c) { return image_classification(c, kV2); }
std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c) { return std::make_unique<Backbone>(c, kV1); }
std::unique_ptr<PreTrainedModel> make_v2_backbone(const PretrainedConfig& c) { return std::make_unique<Backbone>(c, kV2); }

}  // namespace transformers::convnext
