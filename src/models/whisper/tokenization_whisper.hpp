#pragma once
// tokenization_whisper._decode_asr for one generate() output: the text tokens split into chunks at
// Whisper's end timestamps (times running on across 30 s windows), each chunk decoded on its own.
#include <optional>
#include <string>
#include <vector>

#include "transformers/tokenizer.hpp"

namespace transformers::whisper {

struct AsrWord {
  std::string text;
  double start, end;  // seconds
};
struct AsrChunk {
  std::optional<double> start, end;  // seconds; end unset when no closing timestamp came
  std::string text, language;        // language: the name of the last language token ("" if none)
  std::vector<AsrWord> words;        // with token timestamps (return_timestamps="word")
};
struct AsrText {
  std::string text;  // every chunk's text joined
  std::vector<AsrChunk> chunks;
};

// time_precision: seconds per timestamp step (chunk_length / max_source_positions, 0.02).
// `timestamps`: whether the output is read for timestamps (a language change closes a chunk only
// when it is not); `token_timestamps` (one per id): each chunk's words get their times
// (_collate_word_timestamps).
AsrText decode_asr(const PreTrainedTokenizer& tok, std::vector<int64_t> ids, double time_precision, int64_t segment_size = 1500,
                   bool timestamps = true, const std::vector<double>* token_timestamps = nullptr);

// _combine_tokens_into_words: text tokens grouped into words (split where the text decodes to
// whole characters; for languages written with spaces, merged up to the next space, punctuation or
// special token; punctuation then joined to its neighbour). Each word with its token indices.
std::vector<std::pair<std::string, std::vector<size_t>>> combine_tokens_into_words(const PreTrainedTokenizer& tok, const std::vector<int64_t>& tokens,
                                                                                   const std::string& language);

// Whisper's language name for a code ("fr" -> "french"), or "" when it is none.
std::string language_name(const std::string& code);

}  // namespace transformers::whisper
