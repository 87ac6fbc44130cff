#pragma once
// Task pipelines built on the Auto classes.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/errors.hpp"
#include "transformers/export.hpp"
#include "transformers/feature_extraction.hpp"
#include "transformers/image_processing.hpp"
#include "transformers/modeling.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

// ---------------------------------------------------------------------------------------------
// Tasks: Python's SUPPORTED_TASKS / TASK_ALIASES / pipeline(). Every pipeline below derives from
// Pipeline; pipeline(task, model) builds the one a task names (aliases accepted, the task inferred
// from the model's config when empty) and call_json() runs it on JSON inputs, returning the results
// as JSON (what the CLI prints with --json and a server sends back).

// What a task reads, so a front-end (CLI, server) knows how to turn its arguments into inputs.
enum class InputKind {
  Text,            // a string, or a list of strings
  TextPair,        // a string or {"text", "text_pair"} (cross-encoders, NLI)
  QuestionContext, // {"question", "context"}
  Chat,            // a prompt string, or a chat: a list of {"role", "content"} messages
  Image,           // an image file path (or a list of them)
  ImageText,       // {"images": path, "text": prompt or chat messages}
  Audio,           // a sound file path, or {"raw": [samples], "sampling_rate": n} (or a list)
  SourceSentences, // {"source_sentence", "sentences"}
  QueryDocuments,  // {"query", "documents"}
};
const char* input_kind_name(InputKind k);  // "text", "text-pair", ...

// One row of the task table (the public part; the factory and the JSON writer stay inside).
struct TRANSFORMERS_API TaskInfo {
  std::string name;                       // "text-classification"
  std::vector<std::string> aliases;       // "sentiment-analysis"
  std::vector<std::string> auto_classes;  // the first loads the model; all count for infer_task
  InputKind input = InputKind::Text;
  std::string type;                       // Python's "type": text, image, audio, multimodal
  std::string description;
};
// Every task, in the order infer_task tries them.
TRANSFORMERS_API const std::vector<TaskInfo>& supported_tasks();
// Python's get_supported_tasks(): task names and aliases, sorted.
TRANSFORMERS_API std::vector<std::string> get_supported_tasks();

// Python's KeyError for a task it does not know.
class TRANSFORMERS_API UnknownTaskError : public ValueError { using ValueError::ValueError; };
// Python's check_task: the canonical name of a task or alias ("ner" -> "token-classification";
// "translation_xx_to_yy" -> "translation"); UnknownTaskError listing the known ones otherwise.
TRANSFORMERS_API const TaskInfo& check_task(const std::string& task);
// The task of a model from its config.architectures[0]: the first task whose Auto classes map that
// class (image-to-text for encoder-decoders that read pixel_values alone), else feature-extraction,
// as the Hub derives a transformers model's pipeline_tag from its architecture.
TRANSFORMERS_API std::string infer_task(const PretrainedConfig& config);

// pipeline()'s options: the model's loading options, the image processor's, and translation's
// languages (M2M100, mBART, NLLB: Text2TextGenerationPipeline::set_languages).
struct TRANSFORMERS_API PipelineOptions : FromPretrainedOptions {
  ImageProcessorOptions image_processor;
  std::string src_lang, tgt_lang;
};

class TRANSFORMERS_API Pipeline {
 public:
  using TextCallback = std::function<void(const std::string& text)>;
  virtual ~Pipeline();
  // The task this pipeline was built for ("summarization", "translation_en_to_fr", ...).
  const std::string& task() const { return task_; }
  // The pipeline's call on JSON: `inputs_json` as the task's InputKind says (one input, or a list
  // of them), `params_json` an object of the call's keyword arguments as Python names them
  // (top_k, aggregation_strategy, candidate_labels, max_new_tokens, ...). Returns the results as
  // Python's pipeline returns them (one result for one input, a list for a list). Generating
  // tasks stream their new text to `on_text`. ValueError for malformed inputs or parameters.
  virtual std::string call_json(const std::string& inputs_json, const std::string& params_json = "{}",
                                const TextCallback& on_text = {}) const;

 protected:
  explicit Pipeline(std::string task) : task_(std::move(task)) {}
  std::string task_;
  friend std::unique_ptr<Pipeline> pipeline(const std::string& task, const std::string& model, const PipelineOptions& o);
};

// Python's pipeline(task, model): `task` may be empty (inferred from the model's config) or an
// alias; UnknownTaskError for a task not in the table.
TRANSFORMERS_API std::unique_ptr<Pipeline> pipeline(const std::string& task, const std::string& model, const PipelineOptions& o = {});

// SentenceTransformer.encode's options.
struct TRANSFORMERS_API EncodeOptions {
  int64_t batch_size = 32;
  // A literal prompt (even "", which turns the default off) wins over prompt_name, which names one
  // of the folder's prompts (config_sentence_transformers.json); else its default_prompt_name. The
  // prompt is prepended to every text.
  std::optional<std::string> prompt, prompt_name;
  int64_t truncate_dim = 0;           // > 0: the first truncate_dim dimensions (Matryoshka), before normalizing
  bool normalize_embeddings = false;  // L2-normalize the output rows
};

// sentence-transformers' SentenceTransformer over a folder it saved: modules.json's Transformer
// (any AutoModel: encoders, and decoders such as Qwen3-Embedding with last-token pooling), Pooling
// (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, several at once concatenated;
// include_prompt), Dense (activation, residual) and Normalize modules; prompts, default_prompt_name
// and similarity_fn_name from config_sentence_transformers.json. A folder without modules.json is
// a plain model pooled by the mean, as sentence-transformers builds it.
class TRANSFORMERS_API SentenceTransformer : public Pipeline {
 public:
  static std::unique_ptr<SentenceTransformer> from_pretrained(const std::string& name_or_path, const FromPretrainedOptions& o = {});
  ~SentenceTransformer();
  // [N, D] fp32 embeddings, batched with padding, longest texts first.
  Tensor encode(const std::vector<std::string>& sentences, const EncodeOptions& o = {}) const;
  Tensor encode(const std::vector<std::string>& sentences, int64_t batch_size) const;
  // [N, M] scores by the model's similarity_fn_name: cosine, dot, euclidean or manhattan (negative distances).
  Tensor similarity(const Tensor& a, const Tensor& b) const;
  // Cosine similarity matrix of two embedding sets [N, D] x [M, D] -> [N, M].
  static Tensor cos_sim(const Tensor& a, const Tensor& b);

  const std::vector<std::string>& pooling_modes() const { return pooling_modes_; }
  std::string pooling_mode() const;  // the modes joined by '+'
  bool include_prompt() const { return include_prompt_; }
  bool normalize() const { return normalize_; }  // a Normalize module ends the stack
  int64_t max_seq_length() const { return max_seq_length_; }
  const std::map<std::string, std::string>& prompts() const { return prompts_; }
  const std::optional<std::string>& default_prompt_name() const { return default_prompt_name_; }
  const std::string& similarity_fn_name() const { return similarity_fn_name_; }
  const PreTrainedModel& model() const { return *model_; }
  const PreTrainedTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  SentenceTransformer();  // out of line: Module is incomplete here
  struct Module;  // a Dense or Normalize step after pooling
  Tensor pool(const Tensor& hidden, const Tensor& mask, int64_t prompt_length) const;
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tokenizer_;
  std::vector<std::string> pooling_modes_{"mean"};
  bool include_prompt_ = true;
  int64_t embedding_dimension_ = 0;  // the Pooling config's, checked against the model's output (0: unchecked)
  std::vector<Module> modules_;
  bool normalize_ = false;
  int64_t max_seq_length_ = 512;
  std::map<std::string, std::string> prompts_;
  std::optional<std::string> default_prompt_name_;
  std::string similarity_fn_name_ = "cosine";
};

// CrossEncoder.predict / rank's options.
struct TRANSFORMERS_API CrossEncoderOptions {
  int64_t batch_size = 32;
  std::optional<std::string> prompt, prompt_name;  // as EncodeOptions; prepended to each pair's first text
  bool apply_softmax = false;                      // over the labels, after the activation (num_labels > 1)
};

// sentence-transformers' CrossEncoder (rerankers such as ms-marco-MiniLM, bge-reranker): the
// folder's AutoModelForSequenceClassification scores each (query, document) pair; the activation is
// config.json's sentence_transformers.activation_fn (or the legacy
// sbert_ce_default_activation_function), else Sigmoid for one label and Identity for more.
class TRANSFORMERS_API CrossEncoder : public Pipeline {
 public:
  static std::unique_ptr<CrossEncoder> from_pretrained(const std::string& name_or_path, const FromPretrainedOptions& o = {});
  // [N] scores for one label, else [N, num_labels].
  Tensor predict(const std::vector<std::pair<std::string, std::string>>& pairs, const CrossEncoderOptions& o = {}) const;
  struct Ranked {
    int64_t corpus_id;
    double score;
  };
  // The documents by descending score against the query (ties keep their order); top_k > 0 keeps
  // that many. ValueError for a model with more than one label.
  std::vector<Ranked> rank(const std::string& query, const std::vector<std::string>& documents, int64_t top_k = 0,
                           const CrossEncoderOptions& o = {}) const;
  int64_t num_labels() const { return num_labels_; }
  std::string activation_fn() const;  // Identity, Sigmoid, Tanh, ...
  int64_t max_seq_length() const { return max_seq_length_; }
  const PreTrainedModel& model() const { return *model_; }
  const PreTrainedTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  CrossEncoder() : Pipeline("rerank") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tokenizer_;
  int64_t num_labels_ = 1;
  std::optional<int> activation_;  // an ops::Activation, none: Identity
  int64_t max_seq_length_ = 512;
  std::map<std::string, std::string> prompts_;
  std::optional<std::string> default_prompt_name_;
};

struct TRANSFORMERS_API LabelScore {
  std::string label;
  double score;
};

struct TRANSFORMERS_API FillMaskResult {
  double score;
  int64_t token;
  std::string token_str, sequence;
};

struct TRANSFORMERS_API TokenEntity {
  std::string entity;  // "B-PER" (aggregation none) or the group "PER"
  double score;
  std::optional<int64_t> index;  // token index (aggregation none only)
  std::string word;
  int64_t start, end;  // code points of the input
};

// pipeline("text-classification"): softmax, or sigmoid for multi-label / one label, identity for regression.
class TRANSFORMERS_API TextClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<TextClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  // top_k: 1 -> the best label; nullopt -> every label, best first.
  std::vector<std::vector<LabelScore>> operator()(const std::vector<std::string>& texts, std::optional<int64_t> top_k = 1) const;
  // Text pairs ({"text", "text_pair"} in Python): cross-encoders, NLI, reranking.
  std::vector<std::vector<LabelScore>> operator()(const std::vector<std::string>& texts, const std::vector<std::string>& pairs,
                                                  std::optional<int64_t> top_k = 1) const;

  // Inputs per forward pass; they are batched longest first, so padding stays within similar
  // lengths, and results come back in the caller's order.
  int64_t batch_size = 32;

 private:
  TextClassificationPipeline() : Pipeline("text-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

// pipeline("fill-mask"): the top_k fillers of the (single) mask token of each input.
class TRANSFORMERS_API FillMaskPipeline : public Pipeline {
 public:
  static std::unique_ptr<FillMaskPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<std::vector<FillMaskResult>> operator()(const std::vector<std::string>& texts, int64_t top_k = 5) const;

  // Inputs per forward pass; they are batched longest first, so padding stays within similar
  // lengths, and results come back in the caller's order.
  int64_t batch_size = 32;

 private:
  FillMaskPipeline() : Pipeline("fill-mask") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

// pipeline("token-classification") with aggregation none | simple | first | average | max;
// entities labelled "O" are dropped, as in Python.
class TRANSFORMERS_API TokenClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<TokenClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<std::vector<TokenEntity>> operator()(const std::vector<std::string>& texts, const std::string& aggregation = "none") const;

  // Inputs per forward pass; they are batched longest first, so padding stays within similar
  // lengths, and results come back in the caller's order.
  int64_t batch_size = 32;

 private:
  TokenClassificationPipeline() : Pipeline("token-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

// pipeline("question-answering") as transformers v4 ran it (v5 removed it): the question and the
// context in windows of max_seq_len tokens overlapping by doc_stride, start / end softmax over the
// context tokens, spans scored start * end up to max_answer_len tokens, widened to whole words,
// equal answers (case-insensitive) merged by summing their scores; best top_k. Character offsets
// count code points of the context, as Python's do.
struct TRANSFORMERS_API QaOptions {
  int64_t top_k = 1;
  std::optional<int64_t> doc_stride;   // default min(max_seq_len / 2, 128)
  std::optional<int64_t> max_seq_len;  // default min(model_max_length, 384)
  int64_t max_answer_len = 15;
  bool handle_impossible_answer = false;  // also score the empty answer (CLS start and end)
  bool align_to_words = true;
};
struct TRANSFORMERS_API QaAnswer {
  double score = 0;
  int64_t start = 0, end = 0;
  std::string answer;
};
class TRANSFORMERS_API QuestionAnsweringPipeline : public Pipeline {
 public:
  static std::unique_ptr<QuestionAnsweringPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<QaAnswer> operator()(const std::string& question, const std::string& context, const QaOptions& o = {}) const;

 private:
  QuestionAnsweringPipeline() : Pipeline("question-answering") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

struct TRANSFORMERS_API ZeroShotResult {
  std::string sequence;
  std::vector<std::string> labels;  // best first
  std::vector<double> scores;
};

// pipeline("zero-shot-classification"): an NLI model scores "premise = text, hypothesis =
// template.format(label)"; softmax of the entailment logits across labels, or per label
// entailment-vs-contradiction with multi_label.
class TRANSFORMERS_API ZeroShotClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<ZeroShotClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  ZeroShotResult operator()(const std::string& text, const std::vector<std::string>& candidate_labels,
                            const std::string& hypothesis_template = "This example is {}.", bool multi_label = false) const;

 private:
  ZeroShotClassificationPipeline() : Pipeline("zero-shot-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
  int64_t entailment_id_ = -1;
};

// pipeline("text-generation"): prompt + continuation (Python's return_full_text=True), decoded
// with skip_special_tokens. Prompts run one at a time; `on_text` receives the new text as it is
// produced (the streamer).
class TRANSFORMERS_API TextGenerationPipeline : public Pipeline {
 public:
  static std::unique_ptr<TextGenerationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<std::string> operator()(const std::vector<std::string>& prompts, const GenerationConfig& g = {},
                                      const TextCallback& on_text = {}) const;
  // A chat (JSON message list) through the tokenizer's chat template with the generation prompt:
  // returns the assistant's reply.
  std::string chat(const std::string& messages_json, const GenerationConfig& g = {}, const TextCallback& on_text = {},
                   const ChatTemplateOptions& o = {}) const;
  PreTrainedModel& model() const { return *model_; }
  const PreTrainedTokenizer& tokenizer() const { return *tok_; }

 private:
  TextGenerationPipeline() : Pipeline("text-generation") {}
  std::string continue_ids(const std::vector<int64_t>& ids, const GenerationConfig& g, const TextCallback& on_text) const;
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

// pipeline("text2text-generation" | "summarization" | "translation" | "translation_xx_to_yy") as
// transformers v4 defined them (v5 dropped these classes): the model config's prefix — or the
// task's entry of config.task_specific_params, whose generation settings also apply — is put
// before each input; outputs are decoded with skip_special_tokens.
class TRANSFORMERS_API Text2TextGenerationPipeline : public Pipeline {
 public:
  static std::unique_ptr<Text2TextGenerationPipeline> from_pretrained(const std::string& model, const std::string& task = "text2text-generation",
                                                                      const FromPretrainedOptions& o = {});
  // One string per input (per returned sequence when num_return_sequences > 1).
  std::vector<std::string> operator()(const std::vector<std::string>& texts, const GenerationConfig& g = {}) const;
  // "generated_text", "summary_text" or "translation_text": Python's result key.
  const std::string& output_key() const { return key_; }
  const std::string& prefix() const { return prefix_; }
  // Translation with a language-code tokenizer (M2M100, mBART, mBART-50, NLLB): inputs carry
  // src_lang's code and generation starts with tgt_lang's (forced_bos_token_id), as
  // _build_translation_inputs does; "translation_xx_to_yy" presets them. ValueError when such a
  // tokenizer translates without both; other tokenizers ignore them.
  void set_languages(const std::string& src_lang, const std::string& tgt_lang);
  PreTrainedModel& model() const { return *model_; }
  const PreTrainedTokenizer& tokenizer() const { return *tok_; }

 private:
  Text2TextGenerationPipeline() : Pipeline("text2text-generation") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
  std::string key_, prefix_, src_lang_, tgt_lang_;
  GenerationConfig task_params_;
};

// pipeline("automatic-speech-recognition") for CTC models (argmax frames, CTC-decoded by the
// tokenizer; long audio in strided chunks) and Whisper (generate(), long-form past 30 s, the text
// tokens decoded as _decode_asr does, timestamps on request). Audio is mono float at the feature
// extractor's rate, one clip at a time.
// Whisper gets the pipeline's defaults unless the call or the model's generation_config.json
// sets them: num_beams 5, max_new_tokens 256 (not with max_length).
struct TRANSFORMERS_API AsrOptions {
  GenerationConfig generation;       // Whisper's generate() settings (language, task, num_beams, ...)
  // Chunks with (start, end) in seconds: "" none; Whisper "true" (its segments) or "word" (words
  // aligned by the alignment_heads' cross-attention); CTC "char" or "word".
  std::string return_timestamps;
  // > 0: overlapping chunks of this length transcribed apart and joined (CTC: stride frames dropped;
  // Whisper: the chunks' token sequences merged where they agree, as _decode_asr does)
  double chunk_length_s = 0;
  std::optional<double> stride_length_s;  // the overlap on each side (default chunk_length_s / 6)
  // Whisper: text the transcription follows (vocabulary, spelling), sent as prompt_ids (the
  // tokenizer's get_prompt_ids); "" for none.
  std::string prompt;
  // Whisper: each chunk (and word) with the language it was transcribed in, its name ("english"),
  // as return_language=True gives it; chunks are returned then even without timestamps.
  bool return_language = false;
};
struct TRANSFORMERS_API AsrChunk {
  std::optional<double> start, end;
  std::string text;
  std::string language;  // with return_language
};
struct TRANSFORMERS_API AsrResult {
  std::string text;
  std::vector<AsrChunk> chunks;  // with return_timestamps
};

class TRANSFORMERS_API AutomaticSpeechRecognitionPipeline : public Pipeline {
 public:
  static std::unique_ptr<AutomaticSpeechRecognitionPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<std::string> operator()(const std::vector<std::vector<float>>& audio, const GenerationConfig& g = {}) const;
  // Python's pipeline call with its options; audio longer than Whisper's 30 s window is long-form.
  std::vector<AsrResult> transcribe(const std::vector<std::vector<float>>& audio, const AsrOptions& o) const;
  // Sound files through load_audio(), at sampling_rate().
  std::vector<std::string> transcribe_files(const std::vector<std::string>& paths, const GenerationConfig& g = {}) const;
  int64_t sampling_rate() const { return processor_->feature_extractor().sampling_rate(); }
  bool is_ctc() const { return ctc_; }
  PreTrainedModel& model() const { return *model_; }

 private:
  AutomaticSpeechRecognitionPipeline() : Pipeline("automatic-speech-recognition") {}
  int64_t ctc_align() const;
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<AudioProcessor> processor_;
  bool ctc_ = false;
};

// pipeline("audio-classification"): softmax (sigmoid for multi-label, identity for regression)
// over the utterance logits, best first; top_k nullopt gives every label.
class TRANSFORMERS_API AudioClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<AudioClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {});
  std::vector<std::vector<LabelScore>> operator()(const std::vector<std::vector<float>>& audio, std::optional<int64_t> top_k = 5) const;
  std::vector<std::vector<LabelScore>> classify_files(const std::vector<std::string>& paths, std::optional<int64_t> top_k = 5) const;
  int64_t sampling_rate() const { return extractor_->sampling_rate(); }

 private:
  AudioClassificationPipeline() : Pipeline("audio-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<FeatureExtractor> extractor_;
};

// pipeline("image-classification"): the model's image processor, then softmax (sigmoid for
// multi-label or one label) over the logits, best first; top_k nullopt gives every label.
class TRANSFORMERS_API ImageClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<ImageClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                      const ImageProcessorOptions& p = {});
  std::vector<std::vector<LabelScore>> operator()(const std::vector<Image>& images, std::optional<int64_t> top_k = 5) const;
  std::vector<std::vector<LabelScore>> classify_files(const std::vector<std::string>& paths, std::optional<int64_t> top_k = 5) const;
  const ImageProcessor& image_processor() const { return *processor_; }

 private:
  ImageClassificationPipeline() : Pipeline("image-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageProcessor> processor_;
};

// pipeline("zero-shot-image-classification"): CLIP-style models score the image against
// hypothesis_template filled with each label; softmax over labels (SigLIP: independent sigmoids),
// best first.
class TRANSFORMERS_API ZeroShotImageClassificationPipeline : public Pipeline {
 public:
  static std::unique_ptr<ZeroShotImageClassificationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                              const ImageProcessorOptions& p = {});
  std::vector<LabelScore> operator()(const Image& image, const std::vector<std::string>& candidate_labels,
                                     const std::string& hypothesis_template = "This is a photo of {}.") const;

 private:
  ZeroShotImageClassificationPipeline() : Pipeline("zero-shot-image-classification") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageProcessor> processor_;
  std::unique_ptr<PreTrainedTokenizer> tok_;
};

// pipeline("image-text-to-text") (and v4's "image-to-text"): the processor (LLaVA's expands the image placeholder), generate()
// with pixel_values, and the new text as Python's return_full_text=False gives it (the decoded
// prompt cut off the decoded sequence).
class TRANSFORMERS_API ImageTextToTextPipeline : public Pipeline {
 public:
  static std::unique_ptr<ImageTextToTextPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                  const ImageProcessorOptions& p = {});
  std::string operator()(const Image& image, const std::string& text, const GenerationConfig& g = {}) const;
  // Image-to-text models (VisionEncoderDecoder: TrOCR, captioners) read the image alone: the whole
  // generated sequence decoded without special tokens, as the image-to-text pipeline gave it.
  std::string operator()(const Image& image, const GenerationConfig& g = {}) const;
  bool captions_images() const;
  // Chat messages (JSON list; images as {"type": "image"} content parts) through the chat template.
  std::string chat(const Image& image, const std::string& messages_json, const GenerationConfig& g = {}) const;
  const ImageTextProcessor& processor() const { return *processor_; }

 private:
  ImageTextToTextPipeline() : Pipeline("image-text-to-text") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageTextProcessor> processor_;
};

// pipeline("image-segmentation") for semantic segmentation models: the logits resized (bilinear)
// to the image, the best class per pixel, and one 0/255 mask per class present, by class id.
struct TRANSFORMERS_API SegmentMask {
  std::optional<double> score;  // none for semantic segmentation, as in Python
  std::string label;
  Image mask;  // one channel, the input image's size
};
class TRANSFORMERS_API ImageSegmentationPipeline : public Pipeline {
 public:
  static std::unique_ptr<ImageSegmentationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                    const ImageProcessorOptions& p = {});
  std::vector<SegmentMask> operator()(const Image& image) const;
  // Python's postprocess arguments. DetrForSegmentation models (AutoModelForImageSegmentation)
  // take subtask "panoptic" (the default, as Python tries it first), "instance" or "semantic":
  // one mask per segment of post_process_panoptic / instance_segmentation at the image's size,
  // with its score; semantic models only "semantic" (or none).
  struct Options {
    std::string subtask;
    double threshold = 0.9, mask_threshold = 0.5, overlap_mask_area_threshold = 0.5;
  };
  std::vector<SegmentMask> operator()(const Image& image, const Options& options) const;

 private:
  ImageSegmentationPipeline() : Pipeline("image-segmentation") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageProcessor> processor_;
};

// pipeline("depth-estimation"): predicted depth resized (bicubic) to the image, and as a picture
// scaled to 0..255 between its minimum and maximum.
struct TRANSFORMERS_API DepthResult {
  Tensor predicted_depth;  // [height, width] float32
  Image depth;             // one channel
};
class TRANSFORMERS_API DepthEstimationPipeline : public Pipeline {
 public:
  static std::unique_ptr<DepthEstimationPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                  const ImageProcessorOptions& p = {});
  DepthResult operator()(const Image& image) const;

 private:
  DepthEstimationPipeline() : Pipeline("depth-estimation") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageProcessor> processor_;
};

// DetrImageProcessor.post_process_object_detection: per image, the queries whose best class (the
// last logit, "no object", left out) has a softmax score above `threshold`, with boxes turned from
// normalized (center x, center y, width, height) to corners scaled to that image's (height, width).
struct TRANSFORMERS_API DetectedBox {
  float score = 0;
  int64_t label_id = 0;
  std::array<float, 4> box{};  // xmin, ymin, xmax, ymax
};
TRANSFORMERS_API std::vector<std::vector<DetectedBox>> post_process_object_detection(const ModelOutput& outputs, double threshold,
                                                                    const std::vector<std::pair<int64_t, int64_t>>& target_sizes);

// DetrImageProcessor.post_process_semantic_segmentation (DetrForSegmentation's logits and
// pred_masks): per image the class probabilities ("no object" left out) times the mask sigmoids,
// summed over queries -> [classes, h, w], resized (bilinear) to target_sizes when given; the map is
// the best class per pixel [h, w] (i64). `segmentation_scores` (optional) receives the
// [classes, h, w] scores (return_segmentation_scores=True).
TRANSFORMERS_API std::vector<Tensor> post_process_semantic_segmentation(const ModelOutput& outputs,
                                                                        const std::vector<std::pair<int64_t, int64_t>>& target_sizes = {},
                                                                        std::vector<Tensor>* segmentation_scores = nullptr);
// post_process_instance_segmentation / post_process_panoptic_segmentation: the queries whose best
// class is an object with a softmax score above `threshold`; their mask sigmoids (resized bilinear
// to the target size) weighted by that score; each pixel goes to its best query, and a query whose
// pixels cover more than overlap_mask_area_threshold of its own area at >= mask_threshold becomes
// a segment (ids from 1; panoptic: the labels in label_ids_to_fuse share one segment per image).
// segmentation [h, w] i64 holds segment ids, 0 where none; -1 everywhere when no query passes
// `threshold` (Python's float map of -1).
struct TRANSFORMERS_API SegmentInfo {
  int64_t id = 0, label_id = 0;
  bool was_fused = false;
  double score = 0;  // rounded to 6 decimals, as Python's round(score, 6)
};
struct TRANSFORMERS_API SegmentationResult {
  Tensor segmentation;
  std::vector<SegmentInfo> segments_info;
  // return_coco_annotation (instance segmentation with segments): per segment id present in the
  // map, 0 included, ascending, COCO's run-length encoding [start (1-based), length, ...].
  std::vector<std::vector<int64_t>> rle;
};
struct TRANSFORMERS_API SegmentationPostProcessOptions {
  double threshold = 0.5, mask_threshold = 0.5, overlap_mask_area_threshold = 0.8;
  bool return_coco_annotation = false;  // instance only
  std::vector<int64_t> label_ids_to_fuse;  // panoptic only
  std::vector<std::pair<int64_t, int64_t>> target_sizes;  // (height, width) per image, or empty
};
TRANSFORMERS_API std::vector<SegmentationResult> post_process_instance_segmentation(const ModelOutput& outputs,
                                                                                   const SegmentationPostProcessOptions& o = {});
TRANSFORMERS_API std::vector<SegmentationResult> post_process_panoptic_segmentation(const ModelOutput& outputs,
                                                                                   const SegmentationPostProcessOptions& o = {});

// pipeline("object-detection"): one image at a time, boxes in whole pixels (truncated, as Python's
// box.int()) labelled through id2label.
struct TRANSFORMERS_API ObjectDetection {
  double score = 0;
  std::string label;
  int64_t xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};
class TRANSFORMERS_API ObjectDetectionPipeline : public Pipeline {
 public:
  static std::unique_ptr<ObjectDetectionPipeline> from_pretrained(const std::string& model, const FromPretrainedOptions& o = {},
                                                                  const ImageProcessorOptions& p = {});
  std::vector<ObjectDetection> operator()(const Image& image, double threshold = 0.5) const;
  const PreTrainedModel& model() const { return *model_; }

 private:
  ObjectDetectionPipeline() : Pipeline("object-detection") {}
  std::unique_ptr<PreTrainedModel> model_;
  std::unique_ptr<ImageProcessor> processor_;
};

// The image with each detection's box outlined (2 px, one colour per label), for a person to look at.
TRANSFORMERS_API Image draw_detections(const Image& image, const std::vector<ObjectDetection>& detections);

}  // namespace transformers
