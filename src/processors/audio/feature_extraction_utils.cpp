// SequenceFeatureExtractor.pad and AutoFeatureExtractor (transformers v5).
#include "processors/audio/feature_extraction_utils.hpp"

#include <cmath>
#include <map>

#include "transformers/config.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio {

namespace {
template <typename T>
T field(const Json& c, const char* key, T def) {
  return json_value<ConfigError>(c, key, def, "preprocessor_config.json");
}
}  // namespace

SequenceFeatureExtractor::SequenceFeatureExtractor(const Json& c) {
  if (!c.is_object()) throw ConfigError("preprocessor_config.json must be a JSON object");
  sampling_rate_ = field<int64_t>(c, "sampling_rate", 16000);
  feature_size_ = field<int64_t>(c, "feature_size", 1);
  padding_value_ = field<float>(c, "padding_value", 0.0f);
  padding_side_ = field<std::string>(c, "padding_side", "right");
  return_attention_mask_ = field<bool>(c, "return_attention_mask", true);
  if (sampling_rate_ <= 0) throw ConfigError("preprocessor_config.json: sampling_rate must be positive");
  if (padding_side_ != "right" && padding_side_ != "left") throw ConfigError("padding_side must be 'right' or 'left', got " + padding_side_);
}

void SequenceFeatureExtractor::check_rate(const FeatureExtractorCallOptions& o) const {
  if (o.sampling_rate && *o.sampling_rate != sampling_rate_)
    throw ValueError("The model corresponding to this feature extractor: " + class_name() + " was trained using a sampling rate of " +
                     std::to_string(sampling_rate_) + ". Please make sure that the provided raw_speech input was sampled with " +
                     std::to_string(sampling_rate_) + " and not " + std::to_string(*o.sampling_rate) + ".");
}

SequenceFeatureExtractor::Padded SequenceFeatureExtractor::pad(const std::vector<std::vector<float>>& raw, const std::string& padding,
                                                               std::optional<int64_t> max_length, bool truncation,
                                                               std::optional<int64_t> multiple, bool want_mask) const {
  if (raw.empty()) throw ValueError(class_name() + ": no audio given");
  if (padding != "longest" && padding != "max_length" && padding != "do_not_pad")
    throw ValueError("padding must be 'longest', 'max_length' or 'do_not_pad', got '" + padding + "'");
  if (padding == "max_length" && !max_length) throw ValueError("When setting padding='max_length', max_length must be defined");
  if (truncation && !max_length) throw ValueError("When setting truncation=True, make sure that max_length is defined");
  int64_t target = 0;
  if (padding == "longest")
    for (const auto& r : raw) target = std::max<int64_t>(target, static_cast<int64_t>(r.size()));
  else if (max_length)
    target = *max_length;
  if (multiple && *multiple > 0 && target % *multiple) target = (target / *multiple + 1) * *multiple;
  Padded p;
  for (const auto& r : raw) {
    std::vector<float> v = r;
    if (truncation && static_cast<int64_t>(v.size()) > *max_length) v.resize(static_cast<size_t>(*max_length));
    const int64_t len = static_cast<int64_t>(v.size());
    const int64_t extra = padding == "do_not_pad" ? 0 : std::max<int64_t>(0, target - len);
    std::vector<int32_t> mask(static_cast<size_t>(len), 1);
    if (padding_side_ == "right") {
      v.insert(v.end(), static_cast<size_t>(extra), padding_value_);
      mask.insert(mask.end(), static_cast<size_t>(extra), 0);
    } else {
      v.insert(v.begin(), static_cast<size_t>(extra), padding_value_);
      mask.insert(mask.begin(), static_cast<size_t>(extra), 0);
    }
    p.values.push_back(std::move(v));
    if (want_mask) p.attention_mask.push_back(std::move(mask));
  }
  return p;
}

void SequenceFeatureExtractor::zero_mean_unit_var_norm(Padded& p, bool use_mask, float padding_value) {
  for (size_t i = 0; i < p.values.size(); ++i) {
    auto& v = p.values[i];
    size_t len = v.size();
    if (use_mask) {
      len = 0;
      for (int32_t m : p.attention_mask[i]) len += m != 0;
    }
    double mean = 0, var = 0;
    for (size_t t = 0; t < len; ++t) mean += v[t];
    mean /= static_cast<double>(std::max<size_t>(len, 1));
    for (size_t t = 0; t < len; ++t) var += (v[t] - mean) * (v[t] - mean);
    var /= static_cast<double>(std::max<size_t>(len, 1));
    const double inv = 1.0 / std::sqrt(static_cast<double>(static_cast<float>(var) + 1e-7f));
    for (size_t t = 0; t < v.size(); ++t) v[t] = t < len ? static_cast<float>((v[t] - mean) * inv) : padding_value;
  }
}

Tensor SequenceFeatureExtractor::rows_tensor(const std::vector<std::vector<float>>& rows, const std::string& what) {
  const int64_t B = static_cast<int64_t>(rows.size()), L = static_cast<int64_t>(rows[0].size());
  for (const auto& r : rows)
    if (static_cast<int64_t>(r.size()) != L)
      throw ValueError(what + ": rows of different lengths cannot form one tensor; pad them (padding='longest')");
  Tensor t = Tensor::empty({B, L});
  for (int64_t b = 0; b < B; ++b) std::copy(rows[b].begin(), rows[b].end(), t.data<float>() + b * L);
  return t;
}

Tensor SequenceFeatureExtractor::mask_tensor(const std::vector<std::vector<int32_t>>& rows) {
  const int64_t B = static_cast<int64_t>(rows.size()), L = static_cast<int64_t>(rows[0].size());
  Tensor t = Tensor::empty({B, L}, DType::I32);
  for (int64_t b = 0; b < B; ++b) std::copy(rows[b].begin(), rows[b].end(), t.data<int32_t>() + b * L);
  return t;
}

namespace {
// Sorted by name, so the list of supported classes in an error reads the same in every build.
std::map<std::string, FeatureExtractorFactory>& extractor_classes() {
  static std::map<std::string, FeatureExtractorFactory> m;
  return m;
}
}  // namespace

bool register_feature_extractor(const std::string& class_name, FeatureExtractorFactory factory) {
  extractor_classes()[class_name] = factory;
  return true;
}

}  // namespace transformers::audio

namespace transformers {

std::unique_ptr<FeatureExtractor> AutoFeatureExtractor::from_json_string(const std::string& json, const std::string& source) {
  const Json c = parse_json(json, source);
  if (!c.is_object()) throw ConfigError(source + " must be a JSON object");
  const std::string type = json_value<ConfigError>(c, "feature_extractor_type", std::string(), "preprocessor_config.json");
  const auto& classes = audio::extractor_classes();
  if (auto it = classes.find(type); it != classes.end()) return it->second(c);
  std::string known;
  for (const auto& [name, factory] : classes) known += (known.empty() ? "" : ", ") + name;
  throw ValueError("Unrecognized feature extractor '" + type + "' in " + source + ": supported are " + known);
}

std::unique_ptr<FeatureExtractor> AutoFeatureExtractor::from_pretrained(const std::string& name, const HubOptions& o) {
  const std::string path = *cached_file(name, "preprocessor_config.json", o);
  Json c = parse_json_file(path);
  if (!c.is_object()) throw ConfigError(path + " must be a JSON object");
  if (!c.contains("feature_extractor_type")) {
    // Python falls back on the model's config: model_type -> extractor class.
    const std::string mt = AutoConfig::from_pretrained(name, ConfigOptions{o, {}}).model_type();
    if (mt == "whisper") c["feature_extractor_type"] = "WhisperFeatureExtractor";
    else if (mt == "wav2vec2" || mt == "hubert" || mt == "wavlm") c["feature_extractor_type"] = "Wav2Vec2FeatureExtractor";
    else if (mt == "audio-spectrogram-transformer") c["feature_extractor_type"] = "ASTFeatureExtractor";
    else if (mt == "seamless_m4t" || mt == "seamless_m4t_v2") c["feature_extractor_type"] = "SeamlessM4TFeatureExtractor";
    else throw ValueError("Unrecognized feature extractor in " + name + ": no feature_extractor_type and model_type '" + mt + "' has none");
  }
  return from_json_string(c.dump(), path);
}

}  // namespace transformers
