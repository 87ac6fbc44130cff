// transformers-cpp preprocess: the Auto image processor on an image file, or the Auto feature
// extractor on a sound file (read, mixed to mono, resampled to its rate); writes its tensors.
#include <cstdio>
#include <memory>

#include "cli.hpp"

namespace transformers::cli {

namespace {
struct PreprocessCmd {
  std::string model, audio, image, out = "out.safetensors", backend = "torchvision";
  HubOptions hub;
};

int run_preprocess(const PreprocessCmd& o) {
  if (o.audio.empty() == o.image.empty()) throw ValueError("preprocess: give one of --audio FILE or --image FILE");
  if (!o.image.empty()) {
    auto ip = AutoImageProcessor::from_pretrained(o.model, o.hub, ImageProcessorOptions{o.backend});
    const BatchFeature f = (*ip)({load_image(o.image)});
    std::vector<std::pair<std::string, Tensor>> tensors(f.begin(), f.end());
    save_safetensors(tensors, o.out, {{"format", "pt"}});
    for (const auto& [k, v] : f) std::fprintf(stderr, "%s (%s): %s %s\n", ip->class_name().c_str(), ip->backend().c_str(), k.c_str(), shape_str(v.shape()).c_str());
    return 0;
  }
  auto fe = AutoFeatureExtractor::from_pretrained(o.model, o.hub);
  FeatureExtractorCallOptions co;
  co.sampling_rate = fe->sampling_rate();
  const BatchFeature f = (*fe)({load_audio(o.audio, fe->sampling_rate())}, co);
  std::vector<std::pair<std::string, Tensor>> tensors(f.begin(), f.end());
  save_safetensors(tensors, o.out, {{"format", "pt"}});
  for (const auto& [k, v] : f) std::fprintf(stderr, "%s: %s %s\n", fe->class_name().c_str(), k.c_str(), shape_str(v.shape()).c_str());
  return 0;
}
}  // namespace

Runner register_preprocess(CLI::App* c) {
  auto o = std::make_shared<PreprocessCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--audio", o->audio, "WAV / FLAC / OGG / MP3 file");
  c->add_option("--image", o->image, "JPEG / PNG / WebP / BMP / GIF file");
  c->add_option("--backend", o->backend, "image processor backend: torchvision (Python v5's default) or pil");
  c->add_option("--out", o->out);
  add_hub_options(c, o->hub);
  return [o] { return run_preprocess(*o); };
}

}  // namespace transformers::cli
