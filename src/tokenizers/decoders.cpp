// Decoders (tokenizers/src/decoders/*): token strings -> text.
#include "tokenizers/components.hpp"
#include "tokenizers/regex.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

Regex pattern_regex(const Json& j, const char* where);

std::string cleanup_tokenization(std::string s, bool do_not) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : rules) {
    if (do_not && std::string(from) == " 's") s = replace_literal(s, " do not", " don't");
    s = replace_literal(s, from, to);
  }
  return s;
}

namespace {

struct SequenceD : Decoder {
  std::vector<std::unique_ptr<Decoder>> items;
  std::vector<std::string> decode_chain(std::vector<std::string> t) const override {
    for (const auto& d : items) t = d->decode_chain(std::move(t));
    return t;
  }
};

struct ByteLevelD : Decoder {
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    const auto& m = unicode_to_bytes();
    std::string bytes;
    for (const auto& t : toks) {
      const std::u32string cs = utf8_decode(t);
      std::string mapped;
      bool all = true;
      for (char32_t c : cs) {
        auto it = m.find(c);
        if (it == m.end()) { all = false; break; }
        mapped += static_cast<char>(it->second);
      }
      bytes += all ? mapped : t;
    }
    return {utf8_lossy(bytes)};
  }
};

struct ByteFallbackD : Decoder {
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    std::vector<std::string> out;
    std::string buf;
    size_t nbytes = 0;
    auto flush = [&] {
      if (!nbytes) return;
      if (utf8_valid(buf)) out.push_back(buf);
      else for (size_t i = 0; i < nbytes; ++i) out.push_back("\xEF\xBF\xBD");
      buf.clear();
      nbytes = 0;
    };
    for (const auto& t : toks) {
      if (t.size() == 6 && t.rfind("<0x", 0) == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
          std::isxdigit(static_cast<unsigned char>(t[4]))) {
        buf += static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16));
        ++nbytes;
        continue;
      }
      flush();
      out.push_back(t);
    }
    flush();
    return out;
  }
};

struct FuseD : Decoder {
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    std::string s;
    for (const auto& t : toks) s += t;
    return {s};
  }
};

struct StripD : Decoder {
  char32_t content;
  size_t start, stop;
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    for (auto& t : toks) {
      std::u32string cs = utf8_decode(t);
      size_t b = 0, e = cs.size();
      while (b < e && b < start && cs[b] == content) ++b;
      size_t removed = 0;
      while (e > b && removed < stop && cs[e - 1] == content) { --e; ++removed; }
      std::string r;
      for (size_t i = b; i < e; ++i) utf8_append(r, cs[i]);
      t = r;
    }
    return toks;
  }
};

struct ReplaceD : Decoder {
  Regex re;
  std::string content;
  ReplaceD(Regex r, std::string c) : re(std::move(r)), content(std::move(c)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    for (auto& t : toks) {
      std::string out;
      size_t pos = 0;
      for (auto [b, e] : re.find_all(t)) {
        out.append(t, pos, b - pos);
        out += content;
        pos = e;
      }
      out.append(t, pos, std::string::npos);
      t = out;
    }
    return toks;
  }
};

struct MetaspaceD : Decoder {
  std::string replacement;
  bool prepend;
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    for (size_t i = 0; i < toks.size(); ++i) {
      if (i == 0 && prepend) toks[i] = replace_literal(toks[i], replacement, "");
      else toks[i] = replace_literal(toks[i], replacement, " ");
    }
    return toks;
  }
};

struct WordPieceD : Decoder {
  std::string prefix;
  bool cleanup;
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    for (size_t i = 0; i < toks.size(); ++i) {
      if (i > 0) {
        if (toks[i].rfind(prefix, 0) == 0) toks[i] = toks[i].substr(prefix.size());
        else toks[i] = " " + toks[i];
      }
      if (cleanup) toks[i] = cleanup_tokenization(toks[i], true);
    }
    return toks;
  }
};

struct BPED : Decoder {
  std::string suffix;
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    for (size_t i = 0; i < toks.size(); ++i) toks[i] = replace_literal(toks[i], suffix, i + 1 == toks.size() ? "" : " ");
    return toks;
  }
};

struct CTCD : Decoder {
  std::string pad, delimiter;
  bool cleanup;
  std::vector<std::string> decode_chain(std::vector<std::string> toks) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < toks.size(); ++i) {
      if (i > 0 && toks[i] == toks[i - 1]) continue;
      std::string t = replace_literal(toks[i], pad, "");
      if (cleanup) t = replace_literal(cleanup_tokenization(t, true), delimiter, " ");
      if (!t.empty()) out.push_back(t);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = jstring(j, "type", "");
  if (type == "Sequence") {
    auto s = std::make_unique<SequenceD>();
    for (const auto& d : jfield(j, "decoders", "Sequence decoder"))
      if (auto q = make_decoder(d)) s->items.push_back(std::move(q));
    return s;
  }
  if (type == "SpmDecoder") return make_spm_decoder(j);
  if (type == "ByteLevel") return std::make_unique<ByteLevelD>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackD>();
  if (type == "Fuse") return std::make_unique<FuseD>();
  if (type == "Strip") {
    auto s = std::make_unique<StripD>();
    const std::u32string c = utf8_decode(jstring(j, "content", " "));
    if (c.size() != 1) throw TokenizerError("Strip decoder: content must be one character");
    s->content = c[0];
    s->start = static_cast<size_t>(json_int_or<TokenizerError>(j, "start", 0, "Strip decoder", 0));
    s->stop = static_cast<size_t>(json_int_or<TokenizerError>(j, "stop", 0, "Strip decoder", 0));
    return s;
  }
  if (type == "Replace") return std::make_unique<ReplaceD>(pattern_regex(j, "Replace decoder"), jstring(j, "content", ""));
  if (type == "Metaspace") {
    auto m = std::make_unique<MetaspaceD>();
    m->replacement = jstring(j, "replacement", "\xE2\x96\x81");
    std::string scheme = jstring(j, "prepend_scheme", "always");
    if (j.contains("add_prefix_space") && j["add_prefix_space"].is_boolean() && !j["add_prefix_space"].get<bool>()) scheme = "never";
    m->prepend = scheme != "never";
    return m;
  }
  if (type == "WordPiece") {
    auto w = std::make_unique<WordPieceD>();
    w->prefix = jstring(j, "prefix", "##");
    w->cleanup = jbool(j, "cleanup", true);
    return w;
  }
  if (type == "BPEDecoder") {
    auto b = std::make_unique<BPED>();
    b->suffix = jstring(j, "suffix", "</w>");
    return b;
  }
  if (type == "CTC") {
    auto c = std::make_unique<CTCD>();
    c->pad = jstring(j, "pad_token", "<pad>");
    c->delimiter = jstring(j, "word_delimiter_token", "|");
    c->cleanup = jbool(j, "cleanup", true);
    return c;
  }
  throw TokenizerError("decoder type '" + type + "' is not supported");
}

}  // namespace transformers::tok
