#include <cmath>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

Tensor apply_rotary(const Tensor& x0, float theta, const std::vector<int64_t>& positions) {
  if (x0.dim() != 4) throw ShapeMismatch("apply_rotary: expected [batch, heads, seq, head_dim], got " + shape_str(x0.shape()));
  Tensor x = x0.to(DType::F32).contiguous();
  const int64_t B = x.size(0), H = x.size(1), S = x.size(2), D = x.size(3);
  if (D % 2) throw ShapeMismatch("apply_rotary: head_dim must be even");
  if (!positions.empty() && static_cast<int64_t>(positions.size()) != S) throw ShapeMismatch("apply_rotary: positions must have seq entries");
  const int64_t half = D / 2;
  // float32 throughout, as HF computes inv_freq, freqs, cos and sin.
  std::vector<float> cosv(static_cast<size_t>(S * half)), sinv(static_cast<size_t>(S * half));
  for (int64_t i = 0; i < half; ++i) {
    const float inv = 1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(D));
    for (int64_t s = 0; s < S; ++s) {
      const float f = static_cast<float>(positions.empty() ? s : positions[static_cast<size_t>(s)]) * inv;
      cosv[s * half + i] = std::cos(f);
      sinv[s * half + i] = std::sin(f);
    }
  }
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
#pragma omp parallel for collapse(2) if (B * H * S * D > 32768)
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t s = 0; s < S; ++s) {
      const float* r = px + (bh * S + s) * D;
      float* o = py + (bh * S + s) * D;
      for (int64_t i = 0; i < half; ++i) {
        const float c = cosv[s * half + i], sn = sinv[s * half + i];
        o[i] = r[i] * c - r[i + half] * sn;
        o[i + half] = r[i + half] * c + r[i] * sn;
      }
    }
  return y;
}

}  // namespace transformers::nn
