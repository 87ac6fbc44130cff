// transformers-cpp chat: interactive chat on stdin with the model's chat template, streamed replies, /reset, /exit.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "io/json.hpp"

namespace transformers::cli {

namespace {
struct ChatCmd {
  std::string model, system;
  GenFlags flags;
  FromPretrainedOptions load;
};

int run_chat(const ChatCmd& o) {
  auto pipe = TextGenerationPipeline::from_pretrained(o.model, o.load);
  nlohmann::json history = nlohmann::json::array();
  auto reset = [&] {
    history = nlohmann::json::array();
    if (!o.system.empty()) history.push_back({{"role", "system"}, {"content", o.system}});
  };
  reset();
  GenerationConfig g = o.flags.config();
  if (!g.max_new_tokens && !pipe->model().generation_config().max_new_tokens) g.max_new_tokens = 256;
  const bool tty = isatty(0);
  std::string line;
  while (true) {
    if (tty) std::cout << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      std::cout << "(history cleared)\n";
      continue;
    }
    if (line.empty()) continue;
    history.push_back({{"role", "user"}, {"content", line}});
    const std::string reply = pipe->chat(history.dump(), g, [](const std::string& t) { std::cout << t << std::flush; });
    std::cout << "\n";
    history.push_back({{"role", "assistant"}, {"content", reply}});
  }
  return 0;
}
}  // namespace

Runner register_chat(CLI::App* c) {
  auto o = std::make_shared<ChatCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--system", o->system, "system prompt");
  c->add_option("--dtype", o->load.dtype);
  c->add_option("--quantization", o->load.quantization, "int8: weight-only int8 at load");
  o->flags.add(c);
  add_model_options(c, o->load);
  return [o] { return run_chat(*o); };
}

}  // namespace transformers::cli
