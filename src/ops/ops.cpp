// Op front-ends: argument checks, layout preparation, output allocation, then the kernel from the
// one dispatch point.
#include "ops/ops.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/kernels.hpp"
#include "transformers/errors.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {
std::atomic<int> g_reference{-1};

const OpTable<k::GemmFn> kGemm{"matmul", k::reference::gemm, k::cpu::gemm};
const OpTable<k::BinaryFn> kBinary{"binary", k::reference::binary, k::cpu::binary};
const OpTable<k::UnaryFn> kUnary{"activation", k::reference::unary, k::cpu::unary};
const OpTable<k::SoftmaxFn> kSoftmax{"softmax", k::reference::softmax, k::cpu::softmax};
const OpTable<k::NormFn> kNorm{"norm", k::reference::norm, k::cpu::norm};
const OpTable<k::EmbeddingFn> kEmbedding{"embedding", k::reference::embedding, k::cpu::embedding};
const OpTable<k::ReduceFn> kReduce{"reduce", k::reference::reduce};
const OpTable<k::ArgmaxFn> kArgmax{"argmax", k::reference::argmax};

// Activations enter kernels as contiguous fp32.
Tensor f32c(const Tensor& t) { return t.to(DType::F32).contiguous(); }

void require_defined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) throw ValueError(std::string(op) + ": " + what + " is undefined");
}
}  // namespace

void set_reference_mode(bool on) { g_reference = on ? 1 : 0; }
bool reference_mode() {
  int v = g_reference.load();
  if (v < 0) {
    const char* e = std::getenv("TRANSFORMERS_CPP_REFERENCE");
    v = (e && *e && std::strcmp(e, "0") != 0) ? 1 : 0;
    g_reference = v;
  }
  return v == 1;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape r(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeMismatch(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    r[i] = da == 1 ? db : da;
  }
  return r;
}

Tensor matmul(const Tensor& a0, const Tensor& b0, bool trans_a, bool trans_b) {
  require_defined(a0, "matmul", "a");
  require_defined(b0, "matmul", "b");
  if (a0.dim() < 2 || b0.dim() < 2) throw ShapeMismatch("matmul: operands must have rank >= 2");
  Tensor a = f32c(a0);
  Tensor b = b0.dtype() == DType::F32 || b0.dtype() == DType::BF16 || b0.dtype() == DType::F16 ? b0.contiguous()
                                                                                               : f32c(b0);
  const int64_t M = trans_a ? a.size(-1) : a.size(-2), Ka = trans_a ? a.size(-2) : a.size(-1);
  const int64_t Kb = trans_b ? b.size(-1) : b.size(-2), N = trans_b ? b.size(-2) : b.size(-1);
  if (Ka != Kb)
    throw ShapeMismatch("matmul: inner dims differ: " + shape_str(a.shape()) + (trans_a ? "^T" : "") + " x " +
                        shape_str(b.shape()) + (trans_b ? "^T" : ""));
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape bbatch(b.shape().begin(), b.shape().end() - 2);
  const bool shared_b = b.dim() == 2;
  if (!shared_b && bbatch != batch)
    throw ShapeMismatch("matmul: batch dims differ: " + shape_str(a.shape()) + " x " + shape_str(b.shape()));
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor c = Tensor::empty(out_shape, DType::F32, a.device());
  k::GemmArgs g;
  g.batch = shape_numel(batch);
  g.M = M;
  g.N = N;
  g.K = Ka;
  g.a = a.data_ptr();
  g.b = b.data_ptr();
  g.b_dtype = b.dtype();
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.b_batch_stride = shared_b ? 0 : Kb * N;
  g.c = c.data<float>();
  // A 2-D shared b with no transpose of a folds the batch into M: one big GEMM.
  if (shared_b && !trans_a) {
    g.M *= g.batch;
    g.batch = 1;
  }
  pick(kGemm, a.device())(g);
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& weight_scale) {
  require_defined(x, "linear", "input");
  require_defined(weight, "linear", "weight");
  if (weight.dim() != 2) throw ShapeMismatch("linear: weight must be 2-D, got " + shape_str(weight.shape()));
  if (x.size(-1) != weight.size(1))
    throw ShapeMismatch("linear: input " + shape_str(x.shape()) + " does not match weight " + shape_str(weight.shape()));
  Tensor xf = f32c(x);
  Tensor x2 = xf.view({-1, x.size(-1)});
  Tensor w = weight.contiguous();
  Tensor bf;
  if (bias.defined()) {
    if (bias.numel() != weight.size(0))
      throw ShapeMismatch("linear: bias " + shape_str(bias.shape()) + " does not match weight " + shape_str(weight.shape()));
    bf = f32c(bias);
  }
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  Tensor c = Tensor::empty(out_shape, DType::F32, x.device());
  k::GemmArgs g;
  g.M = x2.size(0);
  g.N = weight.size(0);
  g.K = weight.size(1);
  g.a = x2.data_ptr();
  g.b = w.data_ptr();
  g.b_dtype = w.dtype();
  g.trans_b = true;
  g.bias = bf.defined() ? bf.data<float>() : nullptr;
  Tensor sc;
  if (weight.dtype() == DType::I8) {
    if (!weight_scale.defined() || weight_scale.numel() != weight.size(0))
      throw ShapeMismatch("linear: an int8 weight " + shape_str(weight.shape()) + " needs weight_scale with one entry per output row");
    sc = f32c(weight_scale);
    g.b_scale = sc.data<float>();
  } else if (weight.dtype() != DType::F32 && weight.dtype() != DType::BF16 && weight.dtype() != DType::F16) {
    throw UnsupportedDType("linear: weight dtype " + dtype_name(weight.dtype()) + " is not supported");
  }
  g.c = c.data<float>();
  pick(kGemm, x.device())(g);
  return c;
}

static Tensor binary(const Tensor& a, const Tensor& b, k::BinOp op, const char* name) {
  require_defined(a, name, "a");
  require_defined(b, name, "b");
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), DType::F32, a.device());
  pick(kBinary, a.device())(a, b, out, op);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Add, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Sub, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Mul, "mul"); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Div, "div"); }
Tensor scale(const Tensor& a, float s) { return mul(a, Tensor::full({1}, s)); }

Activation activation_from_name(const std::string& n) {
  if (n == "relu") return Activation::Relu;
  if (n == "gelu") return Activation::Gelu;
  if (n == "gelu_new" || n == "gelu_pytorch_tanh" || n == "gelu_fast") return Activation::GeluTanh;
  if (n == "silu" || n == "swish") return Activation::Silu;
  if (n == "tanh") return Activation::Tanh;
  if (n == "sigmoid") return Activation::Sigmoid;
  if (n == "quick_gelu") return Activation::QuickGelu;
  if (n == "relu6") return Activation::Relu6;
  throw ConfigError("unsupported activation function '" + n + "'");
}

Tensor activation(const Tensor& x, Activation act) {
  require_defined(x, "activation", "input");
  Tensor xf = f32c(x);
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  pick(kUnary, x.device())(xf.data<float>(), y.data<float>(), x.numel(), act);
  return y;
}

Tensor softmax(const Tensor& x, int64_t dim, const Tensor& mask) {
  require_defined(x, "softmax", "input");
  const int64_t d = normalize_dim(dim, x.dim(), "softmax");
  Tensor y = mask.defined() ? add(x, mask) : x.to(DType::F32).clone();
  if (y.shape() != x.shape())
    throw ShapeMismatch("softmax: mask " + shape_str(mask.shape()) + " widens input " + shape_str(x.shape()));
  const bool last = d == x.dim() - 1;
  if (!last) y = y.transpose(d, -1).contiguous();
  pick(kSoftmax, x.device())(y.data<float>(), y.numel() / y.size(-1), y.size(-1));
  return last ? y : y.transpose(d, -1).contiguous();
}

static Tensor norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps, bool rms, const char* name) {
  require_defined(x, name, "input");
  const int64_t H = x.size(-1);
  if (w.defined() && w.numel() != H)
    throw ShapeMismatch(std::string(name) + ": weight " + shape_str(w.shape()) + " does not match hidden size " + std::to_string(H));
  if (b.defined() && b.numel() != H)
    throw ShapeMismatch(std::string(name) + ": bias " + shape_str(b.shape()) + " does not match hidden size " + std::to_string(H));
  Tensor xf = f32c(x), wf = w.defined() ? f32c(w) : Tensor(), bf = b.defined() ? f32c(b) : Tensor();
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  pick(kNorm, x.device())(xf.data<float>(), wf.defined() ? wf.data<float>() : nullptr,
                          bf.defined() ? bf.data<float>() : nullptr, y.data<float>(), x.numel() / H, H, eps, rms);
  return y;
}

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
  return norm(x, w, b, eps, false, "layer_norm");
}
Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) { return norm(x, w, Tensor(), eps, true, "rms_norm"); }

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  require_defined(weight, "embedding", "weight");
  require_defined(ids, "embedding", "ids");
  if (weight.dim() != 2) throw ShapeMismatch("embedding: weight must be 2-D, got " + shape_str(weight.shape()));
  if (is_floating(ids.dtype())) throw UnsupportedDType("embedding: ids must be integers, got " + dtype_name(ids.dtype()));
  Tensor id = ids.to(DType::I64).contiguous();
  const int64_t V = weight.size(0);
  for (int64_t i = 0; i < id.numel(); ++i) {
    const int64_t v = id.data<int64_t>()[i];
    if (v < 0 || v >= V)
      throw ValueError("embedding: index " + std::to_string(v) + " is out of range for a table of " + std::to_string(V) + " rows");
  }
  Shape out = ids.shape();
  out.push_back(weight.size(1));
  Tensor y = Tensor::empty(out, DType::F32, weight.device());
  pick(kEmbedding, weight.device())(weight.contiguous(), id.data<int64_t>(), id.numel(), y.data<float>());
  return y;
}

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
  const int64_t B = x.size(0), L = x.size(1), Cin = x.size(2), C = weight.size(1), K = weight.size(2);
  const int64_t span = dilation * (K - 1) + 1;
  if (L + 2 * padding < span) throw ShapeMismatch("conv1d: input of length " + std::to_string(L) + " is shorter than the kernel");
  const int64_t out_len = (L + 2 * padding - span) / stride + 1, cout_g = weight.size(0) / groups;
  const Tensor xf = f32c(x);
  // Weights as [Cout, K, C]: a patch row is then K runs of C contiguous input channels.
  const Tensor w = weight.permute({0, 2, 1}).contiguous();
  std::vector<Tensor> outs;
  for (int64_t g = 0; g < groups; ++g) {
    // cols[b, t, k * C + c] = x[b, t * stride + k * dilation - padding, g * C + c] (0 outside)
    Tensor cols = Tensor::empty({B, out_len, K * C});
    const float* in = xf.data<float>();
    float* o = cols.data<float>();
#pragma omp parallel for collapse(2) if (B * out_len * C * K > 65536)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < out_len; ++t)
        for (int64_t k = 0; k < K; ++k) {
          const int64_t src = t * stride + k * dilation - padding;
          float* dst = o + (b * out_len + t) * K * C + k * C;
          if (src >= 0 && src < L) std::memcpy(dst, in + (b * L + src) * Cin + g * C, static_cast<size_t>(C) * sizeof(float));
          else std::memset(dst, 0, static_cast<size_t>(C) * sizeof(float));
        }
    const Tensor wg = w.slice(0, g * cout_g, (g + 1) * cout_g).contiguous().view({cout_g, K * C});
    outs.push_back(linear(cols, wg, bias.defined() ? bias.slice(0, g * cout_g, (g + 1) * cout_g).contiguous() : Tensor()));
  }
  return groups == 1 ? outs[0] : concat(outs, 2);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  require_defined(x, "conv1d", "input");
  if (x.dim() != 3) throw ShapeMismatch("conv1d: input must be [batch, in_channels, length], got " + shape_str(x.shape()));
  return conv1d_channels_last(x.transpose(1, 2).contiguous(), weight, bias, stride, padding, dilation, groups).transpose(1, 2).contiguous();
}

namespace {

Tensor grouped_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
                      std::pair<int64_t, int64_t> padding, int64_t groups) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  // Plain variables, not structured bindings: clang 14 cannot capture bindings in OpenMP regions.
  const int64_t sh = stride.first, sw = stride.second;
  const int64_t ph = padding.first, pw = padding.second;
  if (sh <= 0 || sw <= 0 || ph < 0 || pw < 0) throw ValueError("conv2d: strides must be positive and padding non-negative");
  if (H + 2 * ph < kh || W + 2 * pw < kw) throw ShapeMismatch("conv2d: input " + shape_str(x.shape()) + " is smaller than the kernel");
  if (groups != C || O != C) {
    // General groups: one dense convolution per group.
    std::vector<Tensor> outs;
    const int64_t cg = C / groups, og = O / groups;
    for (int64_t g = 0; g < groups; ++g)
      outs.push_back(conv2d(x.slice(1, g * cg, (g + 1) * cg).contiguous(), weight.slice(0, g * og, (g + 1) * og).contiguous(),
                            bias.defined() ? bias.slice(0, g * og, (g + 1) * og).contiguous() : Tensor(), stride, padding));
    return concat(outs, 1);
  }
  // Depthwise: each channel convolved with its own kernel.
  const int64_t OH = (H + 2 * ph - kh) / sh + 1, OW = (W + 2 * pw - kw) / sw + 1;
  const Tensor xf = f32c(x), wf = f32c(weight);
  const Tensor bf = bias.defined() ? f32c(bias) : Tensor();
  Tensor y = Tensor::empty({B, C, OH, OW});
  const float* in = xf.data<float>();
  const float* wp = wf.data<float>();
  const float* bp = bias.defined() ? bf.data<float>() : nullptr;
  float* out = y.data<float>();
#pragma omp parallel for collapse(2) if (B * C * OH * OW * kh * kw > 65536)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const float* src = in + (b * C + c) * H * W;
      const float* k = wp + c * kh * kw;
      float* dst = out + (b * C + c) * OH * OW;
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          float acc = bp ? bp[c] : 0.0f;
          for (int64_t i = 0; i < kh; ++i) {
            const int64_t yy = oy * sh + i - ph;
            if (yy < 0 || yy >= H) continue;
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t xx = ox * sw + j - pw;
              if (xx >= 0 && xx < W) acc += src[yy * W + xx] * k[i * kw + j];
            }
          }
          dst[oy * OW + ox] = acc;
        }
    }
  return y;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride,
              std::pair<int64_t, int64_t> padding, int64_t groups) {
  require_defined(x, "conv2d", "input");
  require_defined(weight, "conv2d", "weight");
  if (groups <= 0 || x.dim() != 4 || weight.dim() != 4 || x.size(1) != weight.size(1) * groups || weight.size(0) % groups)
    throw ShapeMismatch("conv2d: input " + shape_str(x.shape()) + " and weight " + shape_str(weight.shape()) +
                        " must be [batch, channels, height, width] and [out, channels / groups, kh, kw] for " + std::to_string(groups) + " groups");
  if (groups > 1) return grouped_conv2d(x, weight, bias, stride, padding, groups);
  // Plain variables, not structured bindings: clang 14 cannot capture bindings in OpenMP regions.
  const int64_t sh = stride.first, sw = stride.second;
  const int64_t ph = padding.first, pw = padding.second;
  if (sh <= 0 || sw <= 0 || ph < 0 || pw < 0) throw ValueError("conv2d: strides must be positive and padding non-negative");
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  if (H + 2 * ph < kh || W + 2 * pw < kw) throw ShapeMismatch("conv2d: input " + shape_str(x.shape()) + " is smaller than the kernel");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != O))
    throw ShapeMismatch("conv2d: bias " + shape_str(bias.shape()) + " does not match " + std::to_string(O) + " output channels");
  const int64_t OH = (H + 2 * ph - kh) / sh + 1, OW = (W + 2 * pw - kw) / sw + 1, K = C * kh * kw, P = OH * OW;
  // Per image: y[O, P] = W[O, K] x cols[K, P] with cols[(c * kh + i) * kw + j, oy * OW + ox] =
  // x[c, oy * sh + i - ph, ox * sw + j - pw] (0 outside), which is the image itself for a 1x1
  // stride-1 convolution; the product comes out channels-first with no transpose.
  const Tensor xf = f32c(x), wf = f32c(weight).view({O, K});
  const bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  Tensor y = Tensor::empty({B, O, OH, OW});
  const Tensor bf = bias.defined() ? f32c(bias) : Tensor();
  Tensor cols = pointwise ? Tensor() : Tensor::empty({K, P});
  for (int64_t b = 0; b < B; ++b) {
    const float* in = xf.data<float>() + b * C * H * W;
    if (!pointwise) {
      float* o = cols.data<float>();
#pragma omp parallel for if (K * P > 65536)
      for (int64_t r = 0; r < K; ++r) {
        const int64_t c = r / (kh * kw), i = (r / kw) % kh, j = r % kw;
        float* row = o + r * P;
        for (int64_t oy = 0; oy < OH; ++oy) {
          const int64_t yy = oy * sh + i - ph;
          float* dst = row + oy * OW;
          if (yy < 0 || yy >= H) {
            std::memset(dst, 0, static_cast<size_t>(OW) * sizeof(float));
            continue;
          }
          const float* src = in + (c * H + yy) * W;
          for (int64_t ox = 0; ox < OW; ++ox) {
            const int64_t xx = ox * sw + j - pw;
            dst[ox] = xx >= 0 && xx < W ? src[xx] : 0.0f;
          }
        }
      }
    }
    const Tensor yb = matmul(wf, pointwise ? xf.slice(0, b, b + 1).view({C, H * W}) : cols);
    float* dst = y.data<float>() + b * O * P;
    const float* src = yb.data<float>();
    const float* bp = bias.defined() ? bf.data<float>() : nullptr;
#pragma omp parallel for if (O * P > 65536)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t p = 0; p < P; ++p) dst[oc * P + p] = src[oc * P + p] + (bp ? bp[oc] : 0.0f);
  }
  return y;
}

Tensor batch_norm(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& weight, const Tensor& bias, float eps) {
  require_defined(x, "batch_norm", "input");
  if (x.dim() < 2) throw ShapeMismatch("batch_norm: input must be [batch, channels, ...], got " + shape_str(x.shape()));
  const int64_t B = x.size(0), C = x.size(1), inner = x.numel() / std::max<int64_t>(B * C, 1);
  for (const Tensor* t : {&mean, &var, &weight, &bias})
    if (!t->defined() || t->dim() != 1 || t->size(0) != C)
      throw ShapeMismatch("batch_norm: running stats and affine parameters must be [" + std::to_string(C) + "]");
  const Tensor m = f32c(mean), v = f32c(var), w = f32c(weight), b = f32c(bias);
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    // Python computes (x - mean) * (weight / sqrt(var + eps)) + bias, folded the same way.
    const float s = w.data<float>()[c] / std::sqrt(v.data<float>()[c] + eps);
    scale[static_cast<size_t>(c)] = s, shift[static_cast<size_t>(c)] = b.data<float>()[c] - m.data<float>()[c] * s;
  }
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty(x.shape());
  const float* in = xf.data<float>();
  float* out = y.data<float>();
#pragma omp parallel for collapse(2) if (B * C * inner > 65536)
  for (int64_t bb = 0; bb < B; ++bb)
    for (int64_t c = 0; c < C; ++c) {
      const float s = scale[static_cast<size_t>(c)], t = shift[static_cast<size_t>(c)];
      const float* src = in + (bb * C + c) * inner;
      float* dst = out + (bb * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * s + t;
    }
  return y;
}

namespace {
// Source index and the four cubic weights of each output position along one axis.
struct CubicTaps {
  std::vector<int64_t> first;
  std::vector<std::array<float, 4>> w;
};
CubicTaps cubic_taps(int64_t in, int64_t out) {
  constexpr float A = -0.75f;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  CubicTaps t;
  for (int64_t o = 0; o < out; ++o) {
    const float real = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
    const float fl = std::floor(real), d = real - fl;
    const float x1 = d + 1.0f, x2 = 1.0f - d, x3 = 2.0f - d;
    t.first.push_back(static_cast<int64_t>(fl) - 1);
    t.w.push_back({((A * x1 - 5.0f * A) * x1 + 8.0f * A) * x1 - 4.0f * A, ((A + 2.0f) * d - (A + 3.0f)) * d * d + 1.0f,
                   ((A + 2.0f) * x2 - (A + 3.0f)) * x2 * x2 + 1.0f, ((A * x3 - 5.0f * A) * x3 + 8.0f * A) * x3 - 4.0f * A});
  }
  return t;
}
}  // namespace

Tensor interpolate_bicubic(const Tensor& x, int64_t OH, int64_t OW) {
  require_defined(x, "interpolate", "input");
  if (x.dim() != 4) throw ShapeMismatch("interpolate(bicubic): input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (OH <= 0 || OW <= 0) throw ValueError("interpolate(bicubic): the output size must be positive");
  const int64_t N = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const CubicTaps ty = cubic_taps(H, OH), tx = cubic_taps(W, OW);
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({x.size(0), x.size(1), OH, OW});
  const float* in = xf.data<float>();
  float* out = y.data<float>();
  auto clampi = [](int64_t v, int64_t n) { return std::min(std::max<int64_t>(v, 0), n - 1); };
#pragma omp parallel for if (N * OH * OW > 65536)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        float rows[4];
        for (int64_t i = 0; i < 4; ++i) {
          const float* src = in + (n * H + clampi(ty.first[static_cast<size_t>(oy)] + i, H)) * W;
          const auto& w = tx.w[static_cast<size_t>(ox)];
          const int64_t x0 = tx.first[static_cast<size_t>(ox)];
          rows[i] = src[clampi(x0, W)] * w[0] + src[clampi(x0 + 1, W)] * w[1] + src[clampi(x0 + 2, W)] * w[2] + src[clampi(x0 + 3, W)] * w[3];
        }
        const auto& w = ty.w[static_cast<size_t>(oy)];
        out[(n * OH + oy) * OW + ox] = rows[0] * w[0] + rows[1] * w[1] + rows[2] * w[2] + rows[3] * w[3];
      }
  return y;
}

namespace {
// Left source index, its right neighbour and the right weight of each output position (torch's
// area_pixel_compute_source_index: negative positions clamp to 0).
struct LinearTaps {
  std::vector<int64_t> i0, i1;
  std::vector<float> w1;
};
LinearTaps linear_taps(int64_t in, int64_t out, bool align_corners) {
  // align_corners maps the corner pixels onto each other: scale (in - 1) / (out - 1), no half-pixel shift.
  const float scale = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                    : static_cast<float>(in) / static_cast<float>(out);
  LinearTaps t;
  for (int64_t o = 0; o < out; ++o) {
    const float real = align_corners ? scale * static_cast<float>(o) : std::max(scale * (static_cast<float>(o) + 0.5f) - 0.5f, 0.0f);
    const auto i0 = static_cast<int64_t>(real);
    t.i0.push_back(i0);
    t.i1.push_back(i0 + (i0 < in - 1 ? 1 : 0));
    t.w1.push_back(real - static_cast<float>(i0));
  }
  return t;
}
}  // namespace

Tensor interpolate_bilinear(const Tensor& x, int64_t OH, int64_t OW, bool align_corners) {
  require_defined(x, "interpolate", "input");
  if (x.dim() != 4) throw ShapeMismatch("interpolate(bilinear): input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (OH <= 0 || OW <= 0) throw ValueError("interpolate(bilinear): the output size must be positive");
  const int64_t N = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const LinearTaps ty = linear_taps(H, OH, align_corners), tx = linear_taps(W, OW, align_corners);
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({x.size(0), x.size(1), OH, OW});
  const float* in = xf.data<float>();
  float* out = y.data<float>();
#pragma omp parallel for if (N * OH * OW > 65536)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy) {
      const float h1 = ty.w1[static_cast<size_t>(oy)], h0 = 1.0f - h1;
      const float* r0 = in + (n * H + ty.i0[static_cast<size_t>(oy)]) * W;
      const float* r1 = in + (n * H + ty.i1[static_cast<size_t>(oy)]) * W;
      for (int64_t ox = 0; ox < OW; ++ox) {
        const auto a = static_cast<size_t>(ox);
        const float w1 = tx.w1[a], w0 = 1.0f - w1;
        out[(n * OH + oy) * OW + ox] = h0 * (w0 * r0[tx.i0[a]] + w1 * r0[tx.i1[a]]) + h1 * (w0 * r1[tx.i0[a]] + w1 * r1[tx.i1[a]]);
      }
    }
  return y;
}

Tensor pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  require_defined(x, "pad2d", "input");
  if (x.dim() != 4) throw ShapeMismatch("pad2d: input must be [batch, channels, height, width], got " + shape_str(x.shape()));
  if (top < 0 || bottom < 0 || left < 0 || right < 0) throw ValueError("pad2d: padding must be non-negative");
  if (!top && !bottom && !left && !right) return x;
  const int64_t N = x.size(0) * x.size(1), H = x.size(2), W = x.size(3), OH = H + top + bottom, OW = W + left + right;
  Tensor y = Tensor::zeros({x.size(0), x.size(1), OH, OW});
  const Tensor xf = f32c(x);
  const float* s = xf.data<float>();
  float* d = y.data<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < H; ++i) std::memcpy(d + (n * OH + i + top) * OW + left, s + (n * H + i) * W, static_cast<size_t>(W) * sizeof(float));
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
  const float* in = xf.data<float>();
  float* out = y.data<float>();
#pragma omp parallel for collapse(2) if (B * C * OH * OW > 16384)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const float* src = in + (b * C + c) * H * W;
      float* dst = out + (b * C + c) * OH * OW;
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t i = 0; i < kernel; ++i) {
            const int64_t yy = oy * stride + i - padding;
            if (yy < 0 || yy >= H) continue;
            for (int64_t j = 0; j < kernel; ++j) {
              const int64_t xx = ox * stride + j - padding;
              if (xx >= 0 && xx < W) m = std::max(m, src[yy * W + xx]);
            }
          }
          dst[oy * OW + ox] = m;
        }
    }
  return y;
}

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

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ValueError("concat: no tensors");
  const int64_t d = normalize_dim(dim, xs[0].dim(), "concat");
  Shape out = xs[0].shape();
  out[d] = 0;
  for (const auto& x : xs) {
    if (x.dim() != xs[0].dim() || x.dtype() != xs[0].dtype()) throw ShapeMismatch("concat: rank or dtype differs");
    for (int64_t i = 0; i < x.dim(); ++i)
      if (i != d && x.shape()[i] != xs[0].shape()[i])
        throw ShapeMismatch("concat: shapes " + shape_str(xs[0].shape()) + " and " + shape_str(x.shape()) + " differ off dim " + std::to_string(d));
    out[d] += x.shape()[d];
  }
  Tensor y = Tensor::empty(out, xs[0].dtype());
  const int64_t outer = shape_numel(Shape(out.begin(), out.begin() + d));
  const int64_t inner = shape_numel(Shape(out.begin() + d + 1, out.end())) * static_cast<int64_t>(dtype_size(y.dtype()));
  char* dst = static_cast<char*>(y.data_ptr());
  int64_t col = 0;
  for (const auto& x0 : xs) {
    Tensor x = x0.contiguous();
    const int64_t n = x.shape()[d] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + o * out[d] * inner + col, static_cast<const char*>(x.data_ptr()) + o * n, static_cast<size_t>(n));
    col += n;
  }
  return y;
}

static void split_dims(const Tensor& x, int64_t d, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = shape_numel(Shape(x.shape().begin(), x.shape().begin() + d));
  n = x.shape()[d];
  inner = shape_numel(Shape(x.shape().begin() + d + 1, x.shape().end()));
}

static Shape reduced_shape(const Tensor& x, int64_t d, bool keepdim) {
  Shape s = x.shape();
  if (keepdim) s[d] = 1;
  else s.erase(s.begin() + d);
  return s;
}

static Tensor reduce(const Tensor& x, int64_t dim, bool keepdim, k::ReduceOp op, const char* name) {
  require_defined(x, name, "input");
  const int64_t d = normalize_dim(dim, x.dim(), name);
  if (op == k::ReduceOp::Max && x.shape()[d] == 0) throw ShapeMismatch(std::string(name) + ": empty dimension");
  Tensor xf = f32c(x);
  int64_t outer, n, inner;
  split_dims(xf, d, outer, n, inner);
  Tensor y = Tensor::empty(reduced_shape(x, d, keepdim), DType::F32, x.device());
  pick(kReduce, x.device())(xf.data<float>(), y.data<float>(), outer, n, inner, op);
  return y;
}

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Sum, "sum"); }
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Mean, "mean"); }
Tensor max(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Max, "max"); }

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  require_defined(x, "argmax", "input");
  const int64_t d = normalize_dim(dim, x.dim(), "argmax");
  if (x.shape()[d] == 0) throw ShapeMismatch("argmax: empty dimension");
  Tensor xf = f32c(x);
  int64_t outer, n, inner;
  split_dims(xf, d, outer, n, inner);
  Tensor y = Tensor::empty(reduced_shape(x, d, keepdim), DType::I64, x.device());
  pick(kArgmax, x.device())(xf.data<float>(), y.data<int64_t>(), outer, n, inner);
  return y;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  // Broadcast by adding zeros of the target shape: keeps the index logic in one place.
  Tensor zero = Tensor::zeros(s);
  Tensor c = add(cond.to(DType::F32), zero), av = add(a, zero), bv = add(b, zero);
  Tensor y = Tensor::empty(s);
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data<float>()[i] = c.data<float>()[i] != 0.0f ? av.data<float>()[i] : bv.data<float>()[i];
  return y;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  return where(mask, Tensor::full({1}, value), x);
}

}  // namespace transformers::ops
