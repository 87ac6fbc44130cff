#pragma once
// tokenization_whisper._decode_asr over the generate() outputs of an audio clip (one, or one per
// strided chunk of it): the text tokens split into chunks at Whisper's end timestamps (times running
// on across 30 s windows and chunks), the chunks' overlaps merged, each chunk decoded on its own.
#include <array>
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

struct AsrOutput {
  std::vector<int64_t> ids;
  // chunk_iter's (chunk length, left stride, right stride) in seconds, for chunked audio
  std::optional<std::array<double, 3>> stride;
  std::vector<double> token_timestamps;  // one per id, for word timestamps
};
// time_precision: seconds per timestamp step (chunk_length / max_source_positions, 0.02).
// `timestamps`: whether the output is read for timestamps (a language change closes a chunk only
// when it is not); `words`: each chunk's words get their times (_collate_word_timestamps) from the
// outputs' token_timestamps.
AsrText decode_asr(const PreTrainedTokenizer& tok, const std::vector<AsrOutput>& outputs, double time_precision, bool timestamps, bool words,
                   int64_t segment_size = 1500);

// _find_longest_common_sequence: sequences from overlapping chunks joined where they agree best,
// the left chunk trusted for the first half of the overlap and the right one after; with times,
// a match also needs its times in order (the times are split the same way).
std::vector<int64_t> longest_common_sequence(const std::vector<std::vector<int64_t>>& sequences,
                                             const std::vector<std::vector<std::pair<double, double>>>* times = nullptr,
                                             std::vector<std::pair<double, double>>* joined_times = nullptr);

// _combine_tokens_into_words: text tokens grouped into words (split where the text decodes to
// whole characters; for languages written with spaces, merged up to the next space, punctuation or
// special token; punctuation then joined to its neighbour). Each word with its token indices.
std::vector<std::pair<std::string, std::vector<size_t>>> combine_tokens_into_words(const PreTrainedTokenizer& tok, const std::vector<int64_t>& tokens,
                                                                                   const std::string& language);

// Whisper's language name for a code ("fr" -> "french"), or "" when it is none.
std::string language_name(const std::string& code);

}  // namespace transformers::whisper
