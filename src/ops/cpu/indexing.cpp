// Fast CPU kernels of the indexing, routing and elementwise helpers: OpenMP over rows, float math.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

void clamp(const float* x, float* y, int64_t n, float lo, float hi) {
#pragma omp parallel for if (n > 32768)
  for (int64_t i = 0; i < n; ++i) y[i] = std::isnan(x[i]) ? x[i] : std::min(std::max(x[i], lo), hi);
}

void topk(const float* x, float* values, int64_t* indices, int64_t rows, int64_t n, int64_t k, bool largest) {
#pragma omp parallel for if (rows * n > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * n;
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), int64_t{0});
    // Keys map NaN above every number (largest) or below (smallest) like torch; ties keep index order.
    auto key = [&](int64_t i) {
      const float v = p[i];
      if (std::isnan(v)) return largest ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
      return largest ? v : -v;
    };
    auto before = [&](int64_t a, int64_t b) {
      const float ka = key(a), kb = key(b);
      if (ka != kb) return ka > kb;
      // Equal keys: NaN sorts above an infinity (first when largest, last when smallest).
      const bool na = std::isnan(p[a]), nb = std::isnan(p[b]);
      if (na != nb) return largest ? na : nb;
      return a < b;
    };
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), before);
    for (int64_t j = 0; j < k; ++j) {
      indices[r * k + j] = idx[static_cast<size_t>(j)];
      values[r * k + j] = p[idx[static_cast<size_t>(j)]];
    }
  }
}

void gather_rows(const void* x, const int64_t* index, void* y, int64_t m, int64_t row_bytes) {
  const auto* src = static_cast<const char*>(x);
  auto* dst = static_cast<char*>(y);
#pragma omp parallel for if (m * row_bytes > 131072)
  for (int64_t i = 0; i < m; ++i) std::memcpy(dst + i * row_bytes, src + index[i] * row_bytes, static_cast<size_t>(row_bytes));
}

void copy(const Tensor& dst, const Tensor& src) {
  // Row-wise memcpy when both innermost dims are unit-stride (cache writes, buffer columns);
  // anything else takes the reference loop.
  const int64_t nd = dst.dim();
  auto unit = [](const Tensor& t) { return t.shape().back() == 1 || t.strides().back() == 1; };
  if (nd == 0 || !unit(dst) || !unit(src)) return reference::copy(dst, src);
  const int64_t cols = dst.shape().back(), rows = dst.numel() / cols, es = static_cast<int64_t>(dtype_size(dst.dtype()));
  auto* d = static_cast<char*>(dst.data_ptr());
  const auto* s = static_cast<const char*>(src.data_ptr());
#pragma omp parallel for if (rows * cols > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, od = 0, os = 0;
    for (int64_t k = nd - 2; k >= 0; --k) {
      const int64_t i = rem % dst.shape()[k];
      rem /= dst.shape()[k];
      od += i * dst.strides()[k], os += i * src.strides()[k];
    }
    std::memcpy(d + od * es, s + os * es, static_cast<size_t>(cols * es));
  }
}

void index_add(float* out, const int64_t* index, const float* src, const float* alpha, int64_t m, int64_t H) {
  // Rows may repeat an index: parallel over the hidden dim, rows in order, so sums keep torch's order.
#pragma omp parallel for if (m * H > 32768)
  for (int64_t h0 = 0; h0 < H; h0 += 256) {
    const int64_t h1 = std::min(H, h0 + 256);
    for (int64_t i = 0; i < m; ++i) {
      float* o = out + index[i] * H;
      const float* s = src + i * H;
      if (alpha) {
        const float a = alpha[i];
        for (int64_t h = h0; h < h1; ++h) o[h] += s[h] * a;
      } else {
        for (int64_t h = h0; h < h1; ++h) o[h] += s[h];
      }
    }
  }
}

void pixel_shuffle(const float* x, float* y, int64_t B, int64_t C, int64_t H, int64_t W, int64_t r) {
  // One output row (b, c, h * r + i) at a time: its W * r values interleave r input rows.
#pragma omp parallel for collapse(2) if (B * C * H * W * r * r > 65536)
  for (int64_t bc = 0; bc < B * C; ++bc)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < r; ++i) {
        float* dst = y + (bc * H * r + h * r + i) * W * r;
        for (int64_t j = 0; j < r; ++j) {
          const float* src = x + ((bc * r + i) * r + j) * H * W + h * W;
          for (int64_t w = 0; w < W; ++w) dst[w * r + j] = src[w];
        }
      }
}

void arange(int64_t* y, int64_t n, int64_t start, int64_t step) {
  for (int64_t i = 0; i < n; ++i) y[i] = start + i * step;
}

void rotary(float* x, const int64_t* pos, const float* inv, int64_t BS, int64_t H, int64_t D, int64_t half, float scaling) {
#pragma omp parallel if (BS * H * D > 32768)
  {
    std::vector<float> c(static_cast<size_t>(half)), s(static_cast<size_t>(half));  // per thread, per position
#pragma omp for
    for (int64_t bs = 0; bs < BS; ++bs) {
      const float p = static_cast<float>(pos[bs]);
      for (int64_t i = 0; i < half; ++i) {
        const float f = p * inv[i];
        c[static_cast<size_t>(i)] = std::cos(f) * scaling;
        s[static_cast<size_t>(i)] = std::sin(f) * scaling;
      }
      for (int64_t h = 0; h < H; ++h) {
        float* r = x + (bs * H + h) * D;
        for (int64_t i = 0; i < half; ++i) {
          const float a = r[i], b = r[i + half];
          r[i] = a * c[static_cast<size_t>(i)] - b * s[static_cast<size_t>(i)];
          r[i + half] = b * c[static_cast<size_t>(i)] + a * s[static_cast<size_t>(i)];
        }
      }
    }
  }
}

void compare(const int64_t* x, int64_t* y, int64_t n, int64_t value, bool equal) {
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] == value) == equal ? 1 : 0;
}

void cumsum(const int64_t* x, int64_t* y, int64_t outer, int64_t n, int64_t inner) {
#pragma omp parallel for if (outer * n * inner > 65536)
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t* xs = x + o * n * inner;
    int64_t* ys = y + o * n * inner;
    std::memcpy(ys, xs, static_cast<size_t>(inner) * sizeof(int64_t));
    for (int64_t k = 1; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i) ys[k * inner + i] = ys[(k - 1) * inner + i] + xs[k * inner + i];
  }
}

void gather_last_token(const float* x, const int64_t* ids, float* y, int64_t B, int64_t S, int64_t H, int64_t token, bool match) {
  for (int64_t b = 0; b < B; ++b) {
    int64_t last = 0;
    for (int64_t s = S - 1; s >= 0; --s)
      if ((ids[b * S + s] == token) == match) {
        last = s;
        break;
      }
    std::memcpy(y + b * H, x + (b * S + last) * H, static_cast<size_t>(H) * sizeof(float));
  }
}

void swiglu_clamped(const float* gu, float* y, int64_t rows, int64_t I, float alpha, float limit) {
#pragma omp parallel for if (rows * I > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = gu + r * 2 * I;
    float* q = y + r * I;
    for (int64_t i = 0; i < I; ++i) {
      const float g = std::min(p[2 * i], limit);
      const float u = std::clamp(p[2 * i + 1], -limit, limit);
      q[i] = (u + 1.0f) * (g / (1.0f + std::exp(-g * alpha)));
    }
  }
}

void where(const float* cond, const float* a, const float* b, float* y, int64_t n) {
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = cond[i] != 0.0f ? a[i] : b[i];
}

void concat(const std::vector<const void*>& parts, const std::vector<int64_t>& widths, void* y, int64_t outer) {
  const int64_t total = std::accumulate(widths.begin(), widths.end(), int64_t{0});
  auto* dst = static_cast<char*>(y);
  int64_t col = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const auto* src = static_cast<const char*>(parts[p]);
    const int64_t n = widths[p];
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * total + col, src + o * n, static_cast<size_t>(n));
    col += n;
  }
}

}  // namespace transformers::ops::kernels::cpu
