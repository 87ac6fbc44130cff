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
  // Keeps the encoder output of these features [rows, mel bins, num_segment_frames] for decode.
  std::function<void(const Tensor& features)> encode;
  // Per row, the best of lang_ids after one decoder step on the kept encoder output.
  std::function<std::vector<int64_t>(int64_t rows, const std::vector<int64_t>& lang_ids)> detect_language;
  // generate() on the kept encoder output from this prompt [rows, L]: sequences [rows, L + new].
  std::function<Tensor(const Tensor& prompt, const GenerationConfig& call)> decode;
};

// WhisperForConditionalGeneration.generate: features [B, mel bins, frames] decoded 30 s window
// after window (frames beyond one window is long-form, which predicts timestamps), each window
// from the init tokens, the next window starting at the last complete timestamped segment; the
// windows' tokens concatenated per row and right-padded with pad_token_id. `attention_mask`
// [B, frames] gives each row's length for batched long-form. `g` is the merged config,
// `overrides` the call's own settings.
Tensor generate(const Tensor& features, const Tensor& attention_mask, const GenerationConfig& g, const GenerationConfig& overrides,
                const Model& m);

}  // namespace transformers::whisper
