#pragma once
// AutoFeatureExtractor and the audio feature extractors, named as in Python transformers: raw
// mono float waveforms in, a BatchFeature ("input_features" / "input_values", "attention_mask") out.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/hub.hpp"
#include "transformers/tensor.hpp"

namespace transformers {

using BatchFeature = std::map<std::string, Tensor>;

struct TRANSFORMERS_API FeatureExtractorCallOptions {
  // "longest" (default for Wav2Vec2), "max_length" (Whisper's default: its 30 s window) or "do_not_pad".
  std::optional<std::string> padding;
  std::optional<int64_t> max_length;  // samples
  std::optional<bool> truncation;
  std::optional<int64_t> pad_to_multiple_of;
  std::optional<bool> return_attention_mask;
  std::optional<bool> do_normalize;
  // The rate the audio was sampled at; a mismatch with the extractor's rate is a ValueError, as in Python.
  std::optional<int64_t> sampling_rate;
};

class TRANSFORMERS_API FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;
  virtual BatchFeature operator()(const std::vector<std::vector<float>>& raw_speech, const FeatureExtractorCallOptions& o = {}) const = 0;
  // "WhisperFeatureExtractor", "Wav2Vec2FeatureExtractor"
  virtual std::string class_name() const = 0;
  int64_t sampling_rate() const { return sampling_rate_; }
  int64_t feature_size() const { return feature_size_; }

 protected:
  int64_t sampling_rate_ = 16000, feature_size_ = 1;
  float padding_value_ = 0.0f;
  std::string padding_side_ = "right";
  bool return_attention_mask_ = false;
};

class TRANSFORMERS_API AutoFeatureExtractor {
 public:
  // preprocessor_config.json's feature_extractor_type, else config.json's model_type.
  static std::unique_ptr<FeatureExtractor> from_pretrained(const std::string& name_or_path, const HubOptions& o = {});
  // From preprocessor_config.json text.
  static std::unique_ptr<FeatureExtractor> from_json_string(const std::string& json, const std::string& source = "preprocessor_config.json");
};

class PreTrainedTokenizer;

// AutoProcessor for audio models (WhisperProcessor, Wav2Vec2Processor): the folder's feature
// extractor for audio in, its tokenizer for ids out.
class TRANSFORMERS_API AudioProcessor {
 public:
  BatchFeature operator()(const std::vector<std::vector<float>>& audio, const FeatureExtractorCallOptions& o = {}) const {
    return (*feature_extractor_)(audio, o);
  }
  // ValueError when the folder has no tokenizer.
  std::vector<std::string> batch_decode(const std::vector<std::vector<int64_t>>& ids, bool skip_special_tokens = true) const;
  const FeatureExtractor& feature_extractor() const { return *feature_extractor_; }
  const PreTrainedTokenizer* tokenizer() const { return tokenizer_.get(); }
  const std::string& class_name() const { return class_name_; }  // "WhisperProcessor", "Wav2Vec2Processor"
  ~AudioProcessor();

 private:
  friend class AutoProcessor;
  AudioProcessor() = default;
  std::unique_ptr<FeatureExtractor> feature_extractor_;
  std::unique_ptr<PreTrainedTokenizer> tokenizer_;
  std::string class_name_;
};

class TRANSFORMERS_API AutoProcessor {
 public:
  // The folder's processor_class (processor_config.json, preprocessor_config.json or
  // tokenizer_config.json), else the one its feature extractor implies.
  static std::unique_ptr<AudioProcessor> from_pretrained(const std::string& name_or_path, const HubOptions& o = {});
};

// A sound file (WAV, FLAC, OGG/Vorbis, MP3 through libsndfile) as mono float32 at `sampling_rate`:
// channels averaged, resampled with soxr (high quality) when the file's rate differs. OSError when
// unreadable, ValueError when it holds no samples.
TRANSFORMERS_API std::vector<float> load_audio(const std::string& path, int64_t sampling_rate);
// soxr high-quality resampling of one mono signal.
TRANSFORMERS_API std::vector<float> resample(const std::vector<float>& x, double from_rate, double to_rate);

}  // namespace transformers
