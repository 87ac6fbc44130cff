// Front-ends of the spatial ops (convolution, pooling, padding, resampling, batch / group norm):
// argument checks and output shapes, then the kernel from the one dispatch point.
#include <algorithm>
#include <cmath>

#include "ops/dispatch.hpp"
#include "ops/frontend.hpp"
#include "ops/kernels.hpp"
#include "ops/ops.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {
const OpTable<k::Conv1dFn> kConv1d{"conv1d", k::reference::conv1d, k::cpu::conv1d};
const OpTable<k::Conv2dFn> kConv2d{"conv2d", k::reference::conv2d, k::cpu::conv2d};
const OpTable<k::Pad2dFn> kPad2d{"pad2d", k::reference::pad2d, k::cpu::pad2d};
const OpTable<k::MaxPool2dFn> kMaxPool2d{"max_pool2d", k::reference::max_pool2d, k::cpu::max_pool2d};
const OpTable<k::AdaptiveAvgPool2dFn> kAdaptiveAvgPool2d{"adaptive_avg_pool2d", k::reference::adaptive_avg_pool2d, k::cpu::adaptive_avg_pool2d};
const OpTable<k::ChannelAffineFn> kChannelAffine{"batch_norm", k::reference::channel_affine, k::cpu::channel_affine};
const OpTable<k::ResampleFn> kResample{"interpolate", k::reference::resample, k::cpu::resample};
}  // namespace

Tensor conv1d_channels_last(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
                            int64_t dilation, int64_t groups) {
  require_defined(x, "conv1d", "input");
  require_defined(weight, "conv1d", "weight");
  if (groups <= 0 || stride <= 0 || dilation <= 0 || padding < 0)
    throw ValueError("conv1d: stride, dilation and groups must be positive and padding non-negative");
  if (x.dim() != 3 || weight.dim() != 3 || x.size(2) != weight.size(1) * groups || weight.size(0) % groups)
    throw ShapeMismatch("conv1d: input " + shape_str(x.shape()) + " (channels last) and weight " + shape_str(weight.shape()) +
                        " must be [batch, length, in_channels] and [out_channels, in_channels / groups, kernel] with " +
                        std::to_string(groups) + " group(s)");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw ShapeMismatch("conv1d: bias " + shape_str(bias.shape()) + " does not match " + std::to_string(weight.size(0)) + " output channels");
  k::Conv1dArgs a;
  a.B = x.size(0), a.L = x.size(1), a.C = weight.size(1), a.O = weight.size(0), a.K = weight.size(2);
  a.stride = stride, a.padding = padding, a.dilation = dilation, a.groups = groups;
  const int64_t span = dilation * (a.K - 1) + 1;
  if (a.L + 2 * padding < span) throw ShapeMismatch("conv1d: input of length " + std::to_string(a.L) + " is shorter than the kernel");
  a.out_len = (a.L + 2 * padding - span) / stride + 1;
  const Tensor xf = f32c(x);
  const Tensor w = weight.dtype() == DType::F32 || weight.dtype() == DType::BF16 || weight.dtype() == DType::F16 ? weight.contiguous() : f32c(weight);
  const Tensor bf = bias.defined() ? f32c(bias) : Tensor();
  a.x = &xf, a.weight = &w, a.bias = &bf;
  return pick(kConv1d, x.device())(a);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  require_defined(x, "conv1d", "input");
  if (x.dim() != 3) throw ShapeMismatch("conv1d: input must be [batch, in_channels, length], got " + shape_str(x.shape()));
  return conv1d_channels_last(x.transpose(1, 2).contiguous(), weight, bias, stride, padding, dilation, groups).transpose(1, 2).contiguous();
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
              std::pair<int64_t, int64_t> padding, int64_t groups, std::pair<int64_t, int64_t> dilation) {
  require_defined(x, "conv2d", "input");
  require_defined(weight, "conv2d", "weight");
  if (groups <= 0 || x.dim() != 4 || weight.dim() != 4 || x.size(1) != weight.size(1) * groups || weight.size(0) % groups)
    throw ShapeMismatch("conv2d: input " + shape_str(x.shape()) + " and weight " + shape_str(weight.shape()) +
                        " must be [batch, channels, height, width] and [out, channels / groups, kh, kw] for " + std::to_string(groups) + " groups");
  k::Conv2dArgs a;
  a.sh = stride.first, a.sw = stride.second, a.ph = padding.first, a.pw = padding.second, a.groups = groups;
  a.dh = dilation.first, a.dw = dilation.second;
  if (a.sh <= 0 || a.sw <= 0 || a.dh <= 0 || a.dw <= 0 || a.ph < 0 || a.pw < 0)
    throw ValueError("conv2d: strides and dilation must be positive and padding non-negative");
  a.B = x.size(0), a.C = weight.size(1), a.H = x.size(2), a.W = x.size(3), a.O = weight.size(0), a.kh = weight.size(2), a.kw = weight.size(3);
  const int64_t span_h = a.dh * (a.kh - 1) + 1, span_w = a.dw * (a.kw - 1) + 1;  // the dilated kernel's extent
  if (a.H + 2 * a.ph < span_h || a.W + 2 * a.pw < span_w) throw ShapeMismatch("conv2d: input " + shape_str(x.shape()) + " is smaller than the kernel");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != a.O))
    throw ShapeMismatch("conv2d: bias " + shape_str(bias.shape()) + " does not match " + std::to_string(a.O) + " output channels");
  a.OH = (a.H + 2 * a.ph - span_h) / a.sh + 1, a.OW = (a.W + 2 * a.pw - span_w) / a.sw + 1;
  const Tensor xf = f32c(x), wf = f32c(weight), bf = bias.defined() ? f32c(bias) : Tensor();
  a.x = &xf, a.weight = &wf, a.bias = &bf;
  return pick(kConv2d, x.device())(a);
}

Tensor batch_norm(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight, const Tensor& bias, float eps) {
  require_defined(x, "batch_norm", "input");
  if (x.dim() < 2) throw ShapeMismatch("batch_norm: input must be [batch, channels, ...], got " + shape_str(x.shape()));
  const int64_t B = x.size(0), C = x.size(1), inner = x.numel() / std::max<int64_t>(B * C, 1);
  for (const Tensor* t : {&mean, &var, &weight, &bias})
    if (!t->defined() || t->dim() != 1 || t->size(0) != C)
      throw ShapeMismatch("batch_norm: running stats and affine parameters must be [" + std::to_string(C) + "]");
  // Python computes (x - mean) * (weight / sqrt(var + eps)) + bias, folded the same way.
  const std::vector<float> m = mean.to_floats(), v = var.to_floats(), w = weight.to_floats(), b = bias.to_floats();
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (size_t c = 0; c < scale.size(); ++c) scale[c] = w[c] / std::sqrt(v[c] + eps), shift[c] = b[c] - m[c] * scale[c];
  const Tensor s = Tensor::from_floats(scale, {C}), t = Tensor::from_floats(shift, {C});
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty(x.shape());
  pick(kChannelAffine, x.device())(xf.data<float>(), s.data<float>(), t.data<float>(), y.data<float>(), B, C, inner);
  return y;
}

static Tensor resample(const Tensor& x, int64_t OH, int64_t OW, bool bicubic, bool align_corners) {
  const char* what = bicubic ? "interpolate(bicubic)" : "interpolate(bilinear)";
  require_defined(x, "interpolate", "input");
  if (x.dim() != 4) throw ShapeMismatch(std::string(what) + ": input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (OH <= 0 || OW <= 0) throw ValueError(std::string(what) + ": the output size must be positive");
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({x.size(0), x.size(1), OH, OW});
  pick(kResample, x.device())(xf.data<float>(), y.data<float>(), x.size(0) * x.size(1), x.size(2), x.size(3), OH, OW, bicubic, align_corners);
  return y;
}

Tensor interpolate_bicubic(const Tensor& x, int64_t OH, int64_t OW) { return resample(x, OH, OW, true, false); }
Tensor interpolate_bilinear(const Tensor& x, int64_t OH, int64_t OW, bool align_corners) { return resample(x, OH, OW, false, align_corners); }

Tensor pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  require_defined(x, "pad2d", "input");
  if (x.dim() != 4) throw ShapeMismatch("pad2d: input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (top < 0 || bottom < 0 || left < 0 || right < 0) throw ValueError("pad2d: padding must be non-negative");
  if (!top && !bottom && !left && !right) return x;
  const int64_t H = x.size(2), W = x.size(3);
  Tensor y = Tensor::empty({x.size(0), x.size(1), H + top + bottom, W + left + right});
  const Tensor xf = f32c(x);
  pick(kPad2d, x.device())(xf.data<float>(), y.data<float>(), x.size(0) * x.size(1), H, W, top, bottom, left, right);
  return y;
}

Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  require_defined(x, "max_pool2d", "input");
  if (x.dim() != 4) throw ShapeMismatch("max_pool2d: input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (kernel <= 0 || stride <= 0 || padding < 0 || 2 * padding > kernel) throw ValueError("max_pool2d: invalid kernel, stride or padding");
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  if (H + 2 * padding < kernel || W + 2 * padding < kernel) throw ShapeMismatch("max_pool2d: input " + shape_str(x.shape()) + " is smaller than the kernel");
  const int64_t OH = (H + 2 * padding - kernel) / stride + 1, OW = (W + 2 * padding - kernel) / stride + 1;
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({B, C, OH, OW});
  pick(kMaxPool2d, x.device())(xf.data<float>(), y.data<float>(), B * C, H, W, kernel, stride, padding);
  return y;
}

// Composed of table ops: with kernel == stride the output blocks do not overlap, so each input
// pixel's C features map linearly to its O x k x k block (weight [C, O k k] transposed), laid out
// as pixel_shuffle reads them (channel o k k + i k + j -> block pixel (i, j)).
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride) {
  require_defined(x, "conv_transpose2d", "input");
  require_defined(weight, "conv_transpose2d", "weight");
  if (x.dim() != 4 || weight.dim() != 4 || x.size(1) != weight.size(0))
    throw ShapeMismatch("conv_transpose2d: input " + shape_str(x.shape()) + " and weight " + shape_str(weight.shape()) +
                        " must be [batch, channels, height, width] and [channels, out, k, k]");
  const int64_t C = weight.size(0), O = weight.size(1), k = weight.size(2);
  if (weight.size(3) != k || stride != k)
    throw ValueError("conv_transpose2d: only kernel == stride (square, non-overlapping) is supported, got kernel " +
                     std::to_string(weight.size(2)) + "x" + std::to_string(weight.size(3)) + " and stride " + std::to_string(stride));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != O))
    throw ShapeMismatch("conv_transpose2d: bias " + shape_str(bias.shape()) + " does not match " + std::to_string(O) + " output channels");
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const Tensor w = f32c(weight).view({C, O * k * k}).transpose(0, 1).contiguous();
  const Tensor pixels = linear(f32c(x).permute({0, 2, 3, 1}).contiguous(), w);  // [B, H, W, O k k]
  Tensor y = pixel_shuffle(pixels.view({B, H, W, O * k * k}).permute({0, 3, 1, 2}).contiguous(), k);
  if (bias.defined()) y = add(y, bias.to(DType::F32).view({O, 1, 1}));
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t OH, int64_t OW) {
  require_defined(x, "adaptive_avg_pool2d", "input");
  if (x.dim() != 4) throw ShapeMismatch("adaptive_avg_pool2d: input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (OH <= 0 || OW <= 0) throw ValueError("adaptive_avg_pool2d: the output size must be positive");
  if (x.size(2) <= 0 || x.size(3) <= 0) throw ShapeMismatch("adaptive_avg_pool2d: input " + shape_str(x.shape()) + " has no pixels");
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({x.size(0), x.size(1), OH, OW});
  pick(kAdaptiveAvgPool2d, x.device())(xf.data<float>(), y.data<float>(), x.size(0) * x.size(1), x.size(2), x.size(3), OH, OW);
  return y;
}

// Composed of table ops (layer_norm over each group, then the per-channel affine).
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, float eps) {
  require_defined(x, "group_norm", "input");
  if (x.dim() < 2 || groups <= 0 || x.size(1) % groups)
    throw ShapeMismatch("group_norm: input " + shape_str(x.shape()) + " must be [batch, channels, ...] with channels divisible by " +
                        std::to_string(groups) + " groups");
  const int64_t B = x.size(0), C = x.size(1), inner = x.numel() / (B * C);
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && (t->dim() != 1 || t->size(0) != C))
      throw ShapeMismatch("group_norm: affine parameters must be [" + std::to_string(C) + "], got " + shape_str(t->shape()));
  const int64_t n = C / groups * inner;
  Tensor y = layer_norm(f32c(x).view({B, groups, n}), Tensor(), Tensor(), eps).view({B, C, inner});
  if (weight.defined()) y = mul(y, weight.to(DType::F32).view({C, 1}));
  if (bias.defined()) y = add(y, bias.to(DType::F32).view({C, 1}));
  return y.view(x.shape());
}

}  // namespace transformers::ops
