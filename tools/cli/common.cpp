// Options and flags several subcommands share.
#include <fstream>
#include <iterator>

#include "cli.hpp"

namespace transformers::cli {

void add_hub_options(CLI::App* c, HubOptions& o) {
  c->add_option("--revision", o.revision, "branch, tag or commit");
  c->add_option("--subfolder", o.subfolder);
  c->add_option("--cache-dir", o.cache_dir);
  c->add_flag("--local-files-only", o.local_files_only);
  c->add_flag("--force-download", o.force_download);
  c->add_option("--token", o.token);
  c->add_option("--gguf-file", o.gguf_file, "config, tokenizer and weights from this GGUF file of the folder / repo (or a path)");
}

void add_model_options(CLI::App* c, FromPretrainedOptions& o) {
  add_hub_options(c, o);
  c->add_flag("--mmap", o.mmap, "weights stay in a memory map of the files (no copy, instant load; decode streams them slower)");
}

std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw OSError("cannot open '" + p + "'");
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

bool GenFlags::given(const char* name) const {
  try {
    return app && app->get_option(name)->count() > 0;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

void GenFlags::add(CLI::App* c) {
  add_whisper(c);
  c->add_option("--max-new-tokens", max_new_tokens);
  c->add_option("--num-beams", num_beams);
  c->add_option("--num-return-sequences", num_return);
  c->add_flag("--do-sample", do_sample);
  c->add_option("--temperature", temperature);
  c->add_option("--top-k", top_k);
  owns_top_k = true;
  c->add_option("--top-p", top_p);
  c->add_option("--min-p", min_p);
  c->add_option("--repetition-penalty", repetition_penalty);
  c->add_option("--seed", seed);
}

void GenFlags::add_whisper(CLI::App* c) {
  app = c;
  c->add_option("--temperature-fallback", temperature_fallback, "Whisper: temperatures tried in turn, e.g. 0,0.2,0.4,0.6,0.8,1")->delimiter(',');
  c->add_option("--compression-ratio-threshold", compression_ratio_threshold, "Whisper: fall back above this zlib ratio (e.g. 1.35)");
  c->add_option("--logprob-threshold", logprob_threshold, "Whisper: fall back under this mean log-probability (e.g. -1)");
  c->add_option("--no-speech-threshold", no_speech_threshold, "Whisper: skip a window as silence above this <|nospeech|> probability (e.g. 0.6)");
  c->add_flag("--condition-on-prev-tokens", condition_on_prev_tokens, "Whisper: decode each window after the previous windows' text");
}

GenerationConfig GenFlags::config() const {
  GenerationConfig g;
  if (given("--max-new-tokens")) g.max_new_tokens = max_new_tokens;
  if (given("--num-beams")) g.num_beams = num_beams;
  if (given("--num-return-sequences")) g.num_return_sequences = num_return;
  if (do_sample) g.do_sample = true;
  if (given("--temperature")) g.temperature = temperature;
  // run's --top-k counts labels to print; it is set here (as top_k) only with --do-sample
  if (owns_top_k ? given("--top-k") : top_k != -1) g.top_k = top_k;
  if (given("--top-p")) g.top_p = top_p;
  if (given("--min-p")) g.min_p = min_p;
  if (given("--repetition-penalty")) g.repetition_penalty = repetition_penalty;
  if (given("--seed")) g.seed = static_cast<uint64_t>(seed);
  if (!temperature_fallback.empty()) g.temperature_fallback = temperature_fallback;
  if (given("--compression-ratio-threshold")) g.compression_ratio_threshold = compression_ratio_threshold;
  if (!std::isnan(logprob_threshold)) g.logprob_threshold = logprob_threshold;
  if (given("--no-speech-threshold")) g.no_speech_threshold = no_speech_threshold;
  if (condition_on_prev_tokens) g.condition_on_prev_tokens = true;
  return g;
}

}  // namespace transformers::cli
