#pragma once
// Source taps of torch's interpolate along one axis, shared by the reference and CPU kernels
// (they are the op's definition; the kernels differ only in how they loop).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace transformers::ops::kernels {

// Bicubic (A = -0.75, align_corners = False): first source index and the four weights.
struct CubicTaps {
  std::vector<int64_t> first;
  std::vector<std::array<float, 4>> w;
};
inline CubicTaps cubic_taps(int64_t in, int64_t out) {
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

// Bilinear: left source index, its right neighbour and the right weight (torch's
// area_pixel_compute_source_index: negative positions clamp to 0).
struct LinearTaps {
  std::vector<int64_t> i0, i1;
  std::vector<float> w1;
};
inline LinearTaps linear_taps(int64_t in, int64_t out, bool align_corners) {
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

inline int64_t clamp_index(int64_t v, int64_t n) { return std::min(std::max<int64_t>(v, 0), n - 1); }

}  // namespace transformers::ops::kernels
