// The image-text processors (processing_clip.py, processing_siglip.py, processing_llava.py):
// image processor + tokenizer; LLaVA expands each image placeholder to the vision tower's token count.
#include "io/json.hpp"
#include "transformers/config.hpp"
#include "transformers/errors.hpp"
#include "transformers/image_processing.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

ImageTextProcessor::~ImageTextProcessor() = default;

std::unique_ptr<ImageTextProcessor> ImageTextProcessor::from_pretrained(const std::string& name, const HubOptions& o, const ImageProcessorOptions& p) {
  auto proc = std::unique_ptr<ImageTextProcessor>(new ImageTextProcessor());
  proc->image_processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  TokenizerOptions to;
  static_cast<HubOptions&>(to) = o;
  proc->tokenizer_ = AutoTokenizer::from_pretrained(name, to);
  Json pc = Json::object();
  if (auto f = cached_file(name, "processor_config.json", o, false)) pc = parse_json_file(*f);
  if (!pc.is_object()) throw ConfigError(name + ": processor_config.json must be a JSON object");
  proc->class_name_ = json_value<ConfigError>(pc, "processor_class", std::string(), "preprocessor_config.json");
  if (proc->class_name_.empty()) {
    const std::string mt = AutoConfig::from_pretrained(name, ConfigOptions{o, {}}).model_type();
    proc->class_name_ = mt == "llava"                    ? "LlavaProcessor"
                        : mt == "siglip"                 ? "SiglipProcessor"
                        : mt == "vision-encoder-decoder" ? "TrOCRProcessor"
                                                         : "CLIPProcessor";
  }
  if (proc->class_name_ == "LlavaProcessor") {
    // (crop or size) / patch_size squared, plus num_additional_image_tokens, less the CLS the
    // "default" feature strategy drops; the size comes from one processed probe image.
    if (!pc.contains("patch_size") || !pc["patch_size"].is_number_integer() || pc["patch_size"].get<int64_t>() <= 0)
      throw ConfigError(name + ": LlavaProcessor needs a positive patch_size in processor_config.json");
    const int64_t patch = pc["patch_size"].get<int64_t>();
    Image probe;
    probe.height = probe.width = 64;
    probe.pixels.assign(64 * 64 * 3, 0);
    const Tensor pv = (*proc->image_processor_)({probe}).at("pixel_values");
    proc->image_tokens_ = (pv.size(2) / patch) * (pv.size(3) / patch) + json_value<ConfigError>(pc, "num_additional_image_tokens", int64_t{0}, "preprocessor_config.json");
    if (json_value<ConfigError>(pc, "vision_feature_select_strategy", std::string("default"), "preprocessor_config.json") == "default") proc->image_tokens_ -= 1;
    proc->image_token_ = json_value<ConfigError>(pc, "image_token", std::string("<image>"), "preprocessor_config.json");
  }
  return proc;
}

std::string ImageTextProcessor::expand_image_tokens(const std::string& text) const {
  if (image_tokens_ <= 0) return text;
  std::string expanded, repeated;
  for (int64_t i = 0; i < image_tokens_; ++i) repeated += image_token_;
  for (size_t at = 0;;) {
    const size_t next = text.find(image_token_, at);
    if (next == std::string::npos) return expanded + text.substr(at);
    expanded += text.substr(at, next - at) + repeated;
    at = next + image_token_.size();
  }
}

BatchFeature ImageTextProcessor::operator()(const std::vector<std::string>& texts, const std::vector<Image>& images,
                                            const TokenizerCallOptions* o) const {
  BatchFeature out;
  if (!images.empty()) out = (*image_processor_)(images);
  if (texts.empty()) {
    if (images.empty()) throw ValueError(class_name_ + ": give texts, images or both");
    return out;
  }
  std::vector<std::string> expanded;
  size_t placeholders = 0;
  for (const auto& t : texts) {
    expanded.push_back(expand_image_tokens(t));
    for (size_t at = t.find(image_token_); image_tokens_ > 0 && at != std::string::npos; at = t.find(image_token_, at + 1)) ++placeholders;
  }
  if (image_tokens_ > 0 && placeholders != images.size())
    throw ValueError(class_name_ + ": the texts hold " + std::to_string(placeholders) + " " + image_token_ + " placeholders for " +
                     std::to_string(images.size()) + " images");
  TokenizerCallOptions co = o ? *o : TokenizerCallOptions{};
  if (!o && texts.size() > 1) co.padding = "longest";
  const BatchEncoding enc = (*tokenizer_)(expanded, nullptr, co);
  out["input_ids"] = enc.input_ids();
  out["attention_mask"] = enc.attention_mask();
  return out;
}

}  // namespace transformers
