// Separable antialiased resampling of 8-bit images, to the pixel as Pillow's ImagingResample and
// torch's uint8 antialiased interpolate compute it. Both derive the same float64 filter weights per
// output pixel (support widened by the downscale factor, normalized to sum 1) and run a horizontal
// pass to an 8-bit intermediate, then a vertical pass; they differ only in the fixed-point weights:
// Pillow scales by 2^22 into int32, torch by the largest power of two keeping the largest weight in
// int16. Nearest is Pillow's affine scan / torch's nearest-exact index rule.
#include <algorithm>
#include <cmath>
#include <functional>

#include "transformers/errors.hpp"
#include "transformers/image_processing.hpp"

namespace transformers {

namespace {

double filter_value(Resample r, double x) {
  if (r == Resample::Box) return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
  x = std::fabs(x);
  switch (r) {
    case Resample::Bilinear: return x < 1.0 ? 1.0 - x : 0.0;
    case Resample::Hamming: {
      if (x == 0.0) return 1.0;
      if (x >= 1.0) return 0.0;
      const double px = x * M_PI;
      return std::sin(px) / px * (0.54 + 0.46 * std::cos(px));
    }
    case Resample::Bicubic: {
      constexpr double a = -0.5;
      if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
      if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
      return 0.0;
    }
    case Resample::Lanczos: {
      if (x >= 3.0) return 0.0;
      auto sinc = [](double v) { return v == 0.0 ? 1.0 : std::sin(v * M_PI) / (v * M_PI); };
      return sinc(x) * sinc(x / 3.0);
    }
    default: return 0.0;
  }
}

double filter_support(Resample r) {
  switch (r) {
    case Resample::Box: return 0.5;
    case Resample::Bilinear:
    case Resample::Hamming: return 1.0;
    case Resample::Bicubic: return 2.0;
    case Resample::Lanczos: return 3.0;
    default: return 0.0;
  }
}

struct Coefficients {
  std::vector<int64_t> start, count;
  std::vector<int32_t> weight;  // ksize per output pixel
  int64_t ksize = 0;
  int precision = 0;
};

Coefficients coefficients(int64_t in, int64_t out, Resample r, bool torch_int16) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double filterscale = std::max(scale, 1.0);
  const double support = filter_support(r) * filterscale;
  Coefficients c;
  c.ksize = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  c.start.resize(static_cast<size_t>(out));
  c.count.resize(static_cast<size_t>(out));
  std::vector<double> w(static_cast<size_t>(out * c.ksize), 0.0);
  double wmax = 0.0;
  for (int64_t xx = 0; xx < out; ++xx) {
    const double center = (static_cast<double>(xx) + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int64_t xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t xmax = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in) - xmin;
    double* k = &w[static_cast<size_t>(xx * c.ksize)];
    double total = 0.0;
    for (int64_t x = 0; x < xmax; ++x) total += k[x] = filter_value(r, (static_cast<double>(x + xmin) - center + 0.5) * ss);
    for (int64_t x = 0; x < xmax; ++x) {
      if (total != 0.0) k[x] /= total;
      wmax = std::max(wmax, k[x]);
    }
    c.start[static_cast<size_t>(xx)] = xmin;
    c.count[static_cast<size_t>(xx)] = xmax;
  }
  if (torch_int16) {
    for (c.precision = 0; c.precision < 22; ++c.precision)
      if (static_cast<int>(0.5 + wmax * (1 << (c.precision + 1))) >= (1 << 15)) break;
  } else {
    c.precision = 22;  // Pillow's PRECISION_BITS for 8-bit images
  }
  c.weight.resize(w.size());
  const double one = static_cast<double>(1 << c.precision);
  for (size_t i = 0; i < w.size(); ++i) {
    const double v = w[i] * one;
    c.weight[i] = static_cast<int32_t>(v < 0 ? -0.5 + v : 0.5 + v);
  }
  return c;
}

// Both libraries accumulate in int32: 255 times the weights' absolute sum stays below 2^31 at
// 22 bits of precision.
inline uint8_t clip8(int32_t acc, int precision) {
  const int32_t v = acc >> precision;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Output row of the vertical pass: one tap at a time over whole input rows, contiguous, so the
// compiler vectorizes it (with the widest ISA the CPU has).
__attribute__((target_clones("avx512f", "avx2", "default"))) void vertical_row(const uint8_t* base, int64_t rowlen, const int32_t* k, int64_t n,
                                                                                int32_t half, int prec, int32_t* a, uint8_t* o) {
  for (int64_t i = 0; i < rowlen; ++i) a[i] = half;
  for (int64_t y = 0; y < n; ++y) {
    const uint8_t* line = base + y * rowlen;
    const int32_t w = k[y];
    for (int64_t i = 0; i < rowlen; ++i) a[i] += line[i] * w;
  }
  for (int64_t i = 0; i < rowlen; ++i) o[i] = clip8(a[i], prec);
}

constexpr int64_t kStrip = 8;

// `rows` (<= kStrip) RGB rows of `width` pixels into [x][kStrip][3] int32, missing rows as zeros.
void interleave_rows(const uint8_t* src, int64_t width, int64_t rows, int32_t* strip) {
  for (int64_t x = 0; x < width; ++x)
    for (int64_t r = 0; r < kStrip; ++r)
      for (int64_t c = 0; c < 3; ++c) strip[(x * kStrip + r) * 3 + c] = r < rows ? src[(r * width + x) * 3 + c] : 0;
}

// The horizontal pass over an interleaved strip: per output column, the taps' 24-wide columns
// weighed and summed, then written back to the rows' RGB pixels.
__attribute__((target_clones("avx512f", "avx2", "default"))) void horizontal_strip(const int32_t* strip, const int32_t* weight, const int64_t* start,
                                                                                    const int64_t* count, int64_t ksize, int64_t out_size, int32_t half,
                                                                                    int prec, int64_t rows, uint8_t* dst) {
  constexpr int64_t L = kStrip * 3;
  for (int64_t xx = 0; xx < out_size; ++xx) {
    int32_t acc[L];
    for (int64_t l = 0; l < L; ++l) acc[l] = half;
    const int32_t* k = weight + xx * ksize;
    const int32_t* col = strip + start[xx] * L;
    for (int64_t j = 0; j < count[xx]; ++j)
      for (int64_t l = 0; l < L; ++l) acc[l] += col[j * L + l] * k[j];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < 3; ++c) dst[(r * out_size + xx) * 3 + c] = clip8(acc[r * 3 + c], prec);
  }
}

// One pass along width (horizontal) or height.
Image resample_pass(const Image& in, int64_t out_size, Resample r, bool torch_int16, bool horizontal) {
  const int64_t C = in.channels;
  const Coefficients c = coefficients(horizontal ? in.width : in.height, out_size, r, torch_int16);
  Image out;
  out.channels = C;
  out.height = horizontal ? in.height : out_size;
  out.width = horizontal ? out_size : in.width;
  out.pixels.resize(static_cast<size_t>(out.height * out.width * C));
  const uint8_t* src = in.pixels.data();
  uint8_t* dst = out.pixels.data();
  const int32_t half = int32_t{1} << (c.precision - 1);
  const int prec = c.precision;
  if (horizontal && C == 3) {
    // Eight rows at a time, their pixels interleaved ([x][row][channel], int32) so each tap is one
    // contiguous 24-wide multiply-add for all eight rows.
    const int64_t strips = (out.height + kStrip - 1) / kStrip;
#pragma omp parallel if (out.height * out.width > 65536)
    {
      std::vector<int32_t> strip(static_cast<size_t>(in.width * kStrip * 3));
#pragma omp for
      for (int64_t sidx = 0; sidx < strips; ++sidx) {
        const int64_t y0 = sidx * kStrip, rows = std::min(kStrip, out.height - y0);
        interleave_rows(src + y0 * in.width * 3, in.width, rows, strip.data());
        horizontal_strip(strip.data(), c.weight.data(), c.start.data(), c.count.data(), c.ksize, out_size, half, prec, rows,
                         dst + y0 * out_size * 3);
      }
    }
  } else if (horizontal) {
#pragma omp parallel for if (out.height * out.width > 65536)
    for (int64_t y = 0; y < out.height; ++y)
      for (int64_t xx = 0; xx < out_size; ++xx) {
        const int32_t* k = &c.weight[static_cast<size_t>(xx * c.ksize)];
        const uint8_t* row = src + (y * in.width + c.start[static_cast<size_t>(xx)]) * C;
        const int64_t n = c.count[static_cast<size_t>(xx)];
        uint8_t* o = dst + (y * out_size + xx) * C;
        for (int64_t ch = 0; ch < C; ++ch) {
          int32_t acc = half;
          for (int64_t x = 0; x < n; ++x) acc += row[x * C + ch] * k[x];
          o[ch] = clip8(acc, prec);
        }
      }
  } else {
    const int64_t rowlen = in.width * C;
#pragma omp parallel if (out.height * out.width > 65536)
    {
      std::vector<int32_t> acc(static_cast<size_t>(rowlen));
#pragma omp for
      for (int64_t yy = 0; yy < out_size; ++yy)
        vertical_row(src + c.start[static_cast<size_t>(yy)] * rowlen, rowlen, &c.weight[static_cast<size_t>(yy * c.ksize)],
                     c.count[static_cast<size_t>(yy)], half, prec, acc.data(), dst + yy * rowlen);
    }
  }
  return out;
}

// Source index of each output pixel for nearest-neighbour resampling.
std::vector<int64_t> nearest_index(int64_t in, int64_t out, bool torch_rule) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  if (torch_rule) {
    // nearest-exact: floorf((dst + 0.5) * scale) with scale computed in float.
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int64_t i = 0; i < out; ++i)
      idx[static_cast<size_t>(i)] = std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>((i + 0.5) * scale))), in - 1);
  } else {
    // Pillow's affine scan: the sample position advances by the scale from the first pixel centre.
    const double a = static_cast<double>(in) / static_cast<double>(out);
    double pos = a * 0.5;
    for (int64_t i = 0; i < out; ++i, pos += a)
      idx[static_cast<size_t>(i)] = std::clamp<int64_t>(pos < 0 ? -1 : static_cast<int64_t>(pos), 0, in - 1);
  }
  return idx;
}

}  // namespace

Image resize_image(const Image& image, int64_t height, int64_t width, Resample resample, const std::string& backend) {
  if (backend != "torchvision" && backend != "pil") throw ValueError("image backend must be 'torchvision' or 'pil', got '" + backend + "'");
  if (height <= 0 || width <= 0) throw ValueError("resize: the output size must be positive, got " + std::to_string(height) + "x" + std::to_string(width));
  if (image.height <= 0 || image.width <= 0 || image.channels <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.height * image.width * image.channels))
    throw ValueError("resize: the image has no pixels or a pixel buffer that does not match its size");
  const bool torch = backend == "torchvision";
  if (torch && (resample == Resample::Box || resample == Resample::Hamming))
    throw ValueError("resize: torchvision has no BOX or HAMMING resampling for tensors; use the 'pil' backend");
  if (height == image.height && width == image.width) return image;
  if (resample == Resample::Nearest) {
    const auto ys = nearest_index(image.height, height, torch), xs = nearest_index(image.width, width, torch);
    Image out;
    out.channels = image.channels, out.height = height, out.width = width;
    out.pixels.resize(static_cast<size_t>(height * width * image.channels));
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x)
        for (int64_t c = 0; c < image.channels; ++c)
          out.pixels[static_cast<size_t>((y * width + x) * image.channels + c)] = image.at(ys[static_cast<size_t>(y)], xs[static_cast<size_t>(x)], c);
    return out;
  }
  Image h = width != image.width ? resample_pass(image, width, resample, torch, true) : image;
  return height != image.height ? resample_pass(h, height, resample, torch, false) : h;
}

}  // namespace transformers
