#pragma once
// The pieces every subcommand shares: Hub / model-loading options, the generation flags, and the
// subcommand protocol. Each subcommand lives in its own file with an options struct and a
// register_<name>(CLI::App*) that binds its flags and returns what runs it; main.cpp keeps the table.
#include <CLI/CLI.hpp>

#include <cmath>
#include <functional>
#include <string>

#include "transformers/transformers.hpp"

namespace transformers::cli {

// What a registered subcommand runs once the command line is parsed; returns the exit status.
using Runner = std::function<int()>;

void add_hub_options(CLI::App* c, HubOptions& o);
// Model-loading options on top of the Hub's.
void add_model_options(CLI::App* c, FromPretrainedOptions& o);
std::string read_all(const std::string& path);  // OSError when unreadable

// Generation flags shared by generate, run (generating tasks) and chat; only the ones given
// override the model's generation_config.
struct GenFlags {
  int64_t max_new_tokens = -1, num_beams = -1, top_k = -1, seed = -1, num_return = -1;
  double temperature = -1, top_p = -1, min_p = -1, repetition_penalty = -1;
  bool do_sample = false;
  // Whisper's long-form heuristics
  std::vector<double> temperature_fallback;
  double compression_ratio_threshold = -1, logprob_threshold = NAN, no_speech_threshold = -1;
  bool condition_on_prev_tokens = false;
  // The command the flags were added to: a flag counts when given, whatever its value (-1 is a
  // value generate() judges as Python does, not "unset").
  const CLI::App* app = nullptr;
  bool owns_top_k = false;
  bool given(const char* name) const;
  void add(CLI::App* c);          // every generation flag
  void add_whisper(CLI::App* c);  // the long-form heuristics only
  GenerationConfig config() const;
};

Runner register_env(CLI::App* c);
Runner register_forward(CLI::App* c);
Runner register_download(CLI::App* c);
Runner register_tokenize(CLI::App* c);
Runner register_chat_template(CLI::App* c);
Runner register_run(CLI::App* c);
Runner register_generate(CLI::App* c);
Runner register_preprocess(CLI::App* c);
Runner register_chat(CLI::App* c);
Runner register_bench(CLI::App* c);
Runner register_serve(CLI::App* c);

}  // namespace transformers::cli
