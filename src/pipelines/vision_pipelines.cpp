// Vision pipelines, following transformers/pipelines/image_classification.py.
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

}  // namespace transformers
