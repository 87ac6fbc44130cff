// BaseImageProcessor's resize -> center crop -> rescale -> normalize chain with each class's
// defaults (transformers v5 image_processing_<model>.py), and AutoImageProcessor's resolution.
#include <algorithm>
#include <cmath>

#include "io/json.hpp"
#include "processors/image/image_transforms.hpp"
#include "transformers/config.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {

using image::SizeDict;

constexpr const char* kImagenetStandard = R"("image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5])";
constexpr const char* kImagenetDefault = R"("image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225])";
constexpr const char* kOpenAiClip =
    R"("image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711])";

struct ClassSpec {
  const char* name;
  const char* mean_std;
  const char* defaults;  // the class attributes, as preprocessor_config.json keys
};

// Each supported processor class and its defaults; keys present in preprocessor_config.json win.
const ClassSpec kClasses[] = {
    {"ViTImageProcessor", kImagenetStandard, R"("resample": 2, "size": {"height": 224, "width": 224}, "do_resize": true)"},
    {"DeiTImageProcessor", kImagenetStandard,
     R"("resample": 3, "size": {"height": 256, "width": 256}, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true)"},
    {"BeitImageProcessor", kImagenetStandard,
     R"("resample": 3, "size": {"height": 224, "width": 224}, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": false)"},
    {"BitImageProcessor", kOpenAiClip,
     R"("resample": 3, "size": {"shortest_edge": 224}, "default_to_square": false, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true)"},
    {"CLIPImageProcessor", kOpenAiClip,
     R"("resample": 3, "size": {"shortest_edge": 224}, "default_to_square": false, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true)"},
    {"SiglipImageProcessor", kImagenetStandard, R"("resample": 3, "size": {"height": 224, "width": 224}, "default_to_square": false, "do_resize": true)"},
    {"ConvNextImageProcessor", kImagenetStandard,
     R"("resample": 3, "size": {"shortest_edge": 384}, "default_to_square": false, "do_resize": true, "crop_pct": 0.875)"},
    {"SegformerImageProcessor", kImagenetDefault, R"("resample": 2, "size": {"height": 512, "width": 512}, "do_resize": true)"},
    {"DPTImageProcessor", kImagenetStandard,
     R"("resample": 3, "size": {"height": 384, "width": 384}, "do_resize": true, "do_pad": false, "ensure_multiple_of": 1, "keep_aspect_ratio": false)"},
    {"EfficientNetImageProcessor", kImagenetStandard,
     R"("resample": 3, "size": {"height": 346, "width": 346}, "crop_size": {"height": 289, "width": 289}, "do_resize": true, "do_center_crop": false, "rescale_offset": false, "include_top": true)"},
    {"Qwen2VLImageProcessor", kOpenAiClip,
     R"("resample": 3, "size": {"shortest_edge": 3136, "longest_edge": 1003520}, "do_resize": true, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2)"},
    {"DetrImageProcessor", kImagenetDefault,
     R"("resample": 2, "size": {"shortest_edge": 800, "longest_edge": 1333}, "default_to_square": false, "do_resize": true, "do_pad": true)"},
    {"LlavaImageProcessor", kOpenAiClip,
     R"("resample": 3, "size": {"shortest_edge": 224}, "default_to_square": false, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true)"},
    {"LlavaNextImageProcessor", kOpenAiClip,
     R"("resample": 3, "size": {"shortest_edge": 224}, "default_to_square": false, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true,
        "image_grid_pinpoints": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]])"},
    {"MobileNetV2ImageProcessor", kImagenetStandard,
     R"("resample": 2, "size": {"shortest_edge": 256}, "default_to_square": false, "crop_size": {"height": 224, "width": 224}, "do_resize": true, "do_center_crop": true)"},
};

// model_type -> processor class, for folders whose preprocessor_config.json names none.
const std::pair<const char*, const char*> kModelTypes[] = {
    {"vit", "ViTImageProcessor"},       {"deit", "DeiTImageProcessor"},       {"beit", "BeitImageProcessor"},
    {"dinov2", "BitImageProcessor"},    {"bit", "BitImageProcessor"},         {"clip", "CLIPImageProcessor"},
    {"siglip", "SiglipImageProcessor"}, {"convnext", "ConvNextImageProcessor"}, {"convnextv2", "ConvNextImageProcessor"},
    {"resnet", "ConvNextImageProcessor"}, {"segformer", "SegformerImageProcessor"}, {"mobilenet_v2", "MobileNetV2ImageProcessor"},
    {"swin", "ViTImageProcessor"},         {"dpt", "DPTImageProcessor"},          {"depth_anything", "DPTImageProcessor"},
    {"detr", "DetrImageProcessor"},       {"qwen2_vl", "Qwen2VLImageProcessor"}, {"qwen2_5_vl", "Qwen2VLImageProcessor"}, {"efficientnet", "EfficientNetImageProcessor"},
    {"llava", "LlavaImageProcessor"},
};

int64_t positive(const Json& v, const std::string& what) {
  if (!v.is_number_integer() || v.get<int64_t>() <= 0) throw ConfigError("preprocessor_config.json: " + what + " must be a positive integer, got " + v.dump());
  return v.get<int64_t>();
}

SizeDict size_dict(const Json& v, bool default_to_square, const std::optional<int64_t>& max_size, const std::string& key) {
  SizeDict s;
  if (v.is_number_integer()) {
    const int64_t n = positive(v, key);
    if (default_to_square) s.height = s.width = n;
    else s.shortest_edge = n, s.longest_edge = max_size;
    return s;
  }
  if (!v.is_object()) throw ConfigError("preprocessor_config.json: " + key + " must be an integer or an object, got " + v.dump());
  for (const auto& [k, x] : v.items()) {
    if (x.is_null()) continue;
    const int64_t n = positive(x, key + "." + k);
    if (k == "height") s.height = n;
    else if (k == "width") s.width = n;
    else if (k == "shortest_edge") s.shortest_edge = n;
    else if (k == "longest_edge") s.longest_edge = n;
    else if (k == "max_height") s.max_height = n;
    else if (k == "max_width") s.max_width = n;
    else throw ConfigError("preprocessor_config.json: unknown key '" + k + "' in " + key);
  }
  return s;
}

std::array<double, 3> triple(const Json& v, const std::string& key) {
  std::array<double, 3> out{};
  if (v.is_number()) {
    out.fill(json_number<ConfigError>(v, "preprocessor_config.json: " + key));
    return out;
  }
  if (!v.is_array() || v.size() != 3) throw ConfigError("preprocessor_config.json: " + key + " must be a number or 3 numbers, got " + v.dump());
  for (size_t i = 0; i < 3; ++i) {
    if (!v[i].is_number()) throw ConfigError("preprocessor_config.json: " + key + " must hold numbers, got " + v.dump());
    out[i] = json_number<ConfigError>(v[i], "preprocessor_config.json: " + key);
  }
  return out;
}

class BaseImageProcessor : public ImageProcessor {
 public:
  BaseImageProcessor(const ClassSpec& spec, const Json& user, const std::string& backend) : name_(spec.name) {
    backend_ = backend;
    Json c = parse_json(std::string("{") + spec.mean_std + ", " + spec.defaults + "}", name_);
    for (const auto& [k, v] : user.items())
      if (!v.is_null()) c[k] = v;
    auto flag = [&](const char* k, bool def) {
      const auto it = c.find(k);
      if (it == c.end()) return def;
      if (!it->is_boolean()) throw ConfigError(std::string("preprocessor_config.json: ") + k + " must be true or false, got " + it->dump());
      return it->get<bool>();
    };
    do_resize_ = flag("do_resize", false), do_center_crop_ = flag("do_center_crop", false);
    do_rescale_ = flag("do_rescale", true), do_normalize_ = flag("do_normalize", true);
    const bool square = flag("default_to_square", true);
    std::optional<int64_t> max_size;
    if (c.contains("max_size")) max_size = positive(c["max_size"], "max_size");
    if (c.contains("size")) size_ = size_dict(c["size"], square, max_size, "size");
    if (c.contains("crop_size")) crop_ = size_dict(c["crop_size"], true, std::nullopt, "crop_size");
    if (do_center_crop_ && !crop_.has_hw()) throw ConfigError(name_ + ": do_center_crop needs crop_size with height and width");
    const int r = json_value<ConfigError>(c, "resample", 2, "preprocessor_config.json");
    if (r < 0 || r > 5) throw ConfigError(name_ + ": resample must be a PIL resampling filter 0..5, got " + std::to_string(r));
    resample_ = static_cast<Resample>(r);
    const auto rf = c.find("rescale_factor");
    rescale_factor_ = rf == c.end() ? 1.0 / 255.0 : json_number<ConfigError>(*rf, "preprocessor_config.json: rescale_factor");
    mean_ = triple(c["image_mean"], "image_mean"), std_ = triple(c["image_std"], "image_std");
    for (double s : std_)
      if (s == 0.0) throw ConfigError(name_ + ": image_std must not be zero");
    crop_pct_ = json_value<ConfigError>(c, "crop_pct", 0.0, "preprocessor_config.json");
    keep_aspect_ratio_ = flag("keep_aspect_ratio", false);
    rescale_offset_ = flag("rescale_offset", false), include_top_ = flag("include_top", false);
    ensure_multiple_of_ = json_value<ConfigError>(c, "ensure_multiple_of", int64_t{1}, "preprocessor_config.json");
    if (ensure_multiple_of_ <= 0) throw ConfigError(name_ + ": ensure_multiple_of must be positive");
    if (flag("do_pad", false)) throw ConfigError(name_ + ": do_pad (size_divisor padding) is not supported");
    if (name_ == "ConvNextImageProcessor" && (!size_.shortest_edge || !(crop_pct_ > 0)))
      throw ConfigError("ConvNextImageProcessor: size must have 'shortest_edge' and crop_pct must be positive");
  }

  std::string class_name() const override { return name_; }

  BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o) const override {
    if (images.empty()) throw ValueError(name_ + ": no images given");
    const bool resize = o.do_resize.value_or(do_resize_), crop = o.do_center_crop.value_or(do_center_crop_);
    const Resample resample = o.resample.value_or(resample_);
    std::vector<Image> done;
    done.reserve(images.size());
    for (const Image& im : images) {
      check(im);
      Image x = resize ? this->resize(im, resample) : im;
      if (crop) x = image::center_crop(x, *crop_.height, *crop_.width, backend_);
      done.push_back(std::move(x));
    }
    const int64_t H = done[0].height, W = done[0].width, B = static_cast<int64_t>(done.size());
    for (const Image& x : done)
      if (x.height != H || x.width != W)
        throw ValueError(name_ + ": the processed images differ in size (" + std::to_string(H) + "x" + std::to_string(W) + " vs " +
                         std::to_string(x.height) + "x" + std::to_string(x.width) + ") and cannot form one batch");
    Tensor pv = Tensor::empty({B, 3, H, W});
    float* out = pv.data<float>();
    for (int64_t b = 0; b < B; ++b)
      image::to_chw_float(done[static_cast<size_t>(b)], o.do_rescale.value_or(do_rescale_), rescale_factor_, o.do_normalize.value_or(do_normalize_),
                          mean_, std_, backend_, out + b * 3 * H * W, rescale_offset_);
    if (include_top_)  // EfficientNet normalizes once more by the std alone
      for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < 3; ++c) {
          const auto s = static_cast<float>(std_[static_cast<size_t>(c)]);
          float* p = out + (b * 3 + c) * H * W;
          for (int64_t i = 0; i < H * W; ++i) p[i] = p[i] / s;
        }
    return {{"pixel_values", pv}};
  }

 protected:
  void check(const Image& im) const {
    if (im.height <= 0 || im.width <= 0 || im.channels <= 0 || im.pixels.size() != static_cast<size_t>(im.height * im.width * im.channels))
      throw ValueError(name_ + ": an image has no pixels or a pixel buffer that does not match its size");
  }
  Image resize(const Image& im, Resample r) const {
    if (name_ == "ConvNextImageProcessor") {
      // crop_pct: below 384 the shortest edge goes to size / crop_pct, then the centre is cropped.
      const int64_t se = *size_.shortest_edge;
      if (se >= 384) return resize_image(im, se, se, r, backend_);
      const auto [h, w] = image::shortest_edge_size(im.height, im.width, static_cast<int64_t>(static_cast<double>(se) / crop_pct_));
      return image::center_crop(resize_image(im, h, w, r, backend_), se, se, backend_);
    }
    if (name_ == "DPTImageProcessor") {
      // Scale as little as possible (keep_aspect_ratio), then each side to a multiple (Python's round: half to even).
      if (!size_.has_hw()) throw ValueError(name_ + ": size must have 'height' and 'width'");
      double sh = static_cast<double>(*size_.height) / static_cast<double>(im.height), sw = static_cast<double>(*size_.width) / static_cast<double>(im.width);
      if (keep_aspect_ratio_) {
        if (std::fabs(1 - sw) < std::fabs(1 - sh)) sh = sw;
        else sw = sh;
      }
      const auto m = static_cast<double>(ensure_multiple_of_);
      auto constrain = [&](double v) { return static_cast<int64_t>(std::nearbyint(v / m) * m); };
      return resize_image(im, constrain(sh * static_cast<double>(im.height)), constrain(sw * static_cast<double>(im.width)), r, backend_);
    }
    const auto [h, w] = image::output_size(im, size_, name_);
    return resize_image(im, h, w, r, backend_);
  }

  std::string name_;
  bool do_resize_, do_center_crop_, do_rescale_, do_normalize_;
  SizeDict size_, crop_;
  Resample resample_ = Resample::Bilinear;
  double rescale_factor_ = 1.0 / 255.0, crop_pct_ = 0.0;
  bool keep_aspect_ratio_ = false, rescale_offset_ = false, include_top_ = false;
  int64_t ensure_multiple_of_ = 1;
  std::array<double, 3> mean_{}, std_{};
};

// Qwen2-VL: each image resized to a multiple of patch_size * merge_size with its pixel count kept
// within [min_pixels, max_pixels] (smart_resize), then cut into patches, flattened merge window by
// merge window and repeated over temporal_patch_size frames; image_grid_thw gives each grid.
class Qwen2VLImageProcessor : public BaseImageProcessor {
 public:
  Qwen2VLImageProcessor(const ClassSpec& spec, Json user, const std::string& backend) : BaseImageProcessor(spec, legacy_pixels(user), backend) {
    const Json c = user;
    patch_ = json_value<ConfigError>(c, "patch_size", int64_t{14}, "preprocessor_config.json");
    temporal_ = json_value<ConfigError>(c, "temporal_patch_size", int64_t{2}, "preprocessor_config.json");
    merge_ = json_value<ConfigError>(c, "merge_size", int64_t{2}, "preprocessor_config.json");
    if (patch_ <= 0 || temporal_ <= 0 || merge_ <= 0) throw ConfigError(name_ + ": patch_size, temporal_patch_size and merge_size must be positive");
    if (!size_.shortest_edge || !size_.longest_edge) throw ConfigError(name_ + ": size must have 'shortest_edge' (min_pixels) and 'longest_edge' (max_pixels)");
  }

  BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o) const override {
    if (images.empty()) throw ValueError(name_ + ": no images given");
    const Resample r = o.resample.value_or(resample_);
    std::vector<std::vector<float>> rows;
    std::vector<int64_t> grids;
    const int64_t P = patch_, T = temporal_, M = merge_, F = 3 * T * P * P;
    for (const Image& im : images) {
      check(im);
      Image x = im;
      if (o.do_resize.value_or(do_resize_)) {
        const auto [h, w] = smart_resize(im.height, im.width);
        x = resize_image(im, h, w, r, backend_);
      }
      if (x.height % (P * M) || x.width % (P * M))
        throw ValueError(name_ + ": the image (" + std::to_string(x.height) + "x" + std::to_string(x.width) + ") is not a multiple of patch_size * merge_size");
      std::vector<float> chw(static_cast<size_t>(3 * x.height * x.width));
      image::to_chw_float(x, o.do_rescale.value_or(do_rescale_), rescale_factor_, o.do_normalize.value_or(do_normalize_), mean_, std_, backend_, chw.data());
      const int64_t gh = x.height / P, gw = x.width / P, W = x.width, HW = x.height * x.width;
      // Patch order: merge blocks row-major, within a block its M x M patches; features (c, t, py, px).
      for (int64_t bh = 0; bh < gh / M; ++bh)
        for (int64_t bw = 0; bw < gw / M; ++bw)
          for (int64_t mh = 0; mh < M; ++mh)
            for (int64_t mw = 0; mw < M; ++mw) {
              std::vector<float> f(static_cast<size_t>(F));
              const int64_t y0 = (bh * M + mh) * P, x0 = (bw * M + mw) * P;
              for (int64_t c = 0; c < 3; ++c)
                for (int64_t t = 0; t < T; ++t)
                  for (int64_t py = 0; py < P; ++py)
                    for (int64_t px = 0; px < P; ++px)
                      f[static_cast<size_t>(((c * T + t) * P + py) * P + px)] = chw[static_cast<size_t>(c * HW + (y0 + py) * W + x0 + px)];
              rows.push_back(std::move(f));
            }
      grids.insert(grids.end(), {1, gh, gw});
    }
    Tensor pv = Tensor::empty({static_cast<int64_t>(rows.size()), F});
    for (size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), pv.data<float>() + static_cast<int64_t>(i) * F);
    return {{"pixel_values", pv}, {"image_grid_thw", Tensor::from_ints(grids, {static_cast<int64_t>(images.size()), 3})}};
  }

 private:
  // min_pixels / max_pixels (older configs) override size's shortest / longest edge.
  static Json legacy_pixels(Json c) {
    Json size = c.contains("size") && c["size"].is_object() ? c["size"] : Json::object();
    if (c.contains("min_pixels") && !c["min_pixels"].is_null()) size["shortest_edge"] = c["min_pixels"];
    if (c.contains("max_pixels") && !c["max_pixels"].is_null()) size["longest_edge"] = c["max_pixels"];
    if (!size.empty()) c["size"] = size;
    return c;
  }
  std::pair<int64_t, int64_t> smart_resize(int64_t height, int64_t width) const {
    const double factor = static_cast<double>(patch_ * merge_), h = static_cast<double>(height), w = static_cast<double>(width);
    if (std::max(h, w) / std::min(h, w) > 200)
      throw ValueError(name_ + ": absolute aspect ratio must be smaller than 200, got " + std::to_string(std::max(h, w) / std::min(h, w)));
    double hb = std::nearbyint(h / factor) * factor, wb = std::nearbyint(w / factor) * factor;
    const auto min_pixels = static_cast<double>(*size_.shortest_edge), max_pixels = static_cast<double>(*size_.longest_edge);
    if (hb * wb > max_pixels) {
      const double beta = std::sqrt(h * w / max_pixels);
      hb = std::max(factor, std::floor(h / beta / factor) * factor);
      wb = std::max(factor, std::floor(w / beta / factor) * factor);
    } else if (hb * wb < min_pixels) {
      const double beta = std::sqrt(min_pixels / (h * w));
      hb = std::ceil(h * beta / factor) * factor;
      wb = std::ceil(w * beta / factor) * factor;
    }
    return {static_cast<int64_t>(hb), static_cast<int64_t>(wb)};
  }
  int64_t patch_ = 14, temporal_ = 2, merge_ = 2;
};

// DETR: each image resized keeping its aspect ratio within shortest_edge / longest_edge, rescaled
// and normalized, then zero-padded at the bottom and right to the batch's largest (or pad_size),
// with pixel_mask marking the real pixels.
class DetrImageProcessor : public BaseImageProcessor {
 public:
  DetrImageProcessor(const ClassSpec& spec, const Json& user, const std::string& backend)
      : BaseImageProcessor(spec, for_base(user), backend) {
    Json c = user;
    if (c.contains("pad_and_return_pixel_mask") && !c.contains("do_pad")) c["do_pad"] = c["pad_and_return_pixel_mask"];
    do_pad_ = !c.contains("do_pad") || c["do_pad"].is_null() || c["do_pad"].get<bool>();
    if (c.contains("pad_size") && !c["pad_size"].is_null()) pad_size_ = size_dict(c["pad_size"], true, std::nullopt, "pad_size");
    if (!pad_size_.has_hw() && c.contains("pad_size") && !c["pad_size"].is_null()) throw ConfigError(name_ + ": pad_size must have 'height' and 'width'");
    if (!size_.has_hw() && !(size_.shortest_edge && size_.longest_edge) && !(size_.max_height && size_.max_width))
      throw ConfigError(name_ + ": size must have 'height' and 'width', 'shortest_edge' and 'longest_edge', or 'max_height' and 'max_width'");
  }

  BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o) const override {
    if (images.empty()) throw ValueError(name_ + ": no images given");
    const Resample r = o.resample.value_or(resample_);
    std::vector<std::vector<float>> chw;
    std::vector<std::pair<int64_t, int64_t>> sizes;
    for (const Image& im : images) {
      check(im);
      const auto resized = [&] {
        const auto [h, w] = target(im);
        return resize_image(im, h, w, r, backend_);
      };
      const Image x = o.do_resize.value_or(do_resize_) ? resized() : im;
      chw.emplace_back(static_cast<size_t>(3 * x.height * x.width));
      image::to_chw_float(x, o.do_rescale.value_or(do_rescale_), rescale_factor_, o.do_normalize.value_or(do_normalize_), mean_, std_, backend_,
                          chw.back().data());
      sizes.emplace_back(x.height, x.width);
    }
    int64_t H = 0, W = 0;
    for (const auto& [h, w] : sizes) H = std::max(H, h), W = std::max(W, w);
    if (do_pad_ && pad_size_.has_hw()) {
      if (*pad_size_.height < H || *pad_size_.width < W)
        throw ValueError(name_ + ": Padding dimensions are negative: pad_size " + std::to_string(*pad_size_.height) + "x" + std::to_string(*pad_size_.width) +
                         " is smaller than an image (" + std::to_string(H) + "x" + std::to_string(W) + ")");
      H = *pad_size_.height, W = *pad_size_.width;
    }
    if (!do_pad_)
      for (const auto& [h, w] : sizes)
        if (h != H || w != W) throw ValueError(name_ + ": without do_pad the processed images must share one size to form a batch");
    const int64_t B = static_cast<int64_t>(images.size());
    Tensor pv = Tensor::zeros({B, 3, H, W}), mask = Tensor::zeros({B, H, W}, DType::I64);
    float* out = pv.data<float>();
    int64_t* m = mask.data<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      const auto [h, w] = sizes[static_cast<size_t>(b)];
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t y = 0; y < h; ++y)
          std::copy_n(chw[static_cast<size_t>(b)].data() + (c * h + y) * w, w, out + ((b * 3 + c) * H + y) * W);
      for (int64_t y = 0; y < h; ++y) std::fill_n(m + (b * H + y) * W, w, int64_t{1});
    }
    if (!do_pad_) return {{"pixel_values", pv}};
    return {{"pixel_values", pv}, {"pixel_mask", mask}};
  }

 private:
  // The base chain pads nothing (do_pad / pad_size, and the legacy pad_and_return_pixel_mask, are
  // read here); an integer size is a shortest edge capped by max_size (1333 when absent), as v4
  // configs say.
  static Json for_base(Json c) {
    c["do_pad"] = false;
    if (c.contains("size") && c["size"].is_number_integer() && (!c.contains("max_size") || c["max_size"].is_null())) c["max_size"] = 1333;
    return c;
  }
  // get_size_with_aspect_ratio / get_image_size_for_max_height_width / an exact size.
  std::pair<int64_t, int64_t> target(const Image& im) const {
    const int64_t h = im.height, w = im.width;
    if (size_.shortest_edge && size_.longest_edge) {
      auto size = static_cast<double>(*size_.shortest_edge);
      const double mx = static_cast<double>(*size_.longest_edge), lo = static_cast<double>(std::min(h, w)), hi = static_cast<double>(std::max(h, w));
      std::optional<double> raw;
      if (hi / lo * size > mx) raw = mx * lo / hi, size = std::nearbyint(*raw);
      const auto s = static_cast<int64_t>(size);
      if ((h <= w && h == s) || (w <= h && w == s)) return {h, w};
      const double scaled = raw ? *raw : size;
      if (w < h) return {static_cast<int64_t>(scaled * static_cast<double>(h) / static_cast<double>(w)), s};
      return {s, static_cast<int64_t>(scaled * static_cast<double>(w) / static_cast<double>(h))};
    }
    if (size_.max_height && size_.max_width) {
      const double f = std::min(static_cast<double>(*size_.max_height) / static_cast<double>(h), static_cast<double>(*size_.max_width) / static_cast<double>(w));
      return {static_cast<int64_t>(static_cast<double>(h) * f), static_cast<int64_t>(static_cast<double>(w) * f)};
    }
    return {*size_.height, *size_.width};
  }
  bool do_pad_ = true;
  image::SizeDict pad_size_;
};

// LLaVA: CLIP's chain, after (with do_pad) padding each image to a square around its centre with the
// background colour int(image_mean * 255) per channel (image_processing_llava.py's pad_to_square;
// the pil backend pads the same way).
class LlavaImageProcessor : public BaseImageProcessor {
 public:
  LlavaImageProcessor(const ClassSpec& spec, const Json& user, const std::string& backend)
      : BaseImageProcessor(spec, without_pad(user), backend) {
    const auto it = user.find("do_pad");
    if (it != user.end() && !it->is_null()) {
      if (!it->is_boolean()) throw ConfigError(name_ + ": do_pad must be true or false, got " + it->dump());
      do_pad_ = it->get<bool>();
    }
    for (size_t c = 0; c < 3; ++c) background_[c] = static_cast<uint8_t>(std::clamp(static_cast<int64_t>(mean_[c] * 255), int64_t{0}, int64_t{255}));
  }

  BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o) const override {
    if (!do_pad_) return BaseImageProcessor::operator()(images, o);
    std::vector<Image> square;
    square.reserve(images.size());
    for (const Image& im : images) {
      check(im);
      square.push_back(pad_to_square(im));
    }
    return BaseImageProcessor::operator()(square, o);
  }

 private:
  static Json without_pad(Json c) {
    c.erase("do_pad");
    return c;
  }
  Image pad_to_square(const Image& im) const {
    if (im.height == im.width) return im;
    if (im.channels != 3) throw ValueError(name_ + ": background_color must have no more than " + std::to_string(im.channels) + " elements to match the number of channels");
    const int64_t n = std::max(im.height, im.width), top = (n - im.height) / 2, left = (n - im.width) / 2;
    Image out;
    out.height = out.width = n, out.channels = 3;
    out.pixels.resize(static_cast<size_t>(n * n * 3));
    for (int64_t i = 0; i < n * n; ++i)
      for (size_t c = 0; c < 3; ++c) out.pixels[static_cast<size_t>(i * 3) + c] = background_[c];
    for (int64_t y = 0; y < im.height; ++y)
      std::copy_n(im.pixels.begin() + (y * im.width) * 3, im.width * 3, out.pixels.begin() + ((y + top) * n + left) * 3);
    return out;
  }
  bool do_pad_ = false;
  std::array<uint8_t, 3> background_{};
};

// LLaVA-NeXT's "anyres" (image_processing_llava_next.py and its Pil twin): each image becomes its own
// resize to (size, size) followed by the tiles of a higher resolution view — resized into the
// image_grid_pinpoints resolution that keeps most of it (select_best_resolution), centred on black
// padding, cut into crop-sized patches row by row — each run through CLIP's chain. pixel_values is
// [batch, patches, 3, h, w], zero patches appended up to the batch's most (do_pad); image_sizes gives
// each original (height, width).
class LlavaNextImageProcessor : public BaseImageProcessor {
 public:
  LlavaNextImageProcessor(const ClassSpec& spec, const Json& user, const std::string& backend)
      : BaseImageProcessor(spec, without_pad(user), backend) {
    const auto pad = user.find("do_pad");
    if (pad != user.end() && !pad->is_null()) {
      if (!pad->is_boolean()) throw ConfigError(name_ + ": do_pad must be true or false, got " + pad->dump());
      do_pad_ = pad->get<bool>();
    }
    Json defaults = parse_json(std::string("{") + spec.defaults + "}", name_);
    const auto it = user.find("image_grid_pinpoints");
    const Json& points = it != user.end() && !it->is_null() ? *it : defaults["image_grid_pinpoints"];
    if (!points.is_array() || points.empty()) throw ConfigError(name_ + ": image_grid_pinpoints must be a non-empty list of [height, width], got " + points.dump());
    for (const Json& p : points) {
      if (!p.is_array() || p.size() != 2) throw ConfigError(name_ + ": image_grid_pinpoints must hold [height, width] pairs, got " + p.dump());
      pinpoints_.emplace_back(positive(p[0], "image_grid_pinpoints"), positive(p[1], "image_grid_pinpoints"));
      // The same 268M-pixel bound load_image keeps: a hostile config must not allocate without end.
      if (pinpoints_.back().first > (int64_t{1} << 28) / pinpoints_.back().second)
        throw ConfigError(name_ + ": image_grid_pinpoints " + p.dump() + " is more than the 268M-pixel limit");
    }
    // The base view's size and the tiles' side, as _preprocess picks them.
    if (size_.has_hw()) base_ = {*size_.height, *size_.width};
    else if (size_.shortest_edge) base_ = {*size_.shortest_edge, *size_.shortest_edge};
    else throw ConfigError(name_ + ": size must have 'height' and 'width' or 'shortest_edge'");
    patch_ = crop_.height ? *crop_.height : size_.height ? *size_.height : *size_.shortest_edge;
  }

  BatchFeature operator()(const std::vector<Image>& images, const ImageProcessorCallOptions& o) const override {
    if (images.empty()) throw ValueError(name_ + ": no images given");
    const Resample r = o.resample.value_or(resample_);
    std::vector<Tensor> per_image;
    std::vector<int64_t> sizes;
    for (const Image& im : images) {
      check(im);
      per_image.push_back(BaseImageProcessor::operator()(views(im, r), o)["pixel_values"]);
      sizes.insert(sizes.end(), {im.height, im.width});
    }
    int64_t most = 0;
    for (const Tensor& t : per_image) most = std::max(most, t.size(0));
    const Tensor& first = per_image[0];
    const int64_t B = static_cast<int64_t>(images.size()), C = first.size(1), H = first.size(2), W = first.size(3), one = C * H * W;
    for (const Tensor& t : per_image)
      if (t.size(0) != most && !do_pad_)
        throw ValueError(name_ + ": without do_pad the images must give the same number of patches to form a batch");
    Tensor pv = Tensor::zeros({B, most, C, H, W});
    for (int64_t b = 0; b < B; ++b) {
      const Tensor& t = per_image[static_cast<size_t>(b)];
      std::copy_n(t.data<float>(), t.size(0) * one, pv.data<float>() + b * most * one);
    }
    return {{"pixel_values", pv}, {"image_sizes", Tensor::from_ints(sizes, {B, 2})}};
  }

 private:
  static Json without_pad(Json c) {
    c.erase("do_pad");
    return c;
  }
  // select_best_resolution: the most of the image kept (its size scaled to fit, capped at its own
  // pixel count), then the least area wasted; the first such resolution on ties.
  std::pair<int64_t, int64_t> best_resolution(int64_t h, int64_t w) const {
    std::pair<int64_t, int64_t> best{};
    int64_t most = 0;
    double least_waste = INFINITY;
    for (const auto& [ph, pw] : pinpoints_) {
      const double scale = std::min(static_cast<double>(pw) / static_cast<double>(w), static_cast<double>(ph) / static_cast<double>(h));
      const auto dw = static_cast<int64_t>(static_cast<double>(w) * scale), dh = static_cast<int64_t>(static_cast<double>(h) * scale);
      const int64_t effective = std::min(dw * dh, w * h);
      const auto waste = static_cast<double>(ph * pw - effective);
      if (effective > most || (effective == most && waste < least_waste)) most = effective, least_waste = waste, best = {ph, pw};
    }
    return best;
  }
  // get_patch_output_size: the image scaled to fit the target along its tighter side.
  static std::pair<int64_t, int64_t> fit(int64_t h, int64_t w, int64_t th, int64_t tw) {
    const double sw = static_cast<double>(tw) / static_cast<double>(w), sh = static_cast<double>(th) / static_cast<double>(h);
    if (sw < sh) return {std::min(static_cast<int64_t>(std::ceil(static_cast<double>(h) * sw)), th), tw};
    return {th, std::min(static_cast<int64_t>(std::ceil(static_cast<double>(w) * sh)), tw)};
  }
  // The base view, then the tiles of the best resolution, as uint8 images before CLIP's chain.
  std::vector<Image> views(const Image& im, Resample r) const {
    if (im.channels != 3) throw ValueError(name_ + ": expects RGB images, got " + std::to_string(im.channels) + " channels");
    const auto [th, tw] = best_resolution(im.height, im.width);
    const auto [nh, nw] = fit(im.height, im.width, th, tw);
    const Image scaled = resize_image(im, nh, nw, r, backend_);
    // Centred on black: the odd pixel goes to the bottom / right.
    const int64_t top = (th - nh) / 2, left = (tw - nw) / 2;
    Image canvas;
    canvas.height = th, canvas.width = tw, canvas.channels = 3;
    canvas.pixels.assign(static_cast<size_t>(th * tw * 3), 0);
    for (int64_t y = 0; y < nh; ++y)
      std::copy_n(scaled.pixels.begin() + y * nw * 3, nw * 3, canvas.pixels.begin() + ((y + top) * tw + left) * 3);
    std::vector<Image> out{resize_image(im, base_.first, base_.second, r, backend_)};
    // divide_to_patches: row by row; the last row / column may be narrower.
    for (int64_t y = 0; y < th; y += patch_)
      for (int64_t x = 0; x < tw; x += patch_) {
        Image p;
        p.height = std::min(patch_, th - y), p.width = std::min(patch_, tw - x), p.channels = 3;
        p.pixels.resize(static_cast<size_t>(p.height * p.width * 3));
        for (int64_t row = 0; row < p.height; ++row)
          std::copy_n(canvas.pixels.begin() + ((y + row) * tw + x) * 3, p.width * 3, p.pixels.begin() + row * p.width * 3);
        out.push_back(std::move(p));
      }
    return out;
  }
  bool do_pad_ = true;
  std::vector<std::pair<int64_t, int64_t>> pinpoints_;
  std::pair<int64_t, int64_t> base_;
  int64_t patch_ = 224;
};

// "ViTImageProcessorFast" / "ViTFeatureExtractor" / "ViTImageProcessorPil" -> "ViTImageProcessor".
std::string canonical_class(std::string t, std::string& backend) {
  auto strip = [&](const std::string& suffix) {
    if (t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0) {
      t.resize(t.size() - suffix.size());
      return true;
    }
    return false;
  };
  if (strip("Pil")) backend = "pil";
  strip("Fast");
  if (strip("FeatureExtractor")) t += "ImageProcessor";
  return t;
}

}  // namespace

std::unique_ptr<ImageProcessor> AutoImageProcessor::from_json_string(const std::string& json, const ImageProcessorOptions& p, const std::string& source) {
  const Json c = parse_json(json, source);
  if (!c.is_object()) throw ConfigError(source + " must be a JSON object");
  std::string backend = p.backend;
  if (backend != "torchvision" && backend != "pil") throw ValueError("image processor backend must be 'torchvision' or 'pil', got '" + backend + "'");
  std::string type = json_value<ConfigError>(c, "image_processor_type", std::string(), "preprocessor_config.json");
  if (type.empty()) type = json_value<ConfigError>(c, "feature_extractor_type", std::string(), "preprocessor_config.json");
  if (type.empty()) throw ValueError(source + " names no image_processor_type");
  const std::string name = canonical_class(type, backend);
  for (const auto& spec : kClasses)
    if (name == spec.name) try {
        if (name == "Qwen2VLImageProcessor") return std::make_unique<Qwen2VLImageProcessor>(spec, c, backend);
        if (name == "DetrImageProcessor") return std::make_unique<DetrImageProcessor>(spec, c, backend);
        if (name == "LlavaImageProcessor") return std::make_unique<LlavaImageProcessor>(spec, c, backend);
        if (name == "LlavaNextImageProcessor") return std::make_unique<LlavaNextImageProcessor>(spec, c, backend);
        return std::make_unique<BaseImageProcessor>(spec, c, backend);
      } catch (const Json::exception& e) {
        throw ConfigError(source + ": a field has the wrong type: " + e.what());
      }
  std::string known;
  for (const auto& spec : kClasses) known += std::string(known.empty() ? "" : ", ") + spec.name;
  throw ValueError("Unrecognized image processor '" + type + "' in " + source + "; supported: " + known);
}

std::unique_ptr<ImageProcessor> AutoImageProcessor::from_pretrained(const std::string& name, const HubOptions& o, const ImageProcessorOptions& p) {
  // preprocessor_config.json, else the "image_processor" section v5 writes into processor_config.json.
  std::string path;
  Json c;
  if (auto pre = cached_file(name, "preprocessor_config.json", o, false)) {
    path = *pre;
    c = parse_json_file(path);
  } else if (auto proc = cached_file(name, "processor_config.json", o, false)) {
    path = *proc;
    const Json pc = parse_json_file(path);
    if (!pc.is_object() || !pc.contains("image_processor")) throw OSError(name + " has no preprocessor_config.json and its processor_config.json no image_processor");
    c = pc["image_processor"];
  } else {
    throw OSError(name + " does not appear to have a file named preprocessor_config.json (or processor_config.json)");
  }
  if (!c.is_object()) throw ConfigError(path + " must be a JSON object");
  if (!c.contains("image_processor_type") && !c.contains("feature_extractor_type")) {
    const std::string mt = AutoConfig::from_pretrained(name, ConfigOptions{o, {}}).model_type();
    for (const auto& [type, cls] : kModelTypes)
      if (mt == type) c["image_processor_type"] = cls;
    if (!c.contains("image_processor_type")) throw ValueError("Unrecognized image processor in " + name + ": model_type '" + mt + "' maps to none we support");
  }
  return from_json_string(c.dump(), p, path);
}

}  // namespace transformers
