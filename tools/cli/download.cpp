// transformers-cpp download: a Hub snapshot into the shared Hugging Face cache; prints its folder.
#include <iostream>
#include <memory>

#include "cli.hpp"

namespace transformers::cli {

namespace {
struct DownloadCmd {
  std::string model;
  HubOptions hub;
};
}  // namespace

Runner register_download(CLI::App* c) {
  auto o = std::make_shared<DownloadCmd>();
  c->add_option("model", o->model, "Hub id (org/name)")->required();
  c->add_option("--endpoint", o->hub.endpoint, "Hub endpoint (default HF_ENDPOINT or https://huggingface.co)");
  add_hub_options(c, o->hub);
  return [o] {
    std::cout << snapshot_download(o->model, o->hub) << "\n";
    return 0;
  };
}

}  // namespace transformers::cli
