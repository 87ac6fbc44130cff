#pragma once
// Images in, pixel_values out: image decoding as transformers.image_utils.load_image does it, and
// AutoImageProcessor with the image processors named as in Python transformers v5. Both of Python's
// backends are reproduced: "torchvision" (v5's default: torch's uint8 antialiased resampling) and
// "pil" (Pillow's resampling), each to the pixel.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/feature_extraction.hpp"
#include "transformers/hub.hpp"

namespace transformers {

// 8-bit pixels, rows of `width` pixels of `channels` interleaved samples (RGB: 3).
struct TRANSFORMERS_API Image {
  int64_t height = 0, width = 0, channels = 3;
  std::vector<uint8_t> pixels;
  uint8_t at(int64_t y, int64_t x, int64_t c) const { return pixels[static_cast<size_t>((y * width + x) * channels + c)]; }
};

// JPEG, PNG, WebP, BMP or GIF (first frame) from a file or from bytes, EXIF-orientation applied and
// converted to RGB, as Python's load_image (PIL.Image.open, exif_transpose, convert("RGB")).
// OSError when the file cannot be read, ValueError when the bytes are not an image we decode.
TRANSFORMERS_API Image load_image(const std::string& path);
TRANSFORMERS_API Image decode_image(const uint8_t* data, size_t size, const std::string& what = "image");

// Writes 1- or 3-channel 8-bit pixels as a PNG; OSError when the file cannot be written.
TRANSFORMERS_API void save_png(const Image& image, const std::string& path);

// PILImageResampling's numbering.
enum class Resample { Nearest = 0, Lanczos = 1, Bilinear = 2, Bicubic = 3, Box = 4, Hamming = 5 };

struct TRANSFORMERS_API ImageProcessorOptions {
  // "torchvision" (Python v5's default when torchvision is installed) or "pil".
  std::string backend = "torchvision";
};

struct TRANSFORMERS_API ImageProcessorCallOptions {
  std::optional<bool> do_resize, do_center_crop, do_rescale, do_normalize;
  std::optional<Resample> resample;
};

class TRANSFORMERS_API ImageProcessor {
 public:
  virtual ~ImageProcessor() = default;
  // pixel_values [batch, 3, height, width] float32 (plus pixel_mask where the processor pads).
  virtual BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o = {}) const = 0;
  virtual std::string class_name() const = 0;  // "ViTImageProcessor", "CLIPImageProcessor", ...
  const std::string& backend() const { return backend_; }

 protected:
  std::string backend_ = "torchvision";
};

class TRANSFORMERS_API AutoImageProcessor {
 public:
  // preprocessor_config.json's image_processor_type (or legacy feature_extractor_type), else the
  // class config.json's model_type maps to.
  static std::unique_ptr<ImageProcessor> from_pretrained(const std::string& name_or_path, const HubOptions& o = {},
                                                         const ImageProcessorOptions& p = {});
  static std::unique_ptr<ImageProcessor> from_json_string(const std::string& json, const ImageProcessorOptions& p = {},
                                                          const std::string& source = "preprocessor_config.json");
};

class PreTrainedTokenizer;
struct TokenizerCallOptions;

// AutoProcessor for image-text models (CLIPProcessor, SiglipProcessor, LlavaProcessor): the
// folder's image processor and tokenizer. LLaVA's processor expands each image placeholder of the
// text ("<image>") to as many tokens as the vision tower yields per image.
class TRANSFORMERS_API ImageTextProcessor {
 public:
  static std::unique_ptr<ImageTextProcessor> from_pretrained(const std::string& name_or_path, const HubOptions& o = {},
                                                             const ImageProcessorOptions& p = {});
  // input_ids, attention_mask (padding "longest" when several texts and none asked) and pixel_values.
  BatchFeature operator()(const std::vector<std::string>& texts, const std::vector<Image>& images, const TokenizerCallOptions* o = nullptr) const;
  // The text with every image placeholder expanded (LlavaProcessor); unchanged otherwise.
  std::string expand_image_tokens(const std::string& text) const;
  const ImageProcessor& image_processor() const { return *image_processor_; }
  const PreTrainedTokenizer& tokenizer() const { return *tokenizer_; }
  const std::string& class_name() const { return class_name_; }  // "LlavaProcessor", "CLIPProcessor", ...
  ~ImageTextProcessor();

 private:
  ImageTextProcessor() = default;
  std::unique_ptr<ImageProcessor> image_processor_;
  std::unique_ptr<PreTrainedTokenizer> tokenizer_;
  std::string class_name_, image_token_ = "<image>";
  int64_t image_tokens_ = 0;  // per image; 0: no expansion
};

// Image resampling alone, to (height, width): backend "pil" is Pillow's Image.resize, "torchvision"
// torchvision's resize of a uint8 tensor with antialias=True (NEAREST maps to NEAREST_EXACT, as in
// Python's pil_torch_interpolation_mapping).
TRANSFORMERS_API Image resize_image(const Image& image, int64_t height, int64_t width, Resample resample, const std::string& backend = "torchvision");

}  // namespace transformers
