// Audio pipelines, following transformers/pipelines/{automatic_speech_recognition,audio_classification}.py,
// one clip at a time (whole, or in strided chunks).
#include <algorithm>
#include <cmath>
#include <functional>

#include "models/whisper/tokenization_whisper.hpp"
#include "ops/ops.hpp"
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {

// The pipeline's chunk_iter: chunks of chunk_length_s overlapping by stride_length_s on each side
// (both rounded to `align` samples), each passed as [start, end) with the strides it keeps (none
// at the clip's ends); chunks no longer than their left stride are skipped.
void chunk_iter(int64_t n, double sr, const AsrOptions& o, int64_t align, const std::function<void(int64_t, int64_t, int64_t, int64_t)>& each) {
  const double stride_s = o.stride_length_s.value_or(o.chunk_length_s / 6);
  auto samples = [&](double s) { return static_cast<int64_t>(std::nearbyint(s * sr / static_cast<double>(align))) * align; };
  const int64_t chunk = samples(o.chunk_length_s), left = samples(stride_s), right = samples(stride_s);
  if (chunk < left + right) throw ValueError("Chunk length must be superior to stride length");
  const int64_t step = chunk - left - right;
  if (step <= 0) throw ValueError("automatic-speech-recognition: chunk_length_s leaves no step between chunks");
  for (int64_t start = 0; start < n; start += step) {
    const int64_t end = std::min(start + chunk, n), sl = start == 0 ? 0 : left, sr_ = end >= n ? 0 : right;
    if (end - start > sl) each(start, end, sl, sr_);
    if (end >= n) break;
  }
}

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

// Wav2Vec2CTCTokenizer._get_word_offsets: runs of non-space characters, from the first one's start
// to the last one's end.
std::vector<PreTrainedTokenizer::CharOffset> word_offsets(const std::vector<PreTrainedTokenizer::CharOffset>& chars) {
  std::vector<PreTrainedTokenizer::CharOffset> words;
  bool in_word = false;
  for (const auto& c : chars) {
    const bool space = c.text == " ";
    if (!space && !in_word) words.push_back({c.text, c.start, c.end});
    else if (!space) words.back().text += c.text, words.back().end = c.end;
    in_word = !space;
  }
  return words;
}

}  // namespace

int64_t AutomaticSpeechRecognitionPipeline::ctc_align() const {  // inputs_to_logits_ratio
  int64_t r = 1;
  if (model_->config().has("conv_stride"))
    for (int64_t st : model_->config().get_int_list("conv_stride")) r *= st;
  return r;
}

std::unique_ptr<AutomaticSpeechRecognitionPipeline> AutomaticSpeechRecognitionPipeline::from_pretrained(const std::string& name,
                                                                                                      const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<AutomaticSpeechRecognitionPipeline>(new AutomaticSpeechRecognitionPipeline());
  ConfigOptions co;
  static_cast<HubOptions&>(co) = o;
  const PretrainedConfig c = AutoConfig::from_pretrained(name, co);
  // Python's ASR pipeline: a seq2seq model when AutoModelForSpeechSeq2Seq maps the model type, else CTC.
  if (auto_class_maps("AutoModelForSpeechSeq2Seq", c)) {
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
  AsrOptions o;
  o.generation = g;
  std::vector<std::string> out;
  for (const auto& r : transcribe(audio, o)) out.push_back(r.text);
  return out;
}

std::vector<AsrResult> AutomaticSpeechRecognitionPipeline::transcribe(const std::vector<std::vector<float>>& audio, const AsrOptions& o) const {
  const PreTrainedTokenizer& tok = *processor_->tokenizer();
  const FeatureExtractor& fe = processor_->feature_extractor();
  std::vector<AsrResult> out;
  for (const auto& clip : audio) {
    if (clip.empty()) throw ValueError("automatic-speech-recognition: an empty audio clip");
    AsrResult res;
    const std::string& ts = o.return_timestamps;
    if (!ts.empty() && ts != "true" && ts != "char" && ts != "word")
      throw ValueError("automatic-speech-recognition: return_timestamps must be '', 'true', 'char' or 'word', got '" + ts + "'");
    if (ctc_) {
      if (o.return_language) throw ValueError("Only Whisper can return language for now.");
      if (ts == "true") throw ValueError("CTC can either predict character level timestamps, or word level timestamps: use 'char' or 'word'");
      if (!o.prompt.empty()) throw ValueError("automatic-speech-recognition: a prompt is for Whisper; CTC models take none");
      // Frames' argmax, decoded with the CTC rules and special tokens kept (type "ctc"); in chunks
      // when asked, each chunk's stride frames dropped before joining (chunk_iter, rescale_stride).
      const int64_t n = static_cast<int64_t>(clip.size());
      std::vector<int64_t> ids;
      if (o.chunk_length_s > 0) {
        const int64_t align = ctc_align();
        chunk_iter(n, static_cast<double>(fe.sampling_rate()), o, align, [&](int64_t start, int64_t end, int64_t sl, int64_t sr_) {
          const int64_t len = end - start;
          const std::vector<float> piece(clip.begin() + start, clip.begin() + end);
          const Tensor frames = ops::argmax(model_->forward(features(fe, piece, true))["logits"], -1);
          const auto f = frames.to_ints();
          const int64_t tokens = static_cast<int64_t>(std::nearbyint(static_cast<double>(len) / static_cast<double>(align)));
          const int64_t l = static_cast<int64_t>(std::nearbyint(static_cast<double>(sl) / static_cast<double>(len) * static_cast<double>(tokens)));
          const int64_t r = static_cast<int64_t>(std::nearbyint(static_cast<double>(sr_) / static_cast<double>(len) * static_cast<double>(tokens)));
          const int64_t hi = std::min<int64_t>(tokens - r, static_cast<int64_t>(f.size()));
          for (int64_t i = l; i < hi; ++i) ids.push_back(f[i]);
        });
      } else {
        ids = ops::argmax(model_->forward(features(fe, clip, true))["logits"], -1).to_ints();
      }
      res.text = tok.decode(ids, false);
      if (!ts.empty()) {
        // offsets in logit frames -> seconds (inputs_to_logits_ratio samples per frame)
        const double sec = static_cast<double>(ctc_align()) / static_cast<double>(fe.sampling_rate());
        for (const auto& c : ts == "char" ? tok.ctc_char_offsets(ids) : word_offsets(tok.ctc_char_offsets(ids)))
          res.chunks.push_back({static_cast<double>(c.start) * sec, static_cast<double>(c.end) * sec, c.text});
      }
      out.push_back(std::move(res));
      continue;
    }
    // Whisper: past one 30 s window the extractor keeps every frame and generate() goes long-form;
    // with chunk_length_s, overlapping chunks (chunk_iter) are transcribed apart and merged.
    if (ts == "char")
      throw ValueError("Whisper cannot return `char` timestamps, only word level or segment level timestamps. Use `return_timestamps='word'` "
                       "or `return_timestamps=True` respectively.");
    const int64_t window = model_->config().get_int("max_source_positions") * 2 * 160;  // samples per window at hop 160
    GenerationConfig call = o.generation;
    const GenerationConfig& model_g = model_->generation_config();
    if (!call.num_beams && !model_g.num_beams) call.num_beams = 5;
    if (!call.max_new_tokens && !model_g.max_new_tokens && !call.max_length && !model_g.max_length) call.max_new_tokens = 256;
    if (ts == "true" || ts == "word") call.return_timestamps = true;
    if (ts == "word") call.return_token_timestamps = true, call.return_segments = true;
    if (o.return_language) call.return_segments = true;
    const auto lang_to_id = call.lang_to_id ? call.lang_to_id : model_->generation_config().lang_to_id;
    if (!o.prompt.empty()) call.prompt_ids = tok.get_prompt_ids(o.prompt);
    auto transcribe_piece = [&](const std::vector<float>& piece, bool whole) {
      FeatureExtractorCallOptions fo;
      fo.sampling_rate = fe.sampling_rate();
      fo.return_attention_mask = true;
      if (whole && static_cast<int64_t>(piece.size()) > window) fo.truncation = false, fo.padding = "longest";
      const BatchFeature f = fe({piece}, fo);
      const GenerateOutput g = model_->generate(f.at("input_features"), call, f.count("attention_mask") ? f.at("attention_mask") : Tensor());
      whisper::AsrOutput r{g.sequences.to_ints(), std::nullopt, {}};
      if (ts == "word")  // the segments' token times, in the audio
        for (const auto& seg : g.segments.at(0)) r.token_timestamps.insert(r.token_timestamps.end(), seg.token_timestamps.begin(), seg.token_timestamps.end());
      // return_language: the language token of the first window's prompt goes before the tokens, so
      // that _decode_asr sees it (generate() returns the text without its prompt).
      if (o.return_language && lang_to_id && !g.segments.at(0).empty())
        for (int64_t t : g.segments[0][0].result)
          if (std::any_of(lang_to_id->begin(), lang_to_id->end(), [&](const auto& kv) { return kv.second == t; })) {
            r.ids.insert(r.ids.begin(), t);  // (Python does not shift the token times with it; neither do we)
            break;
          }
      return r;
    };
    std::vector<whisper::AsrOutput> pieces;
    if (o.chunk_length_s > 0) {
      const double sr = static_cast<double>(fe.sampling_rate());
      chunk_iter(static_cast<int64_t>(clip.size()), sr, o, 1, [&](int64_t start, int64_t end, int64_t sl, int64_t sr_) {
        whisper::AsrOutput r = transcribe_piece(std::vector<float>(clip.begin() + start, clip.begin() + end), false);
        r.stride = std::array<double, 3>{static_cast<double>(end - start) / sr, static_cast<double>(sl) / sr, static_cast<double>(sr_) / sr};
        pieces.push_back(std::move(r));
      });
    } else {
      pieces.push_back(transcribe_piece(clip, true));
    }
    const double precision = 30.0 / static_cast<double>(model_->config().get_int("max_source_positions")) *
                             (static_cast<double>(window) / static_cast<double>(fe.sampling_rate()) / 30.0);
    const whisper::AsrText t = whisper::decode_asr(tok, pieces, precision, !ts.empty(), ts == "word");
    res.text = t.text;
    const std::string no_language;
    if (ts == "word") {
      for (const auto& c : t.chunks)
        for (const auto& w : c.words) res.chunks.push_back({w.start, w.end, w.text, o.return_language ? c.language : no_language});
    } else if (ts == "true" || o.return_language) {
      for (const auto& c : t.chunks)
        res.chunks.push_back({ts == "true" ? c.start : std::nullopt, ts == "true" ? c.end : std::nullopt, c.text, o.return_language ? c.language : no_language});
    }
    out.push_back(std::move(res));
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
