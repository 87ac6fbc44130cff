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

AsrText decode_asr(const PreTrainedTokenizer& tok, std::vector<int64_t> ids, double time_precision, int64_t segment_size, bool timestamps,
                   const std::vector<double>* token_timestamps) {
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
  std::vector<std::pair<double, double>> current_times;  // per text token (start, end)
  double cur_max = 0.0, prev_len = 0.0, penultimate = 0.0;
  auto flush = [&](std::vector<int64_t>& toks) {
    chunk.text = tok.decode(toks, false);
    if (token_timestamps)
      for (const auto& [word, idx] : combine_tokens_into_words(tok, toks, last_language))
        chunk.words.push_back({word, current_times[idx.front()].first, current_times[idx.back()].second});
    out.chunks.push_back(chunk);
    toks.clear();
    current_times.clear();
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
      const double time = round2(ts + prev_len);
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
        // a new language closes the chunk (when timestamps do not)
        if (!timestamps && !last_language.empty() && lang != last_language) flush(current);
        chunk.language = last_language = lang;
      }
    } else {
      current.push_back(t);
      if (token_timestamps) {
        const auto& tt = *token_timestamps;
        if (i >= tt.size()) throw ValueError("decode_asr: fewer token timestamps than tokens");
        current_times.emplace_back(i == 0 ? 0.0 : round2(tt[i - 1]), round2(tt[i]));
      }
    }
  }
  if (!current.empty()) flush(current);
  for (const auto& c : out.chunks) out.text += c.text;
  return out;
}

}  // namespace transformers::whisper
