// Normalizers (tokenizers/src/normalizers/*), each acting on one piece with alignment tracking.
#include <utf8proc.h>

#include "tokenizers/components.hpp"
#include "tokenizers/regex.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

const Json& jfield(const Json& j, const char* key, const char* where) {
  if (!j.is_object() || !j.contains(key)) throw TokenizerError(std::string(where) + ": missing '" + key + "'");
  return j[key];
}
std::string jstring(const Json& j, const char* key, const std::string& def) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_string()) throw TokenizerError(std::string("'") + key + "' must be a string");
  return j[key].get<std::string>();
}
bool jbool(const Json& j, const char* key, bool def) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_boolean()) throw TokenizerError(std::string("'") + key + "' must be a boolean");
  return j[key].get<bool>();
}

AddedToken parse_added_token(const Json& j) {
  AddedToken t;
  t.content = jstring(j, "content", "");
  t.single_word = jbool(j, "single_word", false);
  t.lstrip = jbool(j, "lstrip", false);
  t.rstrip = jbool(j, "rstrip", false);
  t.normalized = jbool(j, "normalized", true);
  t.special = jbool(j, "special", false);
  return t;
}

std::string replace_literal(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  std::string out;
  size_t pos = 0;
  for (size_t f = s.find(from); f != std::string::npos; f = s.find(from, pos)) {
    out.append(s, pos, f - pos);
    out += to;
    pos = f + from.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

namespace {

// Per-char rewrite: every output char takes the alignment of its source char; no output deletes it.
template <typename F>
void map_chars(NormalizedString& s, F f) {
  std::vector<Ch> out;
  out.reserve(s.normalized.size());
  for (const Ch& ch : s.chars()) f(ch, out);
  s.set(out);
}

struct SequenceN : Normalizer {
  std::vector<std::unique_ptr<Normalizer>> items;
  void normalize(NormalizedString& s) const override {
    for (const auto& n : items) n->normalize(s);
  }
};

struct Lowercase : Normalizer {
  void normalize(NormalizedString& s) const override {
    map_chars(s, [](const Ch& ch, std::vector<Ch>& out) {
      for (char32_t c : to_lower(ch.c)) out.push_back({c, ch.a});
    });
  }
};

struct StripAccents : Normalizer {
  void normalize(NormalizedString& s) const override {
    map_chars(s, [](const Ch& ch, std::vector<Ch>& out) {
      if (!is_mark(ch.c)) out.push_back(ch);
    });
  }
};

struct UnicodeNorm : Normalizer {
  NormForm form;
  explicit UnicodeNorm(NormForm f) : form(f) {}
  void normalize(NormalizedString& s) const override {
    // Most text is already in the form: a per-character quick check skips the normalizer.
    if (tok::normalization_invariant(s.normalized, form)) return;
    const std::vector<Ch> in = s.chars();
    std::u32string all;
    for (const Ch& ch : in) all += ch.c;
    const std::u32string norm = tok::normalize(all, form);
    if (norm == all) return;  // the common case: already normalized
    // Align per segment (a starter and what may reorder or compose with it): decompositions map to
    // their source char, compositions to the first char of the segment.
    std::vector<Ch> out;
    size_t i = 0;
    while (i < in.size()) {
      size_t j = i + 1;
      while (j < in.size() && !tok::normalization_boundary(in[j].c)) ++j;
      std::u32string seg;
      for (size_t k = i; k < j; ++k) seg += in[k].c;
      const std::u32string ns = tok::normalize(seg, form);
      if (ns.size() > seg.size()) {  // decomposition: each source char's expansion maps to it
        size_t k = 0;
        for (size_t m = i; m < j; ++m)
          for (size_t d = tok::normalize(std::u32string(1, in[m].c), form).size(); d > 0 && k < ns.size(); --d)
            out.push_back({ns[k++], in[m].a});
        while (k < ns.size()) out.push_back({ns[k++], in[j - 1].a});
      } else {  // same length or composed: in order, a composed char taking as many sources as it composes
        size_t at = i;
        for (char32_t c : ns) {
          out.push_back({c, in[std::min(at, j - 1)].a});
          at += c < 0x80 ? 1 : tok::normalize(std::u32string(1, c), NormForm::NFD).size();
        }
      }
      i = j;
    }
    s.set(out);
  }
};

struct BertNormalizer : Normalizer {
  bool clean_text, chinese, strip_accents, lowercase;
  void normalize(NormalizedString& s) const override {
    map_chars(s, [&](const Ch& ch, std::vector<Ch>& out) {
      char32_t c = ch.c;
      if (clean_text) {
        if (c == 0 || c == 0xFFFD || is_control(c)) return;
        if (is_whitespace(c)) c = ' ';
      }
      if (chinese && is_chinese_char(c)) {
        out.push_back({' ', ch.a});
        out.push_back({c, ch.a});
        out.push_back({' ', ch.a});
        return;
      }
      out.push_back({c, ch.a});
    });
    if (strip_accents) {
      UnicodeNorm(NormForm::NFD).normalize(s);
      map_chars(s, [](const Ch& ch, std::vector<Ch>& out) {
        if (!is_nonspacing_mark(ch.c)) out.push_back(ch);
      });
    }
    if (lowercase) Lowercase().normalize(s);
  }
};

struct Strip : Normalizer {
  bool left, right;
  void normalize(NormalizedString& s) const override {
    std::vector<Ch> cs = s.chars();
    size_t b = 0, e = cs.size();
    if (left) while (b < e && is_whitespace(cs[b].c)) ++b;
    if (right) while (e > b && is_whitespace(cs[e - 1].c)) --e;
    s.set(std::vector<Ch>(cs.begin() + static_cast<long>(b), cs.begin() + static_cast<long>(e)));
  }
};

struct Prepend : Normalizer {
  std::u32string prefix;
  void normalize(NormalizedString& s) const override {
    if (s.empty()) return;
    std::vector<Ch> cs = s.chars();
    std::vector<Ch> out;
    for (char32_t c : prefix) out.push_back({c, cs[0].a});
    out.insert(out.end(), cs.begin(), cs.end());
    s.set(out);
  }
};

struct Replace : Normalizer {
  Regex re;
  std::u32string content;
  Replace(Regex r, std::u32string c) : re(std::move(r)), content(std::move(c)) {}
  void normalize(NormalizedString& s) const override {
    const auto matches = re.find_all(s.normalized);
    if (matches.empty()) return;
    std::vector<Ch> out;
    size_t pos = 0;
    auto copy_until = [&](size_t end) {
      while (pos < end) {
        const size_t k = utf8_seq_len(static_cast<unsigned char>(s.normalized[pos]));
        out.push_back({utf8_decode(s.normalized.substr(pos, k))[0], s.align[pos]});
        pos += k;
      }
    };
    for (auto [b, e] : matches) {
      copy_until(b);
      Range a = e > b ? s.align[e - 1] : (out.empty() ? Range{0, 0} : out.back().a);
      for (char32_t c : content) out.push_back({c, a});
      pos = e;
    }
    copy_until(s.normalized.size());
    s.set(out);
  }
};

struct Nmt : Normalizer {
  void normalize(NormalizedString& s) const override {
    map_chars(s, [](const Ch& ch, std::vector<Ch>& out) {
      const char32_t c = ch.c;
      if ((c >= 1 && c <= 8) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0x8F || c == 0x9F) return;
      const bool sp = c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x1680 || (c >= 0x200B && c <= 0x200F) ||
                      c == 0x2028 || c == 0x2029 || c == 0x2581 || c == 0xFEFF || c == 0xFFFD;
      out.push_back({sp ? U' ' : c, ch.a});
    });
  }
};

struct ByteLevelN : Normalizer {
  void normalize(NormalizedString& s) const override {
    const auto& table = bytes_to_unicode();
    map_chars(s, [&](const Ch& ch, std::vector<Ch>& out) {
      for (char b : utf8_encode(ch.c)) out.push_back({table[static_cast<unsigned char>(b)], ch.a});
    });
  }
};

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const size_t v = chars.find(c);
    if (v == std::string::npos) throw TokenizerError("Precompiled: precompiled_charsmap is not valid base64");
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

// The Precompiled normalizer. HF's rule: per grapheme cluster (< 6 bytes) the shortest matching
// rule replaces the whole cluster, else per char.
struct Precompiled : Normalizer {
  CharsMap map;
  explicit Precompiled(const std::string& blob) : map(blob) {}
  const char* lookup(const std::string& key) const { return map.shortest(key); }

  void normalize(NormalizedString& s) const override {
    const std::vector<Ch> in = s.chars();
    if (in.empty()) return;
    std::vector<Ch> out;
    bool modified = false;
    auto replace = [&](size_t b, size_t e, const char* rep) {
      const std::u32string r = utf8_decode(rep);
      for (size_t k = 0; k < r.size(); ++k) out.push_back({r[k], in[std::min(b + k, e - 1)].a});
      modified = true;
    };
    size_t i = 0;
    utf8proc_int32_t state = 0;
    while (i < in.size()) {
      size_t j = i + 1;  // grapheme cluster [i, j)
      while (j < in.size() && !utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(in[j - 1].c),
                                                                static_cast<utf8proc_int32_t>(in[j].c), &state))
        ++j;
      state = 0;
      std::string g;
      for (size_t k = i; k < j; ++k) utf8_append(g, in[k].c);
      const char* rep = g.size() < 6 ? lookup(g) : nullptr;
      if (rep) {
        replace(i, j, rep);
      } else {
        for (size_t k = i; k < j; ++k) {
          const char* r = lookup(utf8_encode(in[k].c));
          if (r) replace(k, k + 1, r);
          else out.push_back(in[k]);
        }
      }
      i = j;
    }
    if (modified) s.set(out);
  }
};

Regex pattern_of(const Json& j, const char* where) {
  const Json& p = jfield(j, "pattern", where);
  if (p.contains("String")) return Regex::literal(p["String"].get<std::string>());
  if (p.contains("Regex")) return Regex(p["Regex"].get<std::string>());
  throw TokenizerError(std::string(where) + ": pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace

Regex pattern_regex(const Json& j, const char* where) { return pattern_of(j, where); }

CharsMap::CharsMap(const std::string& blob) {
  if (blob.size() < 4) throw TokenizerError("Precompiled: charsmap too short");
  uint32_t size = 0;
  for (int k = 3; k >= 0; --k) size = (size << 8) | static_cast<unsigned char>(blob[static_cast<size_t>(k)]);
  if (size % 4 || 4 + static_cast<size_t>(size) > blob.size()) throw TokenizerError("Precompiled: trie size out of range");
  trie_.resize(size / 4);
  for (size_t k = 0; k < trie_.size(); ++k) {
    uint32_t u = 0;
    for (int b = 3; b >= 0; --b) u = (u << 8) | static_cast<unsigned char>(blob[4 + k * 4 + static_cast<size_t>(b)]);
    trie_[k] = u;
  }
  strings_ = blob.substr(4 + size);
  if (trie_.empty()) throw TokenizerError("Precompiled: empty trie");
}

CharsMap CharsMap::from_base64(const std::string& b64) { return CharsMap(base64_decode(b64)); }

const char* CharsMap::match(const char* p, size_t n, bool longest, size_t* len) const {
  auto offset = [](uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); };
  size_t pos = offset(trie_[0]);
  const char* found = nullptr;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == 0) break;
    pos ^= c;
    if (pos >= trie_.size()) break;
    const uint32_t u = trie_[pos];
    if ((u & 0x800000FFu) != c) break;
    pos ^= offset(u);
    if (pos >= trie_.size()) break;
    if ((u >> 8) & 1) {
      const uint32_t v = trie_[pos] & 0x7FFFFFFFu;
      if (v >= strings_.size()) throw TokenizerError("Precompiled: replacement offset out of range");
      found = strings_.c_str() + v;
      if (len) *len = i + 1;
      if (!longest) break;
    }
  }
  return found;
}

std::unique_ptr<Normalizer> make_normalizer(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = jstring(j, "type", "");
  if (type == "Sequence") {
    auto s = std::make_unique<SequenceN>();
    for (const auto& n : jfield(j, "normalizers", "Sequence normalizer"))
      if (auto p = make_normalizer(n)) s->items.push_back(std::move(p));
    return s;
  }
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "NFC") return std::make_unique<UnicodeNorm>(NormForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNorm>(NormForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNorm>(NormForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNorm>(NormForm::NFKD);
  if (type == "Nmt") return std::make_unique<Nmt>();
  if (type == "ByteLevel") return std::make_unique<ByteLevelN>();
  if (type == "BertNormalizer") {
    auto b = std::make_unique<BertNormalizer>();
    b->clean_text = jbool(j, "clean_text", true);
    b->chinese = jbool(j, "handle_chinese_chars", true);
    b->lowercase = jbool(j, "lowercase", true);
    b->strip_accents = jbool(j, "strip_accents", b->lowercase);
    return b;
  }
  if (type == "Strip") {
    auto s = std::make_unique<Strip>();
    s->left = jbool(j, "strip_left", true);
    s->right = jbool(j, "strip_right", true);
    return s;
  }
  if (type == "Prepend") {
    auto p = std::make_unique<Prepend>();
    p->prefix = utf8_decode(jstring(j, "prepend", ""));
    return p;
  }
  if (type == "Replace") return std::make_unique<Replace>(pattern_of(j, "Replace normalizer"), utf8_decode(jstring(j, "content", "")));
  if (type == "Precompiled") {
    const std::string b64 = jstring(j, "precompiled_charsmap", "");
    if (b64.empty()) return nullptr;  // an empty charsmap normalizes nothing
    return std::make_unique<Precompiled>(base64_decode(b64));
  }
  throw TokenizerError("normalizer type '" + type + "' is not supported");
}

}  // namespace transformers::tok
