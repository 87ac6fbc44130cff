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

// generate()'s sequences [B, init + new] -> what WhisperForConditionalGeneration.generate returns:
// init tokens cut, trailing pads dropped (Python counts every pad of the row, keeping one when pad
// is eos), a final eos dropped, rows right-padded with pad_token_id.
Tensor postprocess(const Tensor& sequences, int64_t num_init_tokens, const GenerationConfig& g);

}  // namespace transformers::whisper
