// WhisperFeatureExtractor (models/whisper/feature_extraction_whisper.py, torch path): 30 s of
// audio padded with silence, power STFT (n_fft 400, hop 160, periodic Hann), Slaney mel filters,
// log10 clamped at 1e-10 and to (max - 8), then (x + 4) / 4.
#include <cmath>

#include "processors/audio/audio_utils.hpp"
#include "processors/audio/feature_extraction_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio {

namespace {

class WhisperFeatureExtractor : public SequenceFeatureExtractor {
 public:
  explicit WhisperFeatureExtractor(const Json& c) : SequenceFeatureExtractor(c) {
    feature_size_ = json_value<ConfigError>(c, "feature_size", int64_t{80}, "preprocessor_config.json");
    hop_length_ = json_value<ConfigError>(c, "hop_length", int64_t{160}, "preprocessor_config.json");
    n_fft_ = json_value<ConfigError>(c, "n_fft", int64_t{400}, "preprocessor_config.json");
    chunk_length_ = json_value<ConfigError>(c, "chunk_length", int64_t{30}, "preprocessor_config.json");
    if (c.contains("dither") && c["dither"].is_number() && c["dither"].get<double>() != 0.0)
      throw ConfigError("WhisperFeatureExtractor: dither adds random noise; only dither = 0 is supported");
    return_attention_mask_ = json_value<ConfigError>(c, "return_attention_mask", false, "preprocessor_config.json");
    if (hop_length_ <= 0 || n_fft_ <= 1 || feature_size_ <= 0 || chunk_length_ <= 0) throw ConfigError("WhisperFeatureExtractor: invalid sizes");
    // Bounds far above any released checkpoint (n_fft 400, 80 / 128 mel bins, 30 s) that keep an
    // untrusted config from asking for hours of work or terabytes (and n_samples from overflowing).
    if (n_fft_ > 8192 || feature_size_ > 1024 || chunk_length_ > 3600 || sampling_rate_ > 1000000)
      throw ConfigError("WhisperFeatureExtractor: n_fft <= 8192, feature_size <= 1024, chunk_length <= 3600 and sampling_rate <= 1000000 are supported");
    n_samples_ = chunk_length_ * sampling_rate_;
    window_ = hann_window(n_fft_, true);
    mel_ = mel_filter_bank(1 + n_fft_ / 2, feature_size_, 0.0, 8000.0, static_cast<double>(sampling_rate_), "slaney", "slaney");
  }
  std::string class_name() const override { return "WhisperFeatureExtractor"; }

  BatchFeature operator()(const std::vector<std::vector<float>>& raw, const FeatureExtractorCallOptions& o) const override {
    check_rate(o);
    const bool normalize = o.do_normalize.value_or(false);
    const bool want_mask = o.return_attention_mask.value_or(return_attention_mask_);
    Padded p = pad(raw, o.padding.value_or("max_length"), o.max_length.value_or(n_samples_), o.truncation.value_or(true), o.pad_to_multiple_of,
                   want_mask || normalize);
    if (normalize) zero_mean_unit_var_norm(p, true, padding_value_);
    const int64_t B = static_cast<int64_t>(p.values.size()), L = static_cast<int64_t>(p.values[0].size());
    const int64_t T = L / hop_length_, M = feature_size_;
    Tensor feats = Tensor::empty({B, M, T});
    for (int64_t b = 0; b < B; ++b) {
      if (static_cast<int64_t>(p.values[b].size()) != L) throw ValueError("WhisperFeatureExtractor: pad the batch to one length");
      // float32 STFT and mel projection, as torch computes them; the last STFT frame is dropped
      const Tensor mel = mel_power_spectrogram_f32(p.values[b].data(), L, window_, StftOptions{.frame_length = n_fft_, .hop_length = hop_length_},
                                                   mel_, M, T);
      float* out = feats.data<float>() + b * M * T;
      std::copy(mel.data<float>(), mel.data<float>() + M * T, out);
      const float mx = log10_clamped(out, M * T, 1e-10f);
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < M * T; ++i) out[i] = (std::max(out[i], mx - 8.0f) + 4.0f) / 4.0f;
    }
    BatchFeature r{{"input_features", feats}};
    // Python keeps the sample-level mask that normalization asked pad() for, unrescaled.
    if (normalize && !want_mask) r["attention_mask"] = mask_tensor(p.attention_mask);
    if (want_mask) {
      // rescaled from samples to frames: every hop_length-th sample, one per kept frame
      Tensor m = Tensor::empty({B, T}, DType::I32);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t) m.data<int32_t>()[b * T + t] = p.attention_mask[b][t * hop_length_];
      r["attention_mask"] = m;
    }
    return r;
  }

 private:
  int64_t hop_length_, n_fft_, chunk_length_, n_samples_;
  std::vector<double> window_, mel_;
};

// AutoFeatureExtractor finds the class by name through this registration (processors/ names no family).
[[maybe_unused]] const bool registered = register_feature_extractor("WhisperFeatureExtractor", [](const Json& c) -> std::unique_ptr<FeatureExtractor> {
  return std::make_unique<WhisperFeatureExtractor>(c);
});

}  // namespace

}  // namespace transformers::audio
