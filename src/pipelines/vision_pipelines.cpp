// Vision pipelines, following transformers/pipelines/{image_classification,zero_shot_image_classification}.py.
#include <algorithm>
#include <cmath>
#include <set>

#include "ops/ops.hpp"
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

std::unique_ptr<ImageClassificationPipeline> ImageClassificationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                                                          const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<ImageClassificationPipeline>(new ImageClassificationPipeline());
  pipe->model_ = AutoModelForImageClassification::from_pretrained(name, o);
  pipe->processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  return pipe;
}

std::vector<std::vector<LabelScore>> ImageClassificationPipeline::operator()(const std::vector<Image>& images, std::optional<int64_t> top_k) const {
  std::vector<std::vector<LabelScore>> out;
  for (const Image& im : images) {
    const BatchFeature f = (*processor_)({im});
    const Tensor logits = model_->forward({{"pixel_values", f.at("pixel_values")}})["logits"].to(DType::F32).contiguous();
    out.push_back(label_scores(model_->config(), logits.data<float>(), logits.size(-1), top_k, true));
  }
  return out;
}

std::vector<std::vector<LabelScore>> ImageClassificationPipeline::classify_files(const std::vector<std::string>& paths,
                                                                                 std::optional<int64_t> top_k) const {
  std::vector<Image> images;
  for (const auto& p : paths) images.push_back(load_image(p));
  return (*this)(images, top_k);
}

std::unique_ptr<ZeroShotImageClassificationPipeline> ZeroShotImageClassificationPipeline::from_pretrained(const std::string& name,
                                                                                                      const FromPretrainedOptions& o,
                                                                                                      const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<ZeroShotImageClassificationPipeline>(new ZeroShotImageClassificationPipeline());
  pipe->model_ = AutoModelForZeroShotImageClassification::from_pretrained(name, o);
  pipe->processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  pipe->tok_ = load_tokenizer(name, o);
  return pipe;
}

std::vector<LabelScore> ZeroShotImageClassificationPipeline::operator()(const Image& image, const std::vector<std::string>& labels,
                                                                        const std::string& hypothesis_template) const {
  if (labels.empty()) throw ValueError("zero-shot-image-classification: give at least one candidate label");
  const auto at = hypothesis_template.find("{}");
  if (at == std::string::npos) throw ValueError("zero-shot-image-classification: hypothesis_template must contain {}");
  std::vector<std::string> sequences;
  for (const auto& l : labels) sequences.push_back(hypothesis_template.substr(0, at) + l + hypothesis_template.substr(at + 2));
  // Models trained with the sigmoid loss (SigLIP: they carry its logit_bias) saw text padded to 64
  // tokens and score each label on its own (sigmoid) instead of a softmax across labels.
  const auto params = model_->parameter_names();
  const bool siglip = std::find(params.begin(), params.end(), "logit_bias") != params.end();
  TokenizerCallOptions co;
  co.padding = siglip ? "max_length" : "longest";
  if (siglip) co.max_length = 64, co.truncation = "longest_first";
  const BatchEncoding enc = (*tok_)(sequences, nullptr, co);
  ModelInputs in{{"pixel_values", (*processor_)({image}).at("pixel_values")}, {"input_ids", enc.input_ids()}};
  const auto& names = tok_->model_input_names();
  if (std::find(names.begin(), names.end(), "attention_mask") != names.end()) in["attention_mask"] = enc.attention_mask();
  const Tensor logits = model_->forward(in)["logits_per_image"].to(DType::F32).contiguous();
  const float* x = logits.data<float>();
  const auto n = static_cast<int64_t>(labels.size());
  std::vector<double> scores = siglip ? std::vector<double>(static_cast<size_t>(n)) : softmax(x, n);
  if (siglip)
    for (int64_t i = 0; i < n; ++i) scores[static_cast<size_t>(i)] = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
  std::vector<LabelScore> out;
  for (int64_t i = 0; i < n; ++i) out.push_back({labels[static_cast<size_t>(i)], scores[static_cast<size_t>(i)]});
  std::stable_sort(out.begin(), out.end(), [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
  return out;
}

std::unique_ptr<ImageTextToTextPipeline> ImageTextToTextPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                                                const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<ImageTextToTextPipeline>(new ImageTextToTextPipeline());
  pipe->model_ = AutoModelForImageTextToText::from_pretrained(name, o);
  pipe->processor_ = ImageTextProcessor::from_pretrained(name, o, p);
  return pipe;
}

std::string ImageTextToTextPipeline::operator()(const Image& image, const GenerationConfig& g) const {
  if (!captions_images()) throw ValueError(model_->class_name() + ": give a text prompt with the image");
  const BatchFeature in = (*processor_)({}, {image});
  return processor_->tokenizer().decode(model_->generate(ModelInputs(in.begin(), in.end()), g).sequences.to_ints(), true);
}

bool ImageTextToTextPipeline::captions_images() const { return model_->main_input_name() == "pixel_values"; }

std::string ImageTextToTextPipeline::operator()(const Image& image, const std::string& text, const GenerationConfig& g) const {
  if (captions_images()) {
    if (!text.empty()) throw ValueError(model_->class_name() + " reads the image alone: give no text prompt");
    return (*this)(image, g);
  }
  const BatchFeature in = (*processor_)({text}, {image});
  const GenerateOutput out = model_->generate(ModelInputs(in.begin(), in.end()), g);
  const auto& tok = processor_->tokenizer();
  const auto seq = out.sequences.to_ints();
  const auto prompt = in.at("input_ids").to_ints();
  const std::string full = tok.decode(seq, true), decoded_prompt = tok.decode(prompt, true);
  const size_t at = full.find(decoded_prompt);
  return at != std::string::npos && at <= 2 ? full.substr(at + decoded_prompt.size()) : full;
}

std::string ImageTextToTextPipeline::chat(const Image& image, const std::string& messages_json, const GenerationConfig& g) const {
  ChatTemplateOptions co;
  co.add_generation_prompt = true;
  return (*this)(image, processor_->tokenizer().apply_chat_template(messages_json, co), g);
}

namespace {
// The semantic branch of Python's postprocess: one 0 / 255 mask per class present in the map
// [h, w], by class id, without a score.
std::vector<SegmentMask> class_masks(const Tensor& map, const PretrainedConfig& c) {
  const std::vector<int64_t> cls = map.to_ints();
  const std::set<int64_t> present(cls.begin(), cls.end());
  std::vector<SegmentMask> out;
  for (int64_t l : present) {
    SegmentMask m;
    m.label = label_of(c, l);
    m.mask.height = map.size(0), m.mask.width = map.size(1), m.mask.channels = 1;
    m.mask.pixels.resize(cls.size());
    for (size_t i = 0; i < cls.size(); ++i) m.mask.pixels[i] = cls[i] == l ? 255 : 0;
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace

std::unique_ptr<ImageSegmentationPipeline> ImageSegmentationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                                                    const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<ImageSegmentationPipeline>(new ImageSegmentationPipeline());
  // Python's pipeline loads the first of its Auto classes that maps the config: DETR's panoptic
  // models are AutoModelForImageSegmentation, the others AutoModelForSemanticSegmentation.
  ConfigOptions co;
  static_cast<HubOptions&>(co) = o;
  pipe->model_ = auto_class_maps("AutoModelForImageSegmentation", AutoConfig::from_pretrained(name, co)) ? auto_model_from_pretrained("AutoModelForImageSegmentation", name, o)
                                    : auto_model_from_pretrained("AutoModelForSemanticSegmentation", name, o);
  pipe->processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  return pipe;
}

std::vector<SegmentMask> ImageSegmentationPipeline::operator()(const Image& image) const { return (*this)(image, Options{}); }

std::vector<SegmentMask> ImageSegmentationPipeline::operator()(const Image& image, const Options& opt) const {
  if (!opt.subtask.empty() && opt.subtask != "panoptic" && opt.subtask != "instance" && opt.subtask != "semantic")
    throw ValueError("image-segmentation: subtask must be 'panoptic', 'instance' or 'semantic', got '" + opt.subtask + "'");
  const BatchFeature f = (*processor_)({image});
  const ModelOutput out = model_->forward(ModelInputs(f.begin(), f.end()));
  if (out.has("pred_masks")) {
    // DETR: panoptic first, as Python's postprocess tries it, then instance; one mask per segment.
    if (opt.subtask != "semantic") {
      SegmentationPostProcessOptions po;
      po.threshold = opt.threshold, po.mask_threshold = opt.mask_threshold, po.overlap_mask_area_threshold = opt.overlap_mask_area_threshold;
      po.target_sizes = {{image.height, image.width}};
      const SegmentationResult r = opt.subtask == "instance" ? post_process_instance_segmentation(out, po).at(0) : post_process_panoptic_segmentation(out, po).at(0);
      const std::vector<int64_t> ids = r.segmentation.to_ints();
      std::vector<SegmentMask> masks;
      for (const SegmentInfo& s : r.segments_info) {
        SegmentMask m;
        m.score = s.score;
        m.label = label_of(model_->config(), s.label_id);
        m.mask.height = image.height, m.mask.width = image.width, m.mask.channels = 1;
        m.mask.pixels.resize(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) m.mask.pixels[i] = ids[i] == s.id ? 255 : 0;
        masks.push_back(std::move(m));
      }
      return masks;
    }
    return class_masks(post_process_semantic_segmentation(out, {{image.height, image.width}}).at(0), model_->config());
  }
  if (opt.subtask == "panoptic" || opt.subtask == "instance")
    throw ValueError("image-segmentation: " + model_->class_name() + " does only semantic segmentation, not subtask '" + opt.subtask + "'");
  // post_process_semantic_segmentation: bilinear to the image size, then argmax over classes.
  const Tensor up = ops::interpolate_bilinear(out["logits"].to(DType::F32).contiguous(), image.height, image.width);
  return class_masks(ops::argmax(up, 1).squeeze(0), model_->config());
}

std::unique_ptr<DepthEstimationPipeline> DepthEstimationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                                                const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<DepthEstimationPipeline>(new DepthEstimationPipeline());
  pipe->model_ = AutoModelForDepthEstimation::from_pretrained(name, o);
  pipe->processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  return pipe;
}

DepthResult DepthEstimationPipeline::operator()(const Image& image) const {
  const Tensor d = model_->forward({{"pixel_values", (*processor_)({image}).at("pixel_values")}})["predicted_depth"].to(DType::F32).contiguous();
  DepthResult r;
  r.predicted_depth = ops::interpolate_bicubic(d.view({1, 1, d.size(-2), d.size(-1)}), image.height, image.width).view({image.height, image.width});
  const float* x = r.predicted_depth.data<float>();
  const int64_t n = image.height * image.width;
  const auto [lo, hi] = std::minmax_element(x, x + n);
  r.depth.height = image.height, r.depth.width = image.width, r.depth.channels = 1;
  r.depth.pixels.resize(static_cast<size_t>(n));
  // numpy: ((d - min) / (max - min) * 255).astype(uint8), in float32.
  const float range = *hi - *lo;
  for (int64_t i = 0; i < n; ++i) r.depth.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(range > 0 ? (x[i] - *lo) / range * 255.0f : 0.0f);
  return r;
}

}  // namespace transformers

namespace transformers {

std::vector<std::vector<DetectedBox>> post_process_object_detection(const ModelOutput& outputs, double threshold,
                                                                    const std::vector<std::pair<int64_t, int64_t>>& target_sizes) {
  if (!outputs.has("logits") || !outputs.has("pred_boxes")) throw ValueError("post_process_object_detection: the outputs need logits and pred_boxes");
  const Tensor logits = outputs["logits"].to(DType::F32).contiguous(), boxes = outputs["pred_boxes"].to(DType::F32).contiguous();
  if (logits.dim() != 3 || boxes.dim() != 3 || boxes.size(2) != 4 || boxes.size(0) != logits.size(0) || boxes.size(1) != logits.size(1))
    throw ShapeMismatch("post_process_object_detection: logits [B, Q, classes] and pred_boxes [B, Q, 4] expected, got " + shape_str(logits.shape()) +
                        " and " + shape_str(boxes.shape()));
  const int64_t B = logits.size(0), Q = logits.size(1), C = logits.size(2);
  if (C < 2) throw ShapeMismatch("post_process_object_detection: logits need at least one class besides 'no object'");
  if (!target_sizes.empty() && static_cast<int64_t>(target_sizes.size()) != B)
    throw ValueError("Make sure that you pass in as many target sizes as the batch dimension of the logits");
  std::vector<std::vector<DetectedBox>> out(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t q = 0; q < Q; ++q) {
      const float* x = logits.data<float>() + (b * Q + q) * C;
      const float mx = *std::max_element(x, x + C);
      float sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += std::exp(x[c] - mx);
      int64_t best = 0;
      for (int64_t c = 1; c < C - 1; ++c)
        if (x[c] > x[best]) best = c;
      const float score = std::exp(x[best] - mx) / sum;
      if (!(score > threshold)) continue;
      const float* bx = boxes.data<float>() + (b * Q + q) * 4;
      DetectedBox d{score, best, {bx[0] - 0.5f * bx[2], bx[1] - 0.5f * bx[3], bx[0] + 0.5f * bx[2], bx[1] + 0.5f * bx[3]}};
      if (!target_sizes.empty()) {
        const auto h = static_cast<float>(target_sizes[static_cast<size_t>(b)].first), w = static_cast<float>(target_sizes[static_cast<size_t>(b)].second);
        d.box = {d.box[0] * w, d.box[1] * h, d.box[2] * w, d.box[3] * h};
      }
      out[static_cast<size_t>(b)].push_back(d);
    }
  return out;
}

std::unique_ptr<ObjectDetectionPipeline> ObjectDetectionPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                                                const ImageProcessorOptions& p) {
  auto pipe = std::unique_ptr<ObjectDetectionPipeline>(new ObjectDetectionPipeline());
  pipe->model_ = AutoModelForObjectDetection::from_pretrained(name, o);
  pipe->processor_ = AutoImageProcessor::from_pretrained(name, o, p);
  return pipe;
}

std::vector<ObjectDetection> ObjectDetectionPipeline::operator()(const Image& image, double threshold) const {
  const BatchFeature f = (*processor_)({image});
  const ModelOutput out = model_->forward(ModelInputs(f.begin(), f.end()));
  std::vector<ObjectDetection> found;
  const auto boxes = post_process_object_detection(out, threshold, {{image.height, image.width}});
  for (const DetectedBox& d : boxes.at(0))
    found.push_back({d.score, label_of(model_->config(), d.label_id), static_cast<int64_t>(d.box[0]), static_cast<int64_t>(d.box[1]),
                     static_cast<int64_t>(d.box[2]), static_cast<int64_t>(d.box[3])});
  return found;
}

Image draw_detections(const Image& image, const std::vector<ObjectDetection>& detections) {
  if (image.channels != 3 || image.pixels.size() != static_cast<size_t>(image.height * image.width * 3))
    throw ValueError("draw_detections: an RGB image with a full pixel buffer is needed");
  static const uint8_t palette[][3] = {{230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200}, {245, 130, 48}, {145, 30, 180}, {70, 240, 240}, {240, 50, 230}};
  Image out = image;
  auto put = [&](int64_t y, int64_t x, const uint8_t* rgb) {
    if (y < 0 || x < 0 || y >= out.height || x >= out.width) return;
    std::copy_n(rgb, 3, out.pixels.begin() + (y * out.width + x) * 3);
  };
  for (const ObjectDetection& d : detections) {
    size_t h = 0;
    for (unsigned char ch : d.label) h = h * 31 + ch;
    const uint8_t* rgb = palette[h % 8];
    // Only the visible part of each edge is walked (boxes may reach far outside the image).
    const int64_t x0 = std::max<int64_t>(d.xmin, 0), x1 = std::min(d.xmax, out.width - 1);
    const int64_t y0 = std::max<int64_t>(d.ymin, 0), y1 = std::min(d.ymax, out.height - 1);
    for (int64_t t = 0; t < 2; ++t) {
      for (int64_t x = x0; x <= x1; ++x) put(d.ymin + t, x, rgb), put(d.ymax - t, x, rgb);
      for (int64_t y = y0; y <= y1; ++y) put(y, d.xmin + t, rgb), put(y, d.xmax - t, rgb);
    }
  }
  return out;
}

}  // namespace transformers
