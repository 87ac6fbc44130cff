// Fast CPU kernels: OpenMP across rows, loops written so GCC vectorizes them. Same results as the
// reference kernels within fp32 rounding (float accumulation instead of double).
#include <cmath>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op) {
  // Row-wise fast path: a is contiguous f32 with out's shape; b is f32, contiguous along the last
  // dim (or size 1 there) and broadcast any way over the leading dims (biases, residuals,
  // [B, 1, 1, S] attention masks). Anything else takes the general reference loop.
  const int64_t n = out.numel();
  const int64_t nd = out.dim();
  if (a.dtype() != DType::F32 || !a.is_contiguous() || a.shape() != out.shape() || b.dtype() != DType::F32 || nd == 0 ||
      b.dim() > nd)
    return reference::binary(a, b, out, op);
  Shape bst(nd, 0);
  for (int64_t i = 0; i < b.dim(); ++i) {
    const int64_t o = nd - b.dim() + i;
    bst[o] = b.shape()[i] == 1 ? 0 : b.strides()[i];
  }
  const int64_t cols = out.shape().back();
  if (bst.back() != 0 && bst.back() != 1) return reference::binary(a, b, out, op);
  const bool b_scalar_row = bst.back() == 0;
  const int64_t rows = cols ? n / cols : 0;
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* po = out.data<float>();
  const Shape& shape = out.shape();
#pragma omp parallel for if (n > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, boff = 0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      boff += (rem % shape[d]) * bst[d];
      rem /= shape[d];
    }
    const float* x = pa + r * cols;
    const float* yb = pb + boff;
    float* y = po + r * cols;
    if (b_scalar_row) {
      const float v = *yb;
      switch (op) {
        case BinOp::Add: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] + v; break;
        case BinOp::Sub: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] - v; break;
        case BinOp::Mul: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] * v; break;
        case BinOp::Div: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] / v; break;
      }
      continue;
    }
    switch (op) {
      case BinOp::Add: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] + yb[i]; break;
      case BinOp::Sub: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] - yb[i]; break;
      case BinOp::Mul: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] * yb[i]; break;
      case BinOp::Div: for (int64_t i = 0; i < cols; ++i) y[i] = x[i] / yb[i]; break;
    }
  }
}

void unary_loop(const float* x, float* y, int64_t n, Activation act) {
  if (act == Activation::Gelu) {
#pragma omp parallel for if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
    return;
  }
#pragma omp parallel for if (n > 32768)
  for (int64_t i = 0; i < n; ++i) y[i] = activation_scalar(x[i], act);
}

void softmax_loop(float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    float* p = x + r * cols;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, p[c]);
    if (std::isinf(mx) && mx < 0) {
      for (int64_t c = 0; c < cols; ++c) p[c] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    float s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      p[c] = std::exp(p[c] - mx);
      s += p[c];
    }
    const float inv = 1.0f / s;
    for (int64_t c = 0; c < cols; ++c) p[c] *= inv;
  }
}

void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps,
          bool rms) {
#pragma omp parallel for if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * cols;
    float mean = 0;
    if (!rms) {
      for (int64_t c = 0; c < cols; ++c) mean += p[c];
      mean /= static_cast<float>(cols);
    }
    float var = 0;
    for (int64_t c = 0; c < cols; ++c) var += (p[c] - mean) * (p[c] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(cols) + eps);
    float* q = y + r * cols;
    for (int64_t c = 0; c < cols; ++c) {
      float v = (p[c] - mean) * inv;
      if (w) v *= w[c];
      if (b) v += b[c];
      q[c] = v;
    }
  }
}

void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out) {
  const int64_t H = weight.shape()[1];
#pragma omp parallel for if (n * H > 32768)
  for (int64_t i = 0; i < n; ++i) {
    float* o = out + i * H;
    if (weight.dtype() == DType::F32) {
      const float* row = weight.data<float>() + ids[i] * H;
      for (int64_t h = 0; h < H; ++h) o[h] = row[h];
    } else if (weight.dtype() == DType::BF16) {
      const uint16_t* row = weight.data<uint16_t>() + ids[i] * H;
      for (int64_t h = 0; h < H; ++h) o[h] = bf16_to_f32(row[h]);
    } else {
      for (int64_t h = 0; h < H; ++h) o[h] = static_cast<float>(detail::load(weight.data_ptr(), weight.dtype(), ids[i] * H + h));
    }
  }
}

}  // namespace transformers::ops::kernels::cpu
