#pragma once
// The data-only registry of built-in architectures (registry.cpp): one table of families, from
// which the model_type -> config and (Auto class, model_type) -> class rows are expanded. The
// run-time registrations made with AutoConfig::register_ / AutoModel*::register_ live beside it.
#include <cstdint>
#include <string>
#include <vector>

#include "transformers/config.hpp"
#include "models/heads.hpp"
#include "transformers/modeling.hpp"

namespace transformers::registry {

struct ConfigEntry {
  const char* model_type;
  ConfigSpec (*spec)();
};

struct ModelEntry {
  const char* auto_class;   // "AutoModel", "AutoModelForMaskedLM", ...
  const char* model_type;
  std::string class_name;   // "BertForMaskedLM"
  ModelFactory factory;
};

// The heads a family's backbone serves through the shared head classes (heads.hpp,
// generative.hpp); each bit is one Auto row named after the class prefix.
enum Head : uint32_t {
  kBase = 1u << 0,                  // AutoModel: {P}Model
  kTextEncoding = 1u << 1,          // AutoModelForTextEncoding: {P}Model
  kCausalLM = 1u << 2,              // AutoModelForCausalLM: {P}ForCausalLM, lm_head over the decoder stack
  kPreTrainingLM = 1u << 3,         // AutoModelForPreTraining: {P}ForCausalLM
  kLastTokenSequence = 1u << 4,     // {P}ForSequenceClassification: `score` at the last non-pad token
  kPooledSequence = 1u << 5,        // {P}ForSequenceClassification: classifier(pooler_output)
  kScoreToken = 1u << 6,            // {P}ForTokenClassification: `score` (bias: token_classification_bias)
  kToken = 1u << 7,                 // {P}ForTokenClassification: `classifier`
  kQuestionAnswering = 1u << 8,     // {P}ForQuestionAnswering: qa_outputs
  kQuestionAnsweringBC = 1u << 9,   // the same with the backbone under `transformer` (Python's BC prefix)
  kMultipleChoice = 1u << 10,       // {P}ForMultipleChoice: classifier(pooler_output) per choice
  // Capabilities that add no row: the decoder stack takes inputs_embeds (what multimodal models
  // put their language model on).
  kInputsEmbeds = 1u << 16,
};
// transformers' Generic* decoder classes: the base model, the LM and the `score` heads.
inline constexpr uint32_t kDecoderLM = kBase | kCausalLM;
inline constexpr uint32_t kDecoder = kDecoderLM | kLastTokenSequence | kScoreToken;

// A class a family writes itself (masked LM, Seq2Seq LM, vision heads, ...).
struct AutoRow {
  const char* auto_class;
  std::string class_name;
  ModelFactory factory;
};

// One model_type: its config, its class prefix, the backbone the shared heads are built on (null
// when it has none), which of them it serves, and its own classes. A Llama-like family is one
// line of registry.cpp's table.
struct Family {
  const char* model_type;
  ConfigSpec (*config)();
  std::string class_prefix;  // "Llama": LlamaModel, LlamaForCausalLM, ...
  const EncoderFamily& (*backbone)() = nullptr;
  uint32_t heads = 0;
  std::vector<AutoRow> rows = {};
};

const std::vector<Family>& families();

const std::vector<ConfigEntry>& builtin_configs();
const std::vector<ModelEntry>& builtin_models();
const std::vector<std::string>& auto_class_names();
// The decoder family of a text model_type whose backbone takes inputs_embeds (what multimodal
// models put their language model on), or nullptr.
const EncoderFamily* decoder_family(const std::string& model_type);
// The class an Auto class maps config.model_type to (registered ones first), constructed with
// unset weights: composite models (VisionEncoderDecoder) build their parts with it. ValueError
// when unmapped, as the Auto class would say.
std::unique_ptr<PreTrainedModel> make_model(const std::string& auto_class, const PretrainedConfig& config);

}  // namespace transformers::registry
