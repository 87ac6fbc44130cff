// SentencePiece conversion as transformers v5 does it on load (tokenization_utils_tokenizers.py's
// _convert_from_sentencepiece, SentencePieceExtractor, the classes' __init__ and the converters'
// convert_from_spm).
#include "tokenizers/sentencepiece.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

namespace {

struct Wire {
  const std::string& buf;
  size_t pos = 0;
  const std::string& path;
  TokenizerError bad(const char* what) const { return TokenizerError(path + ": not a SentencePiece model (" + what + ")"); }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= buf.size()) throw bad("truncated varint");
      const auto b = static_cast<unsigned char>(buf[pos++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw bad("overlong varint");
  }
  std::string bytes() {
    const uint64_t len = varint();
    if (len > buf.size() - pos) throw bad("truncated field");
    std::string s = buf.substr(pos, len);
    pos += len;
    return s;
  }
  float fixed32() {
    if (pos + 4 > buf.size()) throw bad("truncated float");
    float f;
    std::memcpy(&f, buf.data() + pos, 4);
    pos += 4;
    return f;
  }
  void skip(uint64_t wire) {
    if (wire == 0) varint();
    else if (wire == 1) pos += 8;
    else if (wire == 5) pos += 4;
    else if (wire == 2) pos += varint();
    else throw bad("unknown wire type");
    if (pos > buf.size()) throw bad("truncated field");
  }
  bool done() const { return pos >= buf.size(); }
};

}  // namespace

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

// Code-point boundaries of a UTF-8 string (byte offsets, including 0 and size).
std::vector<size_t> boundaries(const std::string& s) {
  std::vector<size_t> b{0};
  for (size_t i = 1; i <= s.size(); ++i)
    if (i == s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) b.push_back(i);
  return b;
}

}  // namespace

// generate_merges(vocab) without scores: each piece split in two known pieces, ordered by the
// piece's id, then the halves' lengths in code points (the pairs of one piece by their ids).
Json generate_merges(const std::vector<std::string>& order, const std::map<std::string, int64_t>& vocab) {
  struct Merge {
    std::string l, r;
    int64_t id;
    size_t ll, lr;
  };
  std::vector<Merge> merges;
  for (const std::string& piece : order) {
    const int64_t id = vocab.at(piece);
    const auto b = boundaries(piece);
    std::vector<Merge> local;
    for (size_t k = 1; k + 1 < b.size(); ++k) {
      std::string l = piece.substr(0, b[k]), r = piece.substr(b[k]);
      if (vocab.count(l) && vocab.count(r)) local.push_back({l, r, id, k, b.size() - 1 - k});
    }
    std::stable_sort(local.begin(), local.end(), [&](const Merge& x, const Merge& y) {
      return std::pair(vocab.at(x.l), vocab.at(x.r)) < std::pair(vocab.at(y.l), vocab.at(y.r));
    });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  std::stable_sort(merges.begin(), merges.end(),
                   [](const Merge& x, const Merge& y) { return std::tuple(x.id, x.ll, x.lr) < std::tuple(y.id, y.ll, y.lr); });
  Json out = Json::array();
  for (const Merge& m : merges) out.push_back(Json::array({m.l, m.r}));
  return out;
}

std::string special(const Json& cfg, const char* key, const std::string& def) {
  if (!cfg.contains(key)) return def;
  const Json& v = cfg[key];
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return def;
}

namespace {

Json added_token(int64_t id, const std::string& content, bool special) {
  return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", special}};
}

std::string strip_fast(std::string c) {
  if (c.size() > 4 && c.compare(c.size() - 4, 4, "Fast") == 0) c.resize(c.size() - 4);
  return c;
}

}  // namespace

SpmModel read_spm(const std::string& path) {
  const std::string data = read_file(path);
  Wire w{data, 0, path};
  SpmModel m;
  while (!w.done()) {
    const uint64_t tag = w.varint(), field = tag >> 3, wire = tag & 7;
    if (field == 1 && wire == 2) {  // SentencePiece
      const std::string msg = w.bytes();
      Wire p{msg, 0, path};
      SpmPiece piece;
      while (!p.done()) {
        const uint64_t t = p.varint();
        if ((t >> 3) == 1 && (t & 7) == 2) piece.piece = p.bytes();
        else if ((t >> 3) == 2 && (t & 7) == 5) piece.score = p.fixed32();
        else if ((t >> 3) == 3 && (t & 7) == 0) piece.type = static_cast<int>(p.varint());
        else p.skip(t & 7);
      }
      validate_utf8(piece.piece, "SentencePiece model");
      m.pieces.push_back(std::move(piece));
    } else if (field == 2 && wire == 2) {  // TrainerSpec
      const std::string msg = w.bytes();
      Wire t{msg, 0, path};
      while (!t.done()) {
        const uint64_t g = t.varint(), f = g >> 3;
        if (f == 44 && (g & 7) == 2) {
          m.unk_surface = t.bytes();
          continue;
        }
        if ((g & 7) != 0) {
          t.skip(g & 7);
          continue;
        }
        const auto v = static_cast<int64_t>(t.varint());
        const auto sv = static_cast<int64_t>(static_cast<int32_t>(v));  // int32 fields: negative ids are sign-extended
        if (f == 3) m.model_type = static_cast<int>(v);
        else if (f == 35) m.byte_fallback = v != 0;
        else if (f == 40) m.unk_id = sv;
        else if (f == 41) m.bos_id = sv;
        else if (f == 42) m.eos_id = sv;
        else if (f == 43) m.pad_id = sv;
      }
    } else if (field == 3 && wire == 2) {  // NormalizerSpec
      const std::string msg = w.bytes();
      Wire n{msg, 0, path};
      while (!n.done()) {
        const uint64_t g = n.varint();
        if ((g >> 3) == 2 && (g & 7) == 2) m.precompiled_charsmap = n.bytes();
        else if ((g >> 3) == 3 && (g & 7) == 0) m.add_dummy_prefix = n.varint() != 0;
        else if ((g >> 3) == 4 && (g & 7) == 0) m.remove_extra_whitespaces = n.varint() != 0;
        else if ((g >> 3) == 5 && (g & 7) == 0) m.escape_whitespaces = n.varint() != 0;
        else n.skip(g & 7);
      }
    } else {
      w.skip(wire);
    }
  }
  if (m.pieces.empty()) throw w.bad("no pieces");
  return m;
}

std::vector<std::string> mbart_language_codes(bool mbart50) {
  std::vector<std::string> codes = {"ar_AR", "cs_CZ", "de_DE", "en_XX", "es_XX", "et_EE", "fi_FI", "fr_XX", "gu_IN", "hi_IN", "it_IT", "ja_XX", "kk_KZ",
                                    "ko_KR", "lt_LT", "lv_LV", "my_MM", "ne_NP", "nl_XX", "ro_RO", "ru_RU", "si_LK", "tr_TR", "vi_VN", "zh_CN"};
  if (mbart50)
    for (const char* c : {"af_ZA", "az_AZ", "bn_IN", "fa_IR", "he_IL", "hr_HR", "id_ID", "ka_GE", "km_KH", "mk_MK", "ml_IN", "mn_MN", "mr_IN", "pl_PL",
                          "ps_AF", "pt_XX", "sv_SE", "sw_KE", "ta_IN", "te_IN", "th_TH", "tl_XX", "uk_UA", "ur_PK", "xh_ZA", "gl_ES", "sl_SI"})
      codes.push_back(c);
  return codes;
}

std::string spm_vocab_file(const std::string& tokenizer_class) {
  const std::string c = strip_fast(tokenizer_class);
  if (c == "LlamaTokenizer") return "tokenizer.model";
  if (c == "T5Tokenizer") return "spiece.model";
  if (c == "XLMRobertaTokenizer") return "sentencepiece.bpe.model";
  if (c == "AlbertTokenizer") return "spiece.model";
  if (c == "CamembertTokenizer") return "sentencepiece.bpe.model";
  if (c == "MBartTokenizer" || c == "MBart50Tokenizer") return "sentencepiece.bpe.model";
  return "";
}

std::string spm_tokenizer_json(const SpmModel& m, const std::string& tokenizer_class, const Json& cfg) {
  const std::string cls = strip_fast(tokenizer_class);
  if (spm_vocab_file(cls).empty()) return "";
  // The model's vocabulary as the class orders it.
  std::vector<std::pair<std::string, float>> vocab;
  std::vector<std::string> extra;  // T5's sentinels, ascending
  int64_t unk_id = 0;
  const bool mbart = cls == "MBartTokenizer" || cls == "MBart50Tokenizer";
  const std::vector<std::string> langs = mbart ? mbart_language_codes(cls == "MBart50Tokenizer") : std::vector<std::string>{};
  if (cls == "XLMRobertaTokenizer" || mbart) {
    // fairseq's ids: <s> <pad> </s> <unk>, the pieces after the model's first three, (mBART's
    // language codes,) then <mask>.
    vocab = {{special(cfg, mbart ? "cls_token" : "bos_token", "<s>"), 0.0f}, {special(cfg, "pad_token", "<pad>"), 0.0f},
             {special(cfg, "eos_token", "</s>"), 0.0f}, {special(cfg, "unk_token", "<unk>"), 0.0f}};
    for (size_t i = 3; i < m.pieces.size(); ++i) vocab.emplace_back(m.pieces[i].piece, m.pieces[i].score);
    for (const std::string& l : langs) vocab.emplace_back(l, 0.0f);
    vocab.emplace_back(special(cfg, "mask_token", "<mask>"), 0.0f);
    unk_id = 3;
  } else if (cls == "CamembertTokenizer") {
    // CamembertConverter.convert_from_spm: fairseq's NOTUSED slots, the pieces after the model's
    // first, then <mask>; unk is the first "<unk>".
    const std::string unk_t = special(cfg, "unk_token", "<unk>");
    vocab = {{"<s>NOTUSED", 0.0f}, {special(cfg, "pad_token", "<pad>"), 0.0f}, {"</s>NOTUSED", 0.0f}, {unk_t, 0.0f}, {"<unk>NOTUSED", -100.0f}};
    for (size_t i = 1; i < m.pieces.size(); ++i) vocab.emplace_back(m.pieces[i].piece, m.pieces[i].score);
    vocab.emplace_back(special(cfg, "mask_token", "<mask>"), 0.0f);
    unk_id = 3;
  } else {
    for (const SpmPiece& p : m.pieces) vocab.emplace_back(p.piece, p.score);
    if (cls == "T5Tokenizer") {
      const int64_t n = json_int_or<TokenizerError>(cfg, "extra_ids", 100, "tokenizer_config.json", 0, 1 << 20);
      for (int64_t i = n - 1; i >= 0; --i) vocab.emplace_back("<extra_id_" + std::to_string(i) + ">", 0.0f);
      for (int64_t i = 0; i < n; ++i) extra.push_back("<extra_id_" + std::to_string(i) + ">");
      unk_id = 2;  // T5Tokenizer's fixed choice
    }
    if (cls == "AlbertTokenizer") unk_id = 1;  // AlbertTokenizer's fixed choice
  }
  std::map<std::string, int64_t> ids;
  std::vector<std::string> order;
  for (size_t i = 0; i < vocab.size(); ++i) {
    if (!ids.count(vocab[i].first)) order.push_back(vocab[i].first);
    ids[vocab[i].first] = static_cast<int64_t>(i);
  }
  // Added tokens: the control (special) and user-defined pieces, the declared special tokens, and
  // T5's sentinels; tokens the vocabulary lacks get the next ids.
  std::map<int64_t, Json> added;
  int64_t next = static_cast<int64_t>(vocab.size());
  auto add = [&](const std::string& content, bool is_special) {
    if (content.empty()) return;
    for (const auto& [id, a] : added)
      if (a["content"] == content) return;
    const int64_t id = ids.count(content) ? ids[content] : next++;
    added[id] = added_token(id, content, is_special);
  };
  const bool llama = cls == "LlamaTokenizer", t5 = cls == "T5Tokenizer", albert = cls == "AlbertTokenizer";
  const std::string bos = special(cfg, "bos_token", t5 ? "" : albert ? "[CLS]" : "<s>"), eos = special(cfg, "eos_token", albert ? "[SEP]" : "</s>"),
                    unk = special(cfg, "unk_token", "<unk>"), pad = special(cfg, "pad_token", llama ? "" : "<pad>");
  const std::string sep = llama || t5 ? "" : special(cfg, "sep_token", albert ? "[SEP]" : "</s>"),
                    clst = llama || t5 ? "" : special(cfg, "cls_token", albert ? "[CLS]" : "<s>"),
                    mask = llama || t5 ? "" : special(cfg, "mask_token", albert ? "[MASK]" : "<mask>");
  // The config's added_tokens_decoder (or a legacy added_tokens.json) fixes its tokens' ids first.
  if (cfg.contains("added_tokens_decoder") && cfg["added_tokens_decoder"].is_object()) {
    std::vector<std::pair<int64_t, Json>> fixed;
    for (auto& [id, v] : cfg["added_tokens_decoder"].items())
      if (v.is_object() && v.contains("content") && v["content"].is_string()) fixed.emplace_back(std::stoll(id), v);
    std::sort(fixed.begin(), fixed.end(), [](auto& x, auto& y) { return x.first < y.first; });
    for (auto& [id, v] : fixed) {
      const std::string content = v["content"];
      if (ids.count(content) && ids[content] != id) continue;  // a piece keeps the model's id
      Json a = added_token(id, content, v.value("special", false));
      for (const char* k : {"single_word", "lstrip", "rstrip", "normalized"})
        if (v.contains(k) && v[k].is_boolean()) a[k] = v[k];
      added[id] = a;
      next = std::max(next, id + 1);
    }
  }
  for (const auto& t : {bos, eos, unk, sep, pad, clst, mask}) add(t, true);
  for (const SpmPiece& p : m.pieces)
    if (p.type == 3 || p.type == 4) add(p.piece, p.type == 3);
  for (const auto& t : extra) add(t, true);
  for (const auto& t : langs) add(t, true);
  if (cfg.contains("additional_special_tokens") && cfg["additional_special_tokens"].is_array())
    for (const Json& t : cfg["additional_special_tokens"])
      if (auto c = t.is_string() ? t.get<std::string>() : t.value("content", std::string()); !c.empty()) add(c, true);
  if (cls == "CamembertTokenizer" || mbart)  // the mask token swallows the space before it
    for (auto& [id, a] : added)
      if (a["content"] == mask) a["lstrip"] = true;
  Json added_list = Json::array();
  for (auto& [id, a] : added) added_list.push_back(a);
  auto id_of = [&](const std::string& t) {
    for (const auto& [id, a] : added)
      if (a["content"] == t) return id;
    return ids.at(t);
  };

  Json j = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added_list}};
  if (llama) {
    Json v = Json::object();
    for (const std::string& piece : order) v[piece] = ids[piece];
    const bool prefix = cfg.value("add_prefix_space", true);
    const std::string scheme = !prefix ? "never" : cfg.value("legacy", false) ? "always" : "first";
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", false}};
    j["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
                  {"vocab", v}, {"merges", generate_merges(order, ids)}};
    Json decoders = Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}}, {{"type", "ByteFallback"}}, {{"type", "Fuse"}}});
    if (prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    j["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
    // update_post_processor: bos / eos as add_bos_token / add_eos_token ask.
    const bool add_bos = cfg.value("add_bos_token", false) && !bos.empty(), add_eos = cfg.value("add_eos_token", false) && !eos.empty();
    j["post_processor"] = bos_eos_template(add_bos, bos, add_bos ? id_of(bos) : 0, add_eos, eos, add_eos ? id_of(eos) : 0);
    return j.dump();
  }
  // Unigram classes: the model's precompiled normalizer, whitespace split then Metaspace.
  Json v = Json::array();
  for (const auto& [piece, score] : vocab) v.push_back(Json::array({piece, score}));
  j["model"] = {{"type", "Unigram"}, {"unk_id", unk_id}, {"vocab", v}, {"byte_fallback", false}};
  const Json precompiled = {{"type", "Precompiled"}, {"precompiled_charsmap", base64(m.precompiled_charsmap)}};
  j["normalizer"] = m.precompiled_charsmap.empty() ? Json(nullptr) : precompiled;
  if (albert) {
    // `` and '' to ", accents stripped (keep_accents false), lower case (do_lower_case), then the charsmap.
    Json norms = Json::array({{{"type", "Replace"}, {"pattern", {{"String", "``"}}}, {"content", "\""}},
                              {{"type", "Replace"}, {"pattern", {{"String", "''"}}}, {"content", "\""}}});
    if (!cfg.value("keep_accents", false)) norms.push_back({{"type", "NFKD"}}), norms.push_back({{"type", "StripAccents"}});
    if (cfg.value("do_lower_case", true)) norms.push_back({{"type", "Lowercase"}});
    if (!m.precompiled_charsmap.empty()) norms.push_back(precompiled);
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", norms}};
  }
  const std::string scheme = t5 || cfg.value("add_prefix_space", true) ? "always" : "never";
  const Json metaspace = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", true}};
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", Json::array({{{"type", "WhitespaceSplit"}}, metaspace})}};
  if (cls == "MBartTokenizer") j["normalizer"] = nullptr;  // v5's MBartTokenizer drops the charsmap
  if (cls == "MBart50Tokenizer") {
    // The charsmap then runs of spaces to one, and Metaspace alone splits.
    Json norms = Json::array();
    if (!m.precompiled_charsmap.empty()) norms.push_back(precompiled);
    norms.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", norms}};
    j["pre_tokenizer"] = metaspace;
  }
  j["decoder"] = metaspace;
  if (albert) {
    // The template names "[CLS]" / "[SEP]" whatever the class's tokens are called, with their ids.
    j["post_processor"] = template_processing({"[CLS]:0", "$A:0", "[SEP]:0"}, {"[CLS]:0", "$A:0", "[SEP]:0", "$B:1", "[SEP]:1"},
                                              {{"[CLS]", id_of(clst)}, {"[SEP]", id_of(sep)}});
  } else if (t5) {
    j["post_processor"] = template_processing({"$A:0", eos + ":0"}, {"$A:0", eos + ":0", "$B:0", eos + ":0"}, {{eos, id_of(eos)}});
  } else {
    j["post_processor"] = template_processing({bos + ":0", "$A:0", eos + ":0"}, {bos + ":0", "$A:0", eos + ":0", eos + ":0", "$B:0", eos + ":0"},
                                              {{bos, id_of(bos)}, {eos, id_of(eos)}});
  }
  return j.dump();
}

}  // namespace transformers::tok
