// Reference kernels of the spatial ops (convolution, pooling, padding, resampling, eval batch
// norm): direct loops with double accumulation, the oracle for cpu/spatial.cpp (im2col + GEMM).
#include <cmath>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/kernels.hpp"
#include "ops/resample_taps.hpp"

namespace transformers::ops::kernels::reference {

void pad2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  const int64_t OH = H + top + bottom, OW = W + left + right;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t yy = i - top, xx = j - left;
        y[(n * OH + i) * OW + j] = yy >= 0 && yy < H && xx >= 0 && xx < W ? x[(n * H + yy) * W + xx] : 0.0f;
      }
}

void max_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t kernel, int64_t stride, int64_t padding) {
  const int64_t OH = (H + 2 * padding - kernel) / stride + 1, OW = (W + 2 * padding - kernel) / stride + 1;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < kernel; ++i)
          for (int64_t j = 0; j < kernel; ++j) {
            const int64_t yy = oy * stride + i - padding, xx = ox * stride + j - padding;
            if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
              const float v = x[(n * H + yy) * W + xx];
              if (v > m || std::isnan(v)) m = v;
            }
          }
        y[(n * OH + oy) * OW + ox] = m;
      }
}

void adaptive_avg_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH, x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
        double acc = 0;
        for (int64_t i = y0; i < y1; ++i)
          for (int64_t j = x0; j < x1; ++j) acc += x[(n * H + i) * W + j];
        y[(n * OH + oy) * OW + ox] = static_cast<float>(acc / static_cast<double>((y1 - y0) * (x1 - x0)));
      }
}

void channel_affine(const float* x, const float* scale, const float* shift, float* y, int64_t B, int64_t C, int64_t inner) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t at = (b * C + c) * inner + i;
        y[at] = x[at] * scale[c] + shift[c];
      }
}

void resample(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW, bool bicubic, bool align_corners) {
  const CubicTaps cy = cubic_taps(H, OH), cx = cubic_taps(W, OW);
  const LinearTaps ly = linear_taps(H, OH, align_corners), lx = linear_taps(W, OW, align_corners);
  for (int64_t n = 0; n < N; ++n) {
    const float* src = x + n * H * W;
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        double acc = 0;
        if (bicubic) {
          const CubicTaps &ty = cy, &tx = cx;
          for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 4; ++j)
              acc += static_cast<double>(ty.w[oy][i]) * tx.w[ox][j] *
                     src[clamp_index(ty.first[oy] + i, H) * W + clamp_index(tx.first[ox] + j, W)];
        } else {
          const LinearTaps &ty = ly, &tx = lx;
          const double h1 = ty.w1[oy], w1 = tx.w1[ox];
          acc = (1 - h1) * ((1 - w1) * src[ty.i0[oy] * W + tx.i0[ox]] + w1 * src[ty.i0[oy] * W + tx.i1[ox]]) +
                h1 * ((1 - w1) * src[ty.i1[oy] * W + tx.i0[ox]] + w1 * src[ty.i1[oy] * W + tx.i1[ox]]);
        }
        y[(n * OH + oy) * OW + ox] = static_cast<float>(acc);
      }
  }
}

Tensor conv1d(const Conv1dArgs& a) {
  Tensor y = Tensor::empty({a.B, a.out_len, a.O});
  const float* x = a.x->data<float>();
  const float* bias = a.bias->defined() ? a.bias->data<float>() : nullptr;
  const int64_t og = a.O / a.groups, Cin = a.C * a.groups;
  for (int64_t b = 0; b < a.B; ++b)
    for (int64_t t = 0; t < a.out_len; ++t)
      for (int64_t o = 0; o < a.O; ++o) {
        const int64_t g = o / og;
        double acc = bias ? bias[o] : 0.0;
        for (int64_t c = 0; c < a.C; ++c)
          for (int64_t k = 0; k < a.K; ++k) {
            const int64_t src = t * a.stride + k * a.dilation - a.padding;
            if (src < 0 || src >= a.L) continue;
            acc += static_cast<double>(x[(b * a.L + src) * Cin + g * a.C + c]) *
                   detail::load(a.weight->data_ptr(), a.weight->dtype(), (o * a.C + c) * a.K + k);
          }
        y.data<float>()[(b * a.out_len + t) * a.O + o] = static_cast<float>(acc);
      }
  return y;
}

Tensor conv2d(const Conv2dArgs& a) {
  Tensor y = Tensor::empty({a.B, a.O, a.OH, a.OW});
  const float* x = a.x->data<float>();
  const float* w = a.weight->data<float>();
  const float* bias = a.bias->defined() ? a.bias->data<float>() : nullptr;
  const int64_t og = a.O / a.groups, Cin = a.C * a.groups;
  float* out = y.data<float>();
  for (int64_t b = 0; b < a.B; ++b)
    for (int64_t o = 0; o < a.O; ++o) {
      const int64_t g = o / og;
      for (int64_t oy = 0; oy < a.OH; ++oy)
        for (int64_t ox = 0; ox < a.OW; ++ox) {
          double acc = bias ? bias[o] : 0.0;
          for (int64_t c = 0; c < a.C; ++c)
            for (int64_t i = 0; i < a.kh; ++i) {
              const int64_t yy = oy * a.sh + i * a.dh - a.ph;
              if (yy < 0 || yy >= a.H) continue;
              for (int64_t j = 0; j < a.kw; ++j) {
                const int64_t xx = ox * a.sw + j * a.dw - a.pw;
                if (xx >= 0 && xx < a.W)
                  acc += static_cast<double>(x[((b * Cin + g * a.C + c) * a.H + yy) * a.W + xx]) * w[((o * a.C + c) * a.kh + i) * a.kw + j];
              }
            }
          out[((b * a.O + o) * a.OH + oy) * a.OW + ox] = static_cast<float>(acc);
        }
    }
  return y;
}

}  // namespace transformers::ops::kernels::reference
