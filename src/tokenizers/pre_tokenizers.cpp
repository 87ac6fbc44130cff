// Pre-tokenizers (tokenizers/src/pre_tokenizers/*) and the split machinery they share.
#include <array>
#include "tokenizers/components.hpp"
#include "tokenizers/regex.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

Regex pattern_regex(const Json& j, const char* where);

const std::vector<char32_t>& bytes_to_unicode() {
  static const std::vector<char32_t> t = [] {
    std::vector<char32_t> r(256);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      r[b] = printable ? static_cast<char32_t>(b) : next++;
    }
    return r;
  }();
  return t;
}

const std::unordered_map<char32_t, uint8_t>& unicode_to_bytes() {
  static const std::unordered_map<char32_t, uint8_t> m = [] {
    std::unordered_map<char32_t, uint8_t> r;
    const auto& t = bytes_to_unicode();
    for (int b = 0; b < 256; ++b) r[t[b]] = static_cast<uint8_t>(b);
    return r;
  }();
  return m;
}

SplitBehavior parse_behavior(const Json& j) {
  const std::string b = j.is_string() ? j.get<std::string>() : "";
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  throw TokenizerError("unknown split behavior " + j.dump());
}

void split_piece(const NormalizedString& piece, const std::vector<std::pair<size_t, size_t>>& matches, SplitBehavior behavior,
                 bool invert, std::vector<NormalizedString>& out) {
  // Gap-free segments (begin, end, is_match).
  struct Seg { size_t b, e; bool m; };
  std::vector<Seg> segs;
  size_t pos = 0;
  for (auto [b, e] : matches) {
    if (b > pos) segs.push_back({pos, b, false});
    segs.push_back({b, e, true});
    pos = e;
  }
  if (pos < piece.normalized.size()) segs.push_back({pos, piece.normalized.size(), false});
  if (invert)
    for (auto& s : segs) s.m = !s.m;
  std::vector<std::pair<size_t, size_t>> ranges;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const auto& s : segs) if (!s.m) ranges.emplace_back(s.b, s.e);
      break;
    case SplitBehavior::Isolated:
      for (const auto& s : segs) ranges.emplace_back(s.b, s.e);
      break;
    case SplitBehavior::MergedWithPrevious: {
      bool prev_nonmatch = false;
      for (const auto& s : segs) {
        if (s.m && prev_nonmatch && !ranges.empty()) ranges.back().second = s.e;
        else ranges.emplace_back(s.b, s.e);
        prev_nonmatch = !s.m;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool prev_match = false;
      for (const auto& s : segs) {
        if (!s.m && prev_match && !ranges.empty()) ranges.back().second = s.e;
        else ranges.emplace_back(s.b, s.e);
        prev_match = s.m;
      }
      break;
    }
    case SplitBehavior::Contiguous: {
      for (size_t i = 0; i < segs.size(); ++i) {
        if (i > 0 && segs[i].m == segs[i - 1].m && !ranges.empty()) ranges.back().second = segs[i].e;
        else ranges.emplace_back(segs[i].b, segs[i].e);
      }
      break;
    }
  }
  for (auto [b, e] : ranges)
    if (e > b) out.push_back(piece.slice(b, e));
}

namespace {

// One match per char satisfying `pred`.
template <typename P>
std::vector<std::pair<size_t, size_t>> char_matches(const std::string& s, P pred) {
  std::vector<std::pair<size_t, size_t>> m;
  for (size_t i = 0; i < s.size();) {
    const size_t k = utf8_seq_len(static_cast<unsigned char>(s[i]));
    if (pred(utf8_decode(s.substr(i, k))[0])) m.emplace_back(i, i + k);
    i += k;
  }
  return m;
}

struct PerPiece : PreTokenizer {
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    std::vector<NormalizedString> out;
    for (const auto& p : pieces) split(p, out);
    pieces = std::move(out);
  }
  virtual void split(const NormalizedString& p, std::vector<NormalizedString>& out) const = 0;
};

struct SequenceP : PreTokenizer {
  std::vector<std::unique_ptr<PreTokenizer>> items;
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    for (const auto& p : items) p->pre_tokenize(pieces);
  }
};

struct SplitP : PerPiece {
  Regex re;
  SplitBehavior behavior;
  bool invert;
  SplitP(Regex r, SplitBehavior b, bool inv) : re(std::move(r)), behavior(b), invert(inv) {}
  void split(const NormalizedString& p, std::vector<NormalizedString>& out) const override {
    split_piece(p, re.find_all(p.normalized), behavior, invert, out);
  }
};

template <typename Pred>
struct CharSplit : PerPiece {
  Pred pred;
  SplitBehavior behavior;
  CharSplit(Pred p, SplitBehavior b) : pred(p), behavior(b) {}
  void split(const NormalizedString& p, std::vector<NormalizedString>& out) const override {
    split_piece(p, char_matches(p.normalized, pred), behavior, false, out);
  }
};
template <typename Pred>
std::unique_ptr<PreTokenizer> char_split(Pred p, SplitBehavior b) {
  return std::make_unique<CharSplit<Pred>>(p, b);
}

struct BertP : PerPiece {
  void split(const NormalizedString& p, std::vector<NormalizedString>& out) const override {
    std::vector<NormalizedString> words;
    split_piece(p, char_matches(p.normalized, is_whitespace), SplitBehavior::Removed, false, words);
    for (const auto& w : words) split_piece(w, char_matches(w.normalized, is_punctuation_bert), SplitBehavior::Isolated, false, out);
  }
};

struct ByteLevelP : PerPiece {
  bool add_prefix_space, use_regex;
  void split(const NormalizedString& p0, std::vector<NormalizedString>& out) const override {
    static const Regex gpt2(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
    NormalizedString p = p0;
    if (add_prefix_space && !p.normalized.empty() && p.normalized[0] != ' ') {
      std::vector<Ch> cs = p.chars();
      cs.insert(cs.begin(), Ch{U' ', cs[0].a});
      p.set(cs);
    }
    std::vector<NormalizedString> parts;
    if (use_regex) split_piece(p, gpt2.find_all(p.normalized), SplitBehavior::Isolated, false, parts);
    else parts.push_back(p);
    // Every byte becomes its printable stand-in, keeping the alignment of the character it is part of.
    static const std::array<std::string, 256> stand_in = [] {
      std::array<std::string, 256> t;
      for (size_t b = 0; b < 256; ++b) t[b] = utf8_encode(bytes_to_unicode()[b]);
      return t;
    }();
    for (auto& part : parts) {
      std::string mapped;
      std::vector<Range> align;
      mapped.reserve(part.normalized.size() * 2);
      align.reserve(part.normalized.size() * 2);
      for (size_t i = 0; i < part.normalized.size(); ++i) {
        const std::string& e = stand_in[static_cast<unsigned char>(part.normalized[i])];
        mapped += e;
        align.insert(align.end(), e.size(), part.align[i]);
      }
      part.normalized = std::move(mapped);
      part.align = std::move(align);
      out.push_back(std::move(part));
    }
  }
};

struct MetaspaceP : PerPiece {
  std::u32string replacement;
  std::string scheme;  // always | first | never
  bool do_split;
  void split(const NormalizedString& p0, std::vector<NormalizedString>& out) const override {
    NormalizedString p = p0;
    std::vector<Ch> cs;
    for (const Ch& ch : p.chars()) {
      if (ch.c == U' ') for (char32_t r : replacement) cs.push_back({r, ch.a});
      else cs.push_back(ch);
    }
    const bool starts = !cs.empty() && cs[0].c == replacement[0];
    const bool prepend = scheme == "always" || (scheme == "first" && p.shift == 0);
    if (prepend && !starts && !cs.empty()) {
      const Range a = cs[0].a;
      std::vector<Ch> pre;
      for (char32_t r : replacement) pre.push_back({r, a});
      cs.insert(cs.begin(), pre.begin(), pre.end());
    }
    p.set(cs);
    if (!do_split) {
      out.push_back(p);
      return;
    }
    const std::string rep = [&] { std::string s; for (char32_t c : replacement) utf8_append(s, c); return s; }();
    std::vector<std::pair<size_t, size_t>> m;
    for (size_t i = p.normalized.find(rep); i != std::string::npos; i = p.normalized.find(rep, i + rep.size()))
      m.emplace_back(i, i + rep.size());
    split_piece(p, m, SplitBehavior::MergedWithNext, false, out);
  }
};

// UnicodeScripts: a split wherever the script changes, the space (and anything outside the Unicode
// 9.0 script table tokenizers uses) belonging to every script; Hiragana, Katakana and U+30FC count as
// Han. As in tokenizers, text before the first character with a script is dropped.
struct UnicodeScriptsP : PerPiece {
  void split(const NormalizedString& p, std::vector<NormalizedString>& out) const override {
    std::vector<size_t> cuts;
    int last = -1;  // no script yet
    size_t i = 0;   // byte offset of c
    for (char32_t c : utf8_decode(p.normalized)) {
      const int script = unicode_script(c);
      if (script != kScriptAny && script != last) cuts.push_back(i);
      if (script != kScriptAny) last = script;
      i += utf8_len(c);
    }
    cuts.push_back(p.normalized.size());
    for (size_t k = 0; k + 1 < cuts.size(); ++k) out.push_back(p.slice(cuts[k], cuts[k + 1]));
  }
};

struct FixedLengthP : PerPiece {
  size_t length;
  void split(const NormalizedString& p, std::vector<NormalizedString>& out) const override {
    size_t start = 0, n = 0;
    for (size_t i = 0; i < p.normalized.size();) {
      i += utf8_seq_len(static_cast<unsigned char>(p.normalized[i]));
      if (++n == length) {
        out.push_back(p.slice(start, i));
        start = i;
        n = 0;
      }
    }
    if (start < p.normalized.size()) out.push_back(p.slice(start, p.normalized.size()));
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = jstring(j, "type", "");
  if (type == "Sequence") {
    auto s = std::make_unique<SequenceP>();
    for (const auto& p : jfield(j, "pretokenizers", "Sequence pre-tokenizer"))
      if (auto q = make_pre_tokenizer(p)) s->items.push_back(std::move(q));
    return s;
  }
  if (type == "ByteLevel") {
    auto b = std::make_unique<ByteLevelP>();
    b->add_prefix_space = jbool(j, "add_prefix_space", true);
    b->use_regex = jbool(j, "use_regex", true);
    return b;
  }
  if (type == "Whitespace") {
    // Words and runs of other non-space characters are kept, the white space between them removed.
    // \w+|[^\w\s]+ with Oniguruma's \w (Alphabetic, marks, decimal digits, connectors, joiners).
    static const char* pat = R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\s]+)";
    return std::make_unique<SplitP>(Regex(pat), SplitBehavior::Removed, true);
  }
  if (type == "WhitespaceSplit") return char_split(is_whitespace, SplitBehavior::Removed);
  if (type == "BertPreTokenizer") return std::make_unique<BertP>();
  if (type == "Punctuation")
    return char_split(is_punctuation_bert, j.contains("behavior") ? parse_behavior(j["behavior"]) : SplitBehavior::Isolated);
  if (type == "Digits")
    return char_split(is_numeric, jbool(j, "individual_digits", false) ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  if (type == "CharDelimiterSplit") {
    const std::u32string d = utf8_decode(jstring(j, "delimiter", ""));
    if (d.size() != 1) throw TokenizerError("CharDelimiterSplit: delimiter must be one character");
    const char32_t c = d[0];
    return char_split([c](char32_t x) { return x == c; }, SplitBehavior::Removed);
  }
  if (type == "Split")
    return std::make_unique<SplitP>(pattern_regex(j, "Split pre-tokenizer"), parse_behavior(jfield(j, "behavior", "Split")),
                                    jbool(j, "invert", false));
  if (type == "Metaspace") {
    auto m = std::make_unique<MetaspaceP>();
    m->replacement = utf8_decode(jstring(j, "replacement", "\xE2\x96\x81"));
    if (m->replacement.size() != 1) throw TokenizerError("Metaspace: replacement must be one character");
    std::string scheme = jstring(j, "prepend_scheme", "always");
    if (j.contains("add_prefix_space") && j["add_prefix_space"].is_boolean() && !j["add_prefix_space"].get<bool>()) {
      if (j.contains("prepend_scheme") && scheme != "never")
        throw TokenizerError("Metaspace: add_prefix_space=false contradicts prepend_scheme '" + scheme + "'");
      scheme = "never";
    }
    if (scheme != "always" && scheme != "first" && scheme != "never") throw TokenizerError("Metaspace: unknown prepend_scheme " + scheme);
    m->scheme = scheme;
    m->do_split = jbool(j, "split", true);
    return m;
  }
  if (type == "UnicodeScripts") return std::make_unique<UnicodeScriptsP>();
  if (type == "FixedLength") {
    auto f = std::make_unique<FixedLengthP>();
    f->length = static_cast<size_t>(json_int_or<TokenizerError>(j, "length", 5, "FixedLength", 0));
    if (f->length == 0) throw TokenizerError("FixedLength: length must be positive");
    return f;
  }
  throw TokenizerError("pre-tokenizer type '" + type + "' is not supported");
}

}  // namespace transformers::tok
