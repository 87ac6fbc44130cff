// Wav2Vec2FeatureExtractor (models/wav2vec2/feature_extraction_wav2vec2.py): raw waveforms,
// padded, and zero-mean unit-variance normalized per row when do_normalize.
#include "processors/audio/feature_extraction_utils.hpp"

namespace transformers::audio {

namespace {

class Wav2Vec2FeatureExtractor : public SequenceFeatureExtractor {
 public:
  explicit Wav2Vec2FeatureExtractor(const Json& c) : SequenceFeatureExtractor(c) {
    return_attention_mask_ = json_value<ConfigError>(c, "return_attention_mask", false, "preprocessor_config.json");
    do_normalize_ = json_value<ConfigError>(c, "do_normalize", true, "preprocessor_config.json");
  }
  std::string class_name() const override { return "Wav2Vec2FeatureExtractor"; }

  BatchFeature operator()(const std::vector<std::vector<float>>& raw, const FeatureExtractorCallOptions& o) const override {
    check_rate(o);
    const std::string padding = o.padding.value_or("do_not_pad");
    const bool want_mask = o.return_attention_mask.value_or(return_attention_mask_);
    Padded p = pad(raw, padding, o.max_length, o.truncation.value_or(false), o.pad_to_multiple_of, want_mask);
    // Python normalizes over the padded row (pads included) unless it returns an attention mask.
    if (o.do_normalize.value_or(do_normalize_)) zero_mean_unit_var_norm(p, want_mask && padding != "do_not_pad", padding_value_);
    BatchFeature r{{"input_values", rows_tensor(p.values, "input_values")}};
    if (want_mask) r["attention_mask"] = mask_tensor(p.attention_mask);
    return r;
  }

 private:
  bool do_normalize_ = true;
};

// AutoFeatureExtractor finds the class by name through this registration (processors/ names no family).
[[maybe_unused]] const bool registered = register_feature_extractor("Wav2Vec2FeatureExtractor", [](const Json& c) -> std::unique_ptr<FeatureExtractor> {
  return std::make_unique<Wav2Vec2FeatureExtractor>(c);
});

}  // namespace

}  // namespace transformers::audio
