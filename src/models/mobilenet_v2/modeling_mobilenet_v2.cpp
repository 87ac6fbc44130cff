// MobileNetV2: transformers/models/mobilenet_v2/modeling_mobilenet_v2.py.
#include "core/output_recorder.hpp"
#include "models/mobilenet_v2/modeling_mobilenet_v2.hpp"

#include <cmath>

#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::mobilenet_v2 {

ConfigSpec config_spec() {
  return {"mobilenet_v2", "MobileNetV2Config", R"({
    "num_channels": 3, "image_size": 224, "depth_multiplier": 1.0, "depth_divisible_by": 8, "min_depth": 8, "expand_ratio": 6.0,
    "output_stride": 32, "first_layer_is_expansion": true, "finegrained_output": true, "hidden_act": "relu6", "tf_padding": true,
    "classifier_dropout_prob": 0.8, "initializer_range": 0.02, "layer_norm_eps": 0.001, "semantic_loss_ignore_index": 255
  })"};
}

namespace {

int64_t make_divisible(double value, int64_t divisor, int64_t min_value) {
  int64_t v = std::max(min_value, static_cast<int64_t>(value + static_cast<double>(divisor) / 2) / divisor * divisor);
  if (static_cast<double>(v) < 0.9 * value) v += divisor;
  return v;
}

struct Shape2 {
  double depth_multiplier, expand_ratio;
  int64_t divisible_by, min_depth;
  bool tf_padding;
  float eps;
  ops::Activation act;
  int64_t scaled(int64_t channels) const {  // apply_depth_multiplier (Python's round: half to even)
    return make_divisible(std::nearbyint(static_cast<double>(channels) * depth_multiplier), divisible_by, min_depth);
  }
};

// MobileNetV2ConvLayer: convolution (bias only on the segmentation classifier), batch norm
// (optional), activation (the config's unless told otherwise, or none).
class ConvLayer : public nn::Module {
 public:
  struct Options {
    int64_t stride = 1, groups = 1, dilation = 1;
    bool bias = false, norm = true;
    std::optional<ops::Activation> act;  // nullopt: none
    float eps = -1;                      // < 0: the config's layer_norm_eps
  };
  ConvLayer(const Shape2& s, int64_t in, int64_t out, int64_t k, Options o)
      : k_(k), stride_(o.stride), dilation_(o.dilation), tf_(s.tf_padding), act_(o.act) {
    if (in % o.groups || out % o.groups)
      throw ConfigError("MobileNetV2ConvLayer: channels (" + std::to_string(in) + ", " + std::to_string(out) + ") are not divisible by " +
                        std::to_string(o.groups) + " groups");
    nn::Conv2d::Options co;
    co.stride = {o.stride, o.stride}, co.groups = o.groups, co.bias = o.bias, co.dilation = {o.dilation, o.dilation};
    if (!s.tf_padding) co.padding = {(k - 1) / 2 * o.dilation, (k - 1) / 2 * o.dilation};
    conv_ = &child("convolution", std::make_unique<nn::Conv2d>(in, out, std::pair{k, k}, co));
    if (o.norm) norm_ = &child("normalization", std::make_unique<nn::BatchNorm>(out, o.eps < 0 ? s.eps : o.eps));
  }
  // The backbone's layers: the config's activation unless `act` is false.
  ConvLayer(const Shape2& s, int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t groups = 1, bool act = true, int64_t dilation = 1)
      : ConvLayer(s, in, out, k, Options{stride, groups, dilation, false, true, act ? std::optional(s.act) : std::nullopt, -1}) {}
  Tensor operator()(const Tensor& x) const {
    Tensor in = x;
    if (tf_) {
      // TensorFlow "SAME": pad so that out = ceil(in / stride), the odd pixel after; Python then
      // scales each side by the dilation.
      auto total = [&](int64_t n) { return std::max<int64_t>(n % stride_ == 0 ? k_ - stride_ : k_ - n % stride_, 0); };
      const int64_t ph = total(x.size(2)), pw = total(x.size(3));
      in = ops::pad2d(x, ph / 2 * dilation_, (ph - ph / 2) * dilation_, pw / 2 * dilation_, (pw - pw / 2) * dilation_);
    }
    Tensor y = (*conv_)(in);
    if (norm_) y = (*norm_)(y);
    return act_ ? ops::activation(y, *act_) : y;
  }

 private:
  int64_t k_, stride_, dilation_;
  bool tf_;
  std::optional<ops::Activation> act_;
  nn::Conv2d* conv_;
  nn::BatchNorm* norm_ = nullptr;
};

// expand 1x1 (optional), depthwise 3x3, project 1x1 (no activation); residual when shapes allow.
class Block : public nn::Module {
 public:
  Block(const Shape2& s, int64_t in, int64_t expanded, int64_t out, int64_t stride, int64_t dilation, bool expand, bool residual)
      : residual_(residual) {
    if (expand) expand_ = &child("expand_1x1", std::make_unique<ConvLayer>(s, in, expanded, 1));
    dw_ = &child("conv_3x3", std::make_unique<ConvLayer>(s, expanded, expanded, 3, stride, expanded, true, dilation));
    project_ = &child("reduce_1x1", std::make_unique<ConvLayer>(s, expanded, out, 1, 1, 1, false));
  }
  Tensor operator()(const Tensor& x) const {
    const Tensor y = (*project_)((*dw_)(expand_ ? (*expand_)(x) : x));
    return residual_ ? ops::add(x, y) : y;
  }

 private:
  bool residual_;
  ConvLayer *expand_ = nullptr, *dw_, *project_;
};

class MobileNetV2Model : public nn::Module {
 public:
  explicit MobileNetV2Model(const PretrainedConfig& c) {
    s_ = {c.get_float("depth_multiplier"), c.get_float("expand_ratio"), c.get_int("depth_divisible_by"), c.get_int("min_depth"),
          c.get_bool("tf_padding"), static_cast<float>(c.get_float("layer_norm_eps")), ops::activation_from_name(c.get_string("hidden_act"))};
    if (c.get_int("output_stride") <= 0) throw ConfigError("MobileNetV2Config: output_stride must be positive");
    if (s_.depth_multiplier <= 0 || s_.divisible_by <= 0) throw ConfigError("MobileNetV2Config: depth_multiplier and depth_divisible_by must be positive");
    channels_ = c.get_int("num_channels");
    static const int64_t kChannels[17] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320};
    static const int64_t kStrides[16] = {2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};
    std::vector<int64_t> ch;
    for (int64_t v : kChannels) ch.push_back(s_.scaled(v));
    const int64_t stem = s_.scaled(32);
    auto& st = child("conv_stem", std::make_unique<nn::Container>());
    stem_first_ = &st.add("first_conv", std::make_unique<ConvLayer>(s_, channels_, stem, 3, 2));
    if (!c.get_bool("first_layer_is_expansion")) stem_expand_ = &st.add("expand_1x1", std::make_unique<ConvLayer>(s_, stem, stem, 1));
    stem_dw_ = &st.add("conv_3x3", std::make_unique<ConvLayer>(s_, stem, stem, 3, 1, stem));
    stem_project_ = &st.add("reduce_1x1", std::make_unique<ConvLayer>(s_, stem, ch[0], 1, 1, 1, false));
    auto& layers = child("layer", std::make_unique<nn::Container>());
    // Once the total stride reaches output_stride, later blocks keep their resolution and dilate
    // instead (DeepLabV3's atrous backbone); a block's own dilation is the one before its stride.
    int64_t current_stride = 2, dilation = 1;
    for (size_t i = 0; i < 16; ++i) {
      int64_t stride = kStrides[i], block_dilation = 1;
      if (current_stride == c.get_int("output_stride")) {
        block_dilation = dilation;
        dilation *= stride;
        stride = 1;
      } else {
        current_stride *= stride;
      }
      const int64_t expanded = make_divisible(std::nearbyint(static_cast<double>(ch[i]) * s_.expand_ratio), s_.divisible_by, s_.min_depth);
      blocks_.push_back(&layers.add(std::to_string(i), std::make_unique<Block>(s_, ch[i], expanded, ch[i + 1], stride, block_dilation, true,
                                                                             stride == 1 && ch[i] == ch[i + 1])));
    }
    out_ = c.get_bool("finegrained_output") && s_.depth_multiplier < 1.0 ? 1280 : s_.scaled(1280);
    head_ = &child("conv_1x1", std::make_unique<ConvLayer>(s_, ch[16], out_, 1));
  }
  int64_t features() const { return out_; }
  const Shape2& shape() const { return s_; }

  // `last_block` (optional) receives the last inverted residual block's output, before conv_1x1.
  ModelOutput run(const ModelInputs& in, Tensor* last_block = nullptr) const {
    const Tensor& pv = require_input(in, "pixel_values", "MobileNetV2Model");
    if (pv.dim() != 4 || pv.size(1) != channels_)
      throw ShapeMismatch("MobileNetV2Model: pixel_values must be [batch, " + std::to_string(channels_) + ", height, width], got " + shape_str(pv.shape()));
    Tensor h = (*stem_first_)(pv.to(DType::F32).contiguous());
    if (stem_expand_) h = (*stem_expand_)(h);
    h = (*stem_project_)((*stem_dw_)(h));
    for (const auto* b : blocks_) {
      h = (*b)(h);
      record::hidden_state(h);  // each block's output (Python's hold neither the stem's nor the head's)
    }
    if (last_block) *last_block = h;
    h = (*head_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    o.set("pooler_output", ops::mean(h.view({h.size(0), h.size(1), h.size(2) * h.size(3)}), 2));
    return o;
  }

 private:
  Shape2 s_{};
  int64_t channels_, out_;
  ConvLayer *stem_first_, *stem_expand_ = nullptr, *stem_dw_, *stem_project_, *head_;
  std::vector<Block*> blocks_;
};

// MobileNetV2DeepLabV3Plus over the last block's features: image pooling (global mean, 1x1 conv,
// upsampled back with align_corners) beside a 1x1 ASPP branch, concatenated, projected, classified.
class ForSemanticSegmentation : public VisionModel<MobileNetV2Model> {
 public:
  explicit ForSemanticSegmentation(const PretrainedConfig& c) : VisionModel<MobileNetV2Model>(c, "mobilenet_v2", false) {
    if (c.num_labels() <= 0) throw ConfigError("MobileNetV2ForSemanticSegmentation needs num_labels > 0");
    const Shape2& s = backbone_.shape();
    const int64_t in = s.scaled(320);
    ConvLayer::Options relu;
    relu.act = ops::Activation::Relu, relu.eps = 1e-5f;
    auto& head = child("segmentation_head", std::make_unique<nn::Container>());
    pool_ = &head.add("conv_pool", std::make_unique<ConvLayer>(s, in, 256, 1, relu));
    aspp_ = &head.add("conv_aspp", std::make_unique<ConvLayer>(s, in, 256, 1, relu));
    projection_ = &head.add("conv_projection", std::make_unique<ConvLayer>(s, 512, 256, 1, relu));
    ConvLayer::Options plain;
    plain.bias = true, plain.norm = false;
    classifier_ = &head.add("classifier", std::make_unique<ConvLayer>(s, 256, c.num_labels(), 1, plain));
  }
  std::vector<std::string> may_be_missing() const override { return {"segmentation_head."}; }
  ModelOutput forward(const ModelInputs& in) override {
    Tensor f;
    backbone_.run(in, &f);
    const int64_t B = f.size(0), C = f.size(1), H = f.size(2), W = f.size(3);
    const Tensor pooled = (*pool_)(ops::mean(f.view({B, C, H * W}), 2, true).view({B, C, 1, 1}));
    const Tensor x = ops::concat({ops::interpolate_bilinear(pooled, H, W, true), (*aspp_)(f)}, 1);
    ModelOutput o;
    o.set("logits", (*classifier_)((*projection_)(x)));
    return o;
  }

 private:
  ConvLayer *pool_, *aspp_, *projection_, *classifier_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<VisionModel<MobileNetV2Model>>(c, "mobilenet_v2", true); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  return std::make_unique<PooledImageClassification<MobileNetV2Model>>(c, "mobilenet_v2");
}
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c) { return std::make_unique<ForSemanticSegmentation>(c); }

}  // namespace transformers::mobilenet_v2
