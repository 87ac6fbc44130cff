// backbone_utils.py's BackboneConfigMixin / BackboneMixin, as the *Backbone classes use them.
#include "models/backbone.hpp"

#include <algorithm>

#include "transformers/errors.hpp"

namespace transformers {

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", '" : "'") + v[i] + "'";
  return s + "]";
}
}  // namespace

std::vector<std::string> BackboneStages::numbered(int64_t stages) {
  std::vector<std::string> names{"stem"};
  for (int64_t i = 1; i <= stages; ++i) names.push_back("stage" + std::to_string(i));
  return names;
}

BackboneStages BackboneStages::from(const PretrainedConfig& c, std::vector<std::string> stage_names, const std::string& owner) {
  BackboneStages s;
  s.stage_names = std::move(stage_names);
  const auto n = static_cast<int64_t>(s.stage_names.size());
  const bool has_features = c.has("out_features"), has_indices = c.has("out_indices");
  if (has_features) {
    s.out_features = c.get_string_list("out_features");
    std::vector<std::string> sorted;
    for (const std::string& f : s.out_features) {
      if (std::find(s.stage_names.begin(), s.stage_names.end(), f) == s.stage_names.end())
        throw ConfigError(owner + ": out_features must be a subset of stage_names: " + join(s.stage_names) + " got " + join(s.out_features));
      if (std::count(s.out_features.begin(), s.out_features.end(), f) > 1)
        throw ConfigError(owner + ": out_features must not contain any duplicates, got " + join(s.out_features));
    }
    for (const std::string& st : s.stage_names)
      if (std::find(s.out_features.begin(), s.out_features.end(), st) != s.out_features.end()) sorted.push_back(st);
    if (sorted != s.out_features)
      throw ConfigError(owner + ": out_features must be in the same order as stage_names, expected " + join(sorted) + " got " + join(s.out_features));
  }
  if (has_indices) {
    for (int64_t i : c.get_int_list("out_indices")) {
      if (i < -n || i >= n) throw ConfigError(owner + ": out_indices must be valid indices for stage_names " + join(s.stage_names));
      s.out_indices.push_back(i < 0 ? i + n : i);
    }
    for (size_t i = 0; i < s.out_indices.size(); ++i) {
      if (std::count(s.out_indices.begin(), s.out_indices.end(), s.out_indices[i]) > 1)
        throw ConfigError(owner + ": out_indices must not contain any duplicates");
      if (i && s.out_indices[i] < s.out_indices[i - 1]) throw ConfigError(owner + ": out_indices must be in the same order as stage_names");
    }
  }
  if (!has_features && !has_indices) {
    s.out_indices = {n - 1};
    s.out_features = {s.stage_names.back()};
  } else if (!has_indices) {
    for (const std::string& f : s.out_features)
      s.out_indices.push_back(std::find(s.stage_names.begin(), s.stage_names.end(), f) - s.stage_names.begin());
  } else if (!has_features) {
    for (int64_t i : s.out_indices) s.out_features.push_back(s.stage_names[static_cast<size_t>(i)]);
  } else {
    if (s.out_features.size() != s.out_indices.size())
      throw ConfigError(owner + ": out_features and out_indices should have the same length if both are set");
    for (size_t i = 0; i < s.out_indices.size(); ++i)
      if (s.stage_names[static_cast<size_t>(s.out_indices[i])] != s.out_features[i])
        throw ConfigError(owner + ": out_features and out_indices should correspond to the same stages if both are set");
  }
  return s;
}

ModelOutput BackboneModel::forward(const ModelInputs& in) {
  const std::vector<Tensor> states = stage_states(in);
  if (states.size() != stages_.stage_names.size())
    throw ValueError(class_name() + ": the model gave " + std::to_string(states.size()) + " stage states for " +
                     std::to_string(stages_.stage_names.size()) + " stage names");
  std::vector<Tensor> maps;
  for (size_t i = 0; i < stages_.out_indices.size(); ++i)
    maps.push_back(feature_map(stages_.out_features[i], states[static_cast<size_t>(stages_.out_indices[i])], in));
  maps = neck(std::move(maps));
  ModelOutput o;
  for (size_t i = 0; i < maps.size(); ++i) o.set("feature_maps." + std::to_string(i), maps[i]);
  return o;
}

}  // namespace transformers
