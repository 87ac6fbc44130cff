#pragma once
// PretrainedConfig: config.json with HF names, class defaults, attribute_map aliases, labels and
// sub-configs. AutoConfig resolves `model_type` through the registry (models/registry.cpp, via models/configuration_auto.cpp).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/dtype.hpp"
#include "transformers/hub.hpp"

namespace transformers {

namespace detail { struct ConfigData; }

// What a Python config class declares: its model_type, defaults (as a JSON object string),
// attribute_map (alias -> real key) and sub-configs (key -> model_type of the nested config).
struct TRANSFORMERS_API ConfigSpec {
  std::string model_type;
  std::string class_name;       // "BertConfig"
  std::string defaults_json = "{}";
  std::map<std::string, std::string> attribute_map;
  std::map<std::string, std::string> sub_configs;
};

class TRANSFORMERS_API PretrainedConfig {
 public:
  PretrainedConfig();
  // Builds a config of `spec` from a parsed config.json text; `source` names the file in errors.
  static PretrainedConfig from_json_string(const ConfigSpec& spec, const std::string& json, const std::string& source);

  const std::string& model_type() const;
  const std::string& class_name() const;
  const std::string& name_or_path() const;
  void set_name_or_path(const std::string& p);
  const std::string& commit_hash() const;

  bool has(const std::string& key) const;        // present and not null (aliases resolved)
  int64_t get_int(const std::string& key) const;  // ConfigError if absent or of the wrong type
  int64_t get_int(const std::string& key, int64_t def) const;
  double get_float(const std::string& key) const;
  double get_float(const std::string& key, double def) const;
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<double> get_float_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;
  // Overrides (what Python's from_pretrained(**kwargs) does); `json_value` is JSON text.
  void set_json(const std::string& key, const std::string& json_value);

  std::map<int64_t, std::string> id2label() const;
  std::map<std::string, int64_t> label2id() const;
  int64_t num_labels() const;
  std::optional<DType> dtype() const;  // `dtype`, else legacy `torch_dtype`
  std::vector<std::string> architectures() const;
  std::optional<PretrainedConfig> sub_config(const std::string& key) const;

  // The full config as JSON (class defaults included), keys sorted, indent 2.
  std::string to_json_string() const;
  // Only what differs from the class defaults, plus model_type (Python's use_diff=True).
  std::string to_diff_json_string() const;

 private:
  std::shared_ptr<detail::ConfigData> d_;
  friend struct detail::ConfigData;
};

using ConfigSpecFactory = std::function<ConfigSpec()>;

struct TRANSFORMERS_API ConfigOptions : HubOptions {
  std::map<std::string, std::string> overrides;  // key -> JSON text, applied after loading
};

class TRANSFORMERS_API AutoConfig {
 public:
  static PretrainedConfig from_pretrained(const std::string& name_or_path, const ConfigOptions& options = {});
  // config.json text already in hand.
  static PretrainedConfig from_json_string(const std::string& json, const std::string& source = "config.json");
  static PretrainedConfig for_model(const std::string& model_type,
                                    const std::map<std::string, std::string>& overrides = {});
  // Python's AutoConfig.register (a C++ keyword, hence the underscore).
  static void register_(const std::string& model_type, const ConfigSpec& spec, bool exist_ok = false);
  static std::vector<std::string> model_types();  // built-in, then registered
  static ConfigSpec spec_for(const std::string& model_type);
};

}  // namespace transformers
