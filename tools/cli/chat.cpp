// transformers-cpp chat: interactive chat on stdin with the model's chat template, streamed replies, /reset, /exit.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "serve/chat_session.hpp"
#include "serve/server.hpp"

namespace transformers::cli {

namespace {
struct ChatCmd {
  std::string model, system, kv_cache_memory = "256MiB";
  GenFlags flags;
  FromPretrainedOptions load;
};

// The turns run on the serving engine, whose prefix cache keeps the conversation's KV blocks:
// a turn prefills only its new tokens (generation modes the engine lacks fall back to generate()).
int run_chat(const ChatCmd& o) {
  GenerationConfig g = o.flags.config();
  auto session = serve::ChatSession::from_pretrained(o.model, o.load, g, o.system, serve::parse_memory_size(o.kv_cache_memory));
  if (!g.max_new_tokens && !session->model_generation_config().max_new_tokens) {
    g.max_new_tokens = 256;  // replies longer than generate()'s max_length of 20 tokens
    session->set_generation_config(g);
  }
  const bool tty = isatty(0);
  std::string line;
  while (true) {
    if (tty) std::cout << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      session->reset();
      std::cout << "(history cleared)\n";
      continue;
    }
    if (line.empty()) continue;
    session->reply(line, [](const std::string& t) { std::cout << t << std::flush; });
    std::cout << "\n";
  }
  return 0;
}
}  // namespace

Runner register_chat(CLI::App* c) {
  auto o = std::make_shared<ChatCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--system", o->system, "system prompt");
  c->add_option("--kv-cache-memory", o->kv_cache_memory, "the KV cache the conversation keeps (default 256MiB)");
  c->add_option("--dtype", o->load.dtype);
  c->add_option("--quantization", o->load.quantization, "int8: weight-only int8 at load");
  o->flags.add(c);
  add_model_options(c, o->load);
  return [o] { return run_chat(*o); };
}

}  // namespace transformers::cli
