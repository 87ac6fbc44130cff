// transformers-cpp: the command-line face of the library (see DESIGN.md, "The CLI contract").
// Every command takes a model folder or Hub id first; any error is one line on stderr, exit 1.
// Each subcommand lives in its own file (options struct + register_<name>); this file keeps the
// table and the global options, which are accepted before or after the subcommand.
#include <cstdio>

#include "cli.hpp"

using namespace transformers;

namespace {
struct Subcommand {
  const char* name;
  const char* description;
  cli::Runner (*add)(CLI::App*);
};

const Subcommand kSubcommands[] = {
    {"env", "environment report", cli::register_env},
    {"forward", "run a forward pass and write every output tensor", cli::register_forward},
    {"download", "fetch a model into the shared Hugging Face cache", cli::register_download},
    {"tokenize", "tokenize JSON lines with the model's tokenizer", cli::register_tokenize},
    {"chat-template", "print the rendered chat template, byte for byte", cli::register_chat_template},
    {"run", "run a pipeline and print the result", cli::register_run},
    {"generate", "generate() on the inputs of a safetensors file (as forward takes them); writes sequences", cli::register_generate},
    {"preprocess", "the Auto image processor on an image or feature extractor on a sound file; writes its tensors", cli::register_preprocess},
    {"chat", "interactive chat with the model's chat template (/reset, /exit)", cli::register_chat},
    {"bench", "time repeated forward passes (one JSON object)", cli::register_bench},
    {"serve", "an OpenAI-compatible HTTP server for the model", cli::register_serve},
};
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"transformers-cpp: Hugging Face Transformers' Auto classes, natively in C++"};
  app.require_subcommand(1);
  int threads = 0;
  bool reference = false;
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_flag("--reference", reference, "run every op on the scalar reference kernels");
  // Subcommands created after this pass options they do not know to the app: the global options
  // also work after the subcommand (transformers-cpp run MODEL --threads 2 ...).
  app.fallthrough();

  std::vector<std::pair<CLI::App*, cli::Runner>> commands;
  for (const auto& s : kSubcommands) {
    CLI::App* sub = app.add_subcommand(s.name, s.description);
    commands.emplace_back(sub, s.add(sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    set_num_threads(threads);
    if (reference) set_reference_mode(true);
    for (const auto& [sub, runner] : commands)
      if (sub->parsed()) return runner();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}
