// The tokenizer.json pipeline: added tokens, normalizer, pre-tokenizer, model, post-processor,
// truncation, padding, decoder — in the order and with the semantics of the Rust library.
#include <algorithm>
#include <array>
#include <exception>

#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers {
namespace tok {

struct AddedEntry {
  AddedToken tok;
  int64_t id;
  std::string pattern;  // content, or its normalized form for normalized tokens
};

struct Pipeline {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::shared_ptr<PostProcessor> post;  // a Tokenizer may replace its own (set_post_processor)
  std::unique_ptr<Decoder> decoder;
  std::vector<AddedEntry> added;
  std::unordered_map<std::string, int64_t> added_ids;
  std::unordered_map<int64_t, size_t> added_by_id;
  struct Part {
    NormalizedString ns;
    std::optional<int64_t> added_id;
  };

  int64_t next_id() const {
    const int64_t vs = static_cast<int64_t>(model->vocab_size());
    int64_t max_added = -1;
    for (const auto& a : added) max_added = std::max(max_added, a.id);
    return max_added >= vs || vs == 0 ? max_added + 1 : vs;
  }

  // Added tokens by the first byte of their pattern, longest first, for raw ([0]) and normalized
  // ([1]) matching: most positions of a text start no added token and are skipped at once.
  std::array<std::array<std::vector<size_t>, 256>, 2> by_first_byte;

  void refresh_patterns() {
    for (auto& table : by_first_byte)
      for (auto& v : table) v.clear();
    for (size_t k = 0; k < added.size(); ++k) {
      auto& a = added[k];
      a.pattern = a.tok.content;
      if (a.tok.normalized && normalizer) {
        NormalizedString ns(a.tok.content, 0);
        normalizer->normalize(ns);
        a.pattern = ns.normalized;
      }
      if (!a.pattern.empty()) by_first_byte[a.tok.normalized ? 1 : 0][static_cast<unsigned char>(a.pattern[0])].push_back(k);
    }
    for (auto& table : by_first_byte)
      for (auto& v : table)
        std::stable_sort(v.begin(), v.end(), [&](size_t x, size_t y) { return added[x].pattern.size() > added[y].pattern.size(); });
  }

  size_t add(const AddedToken& t) {
    if (t.content.empty()) return 0;
    validate_utf8(t.content, "added token");
    for (auto& a : added)
      if (a.tok.content == t.content) {
        a.tok = t;
        refresh_patterns();
        return 0;
      }
    int64_t id;
    if (auto mid = model->token_to_id(t.content)) id = *mid;
    else id = next_id();
    added_ids[t.content] = id;
    added_by_id[id] = added.size();
    added.push_back({t, id, t.content});
    refresh_patterns();
    return 1;
  }

  // Leftmost-longest, non-overlapping matches of the added tokens with normalized == `normalized`.
  std::vector<std::pair<std::pair<size_t, size_t>, int64_t>> find_added(const std::string& s, bool normalized,
                                                                        bool encode_special_tokens) const {
    std::vector<std::pair<std::pair<size_t, size_t>, int64_t>> out;
    const auto& table = by_first_byte[normalized ? 1 : 0];
    size_t prev_end = 0, i = 0;
    while (i < s.size()) {
      const AddedEntry* hit = nullptr;
      for (size_t k : table[static_cast<unsigned char>(s[i])]) {
        const AddedEntry& c = added[k];
        if (encode_special_tokens && c.tok.special) continue;
        if (s.compare(i, c.pattern.size(), c.pattern) == 0) {
          hit = &c;
          break;
        }
      }
      if (!hit) {
        ++i;
        continue;
      }
      size_t b = i, e = i + hit->pattern.size();
      if (hit->tok.single_word) {
        auto char_before = [&]() -> std::optional<char32_t> {
          if (b == 0) return std::nullopt;
          size_t k = b - 1;
          while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
          return utf8_decode(s.substr(k, b - k))[0];
        };
        auto char_after = [&]() -> std::optional<char32_t> {
          if (e >= s.size()) return std::nullopt;
          return utf8_decode(s.substr(e, utf8_seq_len(static_cast<unsigned char>(s[e]))))[0];
        };
        auto cb = char_before(), ca = char_after();
        if ((cb && is_alphabetic_word(*cb)) || (ca && is_alphabetic_word(*ca))) {
          i += utf8_seq_len(static_cast<unsigned char>(s[i]));
          continue;
        }
      }
      if (hit->tok.lstrip)
        while (b > prev_end && b > 0 && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
      if (hit->tok.rstrip)
        while (e < s.size() && std::isspace(static_cast<unsigned char>(s[e]))) ++e;
      out.push_back({{b, e}, hit->id});
      prev_end = e;
      i = e;
    }
    return out;
  }

  // Steps 1-4 of the pipeline for one sequence; offsets in bytes of `text`.
  Encoding encode_one(const std::string& text, int64_t type_id, bool encode_special_tokens) const {
    validate_utf8(text, "tokenizer input");
    std::vector<Part> parts;
    NormalizedString whole(text, 0);
    auto add_gap = [&](size_t b, size_t e) {
      if (e <= b) return;
      NormalizedString g = whole.slice(b, e);
      if (normalizer) normalizer->normalize(g);
      const auto m = find_added(g.normalized, true, encode_special_tokens);
      size_t pos = 0;
      for (const auto& [r, id] : m) {
        if (r.first > pos) parts.push_back({g.slice(pos, r.first), std::nullopt});
        parts.push_back({g.slice(r.first, r.second), id});
        pos = r.second;
      }
      if (pos < g.normalized.size() || (pos == 0 && m.empty())) parts.push_back({g.slice(pos, g.normalized.size()), std::nullopt});
    };
    size_t pos = 0;
    for (const auto& [r, id] : find_added(text, false, encode_special_tokens)) {
      add_gap(pos, r.first);
      parts.push_back({whole.slice(r.first, r.second), id});
      pos = r.second;
    }
    add_gap(pos, text.size());

    Encoding enc;
    int64_t word = 0;
    auto emit = [&](int64_t id, const std::string& value, Range off, int64_t w) {
      enc.ids.push_back(id);
      enc.tokens.push_back(value);
      enc.offsets.push_back({off.first, off.second});
      enc.word_ids.push_back(w);
      enc.type_ids.push_back(type_id);
      enc.sequence_ids.push_back(type_id);
      enc.special_tokens_mask.push_back(0);
      enc.attention_mask.push_back(1);
    };
    for (auto& part : parts) {
      if (part.added_id) {
        emit(*part.added_id, part.ns.normalized, part.ns.to_original(0, part.ns.normalized.size()), word++);
        continue;
      }
      if (part.ns.empty()) continue;
      std::vector<NormalizedString> words{part.ns};
      if (pre_tokenizer) pre_tokenizer->pre_tokenize(words);
      for (const auto& w : words) {
        for (const Token& t : model->tokenize(w.normalized)) emit(t.id, t.value, w.to_original(t.begin, t.end), word);
        ++word;
      }
    }
    return enc;
  }
};

namespace {

void slice_into(const Encoding& e, size_t b, size_t n, Encoding& out) {
  auto cut = [&](const auto& v, auto& o) { o.assign(v.begin() + static_cast<long>(b), v.begin() + static_cast<long>(b + n)); };
  cut(e.ids, out.ids);
  cut(e.type_ids, out.type_ids);
  cut(e.tokens, out.tokens);
  cut(e.offsets, out.offsets);
  cut(e.word_ids, out.word_ids);
  cut(e.sequence_ids, out.sequence_ids);
  cut(e.special_tokens_mask, out.special_tokens_mask);
  cut(e.attention_mask, out.attention_mask);
}

// Keeps max_len tokens; the rest becomes overflow windows stepping by max_len - stride.
void truncate(Encoding& e, size_t max_len, size_t stride, bool right) {
  const size_t n = e.size();
  if (n <= max_len) return;
  if (max_len == 0) {
    Encoding all = e;
    e = Encoding();
    e.overflowing.push_back(all);
    return;
  }
  // Rust's Encoding::truncate asserts this (a panic in Python); a zero step would never end. A pair
  // truncated longest_first gets a share of max_length that can fall to the stride or below.
  if (stride >= max_len)
    throw TokenizerError("`stride` (" + std::to_string(stride) + ") must be strictly less than `max_len` (" + std::to_string(max_len) +
                         ") when truncating a sequence");
  const size_t step = max_len - stride;
  std::vector<std::pair<size_t, size_t>> windows;  // (start, len)
  if (right) {
    for (size_t s = 0;; s += step) {
      const size_t len = std::min(max_len, n - s);
      windows.emplace_back(s, len);
      if (s + len >= n) break;
    }
  } else {
    for (size_t end = n;; end -= step) {
      const size_t s = end > max_len ? end - max_len : 0;
      windows.emplace_back(s, end - s);
      if (s == 0 || end <= step) break;
    }
  }
  Encoding src = e;
  Encoding first;
  slice_into(src, windows[0].first, windows[0].second, first);
  for (size_t i = 1; i < windows.size(); ++i) {
    Encoding o;
    slice_into(src, windows[i].first, windows[i].second, o);
    first.overflowing.push_back(o);
  }
  e = first;
}

void pad(Encoding& e, size_t target, const PaddingParams& p) {
  for (auto& o : e.overflowing) pad(o, target, p);
  if (e.size() >= target) return;
  const size_t k = target - e.size();
  auto ins = [&](auto& v, auto val) { v.insert(p.direction == "left" ? v.begin() : v.end(), k, val); };
  ins(e.ids, p.pad_id);
  ins(e.type_ids, p.pad_type_id);
  ins(e.tokens, p.pad_token);
  ins(e.offsets, std::pair<int64_t, int64_t>{0, 0});
  ins(e.word_ids, std::optional<int64_t>{});
  ins(e.sequence_ids, std::optional<int64_t>{});
  ins(e.special_tokens_mask, int64_t{1});
  ins(e.attention_mask, int64_t{0});
}

// Byte offsets -> code points of the sequence each token came from.
void to_char_offsets(Encoding& e, const std::vector<int64_t>& ta, const std::vector<int64_t>& tb) {
  for (size_t i = 0; i < e.size(); ++i) {
    if (!e.sequence_ids[i]) continue;
    const auto& t = *e.sequence_ids[i] == 0 ? ta : tb;
    auto& [s, en] = e.offsets[i];
    s = t[std::min<size_t>(static_cast<size_t>(s), t.size() - 1)];
    en = t[std::min<size_t>(static_cast<size_t>(en), t.size() - 1)];
  }
  for (auto& o : e.overflowing) to_char_offsets(o, ta, tb);
}

std::vector<int64_t> char_table(const std::string& s) {
  std::vector<int64_t> t(s.size() + 1);
  int64_t c = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++c;
    t[i] = c;
  }
  t[s.size()] = c + 1;
  return t;
}

}  // namespace
}  // namespace tok

using tok::Pipeline;

Tokenizer Tokenizer::from_file(const std::string& path) { return from_str(read_file(path), path); }

Tokenizer Tokenizer::from_str(const std::string& text, const std::string& source) {
  tok::ModelTables tables;
  Json j = tok::parse_tokenizer_json(text, source, tables);
  try {
    if (!j.is_object()) throw TokenizerError("not a JSON object");
    if (j.contains("version") && j["version"] != "1.0") throw TokenizerError("unsupported version " + j["version"].dump());
    auto p = std::make_shared<Pipeline>();
    std::optional<TruncationParams> t_trunc;
    std::optional<PaddingParams> t_pad;
    p->normalizer = tok::make_normalizer(j.value("normalizer", Json()));
    p->pre_tokenizer = tok::make_pre_tokenizer(j.value("pre_tokenizer", Json()));
    p->model = tok::make_model(tok::jfield(j, "model", "tokenizer.json"), &tables);
    p->post = tok::make_post_processor(j.value("post_processor", Json()));
    p->decoder = tok::make_decoder(j.value("decoder", Json()));
    if (j.contains("added_tokens") && j["added_tokens"].is_array())
      for (const auto& a : j["added_tokens"]) p->add(tok::parse_added_token(a));
    if (j.contains("truncation") && j["truncation"].is_object()) {
      TruncationParams t;
      const Json& tj = j["truncation"];
      t.max_length = json_int_or<TokenizerError>(tj, "max_length", 512, "truncation", 0);
      t.stride = json_int_or<TokenizerError>(tj, "stride", 0, "truncation", 0);
      const std::string st = tok::jstring(tj, "strategy", "LongestFirst");
      t.strategy = st == "OnlyFirst" ? "only_first" : st == "OnlySecond" ? "only_second" : "longest_first";
      t.direction = tok::jstring(tj, "direction", "Right") == "Left" ? "left" : "right";
      t_trunc = t;
    }
    if (j.contains("padding") && j["padding"].is_object()) {
      PaddingParams pp;
      const Json& pj = j["padding"];
      if (pj.contains("strategy") && pj["strategy"].is_object() && pj["strategy"].contains("Fixed"))
        pp.length = json_int<TokenizerError>(pj["strategy"]["Fixed"], "padding.strategy.Fixed", 0);
      if (pj.contains("pad_to_multiple_of") && pj["pad_to_multiple_of"].is_number_integer())
        pp.pad_to_multiple_of = json_int<TokenizerError>(pj["pad_to_multiple_of"], "padding.pad_to_multiple_of", 0);
      pp.direction = tok::jstring(pj, "direction", "Right") == "Left" ? "left" : "right";
      pp.pad_id = json_int_or<TokenizerError>(pj, "pad_id", 0, "padding");
      pp.pad_type_id = json_int_or<TokenizerError>(pj, "pad_type_id", 0, "padding");
      pp.pad_token = tok::jstring(pj, "pad_token", "[PAD]");
      t_pad = pp;
    }
    Tokenizer t;
    t.p_ = p;
    t.post_ = p->post;
    t.trunc_ = t_trunc;
    t.pad_ = t_pad;
    return t;
  } catch (const Json::exception& e) {
    throw TokenizerError(source + ": " + e.what());
  } catch (const TokenizerError& e) {
    throw TokenizerError(source + ": " + e.what());
  }
}

Encoding Tokenizer::encode(const std::string& text, const std::string* pair, bool add_special) const {
  Encoding a = p_->encode_one(text, 0, encode_special_);
  std::optional<Encoding> b;
  if (pair) b = p_->encode_one(*pair, 1, encode_special_);
  if (trunc_) {
    const auto& t = *trunc_;
    const size_t added = add_special && post_ ? post_->added_tokens(b.has_value()) : 0;
    if (static_cast<size_t>(t.max_length) < added) throw TokenizerError("truncation max_length is smaller than the special tokens to add");
    const size_t limit = static_cast<size_t>(t.max_length) - added;
    if (t.stride > 0 && static_cast<size_t>(t.stride) >= limit)
      throw TokenizerError("truncation stride must be smaller than max_length minus the special tokens");
    const bool right = t.direction != "left";
    const size_t stride = static_cast<size_t>(t.stride);
    const size_t total = a.size() + (b ? b->size() : 0);
    if (total > limit) {
      if (!b) {
        tok::truncate(a, limit, stride, right);
      } else if (t.strategy == "longest_first") {
        size_t n1 = a.size(), n2 = b->size();
        const bool swap = n1 > n2;
        if (swap) std::swap(n1, n2);
        if (n1 > limit) n2 = n1;
        else n2 = std::max(n1, limit - n1);
        if (n1 + n2 > limit) {
          n1 = limit / 2;
          n2 = n1 + limit % 2;
        }
        if (swap) std::swap(n1, n2);
        tok::truncate(a, n1, stride, right);
        tok::truncate(*b, n2, stride, right);
      } else {
        Encoding& target = t.strategy == "only_first" ? a : *b;
        const size_t remove = total - limit;
        if (target.size() <= remove)
          throw TokenizerError("sequence to truncate (" + std::to_string(target.size()) + " tokens) is not longer than the " +
                               std::to_string(remove) + " tokens to remove; try longest_first");
        tok::truncate(target, target.size() - remove, stride, right);
      }
    }
  }
  Encoding out = tok::post_process(post_.get(), std::move(a), std::move(b), add_special);
  if (pad_ && pad_->length) {
    size_t target = static_cast<size_t>(*pad_->length);
    if (pad_->pad_to_multiple_of && *pad_->pad_to_multiple_of > 0) {
      const size_t m = static_cast<size_t>(*pad_->pad_to_multiple_of);
      target = (target + m - 1) / m * m;
    }
    tok::pad(out, target, *pad_);
  }
  tok::to_char_offsets(out, tok::char_table(text), tok::char_table(pair ? *pair : std::string()));
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                                              bool add_special) const {
  if (pairs && pairs->size() != texts.size())
    throw TokenizerError("encode_batch: " + std::to_string(texts.size()) + " texts but " + std::to_string(pairs->size()) + " pairs");
  // Texts encode independently (the BPE cache is locked, regex matches keep their own state): on
  // every thread the library uses; the error of the first failing text is rethrown after the loop.
  std::vector<Encoding> out(texts.size());
  std::exception_ptr error;
  int64_t error_at = -1;
  const auto n = static_cast<int64_t>(texts.size());
#pragma omp parallel for schedule(dynamic, 16) if (n >= 32)
  for (int64_t i = 0; i < n; ++i) {
    try {
      out[static_cast<size_t>(i)] = encode(texts[static_cast<size_t>(i)], pairs ? &(*pairs)[static_cast<size_t>(i)] : nullptr, add_special);
    } catch (...) {
#pragma omp critical(tokenizer_batch_error)
      if (error_at < 0 || i < error_at) error = std::current_exception(), error_at = i;
    }
  }
  if (error) std::rethrow_exception(error);
  if (pad_ && !pad_->length) {
    size_t target = 0;
    for (const auto& e : out) {
      target = std::max(target, e.size());
      for (const auto& o : e.overflowing) target = std::max(target, o.size());
    }
    if (pad_->pad_to_multiple_of && *pad_->pad_to_multiple_of > 0) {
      const size_t m = static_cast<size_t>(*pad_->pad_to_multiple_of);
      target = (target + m - 1) / m * m;
    }
    for (auto& e : out) tok::pad(e, target, *pad_);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  std::vector<std::string> toks;
  for (int64_t id : ids) {
    std::optional<std::string> t;
    auto it = p_->added_by_id.find(id);
    if (it != p_->added_by_id.end()) {
      const auto& a = p_->added[it->second];
      if (skip_special && a.tok.special) continue;
      t = a.tok.content;
    } else {
      t = p_->model->id_to_token(id);
    }
    if (t) toks.push_back(*t);  // unknown ids are dropped, as in the Rust library
  }
  return decode_tokens(toks);
}

std::string Tokenizer::decode_tokens(const std::vector<std::string>& toks) const {
  if (!p_->decoder) {
    std::string s;
    for (size_t i = 0; i < toks.size(); ++i) s += (i ? " " : "") + toks[i];
    return s;
  }
  std::string s;
  for (const auto& t : p_->decoder->decode_chain(toks)) s += t;
  return s;
}

std::optional<std::string> DecodeStream::step(int64_t id) {
  ids_.push_back(id);
  const std::string s = tok_->decode(ids_, skip_);
  static const std::string kReplacement = "\xEF\xBF\xBD";
  const bool incomplete = s.size() >= 3 && s.compare(s.size() - 3, 3, kReplacement) == 0;
  if (s.size() <= prefix_.size() || incomplete) return std::nullopt;
  if (s.compare(0, prefix_.size(), prefix_) != 0) throw TokenizerError("DecodeStream: decoded text no longer starts with the emitted prefix");
  std::string out = s.substr(prefix_.size());
  // Keep the ids since the previous emission as context for the next one.
  const size_t new_prefix_index = ids_.size() - prefix_index_;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<long>(prefix_index_));
  prefix_ = tok_->decode(ids_, skip_);
  prefix_index_ = new_prefix_index;
  return out;
}

std::optional<int64_t> Tokenizer::token_to_id(const std::string& t) const {
  auto it = p_->added_ids.find(t);
  if (it != p_->added_ids.end()) return it->second;
  return p_->model->token_to_id(t);
}

std::optional<std::string> Tokenizer::id_to_token(int64_t id) const {
  auto it = p_->added_by_id.find(id);
  if (it != p_->added_by_id.end()) return p_->added[it->second].tok.content;
  return p_->model->id_to_token(id);
}

size_t Tokenizer::get_vocab_size(bool with_added) const {
  if (!with_added) return p_->model->vocab_size();
  size_t n = p_->model->vocab_size();
  for (const auto& a : p_->added)
    if (!p_->model->id_to_token(a.id)) ++n;
  return n;
}

std::map<std::string, int64_t> Tokenizer::get_vocab(bool with_added) const {
  auto v = p_->model->vocab();
  if (with_added)
    for (const auto& a : p_->added) v[a.tok.content] = a.id;
  return v;
}

size_t Tokenizer::add_tokens(const std::vector<AddedToken>& tokens) {
  size_t n = 0;
  for (const auto& t : tokens) n += p_->add(t);
  return n;
}

bool Tokenizer::is_special(const std::string& token) const {
  for (const auto& a : p_->added)
    if (a.tok.content == token) return a.tok.special;
  return false;
}
bool Tokenizer::is_bpe() const { return p_->model->is_bpe(); }

void Tokenizer::set_truncation(std::optional<TruncationParams> t) { trunc_ = std::move(t); }
void Tokenizer::set_padding(std::optional<PaddingParams> p) { pad_ = std::move(p); }
const std::optional<TruncationParams>& Tokenizer::truncation() const { return trunc_; }
const std::optional<PaddingParams>& Tokenizer::padding() const { return pad_; }
void Tokenizer::set_encode_special_tokens(bool v) { encode_special_ = v; }
size_t Tokenizer::num_special_tokens_to_add(bool pair) const { return post_ ? post_->added_tokens(pair) : 0; }

void Tokenizer::set_post_processor(const std::string& json) {
  post_ = tok::make_post_processor(parse_json(json, "post_processor"));
}

}  // namespace transformers
