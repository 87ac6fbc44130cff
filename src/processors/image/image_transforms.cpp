// Output-size rules, center crop and rescale + normalize, per image_transforms.py and the two
// backends of image_processing_backends.py.
#include "processors/image/image_transforms.hpp"

#include <cmath>
#include <cstring>

#include "transformers/errors.hpp"

namespace transformers::image {

std::pair<int64_t, int64_t> shortest_edge_size(int64_t h, int64_t w, int64_t size, std::optional<int64_t> max_size) {
  const int64_t short_e = std::min(h, w), long_e = std::max(h, w);
  int64_t new_short = size, new_long = static_cast<int64_t>(static_cast<double>(size) * static_cast<double>(long_e) / static_cast<double>(short_e));
  if (max_size) {
    if (*max_size <= size)
      throw ValueError("max_size = " + std::to_string(*max_size) + " must be strictly greater than the requested size for the smaller edge size = " +
                       std::to_string(size));
    if (new_long > *max_size) {
      new_short = static_cast<int64_t>(static_cast<double>(*max_size) * static_cast<double>(new_short) / static_cast<double>(new_long));
      new_long = *max_size;
    }
  }
  return w <= h ? std::pair{new_long, new_short} : std::pair{new_short, new_long};
}

namespace {

// get_size_with_aspect_ratio: shortest edge to `size` unless the longest would pass `max_size`.
std::pair<int64_t, int64_t> size_with_aspect_ratio(int64_t h, int64_t w, int64_t size, int64_t max_size) {
  const double mn = static_cast<double>(std::min(h, w)), mx = static_cast<double>(std::max(h, w));
  std::optional<double> raw;
  if (mx / mn * static_cast<double>(size) > static_cast<double>(max_size)) {
    raw = static_cast<double>(max_size) * mn / mx;
    size = static_cast<int64_t>(std::nearbyint(*raw));  // Python's round(): half to even
  }
  if ((h <= w && h == size) || (w <= h && w == size)) return {h, w};
  const double s = raw ? *raw : static_cast<double>(size);
  if (w < h) return {static_cast<int64_t>(s * static_cast<double>(h) / static_cast<double>(w)), size};
  return {size, static_cast<int64_t>(s * static_cast<double>(w) / static_cast<double>(h))};
}

}  // namespace

std::pair<int64_t, int64_t> output_size(const Image& im, const SizeDict& s, const std::string& owner) {
  if (s.shortest_edge && s.longest_edge) return size_with_aspect_ratio(im.height, im.width, *s.shortest_edge, *s.longest_edge);
  if (s.shortest_edge) return shortest_edge_size(im.height, im.width, *s.shortest_edge);
  if (s.max_height && s.max_width) {
    const double scale = std::min(static_cast<double>(*s.max_height) / static_cast<double>(im.height),
                                  static_cast<double>(*s.max_width) / static_cast<double>(im.width));
    return {static_cast<int64_t>(static_cast<double>(im.height) * scale), static_cast<int64_t>(static_cast<double>(im.width) * scale)};
  }
  if (s.has_hw()) return {*s.height, *s.width};
  throw ValueError(owner + ": size must contain 'height' and 'width' keys, or 'max_height' and 'max_width', or 'shortest_edge' key");
}

Image center_crop(const Image& im, int64_t ch, int64_t cw, const std::string& backend) {
  if (ch <= 0 || cw <= 0) throw ValueError("center_crop: crop size must be positive");
  const int64_t C = im.channels;
  const Image* src = &im;
  Image padded;
  if (ch > im.height || cw > im.width) {
    // Zero padding: torchvision puts the odd pixel after the image, numpy's center_crop before it.
    const bool torch = backend == "torchvision";
    auto before = [&](int64_t want, int64_t have) -> int64_t {
      if (want <= have) return 0;
      return torch ? (want - have) / 2 : (want - have + 1) / 2;
    };
    const int64_t top = before(ch, im.height), left = before(cw, im.width);
    padded.channels = C, padded.height = std::max(ch, im.height), padded.width = std::max(cw, im.width);
    padded.pixels.assign(static_cast<size_t>(padded.height * padded.width * C), 0);
    for (int64_t y = 0; y < im.height; ++y)
      std::memcpy(&padded.pixels[static_cast<size_t>(((y + top) * padded.width + left) * C)], &im.pixels[static_cast<size_t>(y * im.width * C)],
                  static_cast<size_t>(im.width * C));
    src = &padded;
  }
  const int64_t top = (src->height - ch) / 2, left = (src->width - cw) / 2;
  Image out;
  out.channels = C, out.height = ch, out.width = cw;
  out.pixels.resize(static_cast<size_t>(ch * cw * C));
  for (int64_t y = 0; y < ch; ++y)
    std::memcpy(&out.pixels[static_cast<size_t>(y * cw * C)], &src->pixels[static_cast<size_t>(((y + top) * src->width + left) * C)],
                static_cast<size_t>(cw * C));
  return out;
}

void to_chw_float(const Image& im, bool do_rescale, double rescale_factor, bool do_normalize, const std::array<double, 3>& mean,
                  const std::array<double, 3>& std, const std::string& backend, float* out, bool rescale_offset) {
  if (im.channels != 3) throw ValueError("image processors expect RGB images (3 channels), got " + std::to_string(im.channels));
  const int64_t HW = im.height * im.width;
  const uint8_t* px = im.pixels.data();
  for (int64_t c = 0; c < 3; ++c) {
    float* o = out + c * HW;
    const auto m = static_cast<float>(mean[static_cast<size_t>(c)]), s = static_cast<float>(std[static_cast<size_t>(c)]);
    if (do_rescale && rescale_offset) {
      // Not fused: x * factor (float32 for torchvision, float64 then float32 for numpy), minus 1.
      const auto f = static_cast<float>(rescale_factor);
      for (int64_t i = 0; i < HW; ++i) {
        const uint8_t v = px[i * 3 + c];
        const float r = (backend == "torchvision" ? static_cast<float>(v) * f : static_cast<float>(v * rescale_factor)) - 1.0f;
        o[i] = do_normalize ? (r - m) / s : r;
      }
    } else if (backend == "torchvision") {
      // Python fuses rescale into normalize: (x - mean / factor) / (std / factor), in float32.
      const float inv = static_cast<float>(1.0 / rescale_factor);
      const float fm = do_rescale ? m * inv : m, fs = do_rescale ? s * inv : s;
      const auto f = static_cast<float>(rescale_factor);
      for (int64_t i = 0; i < HW; ++i) {
        const auto x = static_cast<float>(px[i * 3 + c]);
        o[i] = do_normalize ? (x - fm) / fs : do_rescale ? x * f : x;
      }
    } else {
      // numpy: float64 rescale cast to float32, then float32 (x - mean) / std.
      for (int64_t i = 0; i < HW; ++i) {
        const double x = px[i * 3 + c];
        const float r = do_rescale ? static_cast<float>(x * rescale_factor) : static_cast<float>(x);
        o[i] = do_normalize ? (r - m) / s : r;
      }
    }
  }
}

}  // namespace transformers::image
