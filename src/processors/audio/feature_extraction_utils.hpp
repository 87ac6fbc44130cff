#pragma once
// SequenceFeatureExtractor (feature_extraction_sequence_utils.py): padding / truncation of raw
// waveforms and the zero-mean unit-variance normalization the audio extractors share.
#include "io/json.hpp"
#include "transformers/feature_extraction.hpp"

namespace transformers::audio {

class SequenceFeatureExtractor : public FeatureExtractor {
 public:
  explicit SequenceFeatureExtractor(const Json& config);

 protected:
  struct Padded {
    std::vector<std::vector<float>> values;  // every row the same length unless do_not_pad
    std::vector<std::vector<int32_t>> attention_mask;  // filled when asked for
  };
  // pad(): strategy "longest" | "max_length" | "do_not_pad".
  Padded pad(const std::vector<std::vector<float>>& raw, const std::string& padding, std::optional<int64_t> max_length, bool truncation,
             std::optional<int64_t> pad_to_multiple_of, bool return_attention_mask) const;
  void check_rate(const FeatureExtractorCallOptions& o) const;
  // (x - mean) / sqrt(var + 1e-7) over each row's first `length` samples (all of it without a
  // mask); padded samples get padding_value.
  static void zero_mean_unit_var_norm(Padded& p, bool use_mask, float padding_value);
  static Tensor rows_tensor(const std::vector<std::vector<float>>& rows, const std::string& what);
  static Tensor mask_tensor(const std::vector<std::vector<int32_t>>& rows);
};

// A family's extractor (models/<family>/feature_extraction_*.cpp) registers its class name here at
// load time, so AutoFeatureExtractor (below models) names no family. Returns true so it can
// initialize a namespace-scope constant.
using FeatureExtractorFactory = std::unique_ptr<FeatureExtractor> (*)(const Json& config);
bool register_feature_extractor(const std::string& class_name, FeatureExtractorFactory factory);

}  // namespace transformers::audio
