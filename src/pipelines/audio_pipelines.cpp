// Audio pipelines, following transformers/pipelines/{automatic_speech_recognition,audio_classification}.py
// for one unchunked clip at a time.
#include <algorithm>

#include "ops/ops.hpp"
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {

std::vector<std::vector<float>> load_all(const std::vector<std::string>& paths, int64_t rate) {
  std::vector<std::vector<float>> audio;
  for (const auto& p : paths) audio.push_back(load_audio(p, rate));
  return audio;
}

// The model inputs the feature extractor made of one clip, at the extractor's own rate.
ModelInputs features(const FeatureExtractor& fe, const std::vector<float>& clip, std::optional<bool> attention_mask = std::nullopt) {
  if (clip.empty()) throw ValueError("audio pipeline: an empty audio clip");
  FeatureExtractorCallOptions o;
  o.sampling_rate = fe.sampling_rate();
  o.return_attention_mask = attention_mask;
  const BatchFeature f = fe({clip}, o);
  return ModelInputs(f.begin(), f.end());
}

}  // namespace

std::unique_ptr<AutomaticSpeechRecognitionPipeline> AutomaticSpeechRecognitionPipeline::from_pretrained(const std::string& name,
                                                                                                      const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<AutomaticSpeechRecognitionPipeline>(new AutomaticSpeechRecognitionPipeline());
  ConfigOptions co;
  static_cast<HubOptions&>(co) = o;
  const PretrainedConfig c = AutoConfig::from_pretrained(name, co);
  if (c.model_type() == "whisper") {
    p->model_ = AutoModelForSpeechSeq2Seq::from_pretrained(name, o);
  } else {
    p->model_ = AutoModelForCTC::from_pretrained(name, o);
    p->ctc_ = true;
  }
  p->processor_ = AutoProcessor::from_pretrained(name, o);
  if (!p->processor_->tokenizer()) throw ValueError("automatic-speech-recognition: " + name + " has no tokenizer");
  return p;
}

std::vector<std::string> AutomaticSpeechRecognitionPipeline::operator()(const std::vector<std::vector<float>>& audio,
                                                                        const GenerationConfig& g) const {
  const PreTrainedTokenizer& tok = *processor_->tokenizer();
  std::vector<std::string> out;
  for (const auto& clip : audio) {
    if (ctc_) {
      // Frames' argmax, decoded with the CTC rules and special tokens kept (type "ctc").
      const Tensor logits = model_->forward(features(processor_->feature_extractor(), clip))["logits"];
      const Tensor ids = ops::argmax(logits, -1);
      out.push_back(tok.decode(ids.to_ints(), false));
      continue;
    }
    ModelInputs in = features(processor_->feature_extractor(), clip, true);
    GenerationConfig call = g;
    const GenerationConfig& model_g = model_->generation_config();
    if (!call.num_beams && !model_g.num_beams) call.num_beams = 5;
    if (!call.max_new_tokens && !model_g.max_new_tokens && !call.max_length && !model_g.max_length) call.max_new_tokens = 256;
    const Tensor seq = model_->generate(in.at("input_features"), call).sequences;
    // _decode_asr without timestamps: the text tokens (no special ids, no timestamps) decoded.
    const std::optional<int64_t> no_ts = tok.backend().token_to_id("<|notimestamps|>");
    std::vector<int64_t> text;
    for (int64_t id : seq.to_ints()) {
      const auto t = tok.backend().id_to_token(id);
      if (t && tok.backend().is_special(*t)) continue;
      if (no_ts && id > *no_ts) continue;
      text.push_back(id);
    }
    out.push_back(tok.decode(text, false));
  }
  return out;
}

std::vector<std::string> AutomaticSpeechRecognitionPipeline::transcribe_files(const std::vector<std::string>& paths,
                                                                              const GenerationConfig& g) const {
  return (*this)(load_all(paths, sampling_rate()), g);
}

std::unique_ptr<AudioClassificationPipeline> AudioClassificationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<AudioClassificationPipeline>(new AudioClassificationPipeline());
  p->model_ = AutoModelForAudioClassification::from_pretrained(name, o);
  p->extractor_ = AutoFeatureExtractor::from_pretrained(name, o);
  return p;
}

std::vector<std::vector<LabelScore>> AudioClassificationPipeline::operator()(const std::vector<std::vector<float>>& audio,
                                                                             std::optional<int64_t> top_k) const {
  std::vector<std::vector<LabelScore>> out;
  for (const auto& clip : audio) {
    const Tensor logits = model_->forward(features(*extractor_, clip))["logits"].contiguous();
    out.push_back(label_scores(model_->config(), logits.data<float>(), logits.size(-1), top_k, false));
  }
  return out;
}

std::vector<std::vector<LabelScore>> AudioClassificationPipeline::classify_files(const std::vector<std::string>& paths,
                                                                                 std::optional<int64_t> top_k) const {
  return (*this)(load_all(paths, sampling_rate()), top_k);
}

}  // namespace transformers
