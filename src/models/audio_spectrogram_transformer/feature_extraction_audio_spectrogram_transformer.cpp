// ASTFeatureExtractor (models/audio_spectrogram_transformer/feature_extraction_audio_spectrogram_transformer.py)
// on its numpy path (the one Python takes without torchaudio): Kaldi-style log-mel filter banks —
// 25 ms frames every 10 ms, no centering, DC offset removed, pre-emphasis 0.97, symmetric Hann
// window, 512-point FFT, mel filters triangular in Kaldi's mel space — padded / cut to
// max_length frames and normalized with the AudioSet mean and std.
#include <cmath>

#include "processors/audio/audio_utils.hpp"
#include "processors/audio/feature_extraction_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio {

namespace {

class ASTFeatureExtractor : public SequenceFeatureExtractor {
 public:
  explicit ASTFeatureExtractor(const Json& c) : SequenceFeatureExtractor(c) {
    num_mel_bins_ = json_value<ConfigError>(c, "num_mel_bins", int64_t{128}, "preprocessor_config.json");
    max_length_ = json_value<ConfigError>(c, "max_length", int64_t{1024}, "preprocessor_config.json");
    do_normalize_ = json_value<ConfigError>(c, "do_normalize", true, "preprocessor_config.json");
    mean_ = json_value<ConfigError>(c, "mean", -4.2677393, "preprocessor_config.json");
    std_ = json_value<ConfigError>(c, "std", 4.5689974, "preprocessor_config.json");
    return_attention_mask_ = json_value<ConfigError>(c, "return_attention_mask", false, "preprocessor_config.json");
    if (num_mel_bins_ <= 0 || max_length_ <= 0) throw ConfigError("ASTFeatureExtractor: num_mel_bins and max_length must be positive");
    mel_ = kaldi_mel_filters(num_mel_bins_, sampling_rate_);
    window_ = hann_window(400, false);
  }
  std::string class_name() const override { return "ASTFeatureExtractor"; }

  BatchFeature operator()(const std::vector<std::vector<float>>& raw, const FeatureExtractorCallOptions& o) const override {
    check_rate(o);
    if (raw.empty()) throw ValueError("ASTFeatureExtractor: no audio");
    const int64_t B = static_cast<int64_t>(raw.size()), M = num_mel_bins_;
    Tensor out = Tensor::zeros({B, max_length_, M});
    // Python normalizes in float32: (x - mean) / (std * 2), the constants rounded to float32.
    const float mean = static_cast<float>(mean_), denom = static_cast<float>(std_ * 2.0);
    const bool normalize = o.do_normalize.value_or(do_normalize_);
    for (int64_t b = 0; b < B; ++b) {
      int64_t frames = 0;
      const auto fbank = kaldi_log_mel(raw[b].data(), static_cast<int64_t>(raw[b].size()), window_, mel_, M, frames);
      float* dst = out.data<float>() + b * max_length_ * M;
      for (int64_t f = 0; f < max_length_; ++f)
        for (int64_t m = 0; m < M; ++m) {
          const float v = f < frames ? fbank[f * M + m] : 0.0f;  // frames past the audio are zero before normalization
          dst[f * M + m] = normalize ? (v - mean) / denom : v;
        }
    }
    return {{"input_values", out}};
  }

 private:
  int64_t num_mel_bins_, max_length_;
  bool do_normalize_;
  double mean_, std_;
  std::vector<double> mel_, window_;
};

// AutoFeatureExtractor finds the class by name through this registration (processors/ names no family).
[[maybe_unused]] const bool registered = register_feature_extractor("ASTFeatureExtractor", [](const Json& c) -> std::unique_ptr<FeatureExtractor> {
  return std::make_unique<ASTFeatureExtractor>(c);
});

}  // namespace

}  // namespace transformers::audio
