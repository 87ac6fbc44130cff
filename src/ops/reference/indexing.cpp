// Reference kernels of the indexing, routing and elementwise helpers models used to improvise
// (MoE routing, pooling by position, gpt-oss's SwiGLU): plain loops, the oracle for cpu/indexing.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::reference {

void clamp(const float* x, float* y, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::isnan(x[i]) ? x[i] : std::min(std::max(x[i], lo), hi);
}

void topk(const float* x, float* values, int64_t* indices, int64_t rows, int64_t n, int64_t k, bool largest) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * n;
    std::iota(idx.begin(), idx.end(), int64_t{0});
    // NaN counts as the largest value, as in torch.
    auto before = [&](int64_t a, int64_t b) {
      const float va = p[a], vb = p[b];
      if (std::isnan(va) || std::isnan(vb)) return largest ? std::isnan(va) && !std::isnan(vb) : !std::isnan(va) && std::isnan(vb);
      return largest ? va > vb : va < vb;
    };
    std::stable_sort(idx.begin(), idx.end(), before);
    for (int64_t j = 0; j < k; ++j) {
      indices[r * k + j] = idx[static_cast<size_t>(j)];
      values[r * k + j] = p[idx[static_cast<size_t>(j)]];
    }
  }
}

void gather_rows(const void* x, const int64_t* index, void* y, int64_t m, int64_t row_bytes) {
  const auto* src = static_cast<const char*>(x);
  auto* dst = static_cast<char*>(y);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < row_bytes; ++c) dst[i * row_bytes + c] = src[index[i] * row_bytes + c];
}

void copy(const Tensor& dst, const Tensor& src) {
  const int64_t nd = dst.dim(), es = static_cast<int64_t>(dtype_size(dst.dtype()));
  auto* d = static_cast<char*>(dst.data_ptr());
  const auto* s = static_cast<const char*>(src.data_ptr());
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  for (int64_t n = 0; n < dst.numel(); ++n) {
    int64_t od = 0, os = 0;
    for (int64_t k = 0; k < nd; ++k) od += idx[k] * dst.strides()[k], os += idx[k] * src.strides()[k];
    std::memcpy(d + od * es, s + os * es, static_cast<size_t>(es));
    for (int64_t k = nd - 1; k >= 0; --k) {
      if (++idx[k] < dst.shape()[k]) break;
      idx[k] = 0;
    }
  }
}

void index_add(float* out, const int64_t* index, const float* src, const float* alpha, int64_t m, int64_t H) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t h = 0; h < H; ++h) out[index[i] * H + h] += alpha ? src[i * H + h] * alpha[i] : src[i * H + h];
}

void pixel_shuffle(const float* x, float* y, int64_t B, int64_t C, int64_t H, int64_t W, int64_t r) {
  // y[b, c, h * r + i, w * r + j] = x[b, (c * r + i) * r + j, h, w]
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w)
              y[((b * C + c) * H * r + h * r + i) * W * r + w * r + j] = x[((b * C * r * r + (c * r + i) * r + j) * H + h) * W + w];
}

void arange(int64_t* y, int64_t n, int64_t start, int64_t step) {
  for (int64_t i = 0; i < n; ++i) y[i] = start + i * step;
}

void rotary(float* x, const int64_t* pos, const float* inv, int64_t BS, int64_t H, int64_t D, int64_t half, float scaling) {
  for (int64_t bs = 0; bs < BS; ++bs)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const float f = static_cast<float>(pos[bs]) * inv[i];
        const float c = std::cos(f) * scaling, s = std::sin(f) * scaling;
        float* r = x + (bs * H + h) * D;
        const float a = r[i], b = r[i + half];
        r[i] = a * c - b * s;
        r[i + half] = b * c + a * s;
      }
}

void compare(const int64_t* x, int64_t* y, int64_t n, int64_t value, bool equal) {
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] == value) == equal ? 1 : 0;
}

void cumsum(const int64_t* x, int64_t* y, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t acc = 0;
      for (int64_t k = 0; k < n; ++k) {
        acc += x[(o * n + k) * inner + i];
        y[(o * n + k) * inner + i] = acc;
      }
    }
}

void gather_last_token(const float* x, const int64_t* ids, float* y, int64_t B, int64_t S, int64_t H, int64_t token, bool match) {
  for (int64_t b = 0; b < B; ++b) {
    int64_t last = 0;
    for (int64_t s = 0; s < S; ++s)
      if ((ids[b * S + s] == token) == match) last = s;
    for (int64_t h = 0; h < H; ++h) y[b * H + h] = x[(b * S + last) * H + h];
  }
}

void swiglu_clamped(const float* gu, float* y, int64_t rows, int64_t I, float alpha, float limit) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < I; ++i) {
      const double g = std::min(gu[(r * I + i) * 2], limit);
      const double u = std::clamp(gu[(r * I + i) * 2 + 1], -limit, limit);
      y[r * I + i] = static_cast<float>((u + 1.0) * (g / (1.0 + std::exp(-g * alpha))));
    }
}

void where(const float* cond, const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = cond[i] != 0.0f ? a[i] : b[i];
}

void concat(const std::vector<const void*>& parts, const std::vector<int64_t>& widths, void* y, int64_t outer) {
  const int64_t total = std::accumulate(widths.begin(), widths.end(), int64_t{0});
  auto* dst = static_cast<char*>(y);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t col = 0;
    for (size_t p = 0; p < parts.size(); ++p) {
      const auto* src = static_cast<const char*>(parts[p]) + o * widths[p];
      for (int64_t c = 0; c < widths[p]; ++c) dst[o * total + col + c] = src[c];
      col += widths[p];
    }
  }
}

}  // namespace transformers::ops::kernels::reference
