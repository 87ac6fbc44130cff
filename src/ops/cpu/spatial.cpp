// Fast CPU kernels of the spatial ops: convolutions unfold their input (im2col) and run one GEMM,
// depthwise convolutions and resampling loop directly; OpenMP over images and channels.
#include <algorithm>
#include <cstring>
#include <limits>

#include "ops/kernels.hpp"
#include "ops/resample_taps.hpp"

namespace transformers::ops::kernels::cpu {

void pad2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  const int64_t OH = H + top + bottom, OW = W + left + right;
  std::memset(y, 0, static_cast<size_t>(N * OH * OW) * sizeof(float));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < H; ++i) std::memcpy(y + (n * OH + i + top) * OW + left, x + (n * H + i) * W, static_cast<size_t>(W) * sizeof(float));
}

void max_pool2d(const float* in, float* out, int64_t N, int64_t H, int64_t W, int64_t kernel, int64_t stride, int64_t padding) {
  const int64_t OH = (H + 2 * padding - kernel) / stride + 1, OW = (W + 2 * padding - kernel) / stride + 1;
#pragma omp parallel for if (N * OH * OW > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float* src = in + n * H * W;
    float* dst = out + n * OH * OW;
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
}

void adaptive_avg_pool2d(const float* in, float* out, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW) {
#pragma omp parallel for if (N * H * W > 65536)
  for (int64_t n = 0; n < N; ++n) {
    const float* src = in + n * H * W;
    for (int64_t oy = 0; oy < OH; ++oy) {
      const int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
      for (int64_t ox = 0; ox < OW; ++ox) {
        const int64_t x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
        float acc = 0.0f;
        for (int64_t i = y0; i < y1; ++i)
          for (int64_t j = x0; j < x1; ++j) acc += src[i * W + j];
        out[(n * OH + oy) * OW + ox] = acc / static_cast<float>((y1 - y0) * (x1 - x0));
      }
    }
  }
}

void channel_affine(const float* in, const float* scale, const float* shift, float* out, int64_t B, int64_t C, int64_t inner) {
#pragma omp parallel for collapse(2) if (B * C * inner > 65536)
  for (int64_t bb = 0; bb < B; ++bb)
    for (int64_t c = 0; c < C; ++c) {
      const float s = scale[c], t = shift[c];
      const float* src = in + (bb * C + c) * inner;
      float* dst = out + (bb * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * s + t;
    }
}

void resample(const float* in, float* out, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW, bool bicubic, bool align_corners) {
  if (bicubic) {
    const CubicTaps ty = cubic_taps(H, OH), tx = cubic_taps(W, OW);
#pragma omp parallel for if (N * OH * OW > 65536)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          float rows[4];
          const auto& w = tx.w[static_cast<size_t>(ox)];
          const int64_t x0 = tx.first[static_cast<size_t>(ox)];
          for (int64_t i = 0; i < 4; ++i) {
            const float* src = in + (n * H + clamp_index(ty.first[static_cast<size_t>(oy)] + i, H)) * W;
            rows[i] = src[clamp_index(x0, W)] * w[0] + src[clamp_index(x0 + 1, W)] * w[1] + src[clamp_index(x0 + 2, W)] * w[2] +
                      src[clamp_index(x0 + 3, W)] * w[3];
          }
          const auto& v = ty.w[static_cast<size_t>(oy)];
          out[(n * OH + oy) * OW + ox] = rows[0] * v[0] + rows[1] * v[1] + rows[2] * v[2] + rows[3] * v[3];
        }
    return;
  }
  const LinearTaps ty = linear_taps(H, OH, align_corners), tx = linear_taps(W, OW, align_corners);
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
}

Tensor conv1d(const Conv1dArgs& a) {
  const int64_t B = a.B, L = a.L, C = a.C, K = a.K, out_len = a.out_len, Cin = C * a.groups, cout_g = a.O / a.groups;
  const int64_t stride = a.stride, dilation = a.dilation, padding = a.padding;
  // Weights as [O, K, C]: a patch row is then K runs of C contiguous input channels.
  const Tensor w = a.weight->permute({0, 2, 1}).contiguous();
  std::vector<Tensor> outs;
  for (int64_t g = 0; g < a.groups; ++g) {
    // cols[b, t, k * C + c] = x[b, t * stride + k * dilation - padding, g * C + c] (0 outside)
    Tensor cols = Tensor::empty({B, out_len, K * C});
    const float* in = a.x->data<float>();
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
    outs.push_back(linear(cols, wg, a.bias->defined() ? a.bias->slice(0, g * cout_g, (g + 1) * cout_g).contiguous() : Tensor()));
  }
  return a.groups == 1 ? outs[0] : ops::concat(outs, 2);
}

namespace {

// Each channel convolved with its own kernel (groups == channels == outputs).
Tensor depthwise_conv2d(const Conv2dArgs& a) {
  const int64_t B = a.B, C = a.O, H = a.H, W = a.W, kh = a.kh, kw = a.kw, sh = a.sh, sw = a.sw, ph = a.ph, pw = a.pw, OH = a.OH, OW = a.OW;
  const int64_t dh = a.dh, dw = a.dw;
  Tensor y = Tensor::empty({B, C, OH, OW});
  const float* in = a.x->data<float>();
  const float* wp = a.weight->data<float>();
  const float* bp = a.bias->defined() ? a.bias->data<float>() : nullptr;
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
            const int64_t yy = oy * sh + i * dh - ph;
            if (yy < 0 || yy >= H) continue;
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t xx = ox * sw + j * dw - pw;
              if (xx >= 0 && xx < W) acc += src[yy * W + xx] * k[i * kw + j];
            }
          }
          dst[oy * OW + ox] = acc;
        }
    }
  return y;
}

// One group: y[O, P] = W[O, K] x cols[K, P] per image with cols[(c * kh + i) * kw + j, oy * OW + ox]
// = x[c, oy * sh + i * dh - ph, ox * sw + j * dw - pw] (0 outside), which is the image itself for a 1x1
// stride-1 convolution; the product comes out channels-first with no transpose.
Tensor dense_conv2d(const Conv2dArgs& a) {
  const int64_t B = a.B, C = a.C, H = a.H, W = a.W, O = a.O, kh = a.kh, kw = a.kw, sh = a.sh, sw = a.sw, ph = a.ph, pw = a.pw;
  const int64_t dh = a.dh, dw = a.dw, OH = a.OH, OW = a.OW, K = C * kh * kw, P = OH * OW;
  const Tensor wf = a.weight->view({O, K});
  const bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  Tensor y = Tensor::empty({B, O, OH, OW});
  Tensor cols = pointwise ? Tensor() : Tensor::empty({K, P});
  for (int64_t b = 0; b < B; ++b) {
    const float* in = a.x->data<float>() + b * C * H * W;
    if (!pointwise) {
      float* o = cols.data<float>();
#pragma omp parallel for if (K * P > 65536)
      for (int64_t r = 0; r < K; ++r) {
        const int64_t c = r / (kh * kw), i = (r / kw) % kh, j = r % kw;
        float* row = o + r * P;
        for (int64_t oy = 0; oy < OH; ++oy) {
          const int64_t yy = oy * sh + i * dh - ph;
          float* dst = row + oy * OW;
          if (yy < 0 || yy >= H) {
            std::memset(dst, 0, static_cast<size_t>(OW) * sizeof(float));
            continue;
          }
          const float* src = in + (c * H + yy) * W;
          for (int64_t ox = 0; ox < OW; ++ox) {
            const int64_t xx = ox * sw + j * dw - pw;
            dst[ox] = xx >= 0 && xx < W ? src[xx] : 0.0f;
          }
        }
      }
    }
    const Tensor yb = matmul(wf, pointwise ? a.x->slice(0, b, b + 1).view({C, H * W}) : cols);
    float* dst = y.data<float>() + b * O * P;
    const float* src = yb.data<float>();
    const float* bp = a.bias->defined() ? a.bias->data<float>() : nullptr;
#pragma omp parallel for if (O * P > 65536)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t p = 0; p < P; ++p) dst[oc * P + p] = src[oc * P + p] + (bp ? bp[oc] : 0.0f);
  }
  return y;
}

}  // namespace

Tensor conv2d(const Conv2dArgs& a) {
  if (a.groups == 1) return dense_conv2d(a);
  if (a.C == 1 && a.O == a.groups) return depthwise_conv2d(a);
  // General groups: one dense convolution per group.
  std::vector<Tensor> outs;
  const int64_t og = a.O / a.groups;
  for (int64_t g = 0; g < a.groups; ++g) {
    const Tensor xg = a.x->slice(1, g * a.C, (g + 1) * a.C).contiguous(), wg = a.weight->slice(0, g * og, (g + 1) * og).contiguous();
    const Tensor bg = a.bias->defined() ? a.bias->slice(0, g * og, (g + 1) * og).contiguous() : Tensor();
    Conv2dArgs ga = a;
    ga.C = a.C, ga.O = og, ga.groups = 1, ga.x = &xg, ga.weight = &wg, ga.bias = &bg;
    outs.push_back(dense_conv2d(ga));
  }
  return ops::concat(outs, 1);
}

}  // namespace transformers::ops::kernels::cpu
