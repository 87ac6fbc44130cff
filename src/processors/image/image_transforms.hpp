#pragma once
// The transforms Python's image processors compose (image_transforms.py and the two backends):
// output-size rules, resampling, center crop, rescale + normalize into a float CHW tensor.
#include <array>
#include <optional>

#include "transformers/image_processing.hpp"
#include "transformers/tensor.hpp"

namespace transformers::image {

// SizeDict: which keys are set decides the resize rule.
struct SizeDict {
  std::optional<int64_t> height, width, shortest_edge, longest_edge, max_height, max_width;
  bool has_hw() const { return height && width; }
};

// get_resize_output_image_size(default_to_square=False): shortest edge to `size`, the other edge
// scaled and truncated, then capped by max_size.
std::pair<int64_t, int64_t> shortest_edge_size(int64_t h, int64_t w, int64_t size, std::optional<int64_t> max_size = std::nullopt);
// The (height, width) a SizeDict asks for, as the torchvision backend's resize computes it.
std::pair<int64_t, int64_t> output_size(const Image& im, const SizeDict& s, const std::string& owner);

// Crops the centre (crop_top = (h - ch) / 2), zero-padding first when the crop is larger (each
// backend pads its own way).
Image center_crop(const Image& im, int64_t height, int64_t width, const std::string& backend);

// Writes (x * rescale - mean) / std of each pixel as CHW float32 at `out`; mean / std ignored when
// !do_normalize, rescale when !do_rescale. `rescale_offset` (EfficientNet) rescales to x * rescale - 1.
void to_chw_float(const Image& im, bool do_rescale, double rescale_factor, bool do_normalize, const std::array<double, 3>& mean,
                  const std::array<double, 3>& std, const std::string& backend, float* out, bool rescale_offset = false);

}  // namespace transformers::image
