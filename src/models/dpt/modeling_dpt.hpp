#pragma once
// DPT (modeling_dpt.py): a ViT whose intermediate layers are reassembled into an image pyramid
// (readout handling, 1x1 projection, up / down resizing), fused coarse to fine by pre-activation
// residual units, and read by a depth head. The neck pieces are shared with Depth Anything.
#include <memory>
#include <optional>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"

namespace transformers::dpt {

ConfigSpec config_spec();
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_depth_estimation(const PretrainedConfig& c);
std::unique_ptr<PreTrainedModel> make_for_semantic_segmentation(const PretrainedConfig& c);  // DPTForSemanticSegmentation

std::unique_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias = true);

// nn.ConvTranspose2d with kernel = stride = f and no padding: each input pixel paints an f x f block.
class UpConv : public nn::Module {
 public:
  UpConv(int64_t ch, int64_t f);
  Tensor operator()(const Tensor& x) const;

 private:
  int64_t f_;
  Tensor& weight_;
  Tensor& bias_;
};

// *ReassembleLayer: 1x1 projection, then up (transposed conv), identity or down (strided 3x3).
class Reassemble : public nn::Module {
 public:
  Reassemble(int64_t hidden, int64_t ch, double factor);
  Tensor operator()(const Tensor& x) const;

 private:
  nn::Conv2d *proj_, *down_ = nullptr;
  UpConv* up_ = nullptr;
};

// Pre-activation residual unit: x + conv(relu(conv(relu(x)))), with batch norms after each
// convolution when asked.
class Residual : public nn::Module {
 public:
  Residual(int64_t ch, bool batch_norm, bool bias);
  Tensor operator()(const Tensor& x) const;

 private:
  nn::Conv2d *c1_, *c2_;
  nn::BatchNorm *bn1_ = nullptr, *bn2_ = nullptr;
};

// *FeatureFusionLayer: the coarser result plus residual_layer1(this level), residual_layer2, a
// bilinear resize (align_corners) to `size` or twice the size, and a 1x1 projection.
class Fusion : public nn::Module {
 public:
  Fusion(int64_t ch, bool batch_norm, bool bias);
  Tensor operator()(Tensor h, const Tensor* residual, std::optional<std::pair<int64_t, int64_t>> size) const;

 private:
  nn::Conv2d* proj_;
  Residual *r1_, *r2_;
};

// The fusion stage: levels (finest first) fused from the coarsest, each step resized to the next
// finer level (`to_next_level`, Depth Anything) or doubled (DPT); the result at head_in_index
// (negative counts from the end), ConfigError naming `owner` when out of range.
Tensor fuse(const std::vector<Fusion*>& fusion, const std::vector<Tensor>& levels, bool to_next_level, int64_t head_in_index,
            const std::string& owner);

}  // namespace transformers::dpt
