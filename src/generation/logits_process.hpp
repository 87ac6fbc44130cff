#pragma once
// The logits processors and warpers of transformers/generation/logits_process.py, in the order
// GenerationMixin._get_logits_processor builds them, applied to one row of scores at a time.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "transformers/generation.hpp"

namespace transformers::generation {

// The generation config with every default resolved (Python's values after _prepare_special_tokens).
struct Resolved {
  int64_t max_length = 20, min_length = 0, min_new_tokens = 0, num_beams = 1, num_return_sequences = 1;
  int64_t top_k = 50, no_repeat_ngram_size = 0;
  bool do_sample = false, use_cache = true, output_scores = false;
  double temperature = 1.0, top_p = 1.0, typical_p = 1.0, repetition_penalty = 1.0, length_penalty = 1.0;
  std::optional<double> min_p, top_h, epsilon_cutoff, eta_cutoff;
  std::string early_stopping = "false";
  std::vector<int64_t> eos;
  std::optional<int64_t> pad, forced_bos, forced_eos;
  std::vector<std::vector<int64_t>> bad_words;
  std::vector<int64_t> suppress, begin_suppress;
  std::vector<std::string> stop_strings;
  std::optional<uint64_t> seed;
  // The timestamp processor (return_timestamps): timestamps from timestamp_begin on, the
  // prompt's length as begin index.
  struct Timestamps {
    int64_t begin_index, no_timestamps, timestamp_begin, eos;
    std::optional<int64_t> max_initial_index;
  };
  std::optional<Timestamps> timestamps;
};

// Checks values where Python raises, with its messages, and fills defaults; prompt_len turns
// max_new_tokens into max_length. prompt_name names the prompt in the length error
// ("decoder_input_ids" for encoder-decoders).
Resolved resolve(const GenerationConfig& g, int64_t prompt_len, int64_t vocab_size, const std::string& prompt_name = "input_ids");

// Python's repr() of a float ("-1.0", "1e-05"), for messages that quote a value as Python does.
std::string py_float(double v);

struct RowContext {
  const std::vector<int64_t>& seq;  // prompt (with its padding) + generated so far
  int64_t prompt_len;               // padded prompt length
  int64_t prompt_pad;               // leading pads of this row (repetition penalty skips them)
};

// Processors then (when do_sample) warpers, in place on `scores` [V].
void process(const Resolved& r, const RowContext& row, float* scores, int64_t V);

// torch.multinomial over softmax(scores) as generate() samples: exp(s - max) weights in double,
// one uniform in [0, sum). Throws ValueError when every score is -inf (nothing can be drawn).
// generate() and the serving engine share it, so a seeded request draws the same token in both.
int64_t sample_categorical(const float* scores, int64_t V, std::mt19937_64& rng);

}  // namespace transformers::generation
