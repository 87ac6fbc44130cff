#pragma once
// How core's AutoConfig reaches the built-in config classes without naming models/: models
// (configuration_auto.cpp) installs these two lookups at load time, as the layer above core.
#include <optional>
#include <string>
#include <vector>

#include "transformers/config.hpp"

namespace transformers::detail {

struct BuiltinConfigs {
  std::optional<ConfigSpec> (*find)(const std::string& model_type) = nullptr;
  std::vector<std::string> (*model_types)() = nullptr;
};

// Returns true so it can initialize a namespace-scope constant.
bool install_builtin_configs(BuiltinConfigs configs);

}  // namespace transformers::detail
