// preprocessor_config.json from a folder through AutoImageProcessor and AutoFeatureExtractor, then
// the processor that loaded run on a small image / a short waveform.
#include <filesystem>

#include "fuzz_util.hpp"
#include "transformers/feature_extraction.hpp"
#include "transformers/image_processing.hpp"

using namespace transformers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    const std::string d = std::string(tmp && *tmp ? tmp : "/tmp") + "/tcpp-fuzz-pre-" + std::to_string(::getpid());
    std::filesystem::create_directories(d);
    return d;
  }();
  std::ofstream(dir + "/preprocessor_config.json", std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  fuzz::guarded([&] {
    const auto p = AutoImageProcessor::from_pretrained(dir);
    Image img;
    img.height = 7, img.width = 5;
    img.pixels.resize(7 * 5 * 3);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 37);
    (void)(*p)({img});
  });
  fuzz::guarded([&] {
    const auto fe = AutoFeatureExtractor::from_pretrained(dir);
    std::vector<float> wave(800);
    for (size_t i = 0; i < wave.size(); ++i) wave[i] = static_cast<float>((i * 7919) % 200) / 100.0f - 1.0f;
    (void)(*fe)({wave});
  });
  return 0;
}
