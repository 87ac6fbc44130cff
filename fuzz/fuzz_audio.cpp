// Sound files (WAV, FLAC, OGG, MP3 through libsndfile) through load_audio, at 16 kHz and at the
// file's own rate when it differs (resampling).
#include "fuzz_util.hpp"
#include "transformers/feature_extraction.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = fuzz::to_file(data, size, ".audio");
  fuzz::guarded([&] { (void)transformers::load_audio(path, data[0] % 2 ? 16000 : 8000); });
  return 0;
}
