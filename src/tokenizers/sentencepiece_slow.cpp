// The slow SentencePiece classes that map pieces through their own vocab.json (MarianTokenizer,
// M2M100Tokenizer): SentencePiece's Encode (normalizer.cc, the model, merged unknown runs) and
// Decode (sentencepiece_processor.cc) reproduced over our Unigram / BPE models.
#include <set>

#include "tokenizers/components.hpp"
#include "tokenizers/sentencepiece.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

namespace {

const std::string kMeta = "\u2581";

// SentencePiece's NormalizerSpec applied to one chunk of text.
struct SpmNormalizer {
  std::optional<CharsMap> map;
  bool add_dummy_prefix = true, remove_extra_whitespaces = true, escape_whitespaces = true;

  // The normalized prefix of `in` and how many input bytes it consumes (NormalizePrefix).
  std::pair<std::string_view, size_t> prefix(std::string_view in) const {
    if (map) {
      size_t len = 0;
      if (const char* rep = map->match(in.data(), in.size(), true, &len)) return {std::string_view(rep), len};
    }
    const size_t n = std::min(in.size(), utf8_seq_len(static_cast<unsigned char>(in[0])));
    return {in.substr(0, n), n};
  }

  // Normalizer::Normalize: the text with U+2581 for spaces, and for every normalized byte (plus
  // one past the end) the input byte it came from.
  std::string normalize(std::string_view in, std::vector<size_t>& n2o) const {
    std::string out;
    n2o.clear();
    size_t consumed = 0;
    if (remove_extra_whitespaces)
      while (!in.empty()) {
        const auto [sp, len] = prefix(in);
        if (sp != " ") break;
        in.remove_prefix(len);
        consumed += len;
      }
    if (in.empty()) {
      n2o.push_back(consumed);
      return out;
    }
    auto add = [&](std::string_view s) {
      for (char c : s) {
        if (escape_whitespaces && c == ' ') {
          out += kMeta;
          n2o.insert(n2o.end(), kMeta.size(), consumed);
        } else {
          out += c;
          n2o.push_back(consumed);
        }
      }
    };
    if (add_dummy_prefix) add(" ");
    bool prev_space = remove_extra_whitespaces;
    while (!in.empty()) {
      auto [sp, len] = prefix(in);
      while (prev_space && !sp.empty() && sp[0] == ' ') sp.remove_prefix(1);
      if (!sp.empty()) {
        add(sp);
        prev_space = sp.back() == ' ';
      }
      consumed += len;
      in.remove_prefix(len);
      if (!remove_extra_whitespaces) prev_space = false;
    }
    if (remove_extra_whitespaces) {
      const std::string space = escape_whitespaces ? kMeta : " ";
      while (out.size() >= space.size() && out.compare(out.size() - space.size(), space.size(), space) == 0) {
        const size_t keep = out.size() - space.size();
        consumed = n2o[keep];
        out.resize(keep);
        n2o.resize(keep);
      }
    }
    n2o.push_back(consumed);
    return out;
  }
};

// Python's str.strip(): Unicode white space plus the separators \x1c-\x1f.
std::string py_strip(const std::string& s) {
  const std::u32string u = utf8_decode(s);
  auto space = [](char32_t c) { return is_whitespace(c) || (c >= 0x1c && c <= 0x1f); };
  size_t b = 0, e = u.size();
  while (b < e && space(u[b])) ++b;
  while (e > b && space(u[e - 1])) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) utf8_append(out, u[i]);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

struct SpmVocab : Model {
  SpmNormalizer norm;
  std::unique_ptr<Model> inner;  // the SentencePiece model's pieces
  int64_t inner_unk = -1;
  bool language_codes = false;   // Marian's leading ">>xx<<" kept whole
  std::unordered_map<std::string, int64_t> ids;
  std::map<int64_t, std::string> pieces;  // what ids decode to
  // Ids outside the vocabulary that tokens still convert to and from (M2M100's language tokens).
  std::unordered_map<std::string, int64_t> extra_ids;
  std::map<int64_t, std::string> extra_pieces;
  int64_t unk_id = 0;

  int64_t lookup(const std::string& piece) const {
    auto it = ids.find(piece);
    return it == ids.end() ? unk_id : it->second;
  }
  std::vector<Token> tokenize(const std::string& w) const override {
    std::vector<Token> out;
    size_t base = 0;
    if (language_codes && w.rfind(">>", 0) == 0)
      if (const size_t e = w.find("<<"); e != std::string::npos) {
        out.push_back({lookup(w.substr(0, e + 2)), w.substr(0, e + 2), 0, e + 2});
        base = e + 2;
      }
    std::vector<size_t> n2o;
    const std::string text = norm.normalize(std::string_view(w).substr(base), n2o);
    for (const Token& t : inner->tokenize(text)) {
      // Unknown runs keep their surface, which vocab.json may still know.
      std::string piece = t.id == inner_unk ? text.substr(t.begin, t.end - t.begin) : t.value;
      const int64_t id = lookup(piece);
      out.push_back({id, std::move(piece), base + n2o[t.begin], base + n2o[t.end]});
    }
    return out;
  }
  std::optional<int64_t> token_to_id(const std::string& t) const override {
    if (auto e = extra_ids.find(t); e != extra_ids.end()) return e->second;
    auto it = ids.find(t);
    if (it == ids.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (auto e = extra_pieces.find(id); e != extra_pieces.end()) return e->second;
    auto it = pieces.find(id);
    if (it == pieces.end()) return std::nullopt;
    return it->second;
  }
  size_t vocab_size() const override { return ids.size(); }
  std::map<std::string, int64_t> vocab() const override { return {ids.begin(), ids.end()}; }
};

struct SpmDecoder : Decoder {
  std::unordered_map<std::string, int> types;  // piece -> SentencePiece type
  std::string unk_piece, unk_surface;
  bool add_dummy_prefix = true, remove_extra_whitespaces = true;
  std::set<std::string> specials;
  std::string special_suffix;  // written after a special token (Marian: " ")
  bool replace_meta = false;   // Marian turns every U+2581 left over into a space

  // SentencePieceProcessor::Decode over piece strings.
  std::string spm_decode(const std::vector<std::string>& ps) const {
    std::string text, bytes;
    bool is_bos_ws = true, bos_ws_seen = false;
    auto flush = [&] {
      for (size_t i = 0; i < bytes.size();) {
        const size_t n = utf8_seq_len(static_cast<unsigned char>(bytes[i]));
        if (n > 0 && i + n <= bytes.size() && utf8_valid(bytes.substr(i, n))) {
          text += bytes.substr(i, n);
          i += n;
        } else {
          text += "\xEF\xBF\xBD";
          ++i;
        }
      }
      bytes.clear();
    };
    for (const std::string& p : ps) {
      auto it = types.find(p);
      const int type = it == types.end() ? 2 : it->second;
      if (type == 6 && p.size() == 6) {  // <0xNN>
        bytes += static_cast<char>(std::stoi(p.substr(3, 2), nullptr, 16));
        continue;
      }
      flush();
      if (bos_ws_seen || !text.empty()) is_bos_ws = false;
      bos_ws_seen = false;
      if (type == 3) continue;  // control: invisible
      if (type == 2) {
        text += p == unk_piece ? unk_surface : p;
        continue;
      }
      std::string_view v = p;
      if (is_bos_ws && (add_dummy_prefix || remove_extra_whitespaces) && v.substr(0, kMeta.size()) == kMeta) {
        v.remove_prefix(kMeta.size());
        bos_ws_seen = !remove_extra_whitespaces;
      }
      text += replace_all(std::string(v), kMeta, " ");
    }
    flush();
    return text;
  }

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string out;
    std::vector<std::string> sub;
    for (auto& t : tokens) {
      if (specials.count(t)) {
        out += spm_decode(sub) + t + special_suffix;
        sub.clear();
      } else {
        sub.push_back(std::move(t));
      }
    }
    out += spm_decode(sub);
    if (replace_meta) out = replace_all(out, kMeta, " ");
    return {py_strip(out)};
  }
};

SpmNormalizer normalizer_from(const Json& j) {
  SpmNormalizer n;
  if (const std::string b64 = jstring(j, "precompiled_charsmap", ""); !b64.empty()) n.map = CharsMap::from_base64(b64);
  n.add_dummy_prefix = jbool(j, "add_dummy_prefix", true);
  n.remove_extra_whitespaces = jbool(j, "remove_extra_whitespaces", true);
  n.escape_whitespaces = jbool(j, "escape_whitespaces", true);
  return n;
}

// The model part of SentencePiece: its Viterbi (Unigram) or merges (BPE) over the pieces text can
// produce (normal, user-defined and byte pieces; control and unused ones never match), plus <unk>.
Json inner_model(const SpmModel& m) {
  std::vector<const SpmPiece*> ps;
  const SpmPiece* unk = nullptr;
  for (const SpmPiece& p : m.pieces) {
    if (p.type == 2 && !unk) unk = &p;
    if (p.type == 1 || p.type == 4 || p.type == 6) ps.push_back(&p);
  }
  if (!unk) throw TokenizerError("SentencePiece model has no unknown piece");
  if (m.model_type == 1) {
    // <unk> under a name text never holds (normalized text has no plain spaces): spm never matches it.
    Json v = Json::array({Json::array({" <unk> ", 0.0})});
    for (const SpmPiece* p : ps) v.push_back(Json::array({p->piece, p->score}));
    return {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", v}, {"byte_fallback", m.byte_fallback}};
  }
  if (m.model_type != 2) throw TokenizerError("SentencePiece model type " + std::to_string(m.model_type) + " (word / char) is not supported");
  Json v = Json::object();
  std::vector<std::string> order;
  std::map<std::string, int64_t> index{{unk->piece, 0}};
  v[unk->piece] = 0;
  for (const SpmPiece* p : ps)
    if (!index.count(p->piece)) {
      index[p->piece] = static_cast<int64_t>(index.size());
      v[p->piece] = index[p->piece];
      order.push_back(p->piece);
    }
  // Merges ranked like SentencePiece's scores (pieces come sorted by score).
  const Json merges = generate_merges(order, index);
  return {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", unk->piece}, {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", m.byte_fallback}, {"ignore_merges", false},
          {"vocab", v}, {"merges", merges}};
}

Json normalizer_json(const SpmModel& m) {
  return {{"precompiled_charsmap", base64(m.precompiled_charsmap)}, {"add_dummy_prefix", m.add_dummy_prefix},
          {"remove_extra_whitespaces", m.remove_extra_whitespaces}, {"escape_whitespaces", m.escape_whitespaces}};
}

}  // namespace

std::unique_ptr<Model> make_spm_vocab_model(const Json& j, ModelTables* tables) {
  auto m = std::make_unique<SpmVocab>();
  m->norm = normalizer_from(jfield(j, "normalizer", "SpmVocab"));
  m->inner = make_model(jfield(j, "model", "SpmVocab"));
  const std::string inner_unk = jstring(j["model"], "unk_token", "");
  if (j["model"].contains("unk_id") && j["model"]["unk_id"].is_number_integer()) m->inner_unk = j["model"]["unk_id"].get<int64_t>();
  else if (auto id = m->inner->token_to_id(inner_unk)) m->inner_unk = *id;
  m->language_codes = jbool(j, "language_codes", false);
  if (tables && tables->vocab_object) {
    if (!tables->error.empty()) throw TokenizerError("SpmVocab: " + tables->error);
    for (auto& [piece, id] : tables->vocab) {
      m->pieces[id] = piece;
      m->ids[std::move(piece)] = id;
    }
  } else {
    const Json& v = jfield(j, "vocab", "SpmVocab");
    if (!v.is_object()) throw TokenizerError("SpmVocab: vocab must be an object");
    for (auto& [piece, id] : v.items()) {
      if (!id.is_number_integer()) throw TokenizerError("SpmVocab: the id of '" + piece + "' is not an integer");
      m->ids[piece] = id.get<int64_t>();
      m->pieces[id.get<int64_t>()] = piece;
    }
  }
  if (j.contains("decode_vocab") && j["decode_vocab"].is_object()) {
    m->pieces.clear();
    for (auto& [piece, id] : j["decode_vocab"].items())
      if (id.is_number_integer()) m->pieces[id.get<int64_t>()] = piece;
  }
  if (j.contains("extra_tokens") && j["extra_tokens"].is_object())
    for (auto& [piece, id] : j["extra_tokens"].items()) {
      if (!id.is_number_integer()) throw TokenizerError("SpmVocab: the id of '" + piece + "' is not an integer");
      m->extra_ids[piece] = id.get<int64_t>();
      m->extra_pieces[id.get<int64_t>()] = piece;
    }
  const std::string unk = jstring(j, "unk_token", "<unk>");
  auto it = m->ids.find(unk);
  if (it == m->ids.end()) throw TokenizerError("SpmVocab: the unknown token '" + unk + "' is not in the vocabulary");
  m->unk_id = it->second;
  return m;
}

std::unique_ptr<Decoder> make_spm_decoder(const Json& j) {
  auto d = std::make_unique<SpmDecoder>();
  for (const Json& p : jfield(j, "pieces", "SpmDecoder")) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_number_integer())
      throw TokenizerError("SpmDecoder: pieces must be [piece, type] pairs");
    d->types.emplace(p[0].get<std::string>(), static_cast<int>(json_int<TokenizerError>(p[1], "SpmDecoder: piece type", 0, 255)));
  }
  d->unk_piece = jstring(j, "unk_piece", "<unk>");
  d->unk_surface = jstring(j, "unk_surface", " \xE2\x81\x87 ");
  d->add_dummy_prefix = jbool(j, "add_dummy_prefix", true);
  d->remove_extra_whitespaces = jbool(j, "remove_extra_whitespaces", true);
  if (j.contains("specials") && j["specials"].is_array())
    for (const Json& s : j["specials"]) d->specials.insert(s.get<std::string>());
  d->special_suffix = jstring(j, "special_suffix", "");
  d->replace_meta = jbool(j, "replace_meta", false);
  return d;
}

std::vector<std::string> m2m100_language_codes(const std::string& set) {
  if (set == "wmt21") return {"en", "ha", "is", "ja", "cs", "ru", "zh", "de"};
  if (set != "m2m100") throw TokenizerError("M2M100Tokenizer: unknown language_codes '" + set + "' (m2m100, wmt21)");
  return {"af", "am", "ar", "ast", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "ceb", "cs", "cy", "da", "de", "el", "en", "es",
          "et", "fa", "ff", "fi", "fr", "fy", "ga", "gd", "gl", "gu", "ha", "he", "hi", "hr", "ht", "hu", "hy", "id", "ig", "ilo",
          "is", "it", "ja", "jv", "ka", "kk", "km", "kn", "ko", "lb", "lg", "ln", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr",
          "ms", "my", "ne", "nl", "no", "ns", "oc", "or", "pa", "pl", "ps", "pt", "ro", "ru", "sd", "si", "sk", "sl", "so", "sq",
          "sr", "ss", "su", "sv", "sw", "ta", "th", "tl", "tn", "tr", "uk", "ur", "uz", "vi", "wo", "xh", "yi", "yo", "zh", "zu"};
}

std::string spm_vocab_tokenizer_json(const SpmModel& m, const Json& vocab, const std::string& tokenizer_class, const Json& cfg,
                                     const SpmModel* decode_spm, const Json* decode_vocab) {
  std::string cls = tokenizer_class;
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  const bool marian = cls == "MarianTokenizer", m2m = cls == "M2M100Tokenizer";
  if (!marian && !m2m) return "";
  if (!vocab.is_object()) throw TokenizerError(cls + ": vocab.json must map pieces to ids");
  const SpmModel& dm = decode_spm ? *decode_spm : m;
  const std::string unk = special(cfg, "unk_token", "<unk>"), eos = special(cfg, "eos_token", "</s>"),
                    pad = special(cfg, "pad_token", "<pad>"), bos = m2m ? special(cfg, "bos_token", "<s>") : "",
                    sep = m2m ? special(cfg, "sep_token", "</s>") : "";
  if (!vocab.contains(unk)) throw TokenizerError(cls + ": the unknown token '" + unk + "' is not in vocab.json");
  // Special tokens: in the vocabulary, or added after it (M2M100's language tokens follow it).
  int64_t next = 0;
  for (auto& [piece, id] : vocab.items()) {
    if (!id.is_number_integer()) throw TokenizerError(cls + ": vocab.json gives '" + piece + "' a non-integer id");
    next = std::max(next, json_int<TokenizerError>(id, cls + ": the id of '" + piece + "'", 0, UINT32_MAX) + 1);  // ids are u32
  }
  Json added = Json::array(), specials = Json::array();
  std::map<std::string, int64_t> special_ids;
  auto add = [&](const std::string& t) {
    if (t.empty() || special_ids.count(t)) return;
    const int64_t id = vocab.contains(t) ? vocab[t].get<int64_t>() : next++;
    special_ids[t] = id;
    added.push_back({{"id", id}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                     {"special", true}});
    specials.push_back(t);
  };
  Json post, extra = Json::object();
  if (m2m) {
    // Language tokens are no added tokens in v5 (text never splits on them, decode keeps them):
    // get_lang_id gives them len(vocab.json) + the code's index, whatever vocab.json holds.
    const auto codes = m2m100_language_codes(cfg.value("language_codes", std::string("m2m100")));
    for (size_t i = 0; i < codes.size(); ++i) extra["__" + codes[i] + "__"] = static_cast<int64_t>(vocab.size() + i);
    next = std::max(next, static_cast<int64_t>(vocab.size() + codes.size()));
    for (const std::string& t : {bos, eos, sep, pad, unk}) add(t);
  } else {
    for (const std::string& t : {eos, unk, pad}) add(t);
  }
  if (cfg.contains("additional_special_tokens") && cfg["additional_special_tokens"].is_array())
    for (const Json& t : cfg["additional_special_tokens"]) add(t.is_string() ? t.get<std::string>() : special(t, "content", ""));
  // M2M100's source-language prefix is PreTrainedTokenizer's (set_src_lang).
  post = template_processing({"$A:0", eos + ":0"}, {"$A:0", "$B:0", eos + ":0"}, {{eos, special_ids[eos]}});
  Json model = {{"type", "SpmVocab"}, {"normalizer", normalizer_json(m)}, {"model", inner_model(m)}, {"vocab", vocab},
                {"unk_token", unk}, {"language_codes", marian}, {"extra_tokens", extra}};
  if (decode_vocab) model["decode_vocab"] = *decode_vocab;
  Json pieces = Json::array();
  std::string unk_piece = "<unk>";
  for (const SpmPiece& p : dm.pieces) {
    pieces.push_back(Json::array({p.piece, p.type}));
    if (p.type == 2) unk_piece = p.piece;
  }
  Json decoder = {{"type", "SpmDecoder"}, {"pieces", pieces}, {"unk_piece", unk_piece}, {"unk_surface", dm.unk_surface},
                  {"add_dummy_prefix", dm.add_dummy_prefix}, {"remove_extra_whitespaces", dm.remove_extra_whitespaces},
                  {"specials", specials}, {"special_suffix", marian ? " " : ""}, {"replace_meta", marian}};
  Json j = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added}, {"normalizer", nullptr},
            {"pre_tokenizer", nullptr}, {"model", model}, {"post_processor", post}, {"decoder", decoder}};
  return j.dump();
}

}  // namespace transformers::tok
