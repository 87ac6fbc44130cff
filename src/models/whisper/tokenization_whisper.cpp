#include "models/whisper/tokenization_whisper.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/whisper/generation_whisper.hpp"

namespace transformers::whisper {

AsrText decode_asr(const PreTrainedTokenizer& tok, std::vector<int64_t> ids, double time_precision, int64_t segment_size) {
  const Tokenizer& be = tok.backend();
  const auto no_ts = be.token_to_id("<|notimestamps|>");
  const int64_t timestamp_begin = no_ts ? *no_ts + 1 : std::numeric_limits<int64_t>::max();
  // _strip_prompt: a <|startofprev|> prompt is cut up to <|startoftranscript|>.
  const auto prev = be.token_to_id("<|startofprev|>"), sot = be.token_to_id("<|startoftranscript|>");
  if (!ids.empty() && prev && ids[0] == *prev) {
    auto it = sot ? std::find(ids.begin(), ids.end(), *sot) : ids.end();
    ids = it == ids.end() ? std::vector<int64_t>{} : std::vector<int64_t>(it, ids.end());
  }
  AsrText out;
  std::string last_language;
  AsrChunk chunk;
  std::vector<int64_t> current;
  double cur_max = 0.0, prev_len = 0.0, penultimate = 0.0;
  auto flush = [&](std::vector<int64_t>& toks) {
    chunk.text = tok.decode(toks, false);
    out.chunks.push_back(chunk);
    toks.clear();
    chunk = AsrChunk{};
    chunk.language = last_language;
  };
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t t = ids[i];
    const auto piece = be.id_to_token(t);
    if (t >= timestamp_begin) {  // timestamps are no special tokens of Whisper's tokenizer
      const double ts = static_cast<double>(t - timestamp_begin) * time_precision;
      if (ts < cur_max) {  // the next 30 s window has started
        const bool single_ending = i >= 2 && !(ids[i - 1] >= timestamp_begin && ids[i - 2] >= timestamp_begin);
        if (single_ending) {
          prev_len += time_precision * static_cast<double>(segment_size);
        } else {
          cur_max = penultimate;
          prev_len += penultimate;
        }
      }
      penultimate = cur_max;
      cur_max = ts;
      const double time = std::round((ts + prev_len) * 100.0) / 100.0;
      if (!chunk.start) {
        chunk.start = time;
      } else if (time != *chunk.start) {  // an end; a repeated start timestamp starts again
        chunk.end = time;
        flush(current);
      }
    } else if (piece && be.is_special(*piece)) {
      const std::string inner = piece->size() > 4 ? piece->substr(2, piece->size() - 4) : "";
      const std::string lang = language_name(inner);
      if (!lang.empty()) {
        // a new language closes the chunk
        if (!last_language.empty() && lang != last_language) flush(current);
        chunk.language = last_language = lang;
      }
    } else {
      current.push_back(t);
    }
  }
  if (!current.empty()) flush(current);
  for (const auto& c : out.chunks) out.text += c.text;
  return out;
}

}  // namespace transformers::whisper
