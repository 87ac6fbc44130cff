#pragma once
// Whisper's short-form generation (generation_whisper.py): the decoder prompt ("init tokens") from
// language / task / return_timestamps or the legacy forced_decoder_ids, language detection, and
// the post-processing of the returned sequences.
#include <functional>
#include <vector>

#include "transformers/generation.hpp"

namespace transformers::whisper {

// One init-token row per batch row. `detect_language` returns, per row, the language token the
// first decoder step scores highest among lang_to_id (called only when needed).
std::vector<std::vector<int64_t>> init_tokens(const GenerationConfig& g, int64_t batch,
                                              const std::function<std::vector<int64_t>(const std::vector<int64_t>& lang_ids)>& detect_language);

// What the model provides to the generation loop.
struct Model {
  int64_t num_segment_frames;    // 2 * max_source_positions (3000: 30 s)
  int64_t max_target_positions;
  int64_t vocab_size;
  // Keeps the encoder output of these features [rows, mel bins, num_segment_frames] for decode.
  std::function<void(const Tensor& features)> encode;
  // Restricts the kept encoder output to these of its rows (a fallback pass re-decodes a few).
  std::function<void(const std::vector<int64_t>& rows)> use_rows;
  // Per row, the best of lang_ids after one decoder step on the kept encoder output.
  std::function<std::vector<int64_t>(int64_t rows, const std::vector<int64_t>& lang_ids)> detect_language;
  // generate() on the kept encoder output from this prompt [rows, L] and its mask: sequences
  // [rows, L + new] (scores / sequences_scores as `call` asks).
  std::function<GenerateOutput(const Tensor& prompt, const Tensor& mask, const GenerationConfig& call)> decode;
  // The decoder's logits [rows, vocab] at `position` of the prompt, before any processor.
  std::function<Tensor(const Tensor& prompt, const Tensor& mask, int64_t position)> prompt_logits;
  // Cross-attention probabilities of these [layer, head] pairs over tokens fed [rows, S] with their
  // mask: per pair [rows, S, frames] f32 (on the kept encoder output).
  std::function<std::vector<Tensor>(const Tensor& ids, const Tensor& mask, const std::vector<std::pair<int64_t, int64_t>>& heads)> cross_attentions;
  int64_t median_filter_width = 7;  // config.median_filter_width
};

// _extract_token_timestamps for one row: its alignment-head weights (each [S - 1, frames], the
// tokens fed) cut to `frames` (a Python slice stop; applied twice when the batch's were equal, as
// Python does), z-scored over tokens, median-filtered over frames, averaged, then aligned by DTW;
// seconds for each of the S tokens (the prompt's `prompt_len` at 0, the last repeating the one before).
std::vector<double> token_timestamps(const std::vector<std::vector<float>>& weights, int64_t S, int64_t frames, bool slice_twice,
                                     int64_t prompt_len, int64_t median_filter_width, double time_precision = 0.02);

// The zlib compression ratio generate_with_fallback judges repetition by: the tokens as
// little-endian integers of int(log2(vocab_size) / 8) + 1 bytes, over their zlib.compress size.
double compression_ratio(const std::vector<int64_t>& tokens, int64_t vocab_size);

// WhisperForConditionalGeneration.generate: features [B, mel bins, frames] decoded 30 s window
// after window (frames beyond one window is long-form, which predicts timestamps), each window
// from the init tokens, the next window starting at the last complete timestamped segment; the
// windows' tokens concatenated per row and right-padded with pad_token_id. `attention_mask`
// [B, frames] gives each row's length for batched long-form. Each window runs the temperature
// fallback schedule and the no-speech check when configured, and is conditioned on the previous
// ones with condition_on_prev_tokens (GenerationConfig). `g` is the merged config, `overrides`
// the call's own settings (Whisper reads `temperature` from the call only, and samples whenever it
// is above 0, whatever do_sample says).
// return_token_timestamps / return_segments fill GenerateOutput's token_timestamps / segments.
GenerateOutput generate(const Tensor& features, const Tensor& attention_mask, const GenerationConfig& g, const GenerationConfig& overrides,
                        const Model& m);

}  // namespace transformers::whisper
