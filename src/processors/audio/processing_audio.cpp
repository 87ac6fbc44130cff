// AutoProcessor for audio models: WhisperProcessor / Wav2Vec2Processor (processing_utils.py) are a
// feature extractor and a tokenizer loaded from one folder.
#include "io/json.hpp"
#include "transformers/errors.hpp"
#include "transformers/feature_extraction.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

AudioProcessor::~AudioProcessor() = default;

std::vector<std::string> AudioProcessor::batch_decode(const std::vector<std::vector<int64_t>>& ids, bool skip_special_tokens) const {
  if (!tokenizer_) throw ValueError(class_name_ + ": this folder has no tokenizer to decode with");
  return tokenizer_->batch_decode(ids, skip_special_tokens);
}

std::unique_ptr<AudioProcessor> AutoProcessor::from_pretrained(const std::string& name, const HubOptions& o) {
  auto p = std::unique_ptr<AudioProcessor>(new AudioProcessor());
  p->feature_extractor_ = AutoFeatureExtractor::from_pretrained(name, o);
  for (const char* file : {"processor_config.json", "preprocessor_config.json", "tokenizer_config.json"}) {
    const auto path = cached_file(name, file, o, false);
    if (!path) continue;
    const Json j = parse_json_file(*path);
    if (j.is_object() && j.contains("processor_class") && j["processor_class"].is_string()) {
      p->class_name_ = j["processor_class"].get<std::string>();
      break;
    }
  }
  if (p->class_name_.empty()) {
    const std::string fe = p->feature_extractor_->class_name();
    p->class_name_ = fe.substr(0, fe.find("FeatureExtractor")) + "Processor";
  }
  // A folder without tokenizer files still processes audio (Python returns the bare extractor then).
  if (cached_file(name, "tokenizer.json", o, false) || cached_file(name, "vocab.json", o, false) || cached_file(name, "vocab.txt", o, false))
    p->tokenizer_ = AutoTokenizer::from_pretrained(name, TokenizerOptions{o});
  return p;
}

}  // namespace transformers
