// transformers-cpp env: the environment report as JSON.
#include <iostream>

#include "cli.hpp"
#include "io/json.hpp"

namespace transformers::cli {

Runner register_env(CLI::App*) {
  return [] {
    EnvInfo e = env_info();
    nlohmann::ordered_json j;
    j["version"] = e.version;
    j["cpu_isa"] = e.cpu_isa;
    j["threads"] = e.threads;
    j["backends"] = {{"cpu", true}, {"cuda", e.cuda_compiled}};
    j["cuda_devices"] = e.cuda_devices;
    j["cache_dir"] = e.cache_dir;
    j["endpoint"] = e.endpoint;
    j["offline"] = e.offline;
    j["reference_mode"] = e.reference_mode;
    std::cout << j.dump(2) << "\n";
    return 0;
  };
}

}  // namespace transformers::cli
