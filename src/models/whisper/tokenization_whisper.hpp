#pragma once
// tokenization_whisper._decode_asr for one generate() output: the text tokens split into chunks at
// Whisper's end timestamps (times running on across 30 s windows), each chunk decoded on its own.
#include <optional>
#include <string>
#include <vector>

#include "transformers/tokenizer.hpp"

namespace transformers::whisper {

struct AsrChunk {
  std::optional<double> start, end;  // seconds; end unset when no closing timestamp came
  std::string text, language;        // language: the name of the last language token ("" if none)
};
struct AsrText {
  std::string text;  // every chunk's text joined
  std::vector<AsrChunk> chunks;
};

// time_precision: seconds per timestamp step (chunk_length / max_source_positions, 0.02).
AsrText decode_asr(const PreTrainedTokenizer& tok, std::vector<int64_t> ids, double time_precision, int64_t segment_size = 1500);

// Whisper's language name for a code ("fr" -> "french"), or "" when it is none.
std::string language_name(const std::string& code);

}  // namespace transformers::whisper
