#include "transformers/config.hpp"

#include <algorithm>
#include <mutex>

#include "core/config_registry.hpp"
#include "io/gguf_mapping.hpp"
#include "io/json.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace detail {
struct ConfigData {
  ConfigSpec spec;
  Json values = Json::object();
  Json defaults = Json::object();
  std::string source, name_or_path, commit_hash;

  std::string real_key(const std::string& k) const {
    auto it = spec.attribute_map.find(k);
    return it == spec.attribute_map.end() ? k : it->second;
  }
  const Json* find(const std::string& k) const {
    auto it = values.find(real_key(k));
    return it == values.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void wrong_type(const std::string& k, const char* want, const Json& v) const {
    throw ConfigError(source + ": '" + k + "' must be " + want + ", got " + json_type_name(v) + " " + v.dump());
  }
  const Json& need(const std::string& k) const {
    const Json* v = find(k);
    if (!v) throw ConfigError(source + ": required key '" + k + "' is missing");
    return *v;
  }
};
}  // namespace detail

namespace {

// Python's json hook: {"__float__": "Infinity" | "-Infinity" | "NaN"} becomes a float.
void decode_special_floats(Json& j) {
  if (j.is_object()) {
    if (j.size() == 1 && j.contains("__float__") && j["__float__"].is_string()) {
      const std::string s = j["__float__"].get<std::string>();
      if (s == "Infinity") j = std::numeric_limits<double>::infinity();
      else if (s == "-Infinity") j = -std::numeric_limits<double>::infinity();
      else if (s == "NaN") j = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    for (auto& [k, v] : j.items()) decode_special_floats(v);
  } else if (j.is_array()) {
    for (auto& v : j) decode_special_floats(v);
  }
}

// Base PreTrainedConfig fields every config has (v5 defaults).
const char* kBaseDefaults = R"({
  "architectures": null, "output_hidden_states": false, "return_dict": true, "dtype": null,
  "chunk_size_feed_forward": 0, "is_encoder_decoder": false, "id2label": null, "label2id": null,
  "problem_type": null, "output_attentions": false
})";

// A value from config.json must have the kind of the class default (when the default is not null).
bool type_compatible(const Json& def, const Json& v) {
  if (def.is_null() || v.is_null()) return true;
  if (def.is_boolean()) return v.is_boolean();
  if (def.is_number_integer()) return v.is_number_integer();
  if (def.is_number()) return v.is_number();
  if (def.is_string()) return v.is_string();
  if (def.is_array()) return v.is_array();
  if (def.is_object()) return v.is_object();
  return true;
}

// The built-in classes of models/registry.cpp, installed by models/configuration_auto.cpp (core
// is below models and names none). Constant-initialized, so installing at load time is safe.
detail::BuiltinConfigs builtin_configs;

std::mutex& reg_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::pair<std::string, ConfigSpec>>& extra_configs() {
  static std::vector<std::pair<std::string, ConfigSpec>> v;
  return v;
}

std::optional<ConfigSpec> find_spec(const std::string& type) {
  {
    std::lock_guard<std::mutex> lock(reg_mutex());
    for (const auto& [t, s] : extra_configs())  // registrations are looked up first, as in Python
      if (t == type) return s;
  }
  return builtin_configs.find ? builtin_configs.find(type) : std::nullopt;
}

std::string commit_from_path(const std::string& path) {
  const std::string marker = "/snapshots/";
  auto p = path.find(marker);
  if (p == std::string::npos) return "";
  std::string sha = path.substr(p + marker.size(), 40);
  if (sha.size() != 40 || !std::all_of(sha.begin(), sha.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return "";
  return sha;
}

}  // namespace

bool detail::install_builtin_configs(BuiltinConfigs configs) {
  builtin_configs = configs;
  return true;
}

PretrainedConfig::PretrainedConfig() : d_(std::make_shared<detail::ConfigData>()) {}

PretrainedConfig PretrainedConfig::from_json_string(const ConfigSpec& spec, const std::string& text,
                                                    const std::string& source) {
  Json file = parse_json(text, source);
  if (!file.is_object()) throw ConfigError(source + ": config must be a JSON object, got " + json_type_name(file));
  decode_special_floats(file);
  PretrainedConfig c;
  auto& d = *c.d_;
  d.spec = spec;
  d.source = source;
  d.defaults = parse_json(kBaseDefaults, "PreTrainedConfig defaults");
  Json cls = parse_json(spec.defaults_json, spec.class_name + " defaults");
  for (auto& [k, v] : cls.items()) d.defaults[k] = v;
  d.values = d.defaults;
  // Legacy `torch_dtype` is read into `dtype` when `dtype` is unset.
  if (file.contains("torch_dtype") && (!file.contains("dtype") || file["dtype"].is_null())) file["dtype"] = file["torch_dtype"];
  for (auto& [k0, v] : file.items()) {
    const std::string k = d.real_key(k0);
    auto def = d.defaults.find(k);
    if (def != d.defaults.end() && !type_compatible(*def, v)) {
      throw ConfigError(source + ": '" + k0 + "' must be " + json_type_name(*def) + " like the " + spec.class_name +
                        " default " + def->dump() + ", got " + json_type_name(v) + " " + v.dump());
    }
    d.values[k] = v;
  }
  d.values["model_type"] = spec.model_type;
  // Labels: id2label keys are strings in JSON and must be integers; without it num_labels (default 2) builds LABEL_i.
  Json& id2 = d.values["id2label"];
  if (id2.is_null()) {
    // A config class may default to another count (BartConfig: 3).
    auto dn = d.defaults.find("num_labels");
    int64_t n = dn != d.defaults.end() && dn->is_number_integer() ? dn->get<int64_t>() : 2;
    if (file.contains("num_labels")) {
      if (!file["num_labels"].is_number_integer() || file["num_labels"].get<int64_t>() < 0)
        throw ConfigError(source + ": 'num_labels' must be a non-negative integer");
      // Python would build the LABEL_i table too; a bound keeps a hostile config from hanging us.
      if (file["num_labels"].get<int64_t>() > (int64_t{1} << 20))
        throw ConfigError(source + ": 'num_labels' " + file["num_labels"].dump() + " is beyond the supported 1048576");
      n = file["num_labels"].get<int64_t>();
    }
    id2 = Json::object();
    for (int64_t i = 0; i < n; ++i) id2[std::to_string(i)] = "LABEL_" + std::to_string(i);
  } else if (!id2.is_object()) {
    throw ConfigError(source + ": 'id2label' must be an object");
  } else {
    for (auto& [k, v] : id2.items()) {
      size_t pos = 0;
      bool ok = !k.empty();
      try { (void)std::stoll(k, &pos); } catch (...) { ok = false; }
      if (!ok || pos != k.size()) throw ConfigError(source + ": id2label key '" + k + "' is not an integer");
      if (!v.is_string()) throw ConfigError(source + ": id2label['" + k + "'] must be a string");
    }
  }
  Json l2i = Json::object();
  for (auto& [k, v] : id2.items()) l2i[v.get<std::string>()] = std::stoll(k);
  if (d.values["label2id"].is_null()) d.values["label2id"] = l2i;
  const Json& pt = d.values["problem_type"];
  if (!pt.is_null()) {
    const std::string p = pt.is_string() ? pt.get<std::string>() : "";
    if (p != "regression" && p != "single_label_classification" && p != "multi_label_classification")
      throw ConfigError(source + ": problem_type must be regression, single_label_classification or multi_label_classification, got " + pt.dump());
  }
  if (d.values.contains("dtype") && !d.values["dtype"].is_null()) {
    if (!d.values["dtype"].is_string()) throw ConfigError(source + ": 'dtype' must be a string");
    try { (void)dtype_from_name(d.values["dtype"].get<std::string>()); } catch (const UnsupportedDType& e) {
      throw ConfigError(source + ": " + e.what());
    }
  }
  d.commit_hash = commit_from_path(source);
  return c;
}

const std::string& PretrainedConfig::model_type() const { return d_->spec.model_type; }
const std::string& PretrainedConfig::class_name() const { return d_->spec.class_name; }
const std::string& PretrainedConfig::name_or_path() const { return d_->name_or_path; }
void PretrainedConfig::set_name_or_path(const std::string& p) { d_->name_or_path = p; }
const std::string& PretrainedConfig::commit_hash() const { return d_->commit_hash; }
bool PretrainedConfig::has(const std::string& key) const { return d_->find(key) != nullptr; }

int64_t PretrainedConfig::get_int(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_number_integer()) d_->wrong_type(key, "an integer", v);
  return v.get<int64_t>();
}
int64_t PretrainedConfig::get_int(const std::string& key, int64_t def) const { return has(key) ? get_int(key) : def; }
double PretrainedConfig::get_float(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_number()) d_->wrong_type(key, "a number", v);
  return v.get<double>();
}
double PretrainedConfig::get_float(const std::string& key, double def) const { return has(key) ? get_float(key) : def; }
bool PretrainedConfig::get_bool(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_boolean()) d_->wrong_type(key, "a boolean", v);
  return v.get<bool>();
}
bool PretrainedConfig::get_bool(const std::string& key, bool def) const { return has(key) ? get_bool(key) : def; }
std::string PretrainedConfig::get_string(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_string()) d_->wrong_type(key, "a string", v);
  return v.get<std::string>();
}
std::string PretrainedConfig::get_string(const std::string& key, const std::string& def) const {
  return has(key) ? get_string(key) : def;
}
std::vector<int64_t> PretrainedConfig::get_int_list(const std::string& key) const {
  const Json& v = d_->need(key);
  if (v.is_number_integer()) return {v.get<int64_t>()};
  if (!v.is_array()) d_->wrong_type(key, "a list of integers", v);
  std::vector<int64_t> r;
  for (const auto& e : v) {
    if (!e.is_number_integer()) d_->wrong_type(key, "a list of integers", v);
    r.push_back(e.get<int64_t>());
  }
  return r;
}
std::vector<double> PretrainedConfig::get_float_list(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_array()) d_->wrong_type(key, "a list of numbers", v);
  std::vector<double> r;
  for (const auto& e : v) {
    if (!e.is_number()) d_->wrong_type(key, "a list of numbers", v);
    r.push_back(e.get<double>());
  }
  return r;
}
std::vector<std::string> PretrainedConfig::get_string_list(const std::string& key) const {
  const Json& v = d_->need(key);
  if (!v.is_array()) d_->wrong_type(key, "a list of strings", v);
  std::vector<std::string> r;
  for (const auto& e : v) {
    if (!e.is_string()) d_->wrong_type(key, "a list of strings", v);
    r.push_back(e.get<std::string>());
  }
  return r;
}

void PretrainedConfig::set_json(const std::string& key, const std::string& json_value) {
  Json v = parse_json(json_value, "override for '" + key + "'");
  const std::string k = d_->real_key(key);
  auto def = d_->defaults.find(k);
  if (def != d_->defaults.end() && !type_compatible(*def, v))
    throw ConfigError("override '" + key + "' must be " + json_type_name(*def) + ", got " + json_type_name(v));
  auto copy = std::make_shared<detail::ConfigData>(*d_);  // configs share data; writes detach
  copy->values[k] = v;
  d_ = copy;
}

std::map<int64_t, std::string> PretrainedConfig::id2label() const {
  std::map<int64_t, std::string> r;
  for (auto& [k, v] : d_->values["id2label"].items()) r[std::stoll(k)] = v.get<std::string>();
  return r;
}
std::map<std::string, int64_t> PretrainedConfig::label2id() const {
  std::map<std::string, int64_t> r;
  const Json& l = d_->values["label2id"];
  if (!l.is_object()) throw ConfigError(d_->source + ": 'label2id' must be an object");
  for (auto& [k, v] : l.items()) {
    if (!v.is_number_integer()) throw ConfigError(d_->source + ": label2id['" + k + "'] must be an integer");
    r[k] = v.get<int64_t>();
  }
  return r;
}
int64_t PretrainedConfig::num_labels() const { return static_cast<int64_t>(d_->values["id2label"].size()); }

std::optional<DType> PretrainedConfig::dtype() const {
  if (!has("dtype")) return std::nullopt;
  return dtype_from_name(get_string("dtype"));
}

std::vector<std::string> PretrainedConfig::architectures() const {
  return has("architectures") ? get_string_list("architectures") : std::vector<std::string>{};
}

std::optional<PretrainedConfig> PretrainedConfig::sub_config(const std::string& key) const {
  const Json* v = d_->find(key);
  if (!v) return std::nullopt;
  if (!v->is_object()) throw ConfigError(d_->source + ": '" + key + "' must be an object");
  std::string type;
  if (v->contains("model_type") && (*v)["model_type"].is_string()) type = (*v)["model_type"].get<std::string>();
  else if (auto it = d_->spec.sub_configs.find(key); it != d_->spec.sub_configs.end()) type = it->second;
  std::optional<ConfigSpec> spec = type.empty() ? std::nullopt : find_spec(type);
  ConfigSpec s = spec ? *spec : ConfigSpec{type, "PretrainedConfig"};
  PretrainedConfig c = from_json_string(s, v->dump(), d_->source + " [" + key + "]");
  c.d_->name_or_path = d_->name_or_path;
  return c;
}

std::string PretrainedConfig::to_json_string() const {
  nlohmann::json sorted = d_->values;  // std::map-backed: keys come out sorted
  return sorted.dump(2);
}

std::string PretrainedConfig::to_diff_json_string() const {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [k, v] : d_->values.items()) {
    auto def = d_->defaults.find(k);
    if (def == d_->defaults.end() || *def != v) out[k] = v;
  }
  out["model_type"] = d_->spec.model_type;
  return out.dump(2);
}

// ---------------------------------------------------------------------------------------------
// AutoConfig

PretrainedConfig AutoConfig::from_pretrained(const std::string& name_or_path, const ConfigOptions& options) {
  if (!options.gguf_file.empty()) {
    // A GGUF ships no config.json: the metadata is the config (io/gguf_mapping.cpp).
    const std::string file = gguf::resolve_file(name_or_path, options.gguf_file, options);
    const Json j = gguf::config_dict(gguf::File::open(file));
    PretrainedConfig c = PretrainedConfig::from_json_string(spec_for(j["model_type"].get<std::string>()), j.dump(), file);
    c.set_name_or_path(name_or_path);
    for (const auto& [k, v] : options.overrides) c.set_json(k, v);
    return c;
  }
  const std::string path = *cached_file(name_or_path, "config.json", options, true);
  const std::string text = read_file(path);
  Json j = parse_json(text, path);
  if (!j.is_object()) throw ConfigError(path + ": config must be a JSON object, got " + json_type_name(j));
  if (!j.contains("model_type"))
    throw ValueError("Unrecognized model in " + name_or_path + ". Should have a `model_type` key in its config.json.");
  if (!j["model_type"].is_string()) throw ConfigError(path + ": 'model_type' must be a string");
  const std::string type = j["model_type"].get<std::string>();
  std::optional<ConfigSpec> spec = find_spec(type);
  if (!spec) {
    std::string known;
    for (const auto& t : model_types()) known += (known.empty() ? "" : ", ") + t;
    throw ValueError("The checkpoint you are trying to load has model type `" + type +
                     "` but Transformers does not recognize this architecture. This could be because of an issue with "
                     "the checkpoint, or because your version of Transformers is out of date. Known model types: " + known);
  }
  PretrainedConfig c = PretrainedConfig::from_json_string(*spec, text, path);
  c.set_name_or_path(name_or_path);
  for (const auto& [k, v] : options.overrides) c.set_json(k, v);
  return c;
}

PretrainedConfig AutoConfig::from_json_string(const std::string& json, const std::string& source) {
  Json j = parse_json(json, source);
  if (!j.is_object() || !j.contains("model_type") || !j["model_type"].is_string())
    throw ValueError("Unrecognized model in " + source + ". Should have a `model_type` key in its config.json.");
  return PretrainedConfig::from_json_string(spec_for(j["model_type"].get<std::string>()), json, source);
}

ConfigSpec AutoConfig::spec_for(const std::string& model_type) {
  std::optional<ConfigSpec> spec = find_spec(model_type);
  if (!spec) {
    std::string known;
    for (const auto& t : model_types()) known += (known.empty() ? "" : ", ") + t;
    throw ValueError("Unrecognized model identifier: " + model_type + ". Should contain one of " + known);
  }
  return *spec;
}

PretrainedConfig AutoConfig::for_model(const std::string& model_type, const std::map<std::string, std::string>& overrides) {
  PretrainedConfig c = PretrainedConfig::from_json_string(spec_for(model_type), "{}", model_type + " defaults");
  for (const auto& [k, v] : overrides) c.set_json(k, v);
  return c;
}

void AutoConfig::register_(const std::string& model_type, const ConfigSpec& spec, bool exist_ok) {
  if (spec.model_type != model_type)
    throw ValueError("The config you are passing has a `model_type` attribute that is not consistent with the model type "
                     "you passed (config has " + spec.model_type + " and you passed " + model_type +
                     ". Fix one of those so they match!");
  if (builtin_configs.find && builtin_configs.find(model_type) && !exist_ok)
    throw ValueError("'" + model_type + "' is already used by a Transformers config, pick another name.");
  parse_json(spec.defaults_json, spec.class_name + " defaults");  // fail now, not at first use
  std::lock_guard<std::mutex> lock(reg_mutex());
  auto& extra = extra_configs();
  for (auto& [t, s] : extra)
    if (t == model_type) {
      s = spec;
      return;
    }
  extra.emplace_back(model_type, spec);
}

std::vector<std::string> AutoConfig::model_types() {
  std::vector<std::string> r = builtin_configs.model_types ? builtin_configs.model_types() : std::vector<std::string>{};
  std::lock_guard<std::mutex> lock(reg_mutex());
  for (const auto& [t, s] : extra_configs())
    if (std::find(r.begin(), r.end(), t) == r.end()) r.push_back(t);
  return r;
}

}  // namespace transformers
