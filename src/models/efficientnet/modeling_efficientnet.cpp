// EfficientNet: transformers/models/efficientnet/modeling_efficientnet.py.
#include "core/output_recorder.hpp"
#include "models/efficientnet/modeling_efficientnet.hpp"

#include <algorithm>
#include <cmath>

#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::efficientnet {

ConfigSpec config_spec() {
  return {"efficientnet", "EfficientNetConfig", R"({
    "num_channels": 3, "image_size": 600, "width_coefficient": 2.0, "depth_coefficient": 3.1, "depth_divisor": 8,
    "kernel_sizes": [3, 3, 5, 3, 5, 5, 3], "in_channels": [32, 16, 24, 40, 80, 112, 192], "out_channels": [16, 24, 40, 80, 112, 192, 320],
    "depthwise_padding": [], "strides": [1, 2, 2, 2, 1, 2, 1], "num_block_repeats": [1, 2, 2, 3, 3, 4, 1],
    "expand_ratios": [1, 6, 6, 6, 6, 6, 6], "squeeze_expansion_ratio": 0.25, "hidden_act": "swish", "hidden_dim": 2560,
    "pooling_type": "mean", "initializer_range": 0.02, "batch_norm_eps": 0.001, "batch_norm_momentum": 0.99,
    "dropout_rate": 0.5, "drop_connect_rate": 0.2
  })"};
}

namespace {

int64_t round_filters(const PretrainedConfig& c, int64_t channels) {
  const int64_t divisor = c.get_int("depth_divisor");
  const double n = static_cast<double>(channels) * c.get_float("width_coefficient");
  int64_t d = std::max(divisor, static_cast<int64_t>(n + static_cast<double>(divisor) / 2) / divisor * divisor);
  if (static_cast<double>(d) < 0.9 * n) d += divisor;
  return d;
}

std::unique_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups, bool bias, int64_t pad = 0) {
  nn::Conv2d::Options o;
  o.stride = {stride, stride}, o.groups = groups, o.bias = bias, o.padding = {pad, pad};
  return std::make_unique<nn::Conv2d>(in, out, std::pair{k, k}, o);
}

class Block : public nn::Module {
 public:
  Block(const PretrainedConfig& c, int64_t in, int64_t out, int64_t stride, int64_t expand_ratio, int64_t k, bool id_skip, bool adjust)
      : stride_(stride), k_(k), adjust_(adjust), residual_(stride == 1 && !id_skip), act_(ops::activation_from_name(c.get_string("hidden_act"))) {
    const auto eps = static_cast<float>(c.get_float("batch_norm_eps"));
    const int64_t dim = in * expand_ratio;
    if (expand_ratio != 1) {
      auto& e = child("expansion", std::make_unique<nn::Container>());
      expand_conv_ = &e.add("expand_conv", conv(in, dim, 1, 1, 1, false));
      expand_bn_ = &e.add("expand_bn", std::make_unique<nn::BatchNorm>(dim, eps));
    }
    auto& d = child("depthwise_conv", std::make_unique<nn::Container>());
    // "same" padding for stride 1; stride 2 pads explicitly (correct_pad) and convolves "valid".
    dw_ = &d.add("depthwise_conv", conv(dim, dim, k, stride, dim, false, stride == 2 ? 0 : k / 2));
    dw_bn_ = &d.add("depthwise_norm", std::make_unique<nn::BatchNorm>(dim, eps));
    auto& se = child("squeeze_excite", std::make_unique<nn::Container>());
    const int64_t se_dim = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(in) * c.get_float("squeeze_expansion_ratio")));
    reduce_ = &se.add("reduce", conv(dim, se_dim, 1, 1, 1, true));
    expand_ = &se.add("expand", conv(se_dim, dim, 1, 1, 1, true));
    auto& p = child("projection", std::make_unique<nn::Container>());
    project_ = &p.add("project_conv", conv(dim, out, 1, 1, 1, false));
    project_bn_ = &p.add("project_bn", std::make_unique<nn::BatchNorm>(out, eps));
  }
  Tensor operator()(const Tensor& x) const {
    Tensor h = expand_conv_ ? ops::activation((*expand_bn_)((*expand_conv_)(x)), act_) : x;
    if (stride_ == 2) {
      const int64_t c = k_ / 2, lo = adjust_ ? c - 1 : c;
      h = ops::pad2d(h, lo, c, lo, c);
    }
    h = ops::activation((*dw_bn_)((*dw_)(h)), act_);
    // Squeeze and excitation: channel weights from the spatial mean.
    const int64_t B = h.size(0), C = h.size(1);
    const Tensor pooled = ops::mean(h.view({B, C, h.size(2) * h.size(3)}), 2).view({B, C, 1, 1});
    const Tensor gate = ops::activation((*expand_)(ops::activation((*reduce_)(pooled), act_)), ops::Activation::Sigmoid);
    h = ops::mul(h, gate);
    h = (*project_bn_)((*project_)(h));
    return residual_ ? ops::add(h, x) : h;
  }

 private:
  int64_t stride_, k_;
  bool adjust_, residual_;
  ops::Activation act_;
  nn::Conv2d *expand_conv_ = nullptr, *dw_, *reduce_, *expand_, *project_;
  nn::BatchNorm *expand_bn_ = nullptr, *dw_bn_, *project_bn_;
};

class EfficientNetModel : public nn::Module {
 public:
  explicit EfficientNetModel(const PretrainedConfig& c) : act_(ops::activation_from_name(c.get_string("hidden_act"))) {
    const auto eps = static_cast<float>(c.get_float("batch_norm_eps"));
    channels_ = c.get_int("num_channels");
    const std::string pooling = c.get_string("pooling_type");
    if (pooling != "mean" && pooling != "max") throw ConfigError("EfficientNetConfig: pooling_type must be 'mean' or 'max', got '" + pooling + "'");
    max_pool_ = pooling == "max";
    const int64_t stem = round_filters(c, 32);
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    stem_ = &e.add("convolution", conv(channels_, stem, 3, 2, 1, false));
    stem_bn_ = &e.add("batchnorm", std::make_unique<nn::BatchNorm>(stem, eps));
    const auto ins = c.get_int_list("in_channels"), outs = c.get_int_list("out_channels"), strides = c.get_int_list("strides");
    const auto kernels = c.get_int_list("kernel_sizes"), repeats = c.get_int_list("num_block_repeats"), ratios = c.get_int_list("expand_ratios");
    const auto padded = c.get_int_list("depthwise_padding");
    const size_t n = ins.size();
    if (n == 0 || outs.size() != n || strides.size() != n || kernels.size() != n || repeats.size() != n || ratios.size() != n)
      throw ConfigError("EfficientNetConfig: the per-stage lists must have the same, non-zero length");
    auto& enc = child("encoder", std::make_unique<nn::Container>());
    auto& blocks = enc.add("blocks", std::make_unique<nn::Container>());
    int64_t index = 0, last = 0;
    for (size_t i = 0; i < n; ++i) {
      const int64_t in = round_filters(c, ins[i]), out = round_filters(c, outs[i]);
      const auto reps = static_cast<int64_t>(std::ceil(c.get_float("depth_coefficient") * static_cast<double>(repeats[i])));
      for (int64_t j = 0; j < reps; ++j, ++index) {
        const bool adjust = std::find(padded.begin(), padded.end(), index) == padded.end();
        blocks_.push_back(&blocks.add(std::to_string(index), std::make_unique<Block>(c, j ? out : in, out, j ? 1 : strides[i], ratios[i], kernels[i], j == 0, adjust)));
      }
      last = out;
    }
    hidden_ = c.get_int("hidden_dim");
    if (hidden_ != round_filters(c, 1280)) throw ConfigError("EfficientNetConfig: hidden_dim must equal the head convolution's width round_filters(1280)");
    top_ = &enc.add("top_conv", conv(last, hidden_, 1, 1, 1, false));
    top_bn_ = &enc.add("top_bn", std::make_unique<nn::BatchNorm>(hidden_, eps));
  }
  int64_t features() const { return hidden_; }

  ModelOutput run(const ModelInputs& in) const {
    const Tensor& pv = require_input(in, "pixel_values", "EfficientNetModel");
    if (pv.dim() != 4 || pv.size(1) != channels_)
      throw ShapeMismatch("EfficientNetModel: pixel_values must be [batch, " + std::to_string(channels_) + ", height, width], got " + shape_str(pv.shape()));
    // The stem pads right and bottom by one, then convolves "valid" with stride 2.
    Tensor h = ops::activation((*stem_bn_)((*stem_)(ops::pad2d(pv.to(DType::F32).contiguous(), 0, 1, 0, 1))), act_);
    record::hidden_state(h);  // the stem's output, then each block's (not the top conv's)
    for (const auto* b : blocks_) {
      h = (*b)(h);
      record::hidden_state(h);
    }
    h = ops::activation((*top_bn_)((*top_)(h)), act_);
    const int64_t B = h.size(0), C = h.size(1), HW = h.size(2) * h.size(3);
    ModelOutput o;
    o.set("last_hidden_state", h);
    // AvgPool2d / MaxPool2d with a hidden_dim-wide kernel and ceil_mode: one window over the whole map.
    if (max_pool_) {
      o.set("pooler_output", ops::max(h.reshape({B, C, HW}), 2));
    } else {
      o.set("pooler_output", ops::mean(h.view({B, C, HW}), 2));
    }
    return o;
  }

 private:
  ops::Activation act_;
  int64_t channels_, hidden_ = 0;
  bool max_pool_ = false;
  nn::Conv2d *stem_, *top_;
  nn::BatchNorm *stem_bn_, *top_bn_;
  std::vector<Block*> blocks_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<VisionModel<EfficientNetModel>>(c, "efficientnet", true); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  return std::make_unique<PooledImageClassification<EfficientNetModel>>(c, "efficientnet");
}

}  // namespace transformers::efficientnet
