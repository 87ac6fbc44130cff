// transformers-cpp bench: timed forward passes (or prefill + decode) of a model on its dummy
// inputs, or of a feature extractor / image processor; one JSON object.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "io/json.hpp"
#include "models/dummy_inputs.hpp"

namespace transformers::cli {

namespace {
struct BenchCmd {
  std::string model, auto_class = "AutoModel";
  int64_t batch = 1, seq = 128, new_tokens = 0;
  int iters = 10;
  FromPretrainedOptions load;
};

long peak_rss_kb() {
  struct rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The feature extractor on `batch` clips of `samples` samples each: median ms per call.
int bench_feature_extractor(const std::string& model_id, int64_t batch, int64_t samples, int iters, const FromPretrainedOptions& o) {
  auto fe = AutoFeatureExtractor::from_pretrained(model_id, o);
  const auto noise = dummy_noise({batch, samples}).to_floats();
  std::vector<std::vector<float>> clips;
  for (int64_t b = 0; b < batch; ++b) clips.emplace_back(noise.begin() + b * samples, noise.begin() + (b + 1) * samples);
  (*fe)(clips);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    (*fe)(clips);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["extractor"] = fe->class_name();
  j["batch"] = batch;
  j["samples"] = samples;
  j["threads"] = env_info().threads;
  j["median_ms"] = times[times.size() / 2] * 1e3;
  std::cout << j.dump() << "\n";
  return 0;
}

// The image processor on `batch` noise images of 640x480: median ms per call.
int bench_image_processor(const std::string& model_id, int64_t batch, int iters, const FromPretrainedOptions& o) {
  auto ip = AutoImageProcessor::from_pretrained(model_id, o);
  Image im;
  im.height = 480, im.width = 640;
  const auto noise = dummy_noise({480 * 640 * 3}).to_floats();
  for (float v : noise) im.pixels.push_back(static_cast<uint8_t>((v + 0.5f) * 255.0f));
  const std::vector<Image> images(static_cast<size_t>(batch), im);
  (*ip)(images);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    (*ip)(images);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["processor"] = ip->class_name();
  j["batch"] = batch;
  j["threads"] = env_info().threads;
  j["median_ms"] = times[times.size() / 2] * 1e3;
  std::cout << j.dump() << "\n";
  return 0;
}

int bench_model(const std::string& model_id, const std::string& auto_class, int64_t batch, int64_t seq, int iters,
                int64_t new_tokens, const FromPretrainedOptions& o) {
  if (batch <= 0 || seq <= 0 || iters <= 0) throw ValueError("--batch, --seq-len and --iters must be positive");
  if (auto_class == "AutoFeatureExtractor") return bench_feature_extractor(model_id, batch, seq, iters, o);
  if (auto_class == "AutoImageProcessor") return bench_image_processor(model_id, batch, iters, o);
  auto t0 = std::chrono::steady_clock::now();
  auto model = auto_model_from_pretrained(auto_class, model_id, o);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Inputs named and shaped by the model (its main input), whatever its kind.
  const ModelInputs in = model->dummy_inputs(batch, seq);
  // generate() takes the forward inputs but decoder_input_ids (which would become a decoder prompt)
  ModelInputs gen_input = in;
  gen_input.erase("decoder_input_ids");
  if (new_tokens > 0) {  // prefill + greedy decode through generate(): prefill and per-token times
    GenerationConfig g;
    g.max_new_tokens = new_tokens, g.min_new_tokens = new_tokens, g.do_sample = false;
    GenerationConfig one = g;
    one.max_new_tokens = 1, one.min_new_tokens = 1;
    model->generate(gen_input, one);  // warm-up
    std::vector<double> pre, dec;
    for (int i = 0; i < iters; ++i) {
      auto a = std::chrono::steady_clock::now();
      model->generate(gen_input, one);
      auto b = std::chrono::steady_clock::now();
      model->generate(gen_input, g);
      auto c = std::chrono::steady_clock::now();
      const double p = std::chrono::duration<double>(b - a).count(), all = std::chrono::duration<double>(c - b).count();
      pre.push_back(p);
      dec.push_back((all - p) / static_cast<double>(new_tokens - 1 > 0 ? new_tokens - 1 : 1));
    }
    std::sort(pre.begin(), pre.end());
    std::sort(dec.begin(), dec.end());
    nlohmann::ordered_json j;
    j["impl"] = std::string("transformers-cpp ") + version();
    j["model"] = model->class_name();
    j["batch"] = batch;
    j["prompt_len"] = seq;
    j["new_tokens"] = new_tokens;
    j["threads"] = env_info().threads;
    j["load_s"] = load_s;
    j["prefill_ms"] = pre[pre.size() / 2] * 1e3;
    j["prefill_tokens_per_s"] = static_cast<double>(batch * seq) / pre[pre.size() / 2];
    j["decode_ms_per_token"] = dec[dec.size() / 2] * 1e3;
    j["decode_tokens_per_s"] = static_cast<double>(batch) / dec[dec.size() / 2];
    j["peak_rss_mb"] = peak_rss_kb() / 1024.0;
    std::cout << j.dump() << "\n";
    return 0;
  }
  for (int i = 0; i < 2; ++i) model->forward(in);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    model->forward(in);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  const double med = times[times.size() / 2];
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["model"] = model->class_name();
  j["batch"] = batch;
  j["seq_len"] = seq;
  j["threads"] = env_info().threads;
  j["load_s"] = load_s;
  j["median_ms"] = med * 1e3;
  j["sequences_per_s"] = batch / med;
  j["peak_rss_mb"] = peak_rss_kb() / 1024.0;
  std::cout << j.dump() << "\n";
  return 0;
}

}  // namespace

Runner register_bench(CLI::App* c) {
  auto o = std::make_shared<BenchCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--auto-class", o->auto_class);
  c->add_option("--batch", o->batch);
  c->add_option("--seq-len", o->seq);
  c->add_option("--iters", o->iters);
  c->add_option("--new-tokens", o->new_tokens, "also time greedy decode of N tokens after a seq-len prompt");
  c->add_option("--dtype", o->load.dtype);
  c->add_option("--device", o->load.device);
  c->add_option("--quantization", o->load.quantization, "int8: weight-only int8 at load");
  add_model_options(c, o->load);
  return [o] { return bench_model(o->model, o->auto_class, o->batch, o->seq, o->iters, o->new_tokens, o->load); };
}

}  // namespace transformers::cli
