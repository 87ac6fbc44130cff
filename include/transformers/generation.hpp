#pragma once
// GenerationConfig and generate(), named as in Python transformers. Every field is optional:
// unset fields fall back to the model's generation_config.json, then to config.json, then to
// transformers' defaults — exactly how Python merges `generate(**kwargs)` over the model's config.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/config.hpp"
#include "transformers/tensor.hpp"

namespace transformers {

class PreTrainedTokenizer;

struct TRANSFORMERS_API GenerationConfig {
  std::optional<int64_t> max_length, max_new_tokens, min_length, min_new_tokens;
  std::optional<bool> do_sample;
  std::optional<int64_t> num_beams, num_return_sequences, top_k, no_repeat_ngram_size;
  std::optional<double> temperature, top_p, min_p, typical_p, repetition_penalty, length_penalty;
  // Truncation sampling (TopHLogitsWarper, EpsilonLogitsWarper, EtaLogitsWarper): used with
  // do_sample; epsilon / eta act only strictly between 0 and 1, as in Python.
  std::optional<double> top_h, epsilon_cutoff, eta_cutoff;
  std::optional<std::string> early_stopping;  // "false" (heuristic), "true", "never"
  std::optional<std::vector<int64_t>> eos_token_id;
  std::optional<int64_t> pad_token_id, bos_token_id, decoder_start_token_id, forced_bos_token_id, forced_eos_token_id;
  std::optional<std::vector<std::vector<int64_t>>> bad_words_ids;
  std::optional<std::vector<int64_t>> suppress_tokens, begin_suppress_tokens;
  std::optional<std::vector<std::string>> stop_strings;
  std::optional<uint64_t> seed;  // sampling RNG seed (our own generator: not torch's stream)
  std::optional<bool> use_cache;
  // Whisper (WhisperGenerationMixin): the prompt <|startoftranscript|> <|lang|> <|task|>
  // [<|notimestamps|>] built from these; language detected when unset on a multilingual model.
  std::optional<std::string> language, task;  // "fr" / "french" / "<|fr|>"; "transcribe" / "translate"
  std::optional<bool> return_timestamps;
  std::optional<int64_t> no_timestamps_token_id, max_initial_timestamp_index;
  std::optional<std::map<std::string, int64_t>> lang_to_id, task_to_id;
  std::optional<std::vector<std::vector<int64_t>>> forced_decoder_ids;  // [index, id]; id -1 for null
  // Whisper's prompt_ids (<|startofprev|> and the previous text's tokens, as
  // WhisperProcessor.get_prompt_ids makes them): put before the decoder prompt of every window,
  // not returned. Other models refuse it.
  std::optional<std::vector<int64_t>> prompt_ids;
  // Whisper's long-form heuristics (the original paper's 3.8): temperature=(t0, t1, ...) as a
  // fallback schedule (each window decoded again at the next temperature, sampling when > 0, while
  // its zlib compression ratio is over compression_ratio_threshold or its average log-probability
  // under logprob_threshold); a window whose <|nospeech|> probability exceeds no_speech_threshold
  // while under logprob_threshold is skipped as silence; condition_on_prev_tokens puts
  // <|startofprev|> and the previous windows' tokens before each window's prompt (prompt_ids with
  // them: prompt_condition_type "first-segment" or "all-segments").
  std::optional<std::vector<double>> temperature_fallback;
  std::optional<double> compression_ratio_threshold, logprob_threshold, no_speech_threshold;
  std::optional<bool> condition_on_prev_tokens;
  std::optional<std::string> prompt_condition_type;
  std::optional<int64_t> prev_sot_token_id;
  // Whisper's token-level timestamps (GenerateOutput::token_timestamps): cross-attention of the
  // alignment_heads ([layer, head] pairs, from generation_config.json) aligned to the audio by DTW.
  std::optional<bool> return_token_timestamps;
  std::optional<std::vector<std::vector<int64_t>>> alignment_heads;
  // Whisper: also return each row's segments (GenerateOutput::segments).
  std::optional<bool> return_segments;
  // Keep every step's processed scores (GenerateOutput::scores).
  std::optional<bool> output_scores;

  // generation_config.json text; unknown keys are ignored as Python keeps them as attributes.
  static GenerationConfig from_json_string(const std::string& json, const std::string& source = "generation_config.json");
  // Python's GenerationConfig.from_model_config: token ids from config.json.
  static GenerationConfig from_model_config(const PretrainedConfig& config);
  // Fields set in *this win over those of `base`.
  GenerationConfig merged_over(const GenerationConfig& base) const;
  std::string to_json_string() const;
};

struct TRANSFORMERS_API GenerateOutput {
  Tensor sequences;         // [batch * num_return_sequences, length] i64, prompt included for decoder-only
  Tensor sequences_scores;  // beam search only: [batch * num_return_sequences] f32
  std::vector<Tensor> scores;  // output_scores, greedy / sampling: per step [batch, vocab] f32 after the processors and warpers
  // Whisper, return_token_timestamps: seconds per token of `sequences` [batch, length] f32 (each
  // window's own times, as Python's generate returns them; rows padded with their last time).
  Tensor token_timestamps;
  // Whisper, return_segments: per row the segments its windows produced, times in the audio.
  struct Segment {
    double start, end;
    std::vector<int64_t> tokens;
    std::vector<double> token_timestamps;  // with return_token_timestamps
    std::vector<int64_t> result;           // the window's whole decoded row, its decoder prompt first
  };
  std::vector<std::vector<Segment>> segments;
};

struct TRANSFORMERS_API GenerateHooks {
  // Called after every step with the token chosen for each row (pad for finished rows).
  std::function<void(const std::vector<int64_t>& next_tokens)> on_tokens;
  // Needed for stop_strings (Python's `tokenizer=` argument).
  const PreTrainedTokenizer* tokenizer = nullptr;
};

}  // namespace transformers
