#include "models/whisper/tokenization_whisper.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "models/whisper/generation_whisper.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::whisper {

namespace {

// Python's round(x, 2): the correctly rounded decimal, as printf gives it.
double round2(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return std::strtod(buf, nullptr);
}

// str.strip() and `a in b` on Python strings (a substring test).
std::u32string strip(const std::u32string& s) {
  size_t b = 0, e = s.size();
  while (b < e && tok::is_whitespace(s[b])) ++b;
  while (e > b && tok::is_whitespace(s[e - 1])) --e;
  return s.substr(b, e - b);
}
bool within(const std::u32string& part, const std::u32string& whole) { return whole.find(part) != std::u32string::npos; }

struct Word {
  std::u32string text;
  std::vector<int64_t> tokens;
  std::vector<size_t> indices;
};

// _split_tokens_on_unicode: a word ends wherever the tokens so far decode without a replacement
// character that the full text does not have at that place.
std::vector<Word> split_on_unicode(const PreTrainedTokenizer& tok, const std::vector<int64_t>& tokens) {
  const std::u32string full = tok::utf8_decode(tok.decode(tokens, false));
  std::vector<Word> words;
  Word cur;
  size_t offset = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    cur.tokens.push_back(tokens[i]), cur.indices.push_back(i);
    const std::u32string decoded = tok::utf8_decode(tok.decode(cur.tokens, false));
    const size_t bad = decoded.find(U'\ufffd');
    if (bad == std::u32string::npos || offset + bad >= full.size() || full[offset + bad] == U'\ufffd') {
      cur.text = decoded;
      offset += decoded.size();
      words.push_back(std::move(cur));
      cur = Word{};
    }
  }
  return words;
}

// _split_tokens_on_spaces: subwords joined until one starts with a space, is punctuation or special.
std::vector<Word> split_on_spaces(const PreTrainedTokenizer& tok, const std::vector<int64_t>& tokens) {
  static const std::u32string punct = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  const int64_t eos = tok.eos_token_id().value_or(std::numeric_limits<int64_t>::max());
  std::vector<Word> words;
  for (Word& w : split_on_unicode(tok, tokens)) {
    const bool special = w.tokens[0] >= eos, with_space = !w.text.empty() && w.text[0] == U' ', punctuation = within(strip(w.text), punct);
    if (special || with_space || punctuation || words.empty()) {
      words.push_back(std::move(w));
    } else {
      words.back().text += w.text;
      words.back().tokens.insert(words.back().tokens.end(), w.tokens.begin(), w.tokens.end());
      words.back().indices.insert(words.back().indices.end(), w.indices.begin(), w.indices.end());
    }
  }
  return words;
}

}  // namespace

std::vector<std::pair<std::string, std::vector<size_t>>> combine_tokens_into_words(const PreTrainedTokenizer& tok, const std::vector<int64_t>& tokens,
                                                                                   const std::string& language) {
  static const std::u32string prepended = U"\"'\u201c\u00a1\u00bf([{-", appended = U"\"'.\u3002,\uff0c!\uff01?\uff1f:\uff1a\u201d)]}\u3001";
  const std::string lang = language.empty() ? "english" : language;
  const bool unspaced = lang == "chinese" || lang == "japanese" || lang == "thai" || lang == "lao" || lang == "myanmar" || lang == "cantonese";
  std::vector<Word> w = unspaced ? split_on_unicode(tok, tokens) : split_on_spaces(tok, tokens);
  auto join = [&](Word& into, Word& from, bool before) {
    if (before) {
      into.text = from.text + into.text;
      into.tokens.insert(into.tokens.begin(), from.tokens.begin(), from.tokens.end());
      into.indices.insert(into.indices.begin(), from.indices.begin(), from.indices.end());
    } else {
      into.text += from.text;
      into.tokens.insert(into.tokens.end(), from.tokens.begin(), from.tokens.end());
      into.indices.insert(into.indices.end(), from.indices.begin(), from.indices.end());
    }
    from = Word{};
  };
  // _merge_punctuations: opening marks join the next word, closing marks the previous one.
  if (w.size() >= 2)
    for (int64_t i = static_cast<int64_t>(w.size()) - 2, j = static_cast<int64_t>(w.size()) - 1; i >= 0; --i) {
      if (!w[i].text.empty() && w[i].text[0] == U' ' && within(strip(w[i].text), prepended)) join(w[j], w[i], true);
      else j = i;
    }
  for (size_t i = 0, j = 1; j < w.size(); ++j) {
    if (!(!w[i].text.empty() && w[i].text.back() == U' ') && within(w[j].text, appended)) join(w[i], w[j], false);
    else i = j;
  }
  // Python filters the texts and the index lists apart, then pairs them up.
  std::vector<std::string> texts;
  std::vector<std::vector<size_t>> indices;
  for (const Word& x : w) {
    if (!x.text.empty()) {
      std::string t;
      for (char32_t c : x.text) tok::utf8_append(t, c);
      texts.push_back(t);
    }
    if (!x.indices.empty()) indices.push_back(x.indices);
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> out;
  for (size_t k = 0; k < std::min(texts.size(), indices.size()); ++k) out.emplace_back(texts[k], indices[k]);
  return out;
}

std::vector<int64_t> longest_common_sequence(const std::vector<std::vector<int64_t>>& sequences,
                                             const std::vector<std::vector<std::pair<double, double>>>* times,
                                             std::vector<std::pair<double, double>>* joined_times) {
  if (sequences.empty()) return {};
  const bool timed = times && !times->empty();
  if (timed && times->size() != sequences.size()) throw ValueError("longest_common_sequence: one time list per sequence");
  std::vector<int64_t> left = sequences[0], total;
  std::vector<std::pair<double, double>> left_t, total_t;
  if (timed) left_t = (*times)[0];
  for (size_t s = 1; s < sequences.size(); ++s) {
    const std::vector<int64_t>& right = sequences[s];
    const int64_t L = static_cast<int64_t>(left.size()), R = static_cast<int64_t>(right.size());
    double best = 0.0;
    std::array<int64_t, 4> at{L, L, 0, 0};
    for (int64_t i = 1; i < L + R; ++i) {
      const double eps = static_cast<double>(i) / 10000.0;  // favours long perfect matches
      const int64_t ls = std::max<int64_t>(0, L - i), le = std::min(L, L + R - i), rs = std::max<int64_t>(0, i - L);
      int64_t matches = 0;
      for (int64_t k = 0; k < le - ls; ++k)
        if (left[ls + k] == right[rs + k] && (!timed || left_t[ls + k] <= (*times)[s][rs + k])) ++matches;
      const double matching = static_cast<double>(matches) / static_cast<double>(i) + eps;
      if (matches > 1 && matching > best) best = matching, at = {ls, le, rs, std::min(R, i)};
    }
    const int64_t left_mid = (at[1] + at[0]) / 2, right_mid = (at[3] + at[2]) / 2;
    total.insert(total.end(), left.begin(), left.begin() + left_mid);
    left.assign(right.begin() + right_mid, right.end());
    if (timed) {
      total_t.insert(total_t.end(), left_t.begin(), left_t.begin() + left_mid);
      left_t.assign((*times)[s].begin() + right_mid, (*times)[s].end());
    }
  }
  total.insert(total.end(), left.begin(), left.end());
  if (joined_times) {
    total_t.insert(total_t.end(), left_t.begin(), left_t.end());
    *joined_times = timed ? total_t : std::vector<std::pair<double, double>>{};
  }
  return total;
}

AsrText decode_asr(const PreTrainedTokenizer& tok, const std::vector<AsrOutput>& outputs, double time_precision, bool timestamps, bool words,
                   int64_t segment_size) {
  const Tokenizer& be = tok.backend();
  const auto no_ts = be.token_to_id("<|notimestamps|>");
  const int64_t timestamp_begin = no_ts ? *no_ts + 1 : std::numeric_limits<int64_t>::max();
  const auto prev = be.token_to_id("<|startofprev|>"), sot = be.token_to_id("<|startoftranscript|>");
  using Times = std::vector<std::pair<double, double>>;
  AsrText out;
  std::string last_language;
  AsrChunk chunk;
  std::vector<std::vector<int64_t>> previous;  // the chunks' tokens waiting to be merged
  std::vector<Times> previous_times;
  std::vector<int64_t> current;
  Times current_times;  // per text token (start, end)
  double time_offset = 0.0;
  bool skip = false;
  auto new_chunk = [&] {
    chunk = AsrChunk{};
    chunk.language = last_language;
  };
  // Closes the chunk: the pending token lists merged, decoded, split into words with their times.
  auto close = [&] {
    Times joined;
    const std::vector<int64_t> resolved = longest_common_sequence(previous, words ? &previous_times : nullptr, &joined);
    chunk.text = tok.decode(resolved, false);
    if (words)
      for (const auto& [word, idx] : combine_tokens_into_words(tok, resolved, last_language))
        chunk.words.push_back({word, joined.at(idx.front()).first, joined.at(idx.back()).second});
    out.chunks.push_back(chunk);
    previous.clear(), previous_times.clear(), current.clear(), current_times.clear();
    new_chunk();
  };
  for (const AsrOutput& o : outputs) {
    std::vector<int64_t> ids = o.ids;
    // _strip_prompt: a <|startofprev|> prompt is cut up to <|startoftranscript|>.
    if (!ids.empty() && prev && ids[0] == *prev) {
      auto it = sot ? std::find(ids.begin(), ids.end(), *sot) : ids.end();
      ids = it == ids.end() ? std::vector<int64_t>{} : std::vector<int64_t>(it, ids.end());
    }

    // Timestamps inside the strides are not split on: a chunk's first ones (in its left stride) and
    // its last one in the right stride wait for the neighbouring chunk.
    std::optional<int64_t> last_timestamp;
    double first_timestamp = static_cast<double>(timestamp_begin);
    if (o.stride) {
      const auto [len, left, right] = *o.stride;
      time_offset -= left;
      const double right_stride_start = len - right;
      if (left != 0) first_timestamp = left / time_precision + static_cast<double>(timestamp_begin);
      if (right != 0)
        for (auto it = ids.rbegin(); it != ids.rend(); ++it)
          if (*it >= timestamp_begin) {
            if (last_timestamp && static_cast<double>(*it - timestamp_begin) * time_precision < right_stride_start) break;
            last_timestamp = *it;
          }
    }
    double cur_max = 0.0, prev_len = 0.0, penultimate = 0.0;
    current.clear(), current_times.clear();
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
        const double time = round2(ts + time_offset + prev_len);
        if (last_timestamp && *last_timestamp != 0 && t >= *last_timestamp) {
          skip = true;  // in the right stride: this one and the next (they come in pairs) are skipped
        } else if (skip || (!previous.empty() && static_cast<double>(t) < first_timestamp)) {
          skip = false;
        } else if (!chunk.start) {
          chunk.start = time;
        } else if (time != *chunk.start) {  // an end; a repeated start timestamp starts again
          chunk.end = time;
          previous.push_back(current);
          if (words) previous_times.push_back(current_times);
          close();
        }
      } else if (piece && be.is_special(*piece)) {
        const std::string inner = piece->size() > 4 ? piece->substr(2, piece->size() - 4) : "";
        const std::string lang = language_name(inner);
        if (!lang.empty()) {
          // a new language closes the chunk (when timestamps do not)
          if (!timestamps && !last_language.empty() && lang != last_language) {
            previous.push_back(current);
            close();
          }
          chunk.language = last_language = lang;
        }
      } else {
        current.push_back(t);
        if (words) {
          if (i >= o.token_timestamps.size()) throw ValueError("decode_asr: token " + std::to_string(i) + " has no timestamp");
          current_times.emplace_back(i == 0 ? round2(time_offset) : round2(o.token_timestamps[i - 1] + time_offset),
                                     round2(o.token_timestamps[i] + time_offset));
        }
      }
    }
    if (o.stride) time_offset += (*o.stride)[0] - (*o.stride)[2];
    if (!current.empty()) {
      previous.push_back(current);
      if (words) previous_times.push_back(current_times);
    } else if (std::all_of(previous.begin(), previous.end(), [](const auto& p) { return p.empty(); })) {
      new_chunk();
      previous.clear(), previous_times.clear();
    }
    current.clear(), current_times.clear();
  }
  if (!previous.empty()) close();
  for (const auto& c : out.chunks) out.text += c.text;
  return out;
}

}  // namespace transformers::whisper
