// Fast CPU kernels: OpenMP across rows, loops written so GCC vectorizes them. Same results as the
// reference kernels within fp32 rounding (float accumulation instead of double).
#include <cmath>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op) {
  // Fast path: a has out's shape and is contiguous f32; b is contiguous f32 and broadcasts along
  // leading dims only (bias rows, residuals). Anything else takes the general reference loop.
  const int64_t n = out.numel();
  const bool a_ok = a.dtype() == DType::F32 && a.is_contiguous() && a.numel() == n;
  const bool b_ok = b.dtype() == DType::F32 && b.is_contiguous() && b.numel() > 0 && n % b.numel() == 0 &&
                    [&] {  // b's shape must equal out's trailing dims (after dropping leading 1s)
                      Shape bs = b.shape();
                      while (!bs.empty() && bs.front() == 1) bs.erase(bs.begin());
                      const Shape& os = out.shape();
                      if (bs.size() > os.size()) return false;
                      return std::equal(bs.begin(), bs.end(), os.end() - static_cast<int64_t>(bs.size()));
                    }();
  if (!a_ok || !b_ok) return reference::binary(a, b, out, op);
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* po = out.data<float>();
  const int64_t inner = b.numel(), rows = n / inner;
#pragma omp parallel for if (n > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = pa + r * inner;
    float* y = po + r * inner;
    switch (op) {
      case BinOp::Add: for (int64_t i = 0; i < inner; ++i) y[i] = x[i] + pb[i]; break;
      case BinOp::Sub: for (int64_t i = 0; i < inner; ++i) y[i] = x[i] - pb[i]; break;
      case BinOp::Mul: for (int64_t i = 0; i < inner; ++i) y[i] = x[i] * pb[i]; break;
      case BinOp::Div: for (int64_t i = 0; i < inner; ++i) y[i] = x[i] / pb[i]; break;
    }
  }
}

void unary(const float* x, float* y, int64_t n, Activation act) {
  if (act == Activation::Gelu) {
#pragma omp parallel for if (n > 32768)
    for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
    return;
  }
#pragma omp parallel for if (n > 32768)
  for (int64_t i = 0; i < n; ++i) y[i] = activation_scalar(x[i], act);
}

void softmax(float* x, int64_t rows, int64_t cols) {
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
