// AutoConfig's lookup of the built-in config classes (transformers' models/auto/configuration_auto.py
// CONFIG_MAPPING), beside AutoModel: core's AutoConfig asks through core/config_registry.hpp, so
// core names no model.
#include "core/config_registry.hpp"
#include "models/registry.hpp"

namespace transformers {
namespace {

std::optional<ConfigSpec> find_builtin(const std::string& model_type) {
  for (const auto& e : registry::builtin_configs())
    if (model_type == e.model_type) return e.spec();
  return std::nullopt;
}

std::vector<std::string> builtin_model_types() {
  std::vector<std::string> r;
  for (const auto& e : registry::builtin_configs()) r.push_back(e.model_type);
  return r;
}

[[maybe_unused]] const bool installed = detail::install_builtin_configs({&find_builtin, &builtin_model_types});

}  // namespace
}  // namespace transformers
