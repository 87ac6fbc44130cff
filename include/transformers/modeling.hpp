#pragma once
// PreTrainedModel and the AutoModel* classes. Model classes themselves are internal: users reach
// them through the Auto classes, and extend them with register_() like Python's AutoModel.register.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/config.hpp"
#include "transformers/generation.hpp"
#include "transformers/tensor.hpp"

namespace transformers {

// Named inputs as HF spells them: input_ids, attention_mask, token_type_ids, position_ids, ...
using ModelInputs = std::map<std::string, Tensor>;

// Every tensor field of the HF output object, in HF's field order.
struct TRANSFORMERS_API ModelOutput {
  std::vector<std::pair<std::string, Tensor>> fields;
  bool has(const std::string& name) const;
  const Tensor& operator[](const std::string& name) const;  // ValueError when absent
  void set(const std::string& name, Tensor t);
};

// Python's forward(..., output_hidden_states=True, output_attentions=True): the output then also
// holds, flattened with dots as Python nests them,
//   hidden_states.0..N   the embeddings output, then each layer's (the last one as the model's
//                        last_hidden_state, after any final norm, exactly as Python returns it);
//   attentions.0..N-1    each layer's attention probabilities [batch, heads, q, k], computed on the
//                        explicit softmax path (Python's attn_implementation="eager");
// and their encoder-decoder forms (encoder_hidden_states.*, decoder_hidden_states.*,
// encoder_attentions.*, decoder_attentions.*, cross_attentions.*) or nested ones
// (text_model_output.hidden_states.*, vision_model_output.attentions.*).
struct TRANSFORMERS_API ForwardOptions {
  bool output_hidden_states = false;
  bool output_attentions = false;
};

struct TRANSFORMERS_API LoadingInfo {
  std::vector<std::string> missing_keys;       // not in the checkpoint (newly initialized when allowed)
  std::vector<std::string> unexpected_keys;    // in the checkpoint, not in the model
  std::vector<std::string> mismatched_keys;    // shape differs (only with ignore_mismatched_sizes)
  std::vector<std::string> tied_keys;          // filled from their tie source
  size_t zero_copy_tensors = 0, converted_tensors = 0;
};

struct TRANSFORMERS_API FromPretrainedOptions : HubOptions {
  // "auto" (checkpoint / config dtype), "float32", "bfloat16", "float16".
  std::string dtype = "auto";
  std::string device = "cpu";
  // "" (none) or "int8": weight-only int8 (per-output-row absmax scales) for every Linear layer
  // at load; activations and accumulation stay fp32.
  std::string quantization;
  bool ignore_mismatched_sizes = false;
  // Python initializes any missing weight randomly and warns. We do that only for the modules a
  // model marks as new-head-able (pooler, task heads); any other missing weight is WeightNotFound
  // unless this is set.
  bool allow_missing_weights = false;
  bool output_loading_info = false;  // print the report to stderr
  // false (default): weights are read into memory with transparent huge pages asked for, as
  // bandwidth-bound decode wants (Qwen2.5-0.5B fp32 on 2 threads here: 8.1 -> 15 tokens/s);
  // true: tensors point into a memory map of the files (no copy, near-instant load).
  bool mmap = false;
  std::map<std::string, std::string> config_overrides;  // key -> JSON text
};

class TRANSFORMERS_API PreTrainedModel {
 public:
  virtual ~PreTrainedModel();
  virtual ModelOutput forward(const ModelInputs& inputs) = 0;
  // forward() with Python's output_hidden_states / output_attentions. A model that cannot produce
  // what is asked for throws ValueError rather than leaving the fields out.
  ModelOutput forward(const ModelInputs& inputs, const ForwardOptions& options);

  const PretrainedConfig& config() const { return config_; }
  const std::string& class_name() const { return class_name_; }
  const LoadingInfo& loading_info() const { return loading_info_; }
  std::vector<std::string> parameter_names() const;
  // Python's main_input_name: what generate(ModelInputs) feeds the model ("input_ids",
  // Whisper's "input_features", an image-to-text model's "pixel_values").
  virtual std::string main_input_name() const { return "input_ids"; }
  // Inputs of the right names and shapes for `batch` rows (benchmarks, smoke tests): from the
  // main input (input_ids + attention_mask with vocab_size ids; pixel_values of the config's
  // image_size; input_values of `seq` samples; input_features of a full window) plus
  // decoder_input_ids for encoder-decoders. `seq` is the text length or audio samples.
  // Deterministic: the same tensors every call.
  virtual ModelInputs dummy_inputs(int64_t batch, int64_t seq) const;
  // Decoder-only and encoder-decoder LMs: input_ids [B, S] (left padding with attention_mask for a
  // batch). `config` overrides the model's generation_config(). Others throw ValueError.
  virtual GenerateOutput generate(const Tensor& input_ids, const GenerationConfig& config = {},
                                  const Tensor& attention_mask = {}, const GenerateHooks& hooks = {});
  // Python's generate(**inputs): input_ids (or input_features) and attention_mask, plus what the
  // model reads with the prompt only (LLaVA's pixel_values). Inputs the model does not take are a
  // ValueError.
  GenerateOutput generate(const ModelInputs& inputs, const GenerationConfig& config = {}, const GenerateHooks& hooks = {});
  // From generation_config.json when the checkpoint has one, else from config.json.
  const GenerationConfig& generation_config() const { return generation_config_; }
  void set_generation_config(GenerationConfig g) { generation_config_ = std::move(g); }
  Tensor get_parameter(const std::string& name) const;  // WeightNotFound when absent

 protected:
  explicit PreTrainedModel(PretrainedConfig config) : config_(std::move(config)) {}
  // The prompt-time inputs generate(ModelInputs) hands over before generating (and clears after);
  // returns false for a name the model does not take.
  virtual bool set_prompt_input(const std::string& name, const Tensor& value) { return false; }
  virtual void clear_prompt_inputs() {}
  PretrainedConfig config_;
  GenerationConfig generation_config_;

 private:
  friend struct ModelAccess;
  std::string class_name_;
  LoadingInfo loading_info_;
};

using ModelFactory = std::function<std::unique_ptr<PreTrainedModel>(const PretrainedConfig&)>;

namespace detail {
TRANSFORMERS_API std::unique_ptr<PreTrainedModel> auto_from_pretrained(const char* auto_class, const std::string& name_or_path,
                                                      const FromPretrainedOptions& options);
TRANSFORMERS_API std::unique_ptr<PreTrainedModel> auto_from_config(const char* auto_class, const PretrainedConfig& config);
TRANSFORMERS_API void auto_register(const char* auto_class, const std::string& model_type, const std::string& class_name,
                   ModelFactory factory, bool exist_ok);
}  // namespace detail

template <class Self>
struct AutoModelClass {
  static std::unique_ptr<PreTrainedModel> from_pretrained(const std::string& name_or_path,
                                                          const FromPretrainedOptions& options = {}) {
    return detail::auto_from_pretrained(Self::name, name_or_path, options);
  }
  // Random weights, like Python's from_config.
  static std::unique_ptr<PreTrainedModel> from_config(const PretrainedConfig& config) {
    return detail::auto_from_config(Self::name, config);
  }
  // Python's AutoModelFor*.register(config_class, model_class, exist_ok).
  static void register_(const std::string& model_type, const std::string& class_name, ModelFactory factory,
                        bool exist_ok = false) {
    detail::auto_register(Self::name, model_type, class_name, std::move(factory), exist_ok);
  }
};

#define TRANSFORMERS_AUTO_CLASS(N) \
  struct N : AutoModelClass<N> { static constexpr const char* name = #N; };
TRANSFORMERS_AUTO_CLASS(AutoModel)
TRANSFORMERS_AUTO_CLASS(AutoModelForMaskedLM)
TRANSFORMERS_AUTO_CLASS(AutoModelForPreTraining)
TRANSFORMERS_AUTO_CLASS(AutoModelForCausalLM)
TRANSFORMERS_AUTO_CLASS(AutoModelForSequenceClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForTokenClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForQuestionAnswering)
TRANSFORMERS_AUTO_CLASS(AutoModelForMultipleChoice)
TRANSFORMERS_AUTO_CLASS(AutoModelForNextSentencePrediction)
TRANSFORMERS_AUTO_CLASS(AutoModelForTextEncoding)
TRANSFORMERS_AUTO_CLASS(AutoModelForSeq2SeqLM)
TRANSFORMERS_AUTO_CLASS(AutoModelForSpeechSeq2Seq)
TRANSFORMERS_AUTO_CLASS(AutoModelForCTC)
TRANSFORMERS_AUTO_CLASS(AutoModelForAudioClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForAudioFrameClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForAudioXVector)
TRANSFORMERS_AUTO_CLASS(AutoModelForImageClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForMaskedImageModeling)
TRANSFORMERS_AUTO_CLASS(AutoModelForZeroShotImageClassification)
TRANSFORMERS_AUTO_CLASS(AutoModelForImageTextToText)
TRANSFORMERS_AUTO_CLASS(AutoModelForSemanticSegmentation)
TRANSFORMERS_AUTO_CLASS(AutoModelForDepthEstimation)
TRANSFORMERS_AUTO_CLASS(AutoModelForObjectDetection)
TRANSFORMERS_AUTO_CLASS(AutoModelForMultimodalLM)
TRANSFORMERS_AUTO_CLASS(AutoModelForImageSegmentation)
TRANSFORMERS_AUTO_CLASS(AutoModelForUniversalSegmentation)
// Python's AutoBackbone: BackboneOutput (feature_maps.0.. for config.out_features / out_indices,
// e.g. FromPretrainedOptions::config_overrides {"out_features", R"(["stage2", "stage4"])"}).
TRANSFORMERS_AUTO_CLASS(AutoBackbone)
#undef TRANSFORMERS_AUTO_CLASS

// By name, for the CLI: "AutoModelForMaskedLM".
TRANSFORMERS_API std::unique_ptr<PreTrainedModel> auto_model_from_pretrained(const std::string& auto_class, const std::string& name_or_path,
                                                            const FromPretrainedOptions& options = {});

}  // namespace transformers
