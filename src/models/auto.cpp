// AutoModel*: config -> (Auto class, model_type) -> model class -> weights.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "core/backend.hpp"
#include "core/output_recorder.hpp"
#include "io/gguf.hpp"
#include "io/gguf_mapping.hpp"
#include "io/json.hpp"
#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "models/registry.hpp"
#include "transformers/errors.hpp"

namespace transformers {

PreTrainedModel::~PreTrainedModel() = default;

bool ModelOutput::has(const std::string& name) const {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
}
const Tensor& ModelOutput::operator[](const std::string& name) const {
  for (const auto& f : fields)
    if (f.first == name) return f.second;
  throw ValueError("model output has no field '" + name + "'");
}
void ModelOutput::set(const std::string& name, Tensor t) {
  for (auto& f : fields)
    if (f.first == name) {
      f.second = std::move(t);
      return;
    }
  fields.emplace_back(name, std::move(t));
}

namespace {
// Where a recorded stream goes among the fields, in Python's field order: a nested output's
// (text_model_output.hidden_states) after that output's last field; the decoder's and the cross
// attentions before encoder_last_hidden_state, the encoder's after it; a plain one before the
// first nested field (LLaVA's image_outputs.*), else at the end.
size_t stream_position(const ModelOutput& o, const std::string& name) {
  const auto at = [&](const std::string& field) {
    for (size_t i = 0; i < o.fields.size(); ++i)
      if (o.fields[i].first == field) return i;
    return o.fields.size();
  };
  const auto last_hidden = at("encoder_last_hidden_state");
  if (const size_t dot = name.rfind('.'); dot != std::string::npos) {
    size_t pos = o.fields.size();
    for (size_t i = 0; i < o.fields.size(); ++i)
      if (o.fields[i].first.compare(0, dot + 1, name, 0, dot + 1) == 0) pos = i + 1;
    return pos;
  }
  if (name.rfind("encoder_", 0) == 0) return last_hidden < o.fields.size() ? last_hidden + 1 : o.fields.size();
  if (name.rfind("decoder_", 0) == 0 || name.rfind("cross_", 0) == 0) return last_hidden;
  // A tuple flattened at the top level (BackboneOutput's feature_maps.0..) comes before the streams.
  for (size_t i = 0; i < o.fields.size(); ++i)
    if (o.fields[i].first.find('.') != std::string::npos && o.fields[i].first.rfind("feature_maps.", 0) != 0) return i;
  return o.fields.size();
}
}  // namespace

ModelOutput PreTrainedModel::forward(const ModelInputs& inputs, const ForwardOptions& options) {
  if (!options.output_hidden_states && !options.output_attentions) return forward(inputs);
  record::Recording rec(options.output_hidden_states, options.output_attentions);
  ModelOutput out = forward(inputs);
  bool any_hidden = false, any_attn = false;
  for (auto& [name, tensors] : rec.take()) {
    const bool hidden = name.size() >= 13 && name.compare(name.size() - 13, 13, "hidden_states") == 0;
    (hidden ? any_hidden : any_attn) = true;
    size_t pos = stream_position(out, name);
    for (size_t i = 0; i < tensors.size(); ++i)
      out.fields.insert(out.fields.begin() + static_cast<std::ptrdiff_t>(pos++), {name + "." + std::to_string(i), std::move(tensors[i])});
  }
  if (options.output_hidden_states && !any_hidden)
    throw ValueError(class_name_ + " does not support output_hidden_states yet");
  if (options.output_attentions && !any_attn) throw ValueError(class_name_ + " does not support output_attentions yet");
  return out;
}

std::vector<std::string> PreTrainedModel::parameter_names() const {
  std::vector<std::string> r;
  if (auto* m = dynamic_cast<const nn::Module*>(this))
    const_cast<nn::Module*>(m)->visit([&](const std::string& n, nn::Parameter&) { r.push_back(n); });
  return r;
}

Tensor PreTrainedModel::get_parameter(const std::string& name) const {
  Tensor r;
  if (auto* m = dynamic_cast<const nn::Module*>(this))
    const_cast<nn::Module*>(m)->visit([&](const std::string& n, nn::Parameter& p) { if (n == name) r = p.value; });
  if (!r.defined()) throw WeightNotFound(name, "", class_name_);
  return r;
}

struct ModelAccess {
  static void set(PreTrainedModel& m, const std::string& cls, LoadingInfo info) {
    m.class_name_ = cls;
    m.loading_info_ = std::move(info);
  }
};

namespace {

struct Registered {
  std::string auto_class, model_type, class_name;
  ModelFactory factory;
};
std::mutex& mu() {
  static std::mutex m;
  return m;
}
std::vector<Registered>& extra() {
  static std::vector<Registered> v;
  return v;
}

Registered find_class(const std::string& auto_class, const PretrainedConfig& config) {
  if (std::find(registry::auto_class_names().begin(), registry::auto_class_names().end(), auto_class) ==
      registry::auto_class_names().end())
    throw ValueError("unknown Auto class '" + auto_class + "'");
  {
    std::lock_guard<std::mutex> lock(mu());
    for (const auto& r : extra())
      if (r.auto_class == auto_class && r.model_type == config.model_type()) return r;
  }
  for (const auto& e : registry::builtin_models())
    if (auto_class == e.auto_class && config.model_type() == e.model_type) return {e.auto_class, e.model_type, e.class_name, e.factory};
  std::string known;
  auto add = [&](const std::string& cls_name) { if (known.find(cls_name) == std::string::npos) known += (known.empty() ? "" : ", ") + cls_name; };
  for (const auto& e : registry::builtin_models())
    if (auto_class == e.auto_class) add(AutoConfig::spec_for(e.model_type).class_name);
  std::lock_guard<std::mutex> lock(mu());
  for (const auto& r : extra())
    if (r.auto_class == auto_class) add(AutoConfig::spec_for(r.model_type).class_name);
  throw ValueError("Unrecognized configuration class " + config.class_name() + " for this kind of AutoModel: " + auto_class +
                   ".\nModel type should be one of " + known + ".");
}

// Python's _get_resolved_checkpoint_files for a folder or repo: model.safetensors, then its index,
// then (only when there is no safetensors) pytorch_model.bin, then its index. Pickled weights are
// read by our own restricted reader (io/torch_pickle.cpp), never executed.
Checkpoint open_checkpoint(const std::string& name, const HubOptions& o, bool in_memory) {
  if (auto f = cached_file(name, "model.safetensors", o, false)) return Checkpoint::open(*f, in_memory);
  if (auto idx = cached_file(name, "model.safetensors.index.json", o, false)) {
    for (const auto& s : list_shards(*idx)) cached_file(name, s, o, true);  // fetch shards first
    return Checkpoint::open(*idx, in_memory);
  }
  if (auto f = cached_file(name, "pytorch_model.bin", o, false)) return Checkpoint::open(*f, in_memory);
  if (auto idx = cached_file(name, "pytorch_model.bin.index.json", o, false)) {
    for (const auto& s : list_shards(*idx)) cached_file(name, s, o, true);
    return Checkpoint::open(*idx, in_memory);
  }
  throw OSError("Error no file named model.safetensors, or pytorch_model.bin, found in directory " + name + ".");
}

void report(const std::string& cls, const std::string& name, const LoadingInfo& info) {
  if (!info.unexpected_keys.empty()) {
    std::fprintf(stderr, "Some weights of the model checkpoint at %s were not used when initializing %s:", name.c_str(), cls.c_str());
    for (const auto& k : info.unexpected_keys) std::fprintf(stderr, " %s", k.c_str());
    std::fprintf(stderr, "\n");
  }
  if (!info.missing_keys.empty()) {
    std::fprintf(stderr, "Some weights of %s were not initialized from the model checkpoint at %s and are newly initialized:",
                 cls.c_str(), name.c_str());
    for (const auto& k : info.missing_keys) std::fprintf(stderr, " %s", k.c_str());
    std::fprintf(stderr, "\nYou should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.\n");
  }
}

}  // namespace

namespace registry {
std::unique_ptr<PreTrainedModel> make_model(const std::string& auto_class, const PretrainedConfig& config) {
  Registered r = find_class(auto_class, config);
  std::unique_ptr<PreTrainedModel> model = r.factory(config);
  ModelAccess::set(*model, r.class_name, {});
  return model;
}
}  // namespace registry

namespace detail {

std::unique_ptr<PreTrainedModel> auto_from_pretrained(const char* auto_class, const std::string& name,
                                                      const FromPretrainedOptions& o) {
  const Device dev = Device::parse(o.device);
  if (dev.kind == Device::CUDA && !cuda_compiled()) throw BackendNotCompiled("cuda");
  ConfigOptions co;
  static_cast<HubOptions&>(co) = o;
  co.overrides = o.config_overrides;
  PretrainedConfig config = AutoConfig::from_pretrained(name, co);
  check_quantization_config(config);  // before building (and allocating) the model
  Registered r = find_class(auto_class, config);
  std::unique_ptr<PreTrainedModel> model = r.factory(config);
  auto* m = dynamic_cast<Model*>(model.get());
  if (!m) throw ValueError("registered class " + r.class_name + " does not derive from transformers::Model");
  ModelAccess::set(*model, r.class_name, {});
  LoadPolicy policy;
  policy.ignore_mismatched_sizes = o.ignore_mismatched_sizes;
  policy.allow_missing_weights = o.allow_missing_weights;
  LoadingInfo info;
  if (!o.gguf_file.empty()) {
    // GGUF: memory-mapped (the quantized blocks are used in place); dtype "auto" is fp32 as in transformers.
    if (dev.kind != Device::CPU) throw ValueError("GGUF checkpoints run on the CPU only (device '" + o.device + "')");
    const gguf::File file = gguf::File::open(gguf::resolve_file(name, o.gguf_file, o));
    if (o.dtype != "auto") policy.weight_dtype = resolve_dtype(o.dtype, config, Checkpoint::from_tensors(file.path(), {}));
    info = load_gguf_weights(*m, file, policy);
  } else {
    Checkpoint ckpt = open_checkpoint(name, o, !o.mmap);
    policy.weight_dtype = resolve_dtype(o.dtype, config, ckpt);
    info = load_weights(*m, ckpt, policy);
  }
  if (o.quantization == "int8") {
    m->visit_modules([](const std::string&, nn::Module& mod) {
      if (auto* lin = dynamic_cast<nn::Linear*>(&mod)) lin->quantize_int8();
    });
  } else if (!o.quantization.empty()) {
    throw ValueError("unknown quantization '" + o.quantization + "' (supported: int8)");
  }
  if (dev.kind != Device::CPU) m->visit([&](const std::string&, nn::Parameter& p) { p.value = p.value.to(dev); });
  if (o.output_loading_info) report(r.class_name, name, info);
  ModelAccess::set(*model, r.class_name, std::move(info));
  // Python loads generation_config.json when the repository has one, else derives it from config.json.
  if (auto g = cached_file(name, "generation_config.json", o, false))
    model->set_generation_config(GenerationConfig::from_json_string(read_file(*g), *g));
  else
    model->set_generation_config(GenerationConfig::from_model_config(config));
  return model;
}

std::unique_ptr<PreTrainedModel> auto_from_config(const char* auto_class, const PretrainedConfig& config) {
  Registered r = find_class(auto_class, config);
  std::unique_ptr<PreTrainedModel> model = r.factory(config);
  auto* m = dynamic_cast<Model*>(model.get());
  if (!m) throw ValueError("registered class " + r.class_name + " does not derive from transformers::Model");
  const float range = static_cast<float>(config.get_float("initializer_range", 0.02));
  uint64_t seed = 0;
  m->visit([&](const std::string& n, nn::Parameter& p) { init_parameter(p, n, range, ++seed); });
  ModelAccess::set(*model, r.class_name, {});
  model->set_generation_config(GenerationConfig::from_model_config(config));
  return model;
}

void auto_register(const char* auto_class, const std::string& model_type, const std::string& class_name,
                   ModelFactory factory, bool exist_ok) {
  // Python checks model_class.config_class against the config class; here the model_type must
  // name a known (built-in or registered) config.
  (void)AutoConfig::spec_for(model_type);
  if (!factory) throw ValueError("register_: factory for " + class_name + " is empty");
  for (const auto& e : registry::builtin_models())
    if (std::string(auto_class) == e.auto_class && model_type == e.model_type && !exist_ok)
      throw ValueError("'" + model_type + "' is already used by a Transformers model.");
  std::lock_guard<std::mutex> lock(mu());
  for (auto& r : extra())
    if (r.auto_class == auto_class && r.model_type == model_type) {
      if (!exist_ok) throw ValueError("'" + model_type + "' is already used by a Transformers model.");
      r = {auto_class, model_type, class_name, std::move(factory)};
      return;
    }
  extra().push_back({auto_class, model_type, class_name, std::move(factory)});
}

}  // namespace detail

std::unique_ptr<PreTrainedModel> auto_model_from_pretrained(const std::string& auto_class, const std::string& name,
                                                            const FromPretrainedOptions& o) {
  for (const auto& n : registry::auto_class_names())
    if (n == auto_class) return detail::auto_from_pretrained(n.c_str(), name, o);
  std::string known;
  for (const auto& n : registry::auto_class_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("unknown Auto class '" + auto_class + "' (one of " + known + ")");
}

}  // namespace transformers
