// Scalar reference kernels: straightforward loops with double accumulation. They are the oracle
// the fast kernels are tested against, and what reference mode runs a whole model on.
#include <cmath>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/kernels.hpp"

namespace transformers::ops::kernels {

float activation_scalar(float xf, Activation act) {
  const double x = xf;
  switch (act) {
    case Activation::Relu: return x > 0 ? xf : 0.0f;
    case Activation::Gelu: return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    case Activation::GeluTanh: {
      const double k = std::sqrt(2.0 / M_PI);
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x))));
    }
    case Activation::Silu: return static_cast<float>(x / (1.0 + std::exp(-x)));
    case Activation::Tanh: return static_cast<float>(std::tanh(x));
    case Activation::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    case Activation::QuickGelu: return static_cast<float>(x / (1.0 + std::exp(-1.702 * x)));
    case Activation::Relu6: return xf < 0 ? 0.0f : xf > 6 ? 6.0f : xf;
  }
  return xf;
}

namespace reference {

void gemm(const GemmArgs& g) {
  const auto* a = static_cast<const float*>(g.a);
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const float* A = a + bi * g.M * g.K;
    const int64_t boff = bi * g.b_batch_stride;
    float* C = g.c + bi * g.M * g.N;
    for (int64_t m = 0; m < g.M; ++m) {
      for (int64_t n = 0; n < g.N; ++n) {
        double acc = 0.0;
        for (int64_t k = 0; k < g.K; ++k) {
          const double av = g.trans_a ? A[k * g.M + m] : A[m * g.K + k];
          const int64_t bidx = boff + (g.trans_b ? n * g.K + k : k * g.N + n);
          acc += av * detail::load(g.b, g.b_dtype, bidx);
        }
        if (g.b_scale) acc *= g.b_scale[n];
        C[m * g.N + n] = static_cast<float>(acc + (g.bias ? g.bias[n] : 0.0));
      }
    }
  }
}

static double apply(BinOp op, double x, double y) {
  switch (op) {
    case BinOp::Add: return x + y;
    case BinOp::Sub: return x - y;
    case BinOp::Mul: return x * y;
    case BinOp::Div: return x / y;
  }
  return 0;
}

// Strides of `t` seen through the broadcast to `shape` (0 where t is broadcast).
static Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape st(shape.size(), 0);
  const int64_t off = static_cast<int64_t>(shape.size()) - t.dim();
  for (int64_t i = 0; i < t.dim(); ++i) st[off + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return st;
}

void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op) {
  const Shape sa = broadcast_strides(a, out.shape()), sb = broadcast_strides(b, out.shape());
  const Shape& shape = out.shape();
  const int64_t nd = static_cast<int64_t>(shape.size());
  float* o = out.data<float>();
  const void* pa = a.data_ptr();
  const void* pb = b.data_ptr();
  std::vector<int64_t> idx(nd, 0);
  for (int64_t li = 0; li < out.numel(); ++li) {
    int64_t oa = 0, ob = 0;
    for (int64_t d = 0; d < nd; ++d) { oa += idx[d] * sa[d]; ob += idx[d] * sb[d]; }
    o[li] = static_cast<float>(apply(op, detail::load(pa, a.dtype(), oa), detail::load(pb, b.dtype(), ob)));
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

void unary(const float* x, float* y, int64_t n, Activation act) {
  for (int64_t i = 0; i < n; ++i) y[i] = activation_scalar(x[i], act);
}

void softmax(float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float* p = x + r * cols;
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, static_cast<double>(p[c]));
    if (std::isinf(mx) && mx < 0) {  // every position masked with -inf: torch gives NaN; keep it
      for (int64_t c = 0; c < cols; ++c) p[c] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s += std::exp(p[c] - mx);
    for (int64_t c = 0; c < cols; ++c) p[c] = static_cast<float>(std::exp(p[c] - mx) / s);
  }
}

void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps,
          bool rms) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * cols;
    double mean = 0, var = 0;
    if (!rms) {
      for (int64_t c = 0; c < cols; ++c) mean += p[c];
      mean /= static_cast<double>(cols);
    }
    for (int64_t c = 0; c < cols; ++c) var += (p[c] - mean) * (p[c] - mean);
    var /= static_cast<double>(cols);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t c = 0; c < cols; ++c) {
      double v = (p[c] - mean) * inv;
      if (w) v *= w[c];
      if (b) v += b[c];
      y[r * cols + c] = static_cast<float>(v);
    }
  }
}

void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out) {
  const int64_t H = weight.shape()[1];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h)
      out[i * H + h] = static_cast<float>(detail::load(weight.data_ptr(), weight.dtype(), ids[i] * H + h));
}

void reduce(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, ReduceOp op) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double acc = op == ReduceOp::Max ? -std::numeric_limits<double>::infinity() : 0.0;
      for (int64_t k = 0; k < n; ++k) {
        const double v = x[(o * n + k) * inner + i];
        acc = op == ReduceOp::Max ? (std::isnan(v) || v > acc ? v : acc) : acc + v;
      }
      if (op == ReduceOp::Mean) acc /= static_cast<double>(n);
      out[o * inner + i] = static_cast<float>(acc);
    }
}

void argmax(const float* x, int64_t* out, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      float bv = x[o * n * inner + i];
      for (int64_t k = 1; k < n; ++k) {
        const float v = x[(o * n + k) * inner + i];
        if (v > bv || (std::isnan(v) && !std::isnan(bv))) { bv = v; best = k; }  // first max wins, like torch
      }
      out[o * inner + i] = best;
    }
}

}  // namespace reference
}  // namespace transformers::ops::kernels
