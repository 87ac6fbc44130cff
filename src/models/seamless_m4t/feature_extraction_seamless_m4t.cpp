// SeamlessM4TFeatureExtractor (models/seamless_m4t/feature_extraction_seamless_m4t.py): Kaldi
// fbanks of the waveform scaled to 16-bit range (Povey window), normalized per mel bin over the
// frames (ddof 1), padded in frames (to a multiple of 2 by default), then every `stride` frames
// stacked into one feature vector, with the attention mask of the stacked frames.
#include <cmath>

#include "processors/audio/audio_utils.hpp"
#include "processors/audio/feature_extraction_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio {

namespace {

class SeamlessM4TFeatureExtractor : public SequenceFeatureExtractor {
 public:
  explicit SeamlessM4TFeatureExtractor(const Json& c) : SequenceFeatureExtractor(c) {
    num_mel_bins_ = json_value<ConfigError>(c, "num_mel_bins", int64_t{80}, "preprocessor_config.json");
    stride_ = json_value<ConfigError>(c, "stride", int64_t{2}, "preprocessor_config.json");
    return_attention_mask_ = json_value<ConfigError>(c, "return_attention_mask", true, "preprocessor_config.json");
    if (num_mel_bins_ <= 0 || stride_ <= 0) throw ConfigError("SeamlessM4TFeatureExtractor: num_mel_bins and stride must be positive");
    mel_ = kaldi_mel_filters(num_mel_bins_, sampling_rate_);
    window_ = hann_window(400, false);
    for (double& w : window_) w = std::pow(w, 0.85);  // Povey's window
  }
  std::string class_name() const override { return "SeamlessM4TFeatureExtractor"; }

  BatchFeature operator()(const std::vector<std::vector<float>>& raw, const FeatureExtractorCallOptions& o) const override {
    check_rate(o);
    if (raw.empty()) throw ValueError("SeamlessM4TFeatureExtractor: no audio");
    const int64_t M = num_mel_bins_;
    std::vector<std::vector<float>> feats;  // [frames * M] per clip
    std::vector<int64_t> frames_of;
    for (const auto& clip : raw) {
      std::vector<float> scaled(clip.size());
      for (size_t i = 0; i < clip.size(); ++i) scaled[i] = clip[i] * 32768.0f;  // Kaldi works on 16-bit sample values
      int64_t F = 0;
      std::vector<float> x = kaldi_log_mel(scaled.data(), static_cast<int64_t>(scaled.size()), window_, mel_, M, F);
      if (o.do_normalize.value_or(true)) {  // do_normalize_per_mel_bins: over the frames, ddof 1
        for (int64_t m = 0; m < M; ++m) {
          double mean = 0, ss = 0;
          for (int64_t f = 0; f < F; ++f) mean += x[f * M + m];
          mean /= static_cast<double>(F);
          for (int64_t f = 0; f < F; ++f) ss += (x[f * M + m] - mean) * (x[f * M + m] - mean);
          const double sd = std::sqrt(ss / static_cast<double>(F - 1) + 1e-7);
          for (int64_t f = 0; f < F; ++f) x[f * M + m] = static_cast<float>((x[f * M + m] - mean) / sd);
        }
      }
      feats.push_back(std::move(x));
      frames_of.push_back(F);
    }
    // Padding in frames: "longest" (Python's padding=True), "max_length" or "do_not_pad".
    const std::string padding = o.padding.value_or("longest");
    int64_t target = 0;
    if (padding == "longest" || padding == "do_not_pad") {
      for (int64_t F : frames_of) target = std::max(target, F);
      if (padding == "do_not_pad")
        for (int64_t F : frames_of)
          if (F != target) throw ValueError("SeamlessM4TFeatureExtractor: clips of different lengths need padding");
    } else if (padding == "max_length") {
      if (!o.max_length) throw ValueError("When setting padding='max_length', max_length must be defined");
      target = *o.max_length;
    } else {
      throw ValueError("padding must be 'longest', 'max_length' or 'do_not_pad', got '" + padding + "'");
    }
    if (o.truncation.value_or(false)) {
      if (!o.max_length) throw ValueError("When setting truncation=True, make sure that max_length is defined");
      for (int64_t& F : frames_of) F = std::min(F, *o.max_length);
      if (padding != "max_length") target = std::min(target, *o.max_length);
    }
    const int64_t multiple = o.pad_to_multiple_of.value_or(2);
    if (padding != "do_not_pad" && multiple > 0 && target % multiple) target = (target / multiple + 1) * multiple;
    const int64_t B = static_cast<int64_t>(raw.size()), T = target - target % stride_;
    Tensor out = Tensor::zeros({B, T / stride_, M * stride_});  // stacking frames is a reshape of [T, M]
    Tensor mask = Tensor::zeros({B, T / stride_}, DType::I32);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t F = std::min(frames_of[b], T);
      std::copy(feats[b].begin(), feats[b].begin() + F * M, out.data<float>() + b * T * M);
      // The mask of a stacked frame is that of its frame at index stride * j + 1 (Python's indices % stride == 1).
      for (int64_t j = 0; j < T / stride_; ++j) mask.data<int32_t>()[b * (T / stride_) + j] = stride_ * j + 1 < frames_of[b] ? 1 : 0;
    }
    BatchFeature r{{"input_features", out}};
    if (o.return_attention_mask.value_or(return_attention_mask_)) r["attention_mask"] = mask;
    return r;
  }

 private:
  int64_t num_mel_bins_, stride_;
  std::vector<double> mel_, window_;
};

// AutoFeatureExtractor finds the class by name through this registration (processors/ names no family).
[[maybe_unused]] const bool registered = register_feature_extractor("SeamlessM4TFeatureExtractor", [](const Json& c) -> std::unique_ptr<FeatureExtractor> {
  return std::make_unique<SeamlessM4TFeatureExtractor>(c);
});

}  // namespace

}  // namespace transformers::audio
