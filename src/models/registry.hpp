#pragma once
// The data-only registry of built-in architectures (registry.cpp) and the run-time registrations
// made with AutoConfig::register_ / AutoModel*::register_.
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
  const char* class_name;   // "BertForMaskedLM"
  ModelFactory factory;
};

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
